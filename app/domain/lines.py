"""Which QBO item each order line is booked to: the keys products are mapped by (SKU, else
variant, else a custom sale's title), and the product_not_mapped error listing every line
without one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.config import SyncConfig, UnmatchedProducts
from app.domain.errors import ErrorCode, SyncError
from app.domain.models import Order, OrderLine


def variant_key(variant_id: str) -> str:
    return f"variant:{variant_id}"


def sku_key(sku: str) -> str:
    return f"sku:{sku}"


def title_key(title: str) -> str:
    """A custom sale (no product, variant or SKU) is mapped by its title."""
    return f"title:{title}"


def product_key(line: OrderLine) -> str | None:
    """How a line's product is listed for mapping: by SKU, else variant, else title."""
    if line.sku:
        return sku_key(line.sku)
    if line.variant_id:
        return variant_key(line.variant_id)
    return title_key(line.title) if line.title else None


def line_item_id(line: OrderLine, product_mappings: Mapping[str, str]) -> str | None:
    """The mapped QBO item: by variant first (SKUs change and may be blank), then by SKU; a
    line with neither by its title."""
    if line.variant_id and variant_key(line.variant_id) in product_mappings:
        return product_mappings[variant_key(line.variant_id)]
    if line.sku:
        return product_mappings.get(sku_key(line.sku))
    if not line.variant_id and line.title:
        return product_mappings.get(title_key(line.title))
    return None


def product_lines(order: Order) -> tuple[OrderLine, ...]:
    """The lines that book to a product's item: all but gift cards sold, which book to the
    gift-card liability (accounting.gift_card_item_id)."""
    return tuple(line for line in order.lines if not line.gift_card)


def unmapped_lines(order: Order, product_mappings: Mapping[str, str]) -> tuple[OrderLine, ...]:
    return tuple(
        line for line in product_lines(order) if line_item_id(line, product_mappings) is None
    )


def resolve_lines(
    order: Order, product_mappings: Mapping[str, str], config: SyncConfig
) -> dict[str, str]:
    """Line id → QBO item id. Unmapped lines take the default item under `use_default`,
    otherwise one product_not_mapped error lists all of them."""
    products = config.products
    fallback = products.default_item_id
    if products.unmatched != UnmatchedProducts.use_default:
        fallback = None
    missing = unmapped_lines(order, product_mappings)
    if missing and fallback is None:
        raise not_mapped(order, missing)
    return {
        line.id: line_item_id(line, product_mappings) or fallback or ""
        for line in product_lines(order)
    }


def line_row(line: OrderLine) -> dict[str, Any]:
    return {
        "line_id": line.id,
        "sku": line.sku,
        "variant_id": line.variant_id,
        "title": line.name,
        "key": product_key(line),
    }


def not_mapped(order: Order, lines: Iterable[OrderLine]) -> SyncError:
    rows = [line_row(ln) for ln in lines]
    names = "; ".join(f"{r['title']} (SKU {r['sku'] or 'none'})" for r in rows)
    return SyncError(
        ErrorCode.product_not_mapped,
        f"Order {order.name}: no QuickBooks item for {len(rows)} line(s): {names}.",
        detail={"unmapped": rows},
    )


def check_lines(order: Order) -> None:
    """Raises missing_field for an order QBO cannot take: no lines, or a line without a price
    or a quantity."""
    if not order.lines:
        message = f"Order {order.name} has no line items; QuickBooks needs at least one line."
        raise SyncError(ErrorCode.missing_field, message, detail={"field": "line_items"})
    bad = [ln for ln in order.lines if ln.price is None or ln.quantity <= 0]
    if bad:
        rows = [
            {**line_row(ln), "price": ln.price and str(ln.price), "quantity": ln.quantity}
            for ln in bad
        ]
        names = ", ".join(ln.name for ln in bad)
        message = f"Order {order.name}: line(s) without a price or quantity: {names}."
        raise SyncError(ErrorCode.missing_field, message, detail={"lines": rows})

"""What can be mapped (products, customers, tax rates, as the shop's orders show them) and
how auto-map pairs products with QuickBooks items: by SKU, then by name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.booking import all_taxes
from app.domain.entities import Source
from app.domain.lines import product_key, product_lines
from app.domain.models import Order
from app.domain.ports import QboOption
from app.domain.taxes import tax_key

KINDS = ("product", "customer", "tax_rate")
CANDIDATES = 5


def customer_key(customer_id: str) -> str:
    return f"customer:{customer_id}"


def sources_of(shop_id: int, order: Order, now: datetime | None = None) -> list[Source]:
    """The products, customer and tax rates one order shows."""
    found: dict[tuple[str, str], Source] = {}
    for line in product_lines(order):
        key = product_key(line)
        if key is not None:
            detail = {
                "sku": line.sku,
                "variant_id": line.variant_id,
                "product_id": line.product_id,
                "title": line.title,
                "price": f"{line.price}" if line.price is not None else None,
            }
            found["product", key] = Source(shop_id, "product", key, line.name, detail, now)
    if order.customer is not None:
        customer = order.customer
        key = customer_key(customer.id)
        detail = {"email": customer.email}
        label = customer.display_name
        found["customer", key] = Source(shop_id, "customer", key, label, detail, now)
    for tax in all_taxes(order):
        if tax.amount or tax.rate:
            key = tax_key(tax)
            label = f"{tax.title} {tax.rate * 100:g}%"
            detail = {"title": tax.title, "rate": f"{tax.rate.normalize():f}"}
            found["tax_rate", key] = Source(shop_id, "tax_rate", key, label, detail, now)
    # In key order: two orders sharing sources then lock them in the same order (no deadlock).
    return [found[key] for key in sorted(found)]


@dataclass(frozen=True)
class AutoMatch:
    source: Source
    item: QboOption | None  # None: no item matched
    by: str | None  # "sku" | "name"
    candidates: tuple[QboOption, ...] = ()


def auto_match(sources: Iterable[Source], items: Sequence[QboOption]) -> list[AutoMatch]:
    """Each unmapped product's QBO item: the active item with its SKU, else the one with its
    title as name (both compared without case); unmatched ones get close names as candidates."""
    active = [item for item in items if item.active]
    by_sku = {item.sku.casefold(): item for item in active if item.sku}
    by_name = {item.name.casefold(): item for item in active}
    matches = []
    for source in sources:
        sku = str(source.detail.get("sku") or "").casefold()
        title = str(source.detail.get("title") or source.label).casefold()
        if sku and sku in by_sku:
            matches.append(AutoMatch(source, by_sku[sku], "sku"))
        elif title and title in by_name:
            matches.append(AutoMatch(source, by_name[title], "name"))
        else:
            matches.append(AutoMatch(source, None, None, _candidates(title, by_name)))
    return matches


def _candidates(title: str, by_name: dict[str, QboOption]) -> tuple[QboOption, ...]:
    names = difflib.get_close_matches(title, list(by_name), n=CANDIDATES, cutoff=0.4)
    return tuple(by_name[name] for name in names)

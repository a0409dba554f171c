"""The QBO items LedgerPort creates for Shopify products that have none (products.unmatched
`create`): which products need one, the item's name and body, whose item a namesake is, and
the errors that stop a create.

An item is NonInventory, or Inventory when the products settings name both a COGS and an
inventory asset account; QBO then also needs TrackQtyOnHand, QtyOnHand and InvStartDate: the
item starts at 0 on the date of the order that brought it (Shopify counts the stock, not
LedgerPort). Its income account is products.income_account_id. Without one nothing is
created: LedgerPort does not guess, say, the company's "Sales of Product Income", as a guess
would book the shop's sales to an account nobody chose; the order waits (invalid_account
naming the setting) and saving the setting queues it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.domain.config import ProductsConfig
from app.domain.errors import ErrorCode, SyncError
from app.domain.faults import QboFault
from app.domain.lines import product_key, unmapped_lines
from app.domain.models import Order, OrderLine
from app.domain.ports import QboOption

NAME_MAX = 100  # QBO Item.Name
SKU_MAX = 100  # QBO Item.Sku
DESCRIPTION_MAX = 4000  # QBO Item.Description
INCOME_SETTING = "products.income_account_id"
_DIGEST = 8  # hex characters that tell two long names apart


def new_products(order: Order, mappings: Mapping[str, str]) -> dict[str, OrderLine]:
    """The order's products without an item, by product key (the first line of each). A line
    with neither SKU, variant nor title has no key: it stays product_not_mapped."""
    found: dict[str, OrderLine] = {}
    for line in unmapped_lines(order, mappings):
        key = product_key(line)
        if key is not None:
            found.setdefault(key, line)
    return found


def is_inventory(products: ProductsConfig) -> bool:
    return bool(products.cogs_account_id and products.asset_account_id)


def item_name(line: OrderLine, key: str) -> str:
    """The line's product name as QBO takes it: colons become dashes (QBO keeps them for
    sub-items), tabs and line breaks spaces; a name over 100 characters is cut and ends with a
    digest of the product key, so that two long names stay apart. The same line always gets
    the same name."""
    raw = line.name or line.title or line.sku or key
    name = " ".join(raw.replace(":", "-").split())
    if len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256(key.encode()).hexdigest()[:_DIGEST]
    return f"{name[: NAME_MAX - _DIGEST - 1].rstrip()} {digest}"


def item_sku(line: OrderLine) -> str | None:
    """The SKU the item carries; none over QBO's 100 characters (a cut SKU would name another
    product)."""
    return line.sku if line.sku and len(line.sku) <= SKU_MAX else None


def item_body(line: OrderLine, name: str, products: ProductsConfig, start: date) -> dict[str, Any]:
    """The QBO v3 Item to create for the line's product."""
    if products.income_account_id is None:
        raise ValueError(f"{INCOME_SETTING} is required to create an item")
    body: dict[str, Any] = {
        "Name": name,
        "Type": "NonInventory",
        "IncomeAccountRef": {"value": products.income_account_id},
    }
    if sku := item_sku(line):
        body["Sku"] = sku
    if line.price is not None:
        body["UnitPrice"] = float(line.price)
    if line.name and line.name != name:
        body["Description"] = line.name[:DESCRIPTION_MAX]
    if is_inventory(products):
        body.update(
            Type="Inventory",
            ExpenseAccountRef={"value": products.cogs_account_id},
            AssetAccountRef={"value": products.asset_account_id},
            TrackQtyOnHand=True,
            QtyOnHand=0,
            InvStartDate=start.isoformat(),
        )
    return body


def adoptable(order: Order, line: OrderLine, name: str, item: QboOption) -> QboOption:
    """An item found by the product's SKU or name is the product's, unless both carry a SKU
    and they differ: that is another product with the same name."""
    sku = item_sku(line)
    if sku and item.sku and item.sku.casefold() != sku.casefold():
        raise name_taken(order, line, name, item)
    return item


def no_income_account(order: Order) -> SyncError:
    message = (
        f"Order {order.name}: new products get a QuickBooks item (products.unmatched is "
        f"create), and an item needs an income account: set {INCOME_SETTING}."
    )
    detail = {"field": INCOME_SETTING, "section": "products", "qbo_id": None}
    return SyncError(ErrorCode.invalid_account, message, detail=detail)


def name_taken(
    order: Order,
    line: OrderLine,
    name: str,
    item: QboOption | None,
    fault: QboFault | None = None,
) -> SyncError:
    """QBO has an item with the product's name that is not the product's: another SKU, or
    inactive (QBO refuses a namesake even then, and lists only active items)."""
    if item is None:
        holder = f'an inactive QuickBooks item is already named "{name}"'
    else:
        holder = f'QuickBooks item {item.id} is already named "{name}" and has SKU {item.sku}'
    message = (
        f"Order {order.name}: cannot create a QuickBooks item for {line.name} "
        f"(SKU {line.sku or 'none'}): {holder}. Map the product to an item, or rename or "
        "reactivate the QuickBooks item."
    )
    row = {
        "line_id": line.id,
        "sku": line.sku,
        "variant_id": line.variant_id,
        "title": line.name,
        "key": product_key(line),
    }
    detail = {
        "unmapped": [row],
        "item_name": name,
        "qbo_id": item.id if item else None,
        "qbo_sku": item.sku if item else None,
    }
    return SyncError(ErrorCode.product_not_mapped, message, detail=detail, fault=fault)

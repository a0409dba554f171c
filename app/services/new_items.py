"""The items an order's sync makes in QBO for products that have none (products.unmatched
`create`): which products need one, and finding or creating each. The sync (app.services.
products, which adds the leases, requestids and records) and the order preview share these
steps, so a preview shows the very item body the sync would post."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.domain.config import SyncConfig, UnmatchedProducts
from app.domain.faults import ExternalRejected
from app.domain.items import (
    adoptable,
    item_body,
    item_name,
    item_sku,
    name_taken,
    new_products,
    no_income_account,
)
from app.domain.models import Order, OrderLine
from app.domain.ports import QboRef, QboSession, QuickBooksPort, ReferenceData
from app.services.references import check_item_accounts

DUPLICATE_NAME = "6240"
RequestIdFor = Callable[[dict[str, Any]], Awaitable[str]]  # the item body -> its requestid


async def products_to_create(
    reference: ReferenceData | None,
    session: QboSession,
    order: Order,
    config: SyncConfig,
    mappings: Mapping[str, str],
) -> dict[str, OrderLine]:
    """The order's products that get an item under unmatched `create` (none otherwise), by
    product key in the order they are made in. Raises invalid_account when no item could be
    made: no income account set, or one the company cannot use."""
    wanted = new_products(order, mappings)
    if config.products.unmatched is not UnmatchedProducts.create or not wanted:
        return {}
    if config.item_accounts.income_account_id is None:
        raise no_income_account(order)
    if reference is not None:
        await check_item_accounts(reference, session, order, config)
    return {key: wanted[key] for key in sorted(wanted)}  # the same order everywhere


async def find_or_create_item(
    qbo: QuickBooksPort,
    session: QboSession,
    order: Order,
    config: SyncConfig,
    key: str,
    line: OrderLine,
    request_id: RequestIdFor,
) -> tuple[QboRef, bool]:
    """The product's item, and whether it was already in QBO: the active item with the
    product's SKU, else its name, is adopted (unless it carries another SKU:
    product_not_mapped); otherwise one is created under `request_id(body)`."""
    name = item_name(line, key)
    found = await qbo.find_item(session, sku=item_sku(line), name=name)
    if found is not None:
        return adoptable(order, line, name, found), True
    body = item_body(line, name, config.item_accounts, order.created_at.date())
    rid = await request_id(body)
    try:
        return await qbo.create_item(session, body, request_id=rid), False
    except ExternalRejected as exc:
        fault = next((f for f in exc.faults if f.code == DUPLICATE_NAME), None)
        if fault is None:
            raise
        # Someone named an item so since we looked, or an inactive item has the name.
        namesake = await qbo.find_item(session, name=name)
        if namesake is None:
            raise name_taken(order, line, name, None, fault) from exc
        return adoptable(order, line, name, namesake), True

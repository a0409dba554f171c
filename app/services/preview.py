"""An order's dry run: what a sync would do with it now, and the QBO payloads it would post.

The payloads come from the sync's own steps (items, settings check, customer, translation)
given a QuickBooks port that reads for real and captures creates (app.services.dry_run).
Nothing is written to QBO, nor to our database: no record, audit entry or mapping. The QBO
connection is kept as any QBO read keeps it: a token due for renewal is renewed and stored, and
a connection whose renewed token QBO refuses too is marked unhealthy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from app.domain.config import SyncConfig
from app.domain.entities import SyncRecord
from app.domain.errors import SyncError
from app.domain.models import Entity, Order, SyncStatus
from app.domain.order_payload import parse_order
from app.domain.policies import adopt_existing, missing_billing_address, on_hold_error
from app.domain.ports import (
    QboDocument,
    QboSession,
    QuickBooksPort,
    ReferenceData,
    ShopifyOrdersPort,
    UnitOfWorkFactory,
)
from app.domain.selection import is_cancelled
from app.domain.translate import INVOICE
from app.services.backfill import ShopifySessions
from app.services.connections import TokenKeeper
from app.services.dry_run import PLACEHOLDER_PREFIX, CapturedCreate, DryRunQuickBooks
from app.services.new_items import find_or_create_item, products_to_create
from app.services.receipts import Prepared, money_side, payment_bodies, prepare_documents
from app.services.references import check_order
from app.services.tenders import tenders_of

PREVIEW_REQUEST_ID = "preview"  # never sent: the dry-run port captures the create
INVOICE_PLACEHOLDER = f"{PLACEHOLDER_PREFIX}invoice"  # the invoice id a payment applies to


class Action(StrEnum):
    """What an automatic sync (a webhook, a retry) would do with the order now."""

    create = "create"  # post `document` (after `creates`)
    adopt = "adopt"  # QBO already holds this order's receipt: it would be recorded as synced
    nothing = "nothing"  # already synced, resolved by a person, or the shop is uninstalled
    blocked = "blocked"  # `errors` stop it


@dataclass(frozen=True)
class PreviewDeps:
    uow: UnitOfWorkFactory
    qbo: QuickBooksPort
    tokens: TokenKeeper
    reference: ReferenceData | None
    shopify: ShopifyOrdersPort | None = None
    shopify_sessions: ShopifySessions | None = None


@dataclass(frozen=True)
class ManualSync:
    """What a manual sync (POST …/sync) would do: it overrides the sync triggers."""

    posts: bool  # it would post `document` (or adopt `qbo_id`)
    include_cancelled: bool  # only when asked with include_cancelled (a cancelled order)
    note: str


@dataclass(frozen=True)
class Preview:
    order_id: str
    order_name: str
    action: Action
    summary: str
    manual_sync: ManualSync
    errors: list[SyncError] = field(default_factory=list)
    creates: list[CapturedCreate] = field(default_factory=list)
    document: dict[str, Any] | None = None
    entity: str | None = None  # the document's: SalesReceipt or Invoice
    payments: list[dict[str, Any]] = field(default_factory=list)  # an invoice's, in order
    qbo_id: str | None = None
    qbo_doc_number: str | None = None


@dataclass(frozen=True)
class _Inputs:
    order: Order
    record: SyncRecord | None
    config: SyncConfig
    products: dict[str, str]
    customers: dict[str, str]
    tax_rates: dict[str, str]
    uninstalled: bool
    shop_id: int


@dataclass(frozen=True)
class _Translated:
    prepared: Prepared
    payments: list[dict[str, Any]]  # an invoice's, its id a placeholder
    creates: list[CapturedCreate]
    existing: QboDocument | None  # the receipt QBO already holds under the document number


async def preview_order(deps: PreviewDeps, shop_id: int, order_id: str) -> Preview | None:
    """The order's dry run; None when the shop has no such order. Raises ExternalError when
    QBO could not be read."""
    inputs = await _load(deps, shop_id, order_id)
    if inputs is None:
        return None
    order, record = inputs.order, inputs.record
    if record is not None and record.status == SyncStatus.synced:
        what = "invoice" if record.qbo_entity == INVOICE else "sales receipt"
        if record.qbo_entity is None:
            what = "document"
        summary = f"Already in QuickBooks as {what} {record.qbo_doc_number}: nothing to do."
        manual = _manual(False, order, "A manual sync would post nothing: it is in QuickBooks.")
        return _preview(order, Action.nothing, summary, manual, record)
    gates = [hold] if (hold := on_hold_error(order, inputs.config.orders)) else []
    try:
        if problem := missing_billing_address(order, inputs.config.customers):
            raise problem
        done = await deps.tokens.call(shop_id, partial(_translate, deps, inputs))
        prepared = done.prepared
        adopted = (
            adopt_existing(done.existing, prepared.body, prepared.booking.total, prepared.label)
            if done.existing
            else None
        )
    except SyncError as error:
        errors = [*gates, error]
        summary = _resolved_or(inputs, f"Blocked: {error.message}")
        manual = _manual(False, order, f"A manual sync would stop on {error.code} too.")
        return _preview(order, _automatic(inputs, Action.blocked), summary, manual, errors=errors)
    action = Action.adopt if adopted else Action.create
    what = _what(action, adopted, done.prepared)
    if gates:
        summary = f"Held: {gates[0].message} {_manual_sync(order)} would {what}."
        action = Action.blocked
    else:
        summary = f"A sync would {what}."
    manual = _manual(True, order, f"{_manual_sync(order)} would {what}.")
    found = Preview(
        order.id,
        order.name,
        _automatic(inputs, action),
        _resolved_or(inputs, summary),
        manual,
        errors=gates,
        creates=done.creates,  # made before the receipt is posted, adopted or not
        document=None if adopted else done.prepared.body,
        entity=done.prepared.entity,
        payments=[] if adopted else done.payments,
        qbo_id=adopted.id if adopted else None,
        qbo_doc_number=adopted.doc_number if adopted else None,
    )
    return found


async def _load(deps: PreviewDeps, shop_id: int, order_id: str) -> _Inputs | None:
    """What the sync reads before an attempt, read the same way; nothing is written."""
    async with deps.uow() as uow:
        row = await uow.orders.get(shop_id, order_id)
        shop = await uow.shops.get(shop_id)
        if row is None or shop is None:
            return None
        config = SyncConfig.from_dict(await uow.configs.get(shop_id))
        return _Inputs(
            order=parse_order(row.payload, money_side(config)),
            record=await uow.records.get(shop_id, Entity.order, order_id),
            config=config,
            products=await uow.mappings.as_dict(shop_id, "product"),
            customers=await uow.mappings.as_dict(shop_id, "customer"),
            tax_rates=await uow.mappings.as_dict(shop_id, "tax_rate"),
            uninstalled=shop.uninstalled_at is not None,
            shop_id=shop_id,
        )


async def _translate(deps: PreviewDeps, inputs: _Inputs, session: QboSession) -> _Translated:
    """The sync's steps in its order (app.services.sync_order._sync), creates captured."""
    dry = DryRunQuickBooks(deps.qbo)  # one per try: a renewed token runs the steps again
    order, config = inputs.order, inputs.config
    products = dict(inputs.products)
    wanted = await products_to_create(deps.reference, session, order, config, products)
    for key, line in wanted.items():
        item, _ = await find_or_create_item(dry, session, order, config, key, line, _no_id)
        products[key] = item.id
    await check_order(deps.reference, session, order, config, products)
    prepared = await prepare_documents(
        dry,
        session,
        order,
        config,
        products=products,
        customers=dict(inputs.customers),
        tax_rates=inputs.tax_rates,
        tenders=await tenders_of(deps.shopify, deps.shopify_sessions, inputs.shop_id, order),
        created=[],
    )
    # The sync adopts a form QBO already holds under the number (QBO answers its create with
    # 6140, or an earlier create is in doubt): look, as it would.
    number = str(prepared.body["DocNumber"])
    existing = await deps.qbo.find_sales_receipt(session, doc_number=number, entity=prepared.entity)
    payments = payment_bodies(order, prepared, INVOICE_PLACEHOLDER, config)
    return _Translated(prepared, payments, dry.creates, existing)


async def _no_id(_: Mapping[str, Any]) -> str:
    return PREVIEW_REQUEST_ID


def _what(action: Action, adopted: QboDocument | None, prepared: Prepared) -> str:
    if adopted is not None:
        return (
            f"record QuickBooks' {prepared.label} {adopted.doc_number} (id {adopted.id}) as this "
            "order's, posting nothing"
        )
    payments = (
        f" and then the {len(prepared.payment_tenders)} payment(s) in `document.payments`"
        if prepared.entity == INVOICE and prepared.payment_tenders
        else ""
    )
    return (
        f"post the {prepared.label} in `document`{payments}, after the creates listed in `creates`"
    )


def _automatic(inputs: _Inputs, action: Action) -> Action:
    """A resolved record, or an uninstalled shop's order, is left alone by automatic syncs."""
    record = inputs.record
    if inputs.uninstalled or (record is not None and record.status == SyncStatus.resolved):
        return Action.nothing
    return action


def _resolved_or(inputs: _Inputs, summary: str) -> str:
    if inputs.uninstalled:
        return f"The shop is uninstalled: nothing syncs until it is installed again. {summary}"
    if inputs.record is not None and inputs.record.status == SyncStatus.resolved:
        return f"A person resolved this order: only a manual sync posts it. {summary}"
    return summary


def _manual(posts: bool, order: Order, note: str) -> ManualSync:
    return ManualSync(posts=posts, include_cancelled=is_cancelled(order), note=note)


def _manual_sync(order: Order) -> str:
    """How the summary names the manual sync that would post the order."""
    return "A manual sync with include_cancelled" if is_cancelled(order) else "A manual sync"


def _preview(
    order: Order,
    action: Action,
    summary: str,
    manual: ManualSync,
    record: SyncRecord | None = None,
    errors: list[SyncError] | None = None,
) -> Preview:
    return Preview(
        order.id,
        order.name,
        action,
        summary,
        manual,
        errors=errors or [],
        qbo_id=record.qbo_id if record else None,
        qbo_doc_number=record.qbo_doc_number if record else None,
    )

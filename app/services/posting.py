"""Posting an order's documents exactly once: the requestid the sales form goes out under, the
form QBO may already hold, what QBO's answer settles for the next attempt
(app.domain.idempotency), and an invoice's payments.

Payments are posted in the order of the tenders, after the invoice: the invoice's open balance
says how many a previous attempt already applied, and each payment's requestid is derived from
the invoice and its place, so a retry neither repeats nor skips one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from app.domain.config import SyncConfig
from app.domain.faults import ExternalError, ExternalRejected
from app.domain.idempotency import CreateFate, fate_of, payload_hash, request_id
from app.domain.models import ZERO, Order
from app.domain.policies import adopt_existing
from app.domain.ports import QboDocument, QboSession, QuickBooksPort, UnitOfWorkFactory
from app.domain.translate import INVOICE, PAYMENT
from app.services.receipts import Prepared, payment_bodies, qbo_own_tax

PAYMENT_NAMESPACE = uuid.UUID("8f14b7c2-61d3-4b9a-a5e0-3c2d9e7f1a46")


@dataclass(frozen=True)
class LastCreate:
    """What the sync record said of its creates when the attempt began."""

    record_id: int
    attempts: int
    request_id: str | None
    payload_hash: str | None

    @property
    def uncertain(self) -> bool:
        """A create was sent and its outcome never recorded: it may exist in QBO."""
        return self.request_id is not None


@dataclass
class CreateTrace:
    """What became of the attempt's create; set even when posting raises after QBO answered."""

    fate: CreateFate = CreateFate.unsent
    prepared: Prepared | None = None  # the form the attempt built
    adopted: bool = False  # QBO already held it
    payments: list[QboDocument] = field(default_factory=list)  # an invoice's, posted now


async def post_receipt(
    qbo: QuickBooksPort,
    uow: UnitOfWorkFactory,
    session: QboSession,
    prepared: Prepared,
    last: LastCreate,
    trace: CreateTrace,
) -> tuple[QboDocument, bool]:
    """The sales form in QBO, and whether it already existed there."""
    payload, entity = prepared.body, prepared.entity
    doc_number = str(payload["DocNumber"])
    total = prepared.booking.total
    adopt = partial(adopt_existing, payload=payload, total=total, what=prepared.label)
    if last.uncertain:
        # The last attempt may have committed in QBO without us hearing back.
        existing = await qbo.find_sales_receipt(session, doc_number=doc_number, entity=entity)
        if existing is not None:
            return adopt(existing), True
    rid = await _request_id(uow, last, payload)
    try:
        document = await qbo.create_sales_receipt(session, payload, request_id=rid, entity=entity)
    except ExternalError as exc:
        trace.fate = fate_of(exc, replay=rid == last.request_id)
        if not isinstance(exc, ExternalRejected) or not any(f.code == "6140" for f in exc.faults):
            raise
        existing = await qbo.find_sales_receipt(session, doc_number=doc_number, entity=entity)
        if existing is None:
            raise
        return adopt(existing), True
    trace.fate = CreateFate.answered
    return document, False


async def post_payments(
    qbo: QuickBooksPort,
    session: QboSession,
    order: Order,
    prepared: Prepared,
    invoice: QboDocument,
    config: SyncConfig,
    *,
    adopted: bool,
) -> list[QboDocument]:
    """The invoice's payments not yet applied, one per tender that took money. An invoice
    created just now has none applied; an adopted one is read again for its balance."""
    tenders = prepared.payment_tenders
    if not tenders or prepared.customer_id is None:
        return []
    raw = invoice.raw
    if adopted and (
        current := await qbo.find_sales_receipt(session, qbo_id=invoice.id, entity=INVOICE)
    ):
        raw = current.raw
    applied = Decimal(str(raw.get("TotalAmt", 0))) - Decimal(str(raw.get("Balance", 0)))
    bodies = payment_bodies(order, prepared, invoice.id, config)
    posted = []
    for number, (tender, body) in enumerate(zip(tenders, bodies, strict=True), start=1):
        if applied >= tender.amount:  # an earlier attempt applied this one
            applied -= tender.amount
            continue
        applied = ZERO
        rid = str(uuid.uuid5(PAYMENT_NAMESPACE, f"{session.realm_id}:{invoice.id}:{number}"))
        posted.append(await qbo.create_sales_receipt(session, body, request_id=rid, entity=PAYMENT))
    return posted


async def _request_id(uow: UnitOfWorkFactory, last: LastCreate, payload: dict[str, Any]) -> str:
    """The QBO requestid, stored before the call so a crash or timeout can replay it.

    A create in doubt replays its id (for the same payload); otherwise the id is that of the
    record's attempt number, which has moved on since QBO's books last answered a create.
    """
    digest = payload_hash(payload)
    if last.request_id and last.payload_hash == digest:
        return last.request_id
    rid = request_id(last.record_id, last.attempts, digest)
    async with uow() as unit:
        await unit.records.remember_request(last.record_id, rid, digest)
        await unit.commit()
    return rid


def posted_message(document: QboDocument | None, trace: CreateTrace | None) -> str:
    """The audit line of a posting: the form created or adopted, an invoice's payments, and
    QBO's own tax figure under automated sales tax when it differs from Shopify's."""
    assert document is not None and trace is not None
    prepared = trace.prepared
    verb = "Found the matching" if trace.adopted else "Created"
    what = prepared.label if prepared else "sales receipt"
    message = f"{verb} QuickBooks {what} {document.doc_number} (id {document.id})"
    if trace.payments:
        ids = ", ".join(p.id for p in trace.payments)
        message += f" and {len(trace.payments)} payment(s) (id {ids})"
    if prepared and (qbo_tax := qbo_own_tax(prepared, document)) is not None:
        if qbo_tax != prepared.taxes.total:
            message += (
                f"; QuickBooks' own tax figure was {qbo_tax:.2f}, booked as Shopify's "
                f"{prepared.taxes.total:.2f}"
            )
    return message


def posted_detail(document: QboDocument | None, trace: CreateTrace | None) -> dict[str, Any] | None:
    """What the audit entry keeps of a posting: the form's entity, a shortened number, the
    payments and, when QBO's own tax figure differs from Shopify's, both."""
    if trace is None or trace.prepared is None or document is None:
        return None
    prepared = trace.prepared
    detail: dict[str, Any] = {"entity": prepared.entity, **prepared.notes}
    if trace.payments:
        detail["payment_ids"] = [p.id for p in trace.payments]
    qbo_tax = qbo_own_tax(prepared, document)
    if qbo_tax is not None and qbo_tax != prepared.taxes.total:
        detail["tax"] = {"shopify": f"{prepared.taxes.total:.2f}", "quickbooks": f"{qbo_tax:.2f}"}
    return detail

"""Posting one sales receipt exactly once: the requestid it goes out under, the receipt QBO may
already hold, and what QBO's answer settles for the next attempt (app.domain.idempotency)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.faults import ExternalError, ExternalRejected
from app.domain.idempotency import CreateFate, fate_of, payload_hash, request_id
from app.domain.models import Order
from app.domain.policies import adopt_existing
from app.domain.ports import QboDocument, QboSession, QuickBooksPort, UnitOfWorkFactory


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


async def post_receipt(
    qbo: QuickBooksPort,
    uow: UnitOfWorkFactory,
    session: QboSession,
    order: Order,
    payload: dict[str, Any],
    last: LastCreate,
    trace: CreateTrace,
) -> tuple[QboDocument, bool]:
    """The receipt in QBO, and whether it already existed there."""
    doc_number = str(payload["DocNumber"])
    if last.uncertain:
        # The last attempt may have committed in QBO without us hearing back.
        existing = await qbo.find_sales_receipt(session, doc_number=doc_number)
        if existing is not None:
            return adopt_existing(existing, order, payload), True
    rid = await _request_id(uow, last, payload)
    try:
        document = await qbo.create_sales_receipt(session, payload, request_id=rid)
    except ExternalError as exc:
        trace.fate = fate_of(exc, replay=rid == last.request_id)
        if not isinstance(exc, ExternalRejected) or not any(f.code == "6140" for f in exc.faults):
            raise
        existing = await qbo.find_sales_receipt(session, doc_number=doc_number)
        if existing is None:
            raise
        return adopt_existing(existing, order, payload), True
    trace.fate = CreateFate.answered
    return document, False


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

"""Processing's view of a stored delivery: its readable document, the count of its tries, and
the parking of what retrying cannot fix; and the list of deliveries an operator reads."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson

from app.domain.entities import Delivery
from app.domain.payloads import MAX_NESTING, UnreadableDelivery, strip_nul, too_deep
from app.domain.ports import UnitOfWork

# Tries before a delivery whose processing keeps failing is parked as failed; the job's own
# retries and the sweep's both count, so it is retried a few times, never for ever.
MAX_ATTEMPTS = 5
log = logging.getLogger(__name__)


def read_document(body: str) -> dict[str, Any]:
    """The delivery's JSON object, without NUL characters; UnreadableDelivery says why not."""
    try:
        document = orjson.loads(strip_nul(body))
    except orjson.JSONDecodeError as exc:
        raise UnreadableDelivery(f"the body is not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise UnreadableDelivery("the body is not a JSON object")
    if too_deep(document):
        raise UnreadableDelivery(f"the body nests deeper than {MAX_NESTING} levels")
    return document


def park(delivery: Delivery, reason: str, now: datetime) -> None:
    delivery.status, delivery.note, delivery.processed_at = "failed", reason, now


async def count_failure(uow: UnitOfWork, delivery_id: int, exc: Exception, now: datetime) -> bool:
    """Counts a try that failed unexpectedly (its own transaction was rolled back); parks the
    delivery after MAX_ATTEMPTS. Returns whether it is parked (or otherwise settled). The note
    names the error's kind only: a database error's text can quote the order's personal data."""
    async with uow:
        delivery = await uow.inbox.claim(delivery_id)
        if delivery is None or delivery.status != "received":
            return True
        delivery.attempts += 1
        kind = type(exc).__name__
        if delivery.attempts >= MAX_ATTEMPTS:
            park(delivery, f"processing failed {delivery.attempts} times ({kind}); parked", now)
            log.error("delivery %d parked after %d attempts", delivery_id, delivery.attempts)
        else:
            delivery.note = f"attempt {delivery.attempts} failed ({kind}); retried"
        await uow.inbox.save(delivery)
        await uow.commit()
    return delivery.status == "failed"


async def list_deliveries(
    uow: UnitOfWork, shop_domain: str, status: str | None, before_id: int | None, limit: int
) -> list[Delivery]:
    """A shop's deliveries, newest first, without their bodies' personal data in view."""
    async with uow:
        return await uow.inbox.list_for_shop(shop_domain, status, before_id, limit)

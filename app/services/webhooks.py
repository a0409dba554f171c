"""Shopify webhooks: authenticate and store before the 200, then process from the inbox."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from app.domain.entities import INBOX_LIMITS, Delivery, NewDelivery, Stored
from app.domain.models import Actor, InvalidPayload
from app.domain.payloads import UnreadableDelivery, strip_nul
from app.domain.ports import Clock, Inbox, JobQueue, UnitOfWork, UnitOfWorkFactory, WebhookVerifier
from app.domain.signals import InboxUnavailable, WebhookRefused, WebhookTooLarge, WebhookUnsigned
from app.services.deliveries import count_failure, park, read_document
from app.services.orders import store_order
from app.services.privacy import redact_shop
from app.services.topics import DEFERRED_TOPICS, SHOP_TOPICS, deferred_note, handle_shop_topic

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/fulfilled",
        "orders/partially_fulfilled",
        "orders/edited",
        "orders/cancelled",
    }
)
HANDLED_TOPICS = ORDER_TOPICS | SHOP_TOPICS | DEFERRED_TOPICS
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookHeaders:
    topic: str | None
    shop_domain: str | None
    hmac: str | None
    event_id: str | None
    webhook_id: str | None
    api_version: str | None
    triggered_at: str | None

    @classmethod
    def read(cls, get: Callable[[str], str | None]) -> WebhookHeaders:
        """From a case-insensitive header lookup such as `request.headers.get`."""
        return cls(**{field: get(name) for field, name in HEADER_NAMES.items()})


HEADER_NAMES = {  # WebhookHeaders field -> Shopify's header
    "topic": "X-Shopify-Topic",
    "shop_domain": "X-Shopify-Shop-Domain",
    "hmac": "X-Shopify-Hmac-Sha256",
    "event_id": "X-Shopify-Event-Id",
    "webhook_id": "X-Shopify-Webhook-Id",
    "api_version": "X-Shopify-API-Version",
    "triggered_at": "X-Shopify-Triggered-At",
}


@dataclass(frozen=True)
class Ingested:
    delivery_id: int | None
    duplicate: bool


LOST_BATCH = 100
MAX_BODY_BYTES = 5 * 1024 * 1024  # an order with hundreds of lines is well under 1 MiB


def too_large() -> WebhookTooLarge:
    return WebhookTooLarge(f"over {MAX_BODY_BYTES} bytes", "body", title="Webhook body too large")


def _authenticate(headers: WebhookHeaders, raw_body: bytes, verify: WebhookVerifier) -> str:
    """The body text of an authentic delivery, to store whatever it holds: Shopify never sends
    a delivery it was refused again, so one processing cannot read is stored and parked."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise too_large()
    if not verify(raw_body, headers.hmac):
        raise WebhookUnsigned(
            "X-Shopify-Hmac-Sha256 does not match the body"
            if headers.hmac
            else "X-Shopify-Hmac-Sha256 is missing: Shopify signs every webhook",
            "X-Shopify-Hmac-Sha256",
            title="Invalid webhook signature",
        )
    _check_lengths(headers)
    # Bytes that are not UTF-8 are kept visible (as \xff), and so unreadable as JSON.
    return strip_nul(raw_body.decode("utf-8", errors="backslashreplace"))


def _required(name: str, value: str | None) -> str:
    if not value:
        raise WebhookRefused(f"{name} is required", name, title="Missing webhook header")
    return value


# (field, header, the length of its inbox column), for the headers that are stored.
_STORED_LENGTHS = [(field, HEADER_NAMES[field], limit) for field, limit in INBOX_LIMITS.items()]


def _check_lengths(headers: WebhookHeaders) -> None:
    """Refuses a header longer than its inbox column (PostgreSQL would refuse the row)."""
    for field, header, limit in _STORED_LENGTHS:
        value = getattr(headers, field)
        if value is not None and len(value) > limit:
            detail = f"{header} is longer than {limit} characters"
            raise WebhookRefused(detail, header, title="Webhook header too long")


def _delivery(
    headers: WebhookHeaders,
    topic: str,
    shop_domain: str,
    event_id: str,
    body: str,
    handled: bool,
    now: datetime,
) -> NewDelivery:
    return NewDelivery(
        shop_domain=shop_domain,
        topic=topic,
        event_id=event_id,
        webhook_id=headers.webhook_id,
        api_version=headers.api_version,
        triggered_at=headers.triggered_at,
        body=body,
        status="received" if handled else "ignored",
        note=None if handled else f"topic {topic} is not handled yet",
        received_at=now,
    )


async def ingest_webhook(
    inbox: Inbox,
    uow: UnitOfWorkFactory,
    headers: WebhookHeaders,
    raw_body: bytes,
    verify: WebhookVerifier,
    clock: Clock,
) -> Ingested:
    """Stores an authentic delivery once per (shop, topic, event id), NUL characters removed;
    the inbox writer queues its processing once it is committed."""
    body = _authenticate(headers, raw_body, verify)
    topic = _required("X-Shopify-Topic", headers.topic)
    shop_domain = _required("X-Shopify-Shop-Domain", headers.shop_domain)
    # Shopify's Event-Id is shared by every delivery of one merchant action; fall back to the
    # webhook id, then the body, so that a retry of the same bytes is still recognised.
    event_id = headers.event_id or headers.webhook_id or hashlib.sha256(raw_body).hexdigest()
    handled = topic in HANDLED_TOPICS
    delivery = _delivery(headers, topic, shop_domain, event_id, body, handled, clock())
    try:
        delivery_id = await inbox.add(delivery)
    except InboxUnavailable as exc:
        detail = f"{exc.detail}; try again shortly"
        raise InboxUnavailable(detail, title="Intake unavailable") from exc
    if delivery_id is not None:
        return Ingested(delivery_id=delivery_id, duplicate=False)
    # Nothing stored: an unknown shop (401) or a repeat.
    async with uow() as unit:
        if await unit.shops.get_by_domain(shop_domain) is None:
            raise WebhookUnsigned(
                f"{shop_domain} has not installed LedgerPort",
                "X-Shopify-Shop-Domain",
                title="Unknown shop",
            )
        unprocessed = await unit.inbox.unprocessed_id(shop_domain, topic, event_id)
    if unprocessed is not None and handled:
        # A repeat of a delivery still unprocessed (its job was lost, say, when the queue was
        # down at the first attempt) queues it again.
        await inbox.queue_stored([Stored(unprocessed, topic, "received")])
    return Ingested(delivery_id=None, duplicate=True)


async def queue_processing(queue: JobQueue, stored: list[Stored]) -> None:
    """One job per committed batch of deliveries (the inbox writer's after-commit hook)."""
    ids = [delivery.id for delivery in stored if delivery.status == "received"]
    if ids:
        await _queue_deliveries(queue, ids)


async def _queue_deliveries(queue: JobQueue, ids: list[int]) -> None:
    # Named after its first delivery: a repeat's single job for it is then held only once.
    await queue.enqueue("process_webhooks", *ids, job_id=f"webhooks:{ids[0]}")


async def requeue_lost_deliveries(uow: UnitOfWork, queue: JobQueue, cutoff: datetime) -> int:
    """Queues again deliveries received before `cutoff` and still unprocessed: their job was
    lost (the queue was down when they were stored, or a worker died with them). Returns how
    many."""
    async with uow:
        ids = await uow.inbox.unprocessed_before(cutoff, limit=LOST_BATCH * 100)
    for start in range(0, len(ids), LOST_BATCH):
        await _queue_deliveries(queue, ids[start : start + LOST_BATCH])
    if ids:
        log.warning("queued %d deliveries again whose job was lost", len(ids))
    return len(ids)


async def purge_handled_deliveries(uow: UnitOfWork, cutoff: datetime) -> int:
    """Deletes handled deliveries received before `cutoff`, bodies and all: they hold buyers'
    personal data and nothing needs them once Shopify has stopped retrying."""
    async with uow:
        deleted = await uow.inbox.delete_handled_before(cutoff)
        await uow.commit()
    return deleted


async def process_deliveries(
    uow: UnitOfWorkFactory, delivery_ids: Iterable[int], clock: Clock
) -> None:
    """Each delivery in its own transaction; one that fails does not hold up the others. A
    failure is counted on the delivery, which is parked after MAX_ATTEMPTS; the first failure
    not parked is raised at the end so that the job is retried (done ones are skipped)."""
    failure: Exception | None = None
    for delivery_id in delivery_ids:
        try:
            await process_delivery(uow(), delivery_id, clock())
        except Exception as exc:
            log.exception("processing delivery %d failed", delivery_id)
            if not await _counted(uow(), delivery_id, exc, clock()):
                failure = failure or exc
    if failure is not None:
        raise failure


async def _counted(uow: UnitOfWork, delivery_id: int, exc: Exception, now: datetime) -> bool:
    try:
        return await count_failure(uow, delivery_id, exc, now)
    except Exception:
        log.exception("counting the failure of delivery %d failed", delivery_id)
        return False


async def process_delivery(uow: UnitOfWork, delivery_id: int, now: datetime) -> None:
    """Turns a stored delivery into an order row and, when it changed, a sync job. One whose
    body cannot be read, or holds an order that cannot be, is parked as failed at once:
    retrying would not change it."""
    async with uow:
        delivery = await uow.inbox.claim(delivery_id)
        if delivery is None or delivery.status != "received":
            return
        delivery.attempts += 1
        try:
            if await _handle(uow, delivery, now):
                await uow.commit()
                return
        except (UnreadableDelivery, InvalidPayload) as exc:
            park(delivery, str(exc), now)
        delivery.processed_at = now
        await uow.inbox.save(delivery)
        await uow.commit()


async def _handle(uow: UnitOfWork, delivery: Delivery, now: datetime) -> bool:
    """Settles the delivery's status and note; True when the delivery itself is gone."""
    shop = await uow.shops.get_by_domain(delivery.shop_domain)
    if shop is None:  # uninstalled and erased since the delivery was stored
        delivery.status, delivery.note = "ignored", "no such shop is installed"
    elif delivery.topic == "shop/redact":
        await redact_shop(uow, shop.id, shop.domain)  # this delivery goes with it
        return True
    elif delivery.topic in DEFERRED_TOPICS:
        # Kept whole, and out of retention's reach, until LedgerPort can post it.
        note = deferred_note(delivery.topic, read_document(delivery.body))
        delivery.status, delivery.note = "deferred", note
    elif delivery.topic in SHOP_TOPICS:
        payload = read_document(delivery.body)
        delivery.note = await handle_shop_topic(uow, shop, delivery.topic, payload, now)
        delivery.status = "processed"
    elif delivery.topic in ORDER_TOPICS:
        await store_order(uow, shop.id, read_document(delivery.body), Actor.webhook)
        delivery.status = "processed"
    else:
        delivery.status, delivery.note = "ignored", f"topic {delivery.topic} is not handled yet"
    return False

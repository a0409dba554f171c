"""Shopify webhooks: authenticate and store before the 200, then process from the inbox."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from app.adapters.db.inbox_writer import InboxUnavailable, InboxWriter, Stored
from app.adapters.db.tables import WebhookDelivery, utcnow
from app.adapters.db.uow import SqlUnitOfWork
from app.adapters.shopify.webhooks import verify_hmac
from app.domain.models import Actor, InvalidPayload
from app.domain.ports import JobQueue
from app.metrics import LOST_REQUEUED
from app.services.orders import store_order
from app.services.privacy import redact_shop
from app.services.topics import SHOP_TOPICS, handle_shop_topic

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
HANDLED_TOPICS = ORDER_TOPICS | SHOP_TOPICS
log = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """The delivery is refused and nothing was stored."""

    def __init__(self, status: int, title: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.field = status, title, detail, field


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


def _authenticate_and_parse(
    headers: WebhookHeaders, raw_body: bytes, secret: str
) -> tuple[str, str, str]:
    """Returns (topic, shop domain, body text) of an authentic delivery with a JSON object."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise WebhookRejected(413, "Webhook body too large", f"over {MAX_BODY_BYTES} bytes", "body")
    if not verify_hmac(raw_body, headers.hmac, secret):
        raise WebhookRejected(
            401,
            "Invalid webhook signature",
            "X-Shopify-Hmac-Sha256 does not match the body",
            "X-Shopify-Hmac-Sha256",
        )
    _check_lengths(headers)
    topic = _required("X-Shopify-Topic", headers.topic)
    shop_domain = _required("X-Shopify-Shop-Domain", headers.shop_domain)
    try:
        document = orjson.loads(raw_body)  # also refuses bytes that are not UTF-8
    except orjson.JSONDecodeError as exc:
        raise WebhookRejected(400, "Malformed webhook body", f"not JSON: {exc}", "body") from exc
    if not isinstance(document, dict):
        raise WebhookRejected(400, "Malformed webhook body", "expected a JSON object", "body")
    return topic, shop_domain, raw_body.decode()  # stored as received


def _required(name: str, value: str | None) -> str:
    if not value:
        raise WebhookRejected(400, "Missing webhook header", f"{name} is required", name)
    return value


# (field, header, the length of its inbox column), for the headers that are stored.
_STORED_LENGTHS = [
    (field, HEADER_NAMES[field], WebhookDelivery.__table__.c[field].type.length)  # type: ignore[attr-defined]
    for field in ("topic", "shop_domain", "event_id", "webhook_id", "api_version", "triggered_at")
]


def _check_lengths(headers: WebhookHeaders) -> None:
    """Refuses a header longer than its inbox column (PostgreSQL would refuse the row)."""
    for field, header, limit in _STORED_LENGTHS:
        value = getattr(headers, field)
        if value is not None and len(value) > limit:
            detail = f"{header} is longer than {limit} characters"
            raise WebhookRejected(400, "Webhook header too long", detail, header)


def _row(
    headers: WebhookHeaders, topic: str, shop_domain: str, event_id: str, body: str, handled: bool
) -> dict[str, Any]:
    return {
        "shop_domain": shop_domain,
        "topic": topic,
        "event_id": event_id,
        "webhook_id": headers.webhook_id,
        "api_version": headers.api_version,
        "triggered_at": headers.triggered_at,
        "body": body,
        "status": "received" if handled else "ignored",
        "note": None if handled else f"topic {topic} is not handled yet",
        "received_at": utcnow(),
    }


async def ingest_webhook(
    inbox: InboxWriter,
    uow: Callable[[], SqlUnitOfWork],
    headers: WebhookHeaders,
    raw_body: bytes,
    secret: str,
) -> Ingested:
    """Stores an authentic delivery once per (shop, topic, event id); the inbox writer queues
    its processing once it is committed."""
    topic, shop_domain, body = _authenticate_and_parse(headers, raw_body, secret)
    # Shopify's Event-Id is shared by every delivery of one merchant action; fall back to the
    # webhook id, then the body, so that a retry of the same bytes is still recognised.
    event_id = headers.event_id or headers.webhook_id or hashlib.sha256(raw_body).hexdigest()
    handled = topic in HANDLED_TOPICS
    try:
        delivery_id = await inbox.add(_row(headers, topic, shop_domain, event_id, body, handled))
    except InboxUnavailable as exc:
        raise WebhookRejected(503, "Intake unavailable", f"{exc}; try again shortly") from exc
    if delivery_id is not None:
        return Ingested(delivery_id=delivery_id, duplicate=False)
    # Nothing stored: an unknown shop (401) or a repeat.
    async with uow() as unit:
        if await unit.shops.get_by_domain(shop_domain) is None:
            raise WebhookRejected(
                401, "Unknown shop", f"{shop_domain} has not installed LedgerPort",
                "X-Shopify-Shop-Domain",
            )  # fmt: skip
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


async def requeue_lost_deliveries(uow: SqlUnitOfWork, queue: JobQueue, cutoff: datetime) -> int:
    """Queues again deliveries received before `cutoff` and still unprocessed: their job was
    lost (the queue was down when they were stored, or a worker died with them)."""
    async with uow:
        ids = await uow.inbox.unprocessed_before(cutoff, limit=LOST_BATCH * 100)
    for start in range(0, len(ids), LOST_BATCH):
        await _queue_deliveries(queue, ids[start : start + LOST_BATCH])
    if ids:
        LOST_REQUEUED.inc(len(ids))
        log.warning("queued %d deliveries again whose job was lost", len(ids))
    return len(ids)


async def purge_handled_deliveries(uow: SqlUnitOfWork, cutoff: datetime) -> int:
    """Deletes handled deliveries received before `cutoff`, bodies and all: they hold buyers'
    personal data and nothing needs them once Shopify has stopped retrying."""
    async with uow:
        deleted = await uow.inbox.delete_handled_before(cutoff)
        await uow.commit()
    return deleted


async def process_deliveries(uow: Callable[[], SqlUnitOfWork], delivery_ids: Iterable[int]) -> None:
    """Each delivery in its own transaction; one that fails does not hold up the others, and
    the first failure is raised at the end so that the job is retried (done ones are skipped)."""
    failure: Exception | None = None
    for delivery_id in delivery_ids:
        try:
            await process_delivery(uow(), delivery_id)
        except Exception as exc:
            log.exception("processing delivery %d failed", delivery_id)
            failure = failure or exc
    if failure is not None:
        raise failure


async def process_delivery(uow: SqlUnitOfWork, delivery_id: int) -> None:
    """Turns a stored delivery into an order row and, when it changed, a sync job."""
    async with uow:
        delivery = await uow.inbox.claim(delivery_id)
        if delivery is None or delivery.status != "received":
            return
        shop = await uow.shops.get_by_domain(delivery.shop_domain)
        if shop is None:  # uninstalled and erased since the delivery was stored
            delivery.status, delivery.note = "ignored", "no such shop is installed"
        elif delivery.topic == "shop/redact":
            await redact_shop(uow, shop.id, shop.domain)  # this delivery goes with it
            await uow.commit()
            return
        elif delivery.topic in SHOP_TOPICS:
            payload = json.loads(delivery.body)
            delivery.note = await handle_shop_topic(uow, shop, delivery.topic, payload)
            delivery.status = "processed"
        elif delivery.topic in ORDER_TOPICS:
            await _store_order(uow, shop.id, delivery.body, delivery)
        else:
            delivery.status, delivery.note = "ignored", f"topic {delivery.topic} is not handled yet"
        delivery.processed_at = utcnow()
        await uow.commit()


async def _store_order(
    uow: SqlUnitOfWork, shop_id: int, body: str, delivery: WebhookDelivery
) -> None:
    try:
        await store_order(uow, shop_id, json.loads(body), Actor.webhook)
    except InvalidPayload as exc:
        delivery.status, delivery.note = "failed", str(exc)
        return
    delivery.status = "processed"

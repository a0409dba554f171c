"""Webhook intake: authenticate, store once, refuse what cannot be stored; then processing."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from app.adapters.shopify.webhooks import expected_hmac, verify_hmac
from app.domain.entities import Stored
from app.domain.signals import InboxUnavailable, WebhookRefused, WebhookUnsigned
from app.services.webhooks import (
    Ingested,
    WebhookHeaders,
    ingest_webhook,
    process_delivery,
    queue_processing,
)
from tests.fakes import FakeInbox
from tests.services.conftest import SHOP, World, paid_order

SECRET = "test-shopify-secret"


def headers(body: bytes, **values: str | None) -> WebhookHeaders:
    fields: dict[str, str | None] = {
        "topic": "orders/create",
        "shop_domain": SHOP,
        "hmac": expected_hmac(body, SECRET),
        "event_id": "evt-1",
        "webhook_id": "wh-1",
        "api_version": "2026-01",
        "triggered_at": "2026-03-02T09:30:00Z",
    }
    return WebhookHeaders(**(fields | values))


class Intake:
    """The intake's ports over the world's fake database."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.inbox = FakeInbox(world.db, partial(queue_processing, world.queue))

    async def deliver(self, payload: Any, **values: str | None) -> Ingested:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        verify = partial(verify_hmac, secret=SECRET)
        return await ingest_webhook(
            self.inbox, self.world.uow, headers(body, **values), body, verify, self.world.clock
        )


@pytest.fixture
def intake(world: World) -> Intake:
    return Intake(world)


async def test_an_authentic_delivery_is_stored_and_queued(world: World, intake: Intake) -> None:
    await world.install()

    ingested = await intake.deliver(paid_order())

    assert ingested.delivery_id is not None and not ingested.duplicate
    async with world.uow() as uow:
        stored = await uow.inbox.get(ingested.delivery_id)
    assert stored is not None
    assert (stored.shop_domain, stored.topic, stored.event_id, stored.status) == (
        SHOP,
        "orders/create",
        "evt-1",
        "received",
    )
    assert json.loads(stored.body) == paid_order() and stored.received_at == world.clock()
    job_id = f"webhooks:{ingested.delivery_id}"
    assert world.queue.jobs == [("process_webhooks", (ingested.delivery_id,), job_id)]


async def test_a_repeat_is_a_duplicate_and_queued_again_while_unprocessed(
    world: World, intake: Intake
) -> None:
    await world.install()
    first = await intake.deliver(paid_order())
    world.queue.take()  # the first job was lost

    again = await intake.deliver(paid_order())

    assert again == Ingested(delivery_id=None, duplicate=True)
    assert intake.inbox.queued[-1] == Stored(first.delivery_id or 0, "orders/create", "received")
    assert world.queue.job_ids == [f"webhooks:{first.delivery_id}"]
    async with world.uow() as uow:
        assert await uow.inbox.unprocessed_before(world.clock.advance(seconds=1), 10) == [
            first.delivery_id
        ]


async def test_a_topic_not_handled_is_kept_but_not_queued(world: World, intake: Intake) -> None:
    await world.install()

    ingested = await intake.deliver({"id": 1}, topic="products/update")

    async with world.uow() as uow:
        stored = await uow.inbox.get(ingested.delivery_id or 0)
    assert stored is not None and stored.status == "ignored"
    assert world.queue.jobs == []


async def test_a_shop_not_installed_is_refused(world: World, intake: Intake) -> None:
    with pytest.raises(WebhookUnsigned) as refused:
        await intake.deliver(paid_order())

    assert refused.value.title == "Unknown shop"
    assert refused.value.field == "X-Shopify-Shop-Domain"
    assert world.db.tables.inbox == {} and world.queue.jobs == []


async def test_a_wrong_signature_is_refused_before_anything_is_read(
    world: World, intake: Intake
) -> None:
    await world.install()

    with pytest.raises(WebhookUnsigned) as refused:
        await intake.deliver(paid_order(), hmac=expected_hmac(b"another body", SECRET))
    with pytest.raises(WebhookUnsigned) as unsigned:
        await intake.deliver(paid_order(), hmac=None)

    assert refused.value.title == "Invalid webhook signature"
    assert "does not match" in refused.value.detail and "missing" in unsigned.value.detail
    assert world.db.tables.inbox == {} and world.queue.jobs == []


@pytest.mark.parametrize(
    ("body", "values", "field"),
    [
        (b"{}", {"topic": None}, "X-Shopify-Topic"),
        (b"{}", {"shop_domain": None}, "X-Shopify-Shop-Domain"),
        (b"{}", {"event_id": "e" * 129}, "X-Shopify-Event-Id"),
    ],
)
async def test_a_malformed_delivery_is_refused(
    world: World, intake: Intake, body: bytes, values: dict[str, str | None], field: str
) -> None:
    await world.install()

    with pytest.raises(WebhookRefused) as refused:
        await intake.deliver(body, **values)

    assert not isinstance(refused.value, WebhookUnsigned)
    assert refused.value.field == field
    assert world.db.tables.inbox == {}


async def test_an_inbox_down_refuses_so_that_shopify_retries(world: World, intake: Intake) -> None:
    await world.install()
    intake.inbox.down = True

    with pytest.raises(InboxUnavailable) as refused:
        await intake.deliver(paid_order())

    assert "try again" in refused.value.detail


async def test_processing_stores_the_order_and_queues_its_sync(
    world: World, intake: Intake
) -> None:
    shop = await world.install()
    ingested = await intake.deliver(paid_order())
    world.queue.take()

    await process_delivery(world.uow(), ingested.delivery_id or 0, world.clock())
    await process_delivery(world.uow(), ingested.delivery_id or 0, world.clock())  # done

    async with world.uow() as uow:
        delivery = await uow.inbox.get(ingested.delivery_id or 0)
        order = await uow.orders.get(shop.shop_id, str(paid_order()["id"]))
    assert delivery is not None and delivery.status == "processed"
    assert delivery.processed_at == world.clock()
    assert order is not None and order.version == 1 and order.name == "#1001"
    record = await world.record(shop.shop_id, order.shopify_id)
    assert record.status == "pending"
    [(function, args, job_id)] = world.queue.jobs
    assert (function, args[:2]) == ("sync_order", (shop.shop_id, order.shopify_id))
    assert job_id == f"sync_order:{shop.shop_id}:{order.shopify_id}:v1"


POISON = {
    "not JSON": (b"{not json", "the body is not JSON"),
    "a JSON array": (b"[1, 2]", "the body is not a JSON object"),
    "nested 1,000 levels": (
        b'{"id": 1, "note_attributes": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        "the body nests deeper than 64 levels",
    ),
    "not UTF-8": (b'{"note": "\xff\xfe"}', "the body is not JSON"),
    "an order without an id": (b'{"name": "#1"}', "id: is missing"),
}


@pytest.mark.parametrize("case", list(POISON))
async def test_a_signed_delivery_processing_cannot_read_is_stored_then_parked_at_its_first_try(
    world: World, intake: Intake, case: str
) -> None:
    await world.install()
    body, reason = POISON[case]

    ingested = await intake.deliver(body)
    await process_delivery(world.uow(), ingested.delivery_id or 0, world.clock())
    await process_delivery(world.uow(), ingested.delivery_id or 0, world.clock())  # settled

    async with world.uow() as uow:
        delivery = await uow.inbox.get(ingested.delivery_id or 0)
    assert delivery is not None
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert (delivery.note or "").startswith(reason), delivery.note
    assert world.db.tables.orders == {}


async def test_nul_characters_are_removed_before_the_delivery_is_stored(
    world: World, intake: Intake
) -> None:
    await world.install()
    order = paid_order()
    order["financial_status"] = "pa\x00id"  # sent as the escape \u0000
    order["note"] = "gift\\u0000wrap"  # a backslash, then the text u0000: kept

    ingested = await intake.deliver(order)
    await process_delivery(world.uow(), ingested.delivery_id or 0, world.clock())

    async with world.uow() as uow:
        delivery = await uow.inbox.get(ingested.delivery_id or 0)
    assert delivery is not None and delivery.status == "processed"
    stored = json.loads(delivery.body)
    assert "\x00" not in json.dumps(stored, ensure_ascii=False)
    assert (stored["financial_status"], stored["note"]) == ("paid", "gift\\u0000wrap")

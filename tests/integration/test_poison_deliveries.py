"""Poison input at the webhook intake: a signed delivery is always stored (Shopify never sends
a refused one again), NUL characters removed; what processing cannot handle is parked as
failed with its reason after a bounded number of tries, listed by the deliveries route, and
never retried by the sweep."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.db.tables import OrderRow, WebhookDelivery
from app.adapters.queue.inprocess import InProcessQueue
from app.services.deliveries import MAX_ATTEMPTS
from app.workers.jobs import sweep_all
from ledgerport_sandbox.shopify import sign_webhook
from tests.harness import SHOP, SHOPIFY_SECRET, Harness, creates, make_settings, order_fixture
from tests.harness import running as run_app

DELIVERIES = f"/v1/shops/{SHOP}/deliveries"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    # Crashed jobs come back at once, so that a test sees every try.
    queue = InProcessQueue(retry_base_s=0.01)
    async with run_app(make_settings(database_url), queue=queue) as harness:
        yield harness


async def post_signed(h: Harness, body: bytes, event_id: str) -> int:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": sign_webhook(body, SHOPIFY_SECRET),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": event_id,
    }
    response = await h.api.post("/webhooks/shopify", content=body, headers=headers)
    assert response.status_code == 200, response.text
    delivery_id: int = response.json()["delivery_id"]
    assert delivery_id is not None
    return delivery_id


async def inbox(h: Harness) -> dict[int, tuple[str, int, str | None]]:
    async with h.container.sessions() as session:
        rows = (await session.scalars(select(WebhookDelivery))).all()
    return {r.id: (r.status, r.attempts, r.note) for r in rows}


async def sweep_later(h: Harness, minutes: int) -> None:
    later = datetime.now(UTC) + timedelta(minutes=minutes)
    h.container.clock = lambda: later
    await sweep_all(h.container)
    await h.queue.join()  # type: ignore[attr-defined]


DEEP = b'{"id": 1, "note_attributes": ' + b"[" * 1000 + b"]" * 1000 + b"}"
POISON = {
    "empty": (b"", "the body is not JSON"),
    "null": (b"null", "the body is not a JSON object"),
    "array": (b"[1, 2]", "the body is not a JSON object"),
    "cut off": (b'{"id": 1', "the body is not JSON"),
    "not UTF-8": (b'{"note": "\xff\xfe"}', "the body is not JSON"),
    "NaN": (b'{"total": NaN}', "the body is not JSON"),
    "nested 1,000 levels": (DEEP, "the body nests deeper than 64 levels"),
    "nested, with a NUL": (DEEP.replace(b'"id": 1', b'"id": "1\\u0000"'), "the body nests"),
}


async def test_poison_is_stored_parked_with_its_reason_listed_and_never_retried(
    h: Harness,
) -> None:
    shop = await h.install()
    ids = {case: await post_signed(h, body, f"evt-{n}") for n, (case, (body, _)) in
           enumerate(POISON.items())}  # fmt: skip
    await h.queue.join()  # type: ignore[attr-defined]

    rows = await inbox(h)
    assert len(rows) == len(POISON)
    for case, delivery_id in ids.items():
        status, attempts, note = rows[delivery_id]
        assert (status, attempts) == ("failed", 1), case
        assert (note or "").startswith(POISON[case][1]), (case, note)
    async with h.container.sessions() as session:
        bodies = (await session.scalars(select(WebhookDelivery.body))).all()
    assert not any("\x00" in body or "\\u0000" in body for body in bodies)

    await sweep_later(h, 30)
    await sweep_later(h, 60)
    assert await inbox(h) == rows  # no try more, nothing changed

    listed = await h.api.get(DELIVERIES, params={"status": "failed"}, headers=h.auth(shop))
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert sorted(item["id"] for item in items) == sorted(ids.values())
    assert all(item["attempts"] == 1 and item["reason"] for item in items)
    assert "body" not in items[0]  # buyers' data stays in the inbox
    none = await h.api.get(DELIVERIES, params={"status": "received"}, headers=h.auth(shop))
    assert none.json()["items"] == []


async def test_a_nul_in_an_order_is_removed_and_the_order_syncs_once(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    order = order_fixture()
    order["note"] = "leave at\x00the door"
    order["billing_address"]["address1"] = "\x00" + order["billing_address"]["address1"]
    body = json.dumps(order).encode()
    assert b"\\u0000" in body

    delivery_id = await post_signed(h, body, "evt-nul")
    await h.queue.join()  # type: ignore[attr-defined]

    assert (await inbox(h))[delivery_id][:2] == ("processed", 1)
    async with h.container.sessions() as session:
        payload: dict[str, Any] = (await session.scalars(select(OrderRow.payload))).one()
    assert payload["note"] == "leave atthe door"
    assert len(creates(h.qbo)) == 1


async def test_a_delivery_whose_processing_keeps_failing_is_parked_after_the_last_try(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce column lengths: the order is stored there")
    queue = InProcessQueue(retry_base_s=0.01)
    async with run_app(make_settings(database_url), queue=queue) as h:
        shop = await h.install()
        # A SKU longer than the product key's column: PostgreSQL refuses the row on every
        # try (parse_order checks the order's own fields, not every line's).
        order = order_fixture()
        order["line_items"][0]["sku"] = "SKU-" + "9" * 300
        delivery_id = await post_signed(h, json.dumps(order).encode(), "evt-long")
        await queue.join()

        status, attempts, note = (await inbox(h))[delivery_id]
        assert (status, attempts) == ("failed", MAX_ATTEMPTS)
        assert note is not None and f"failed {MAX_ATTEMPTS} times" in note
        assert "9999" not in note  # the kind of error, never the row's data

        await sweep_later(h, 30)
        assert (await inbox(h))[delivery_id] == (status, attempts, note)
        listed = await h.api.get(DELIVERIES, params={"status": "failed"}, headers=h.auth(shop))
        [item] = listed.json()["items"]
        assert (item["id"], item["attempts"]) == (delivery_id, MAX_ATTEMPTS)

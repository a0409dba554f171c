"""The walking skeleton's path, on SQLite and on PostgreSQL: webhook → job → QBO receipt."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.adapters.db.tables import OrderRow, SyncRecord, WebhookDelivery
from app.services.shops import Installed
from app.workers.jobs import sweep_all
from ledgerport_sandbox.shopify import sign_webhook
from tests.harness import (
    REALM,
    SHOP,
    SHOPIFY_SECRET,
    Harness,
    QueueDown,
    make_settings,
    order_fixture,
    running,
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def count(h: Harness, table: type) -> int:
    async with h.container.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def ready_shop(h: Harness) -> Installed:
    """An installed shop whose fixture order can become a receipt: its buyer is a QBO
    customer and its SKU is mapped."""
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    return shop


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def test_paid_order_with_known_customer_and_mapped_sku_becomes_a_sales_receipt(
    h: Harness,
) -> None:
    shop = await h.install()
    customer_id = h.add_customer("Maya Okafor", "maya.okafor@example.com")
    item_id = await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")

    response = await h.deliver(order_fixture())
    await settle(h)

    assert response.status_code == 200
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert receipt["CustomerRef"]["value"] == customer_id
    assert receipt["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == item_id
    assert float(receipt["TotalAmt"]) == 53.00
    log = (await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(shop))).json()
    [entry] = log["items"]
    assert entry["status"] == "synced"
    assert entry["qbo_id"] == receipt["Id"]
    assert entry["label"] == "#1001" and entry["actor"] == "webhook"
    async with h.container.sessions() as session:
        record = await session.scalar(select(SyncRecord))
    assert record is not None
    assert (record.status, record.qbo_id, record.attempts) == ("synced", receipt["Id"], 1)


async def test_unmapped_sku_is_an_error_with_the_catalogue_fix_steps(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")

    await h.deliver(order_fixture())
    await settle(h)

    assert h.qbo.documents(REALM, "SalesReceipt") == []
    log = (await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(shop))).json()
    [entry] = log["items"]
    assert (entry["status"], entry["error_code"]) == ("error", "product_not_mapped")
    assert "TEE-ORG-HG-M" in entry["message"]
    assert entry["error"]["code"] == "product_not_mapped"
    assert len(entry["error"]["fix_steps"]) >= 3
    paths = {action["path"] for action in entry["error"]["actions"]}
    assert "/v1/shops/{shop}/mappings/products/auto-map" in paths


async def test_audit_log_lists_newest_first_and_filters(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    unmapped = order_fixture()
    await h.deliver(unmapped)
    await settle(h)
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    mapped = {**order_fixture(), "id": 5910002001999, "name": "#1002", "order_number": 1002}
    await h.deliver(mapped)
    await settle(h)

    url = f"/v1/shops/{SHOP}/audit-log"
    items = (await h.api.get(url, headers=h.auth(shop))).json()["items"]
    assert [(i["label"], i["status"]) for i in items] == [("#1002", "synced"), ("#1001", "error")]
    errors = (await h.api.get(url, params={"status": "error"}, headers=h.auth(shop))).json()
    assert [i["label"] for i in errors["items"]] == ["#1001"]
    page = (await h.api.get(url, params={"limit": 1}, headers=h.auth(shop))).json()
    older = await h.api.get(
        url, params={"limit": 1, "cursor": page["next_cursor"]}, headers=h.auth(shop)
    )
    assert [i["label"] for i in older.json()["items"]] == ["#1001"]


async def test_wrong_hmac_is_401_and_stores_nothing(h: Harness) -> None:
    await h.install()
    headers, body = h.shopify.build_delivery("orders/create", SHOP, order_fixture())
    headers["X-Shopify-Hmac-Sha256"] = sign_webhook(body, "not-the-app-secret")

    response = await h.api.post("/webhooks/shopify", content=body, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["invalid_params"][0]["name"] == "X-Shopify-Hmac-Sha256"
    assert await count(h, WebhookDelivery) == 0
    assert await count(h, OrderRow) == 0


async def test_a_signed_body_that_is_not_json_is_stored_and_parked_as_failed(h: Harness) -> None:
    # Shopify does not send again a delivery it was refused: keep it, and say why it failed.
    await h.install()
    body = b"order=1001&total=53.00"
    headers, _ = h.shopify.build_delivery("orders/create", SHOP, {})
    headers["X-Shopify-Hmac-Sha256"] = sign_webhook(body, SHOPIFY_SECRET)

    response = await h.api.post("/webhooks/shopify", content=body, headers=headers)
    await settle(h)

    assert response.status_code == 200
    async with h.container.sessions() as session:
        [delivery] = (await session.scalars(select(WebhookDelivery))).all()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert (delivery.note or "").startswith("the body is not JSON")
    assert await count(h, OrderRow) == 0


async def test_same_event_three_times_gives_one_order_and_one_receipt(h: Harness) -> None:
    await ready_shop(h)

    responses = [
        await h.deliver(order_fixture(), event_id="evt-1001", webhook_id=f"wh-{n}")
        for n in range(3)
    ]
    await settle(h)

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json()["duplicate"] for r in responses] == [False, True, True]
    assert await count(h, WebhookDelivery) == 1
    assert await count(h, OrderRow) == 1
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_another_shops_key_sees_404(h: Harness) -> None:
    await h.install()
    other = await h.install("other.myshopify.com")

    response = await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(other))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    anonymous = await h.api.get(f"/v1/shops/{SHOP}/audit-log")
    assert anonymous.status_code == 401


async def test_webhook_body_is_stored_verbatim_before_the_200(h: Harness) -> None:
    await h.install()
    payload = order_fixture()
    response = await h.deliver(payload, event_id="evt-raw")
    assert response.status_code == 200
    async with h.container.sessions() as session:
        delivery = await session.scalar(select(WebhookDelivery))
    assert delivery is not None and json.loads(delivery.body) == payload
    assert (delivery.topic, delivery.event_id, delivery.shop_domain) == (
        "orders/create",
        "evt-raw",
        SHOP,
    )


async def test_a_delivery_whose_job_was_lost_is_processed_on_shopifys_retry(
    database_url: str,
) -> None:
    async with running(make_settings(database_url), queue=QueueDown(refusals=1)) as h:
        await ready_shop(h)

        first = await h.deliver(order_fixture(), event_id="evt-lost")
        # Stored, so acknowledged: failing it would count against the subscription at Shopify.
        assert first.status_code == 200 and first.json()["duplicate"] is False
        await settle(h)
        assert len(h.qbo.documents(REALM, "SalesReceipt")) == 0  # its job never ran
        retry = await h.deliver(order_fixture(), event_id="evt-lost")
        await settle(h)

        assert retry.status_code == 200 and retry.json()["duplicate"] is True
        assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_a_delivery_whose_job_was_lost_is_processed_by_the_next_sweep(
    database_url: str,
) -> None:
    async with running(make_settings(database_url), queue=QueueDown(refusals=1)) as h:
        await ready_shop(h)
        assert (await h.deliver(order_fixture(), event_id="evt-lost")).status_code == 200
        await settle(h)

        await sweep_all(h.container)  # too soon: its job may still be on its way
        await settle(h)
        assert len(h.qbo.documents(REALM, "SalesReceipt")) == 0
        later = datetime.now(UTC) + timedelta(seconds=h.container.settings.sweep_interval_s + 60)
        h.container.clock = lambda: later
        await sweep_all(h.container)
        await settle(h)

        assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
        async with h.container.sessions() as session:
            delivery = await session.scalar(select(WebhookDelivery))
        assert delivery is not None and delivery.status == "processed"


async def test_a_returning_buyer_costs_one_qbo_request_per_order(h: Harness) -> None:
    await ready_shop(h)
    second = {**order_fixture(), "id": 5910002001002, "name": "#1002", "order_number": 1002}
    connected = len(h.qbo.requests)  # connecting read the company's preferences

    await h.deliver(order_fixture())
    await settle(h)
    await h.deliver(second)
    await settle(h)

    api_calls = [r for r in h.qbo.requests[connected:] if "/v3/company/" in r.path]
    customer_lookups = [r for r in api_calls if "FROM Customer" in r.query.get("query", "")]
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 2
    assert len(customer_lookups) == 1  # the second order used the learned mapping
    # The company's country and currencies (CompanyInfo, Preferences) are read once per realm
    # and kept, not per order; beyond them each order costs its one create.
    profile = [r for r in api_calls if r.path.endswith(("/preferences", f"/companyinfo/{REALM}"))]
    assert len(profile) == 2
    assert len(api_calls) - len(profile) == 3


async def test_a_shop_that_never_installed_us_is_401_and_nothing_is_stored(h: Harness) -> None:
    await h.install()
    response = await h.deliver(order_fixture(), shop="stranger.myshopify.com")
    assert response.status_code == 401
    assert response.json()["invalid_params"][0]["name"] == "X-Shopify-Shop-Domain"
    assert await count(h, WebhookDelivery) == 0


async def test_a_huge_body_is_413_and_nothing_is_stored(h: Harness) -> None:
    await h.install()
    huge = {**order_fixture(), "note": "x" * (6 * 1024 * 1024)}
    response = await h.deliver(huge)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count(h, WebhookDelivery) == 0


async def test_a_topic_we_do_not_handle_is_acknowledged_and_recorded_as_ignored(
    h: Harness,
) -> None:
    await h.install()
    response = await h.deliver({"id": 1, "title": "Tee"}, topic="products/update")
    assert response.status_code == 200
    async with h.container.sessions() as session:
        delivery = await session.scalar(select(WebhookDelivery))
    assert delivery is not None and delivery.status == "ignored"
    assert await count(h, OrderRow) == 0


async def test_simultaneous_events_for_one_order_end_in_one_order_with_the_newest_state(
    h: Harness,
) -> None:
    await ready_shop(h)
    versions = [
        {**order_fixture(), "updated_at": f"2025-03-14T10:2{n}:31-04:00", "note": f"v{n}"}
        for n in range(5)
    ]
    topics = ["orders/create", "orders/updated", "orders/paid", "orders/updated", "orders/edited"]

    responses = await asyncio.gather(
        *(
            h.deliver(v, topic=t, event_id=f"evt-{n}")
            for n, (v, t) in enumerate(zip(versions, topics, strict=True))
        )
    )
    await settle(h)

    assert [r.status_code for r in responses] == [200] * 5
    async with h.container.sessions() as session:
        rows = (await session.scalars(select(OrderRow))).all()
    assert len(rows) == 1 and rows[0].payload["note"] == "v4"
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1

"""Topics beyond orders/create: cancellations, refunds, uninstall and the privacy webhooks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.adapters.db.tables import (
    AuditEntry,
    OrderRow,
    PrivacyRequest,
    Shop,
    SyncRecord,
    WebhookDelivery,
)
from app.services.webhooks import purge_handled_deliveries
from tests.conftest import PG_ADMIN_DSN
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running

MAYA = {
    "id": 7301100001,
    "email": "maya.okafor@example.com",
    "phone": "+15025550142",
}
MAYA_TRACES = ["maya.okafor@example.com", "Maya Okafor", "+15025550142", "412 Bardstown Rd",
               "Okafor"]  # fmt: skip


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def one(h: Harness, table: Any) -> Any:
    async with h.container.sessions() as session:
        return await session.scalar(select(table))


async def test_a_cancelled_order_that_never_synced_stays_out_of_qbo(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    cancelled = {**order_fixture(), "cancelled_at": "2025-03-14T11:00:00-04:00",
                 "cancel_reason": "customer", "financial_status": "voided",
                 "updated_at": "2025-03-14T11:00:00-04:00"}  # fmt: skip

    response = await h.deliver(cancelled, topic="orders/cancelled")
    await settle(h)

    assert response.status_code == 200
    record = await one(h, SyncRecord)
    assert (record.status, record.error_code) == ("on_hold", "on_hold")
    assert h.qbo.documents(REALM, "SalesReceipt") == []


async def test_a_refund_is_acknowledged_and_kept(h: Harness) -> None:
    await h.install()
    refund = order_fixture("06_partially_refunded")["refunds"][0]
    response = await h.deliver(refund, topic="refunds/create")
    await settle(h)
    assert response.status_code == 200
    delivery = await one(h, WebhookDelivery)
    assert delivery.status == "deferred" and "kept until refunds are posted" in delivery.note


async def test_a_refund_outlives_the_inbox_retention(h: Harness) -> None:
    """Refunds are posted by a later feature: purging handled deliveries must not lose one."""
    await h.install()
    refund = order_fixture("06_partially_refunded")["refunds"][0]
    await h.deliver(refund, topic="refunds/create")
    await settle(h)
    far_future = datetime.now(UTC) + timedelta(days=365)
    assert await purge_handled_deliveries(h.container.uow(), far_future) == 0
    delivery = await one(h, WebhookDelivery)
    assert delivery.status == "deferred" and json.loads(delivery.body)["id"] == refund["id"]


async def test_after_app_uninstalled_orders_are_kept_but_not_synced(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    uninstall = {"id": 548380009, "name": "Northwind", "domain": SHOP, "myshopify_domain": SHOP}

    await h.deliver(uninstall, topic="app/uninstalled")
    await settle(h)
    await h.deliver(order_fixture())
    await settle(h)

    assert (await one(h, Shop)).uninstalled_at is not None
    assert (await one(h, SyncRecord)).status == "pending"
    assert h.qbo.documents(REALM, "SalesReceipt") == []


async def test_data_request_assembles_what_we_hold_about_the_customer(h: Harness) -> None:
    await h.install()
    await h.deliver(order_fixture())
    await settle(h)
    request = {"shop_id": 548380009, "shop_domain": SHOP, "orders_requested": [5910002001001],
               "customer": MAYA, "data_request": {"id": 9999}}  # fmt: skip

    response = await h.deliver(request, topic="customers/data_request")
    await settle(h)

    assert response.status_code == 200
    found = await one(h, PrivacyRequest)
    assert found.kind == "customers/data_request"
    [order] = found.report["orders"]
    assert order["name"] == "#1001" and order["email"] == "maya.okafor@example.com"


async def test_shop_redact_erases_the_shop(h: Harness) -> None:
    await h.install()
    await h.deliver(order_fixture())
    await settle(h)

    await h.deliver({"shop_id": 548380009, "shop_domain": SHOP}, topic="shop/redact")
    await settle(h)

    async with h.container.sessions() as session:
        for table in (Shop, OrderRow, SyncRecord, AuditEntry, WebhookDelivery):
            count = await session.scalar(select(func.count()).select_from(table))
            assert count == 0, table.__tablename__


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(postgres_url)) as harness:
        yield harness


def dump(database_url: str) -> str:
    name = database_url.rsplit("/", 1)[1]
    dsn = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    done = subprocess.run(["pg_dump", "--data-only", "--no-owner", dsn],
                          check=True, capture_output=True, text=True)  # fmt: skip
    return done.stdout


async def test_customer_redact_leaves_no_trace_in_a_full_database_dump(pg: Harness) -> None:
    h = pg
    shop = await h.install()
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.deliver(order_fixture())  # no QBO customer yet: the audit log names her
    await settle(h)
    await h.deliver({"shop_id": 548380009, "shop_domain": SHOP, "customer": MAYA,
                     "orders_requested": [5910002001001], "data_request": {"id": 1}},
                    topic="customers/data_request")  # fmt: skip
    await settle(h)
    before = dump(h.container.settings.database_url)
    assert all(trace in before for trace in MAYA_TRACES)

    redact = {"shop_id": 548380009, "shop_domain": SHOP, "customer": MAYA,
              "orders_to_redact": [5910002001001]}  # fmt: skip
    response = await h.deliver(redact, topic="customers/redact")
    await settle(h)

    assert response.status_code == 200
    after = dump(h.container.settings.database_url)
    assert [t for t in MAYA_TRACES if t.lower() in after.lower()] == []
    order = await one(h, OrderRow)
    assert order.payload["total_price"] == "53.00"  # the accounting facts stay
    assert order.payload["line_items"][0]["sku"] == "TEE-ORG-HG-M"


@pytest.mark.parametrize(
    "topic",
    ["orders/create", "orders/updated", "orders/paid", "orders/fulfilled",
     "orders/partially_fulfilled", "orders/edited"],
)  # fmt: skip
async def test_every_order_topic_stores_the_order_and_syncs_it(h: Harness, topic: str) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    payload = order_fixture()
    if topic.endswith("fulfilled"):
        payload = {
            **payload,
            "fulfillment_status": "partial" if "partially" in topic else "fulfilled",
        }

    response = await h.deliver(payload, topic=topic)
    await settle(h)

    assert response.status_code == 200
    assert (await one(h, WebhookDelivery)).status == "processed"
    assert (await one(h, SyncRecord)).status == "synced"


async def test_an_update_that_arrives_before_its_create_keeps_the_newest_state(
    h: Harness,
) -> None:
    await h.install()
    created = order_fixture()
    updated = {**created, "updated_at": "2025-03-14T12:00:00-04:00", "note": "leave at door"}

    await h.deliver(updated, topic="orders/updated", event_id="evt-upd")
    await settle(h)
    await h.deliver(created, topic="orders/create", event_id="evt-create")
    await settle(h)

    async with h.container.sessions() as session:
        rows = (await session.scalars(select(OrderRow))).all()
    assert len(rows) == 1 and rows[0].payload["note"] == "leave at door"

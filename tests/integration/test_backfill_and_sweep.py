"""Orders no webhook brought: a paged backfill over a date range, and the periodic sweep that
catches what Shopify's deliveries lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.adapters.db.tables import OrderRow, SyncRecord
from app.metrics import SWEEP_CAUGHT
from app.services.backfill import sweep
from app.services.shops import Installed, install_shop
from ledgerport_sandbox.shopify_graphql import GraphQLApi
from tests.harness import SHOP, Harness, make_settings, order_fixture, running


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def shop_without_qbo(h: Harness) -> Installed:
    # No QuickBooks here: sync jobs stop at qbo_auth at once, keeping 250 orders fast.
    installed = await install_shop(h.container.uow(), SHOP, "Northwind")
    await h.connect_shopify(installed)
    return installed


def orders_in_shopify(h: Harness, count: int, updated: datetime) -> list[dict[str, Any]]:
    template = order_fixture()
    made = []
    for n in range(count):
        stamp = (updated + timedelta(seconds=n)).isoformat()
        order = {**template, "id": 6_000_000 + n, "name": f"#{2000 + n}",
                 "order_number": 2000 + n, "updated_at": stamp, "created_at": stamp}  # fmt: skip
        order.pop("admin_graphql_api_id", None)
        made.append(h.shopify.create_order(SHOP, order))
    return made


async def count(h: Harness, table: Any) -> int:
    async with h.container.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_backfill_of_250_orders_over_pages_records_each_once(h: Harness) -> None:
    shop = await shop_without_qbo(h)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    orders_in_shopify(h, 250, start)
    body = {"since": start.isoformat(), "until": (start + timedelta(days=1)).isoformat()}

    first = await h.api.post(f"/v1/shops/{SHOP}/sync", json=body, headers=h.auth(shop))
    await h.queue.join()  # type: ignore[attr-defined]
    again = await h.api.post(f"/v1/shops/{SHOP}/sync", json=body, headers=h.auth(shop))
    await h.queue.join()  # type: ignore[attr-defined]

    assert first.status_code == 202
    run = (await h.api.get(f"/v1/shops/{SHOP}/runs/{first.json()['run_id']}",
                           headers=h.auth(shop))).json()  # fmt: skip
    assert (run["kind"], run["status"], run["found"], run["queued"]) == (
        "backfill",
        "done",
        250,
        250,
    )
    rerun = (await h.api.get(f"/v1/shops/{SHOP}/runs/{again.json()['run_id']}",
                             headers=h.auth(shop))).json()  # fmt: skip
    # Nothing new to store the second time; the orders in error (no QBO) are queued again,
    # as a date-range sync includes records in error.
    assert (rerun["found"], rerun["queued"], rerun["failed"]) == (250, 250, 250)
    assert await count(h, OrderRow) == 250
    assert await count(h, SyncRecord) == 250


async def test_the_sweep_brings_in_every_order_whose_webhook_was_lost(h: Harness) -> None:
    shop = await shop_without_qbo(h)
    # A Shopify Plus bucket: the sweep reads full orders page by page.
    h.shopify.graphql = GraphQLApi(maximum_available=10_000, restore_rate=1_000)
    orders = orders_in_shopify(h, 60, datetime.now(UTC) - timedelta(hours=1))
    sent = await h.shopify.emit(
        h.api, "/webhooks/shopify", "orders/create", SHOP, orders,
        drop_rate=0.2, duplicate_rate=0.1, shuffle=True, seed=7,
    )  # fmt: skip
    await h.queue.join()  # type: ignore[attr-defined]
    lost = sum(1 for d in sent if not d.statuses)
    assert 0 < lost < 60 and await count(h, OrderRow) == 60 - lost
    caught_before = SWEEP_CAUGHT._value.get()

    caught = await sweep(h.container.backfill_deps, shop.shop_id)
    await h.queue.join()  # type: ignore[attr-defined]

    assert caught == lost
    assert SWEEP_CAUGHT._value.get() - caught_before == lost
    assert await count(h, OrderRow) == 60
    assert await count(h, SyncRecord) == 60
    assert await sweep(h.container.backfill_deps, shop.shop_id) == 0  # the next finds nothing


async def test_a_date_range_without_since_names_the_field(h: Harness) -> None:
    shop = await shop_without_qbo(h)
    response = await h.api.post(f"/v1/shops/{SHOP}/sync", json={"until": "2025-06-01T00:00:00Z"},
                                headers=h.auth(shop))  # fmt: skip
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "order_ids"


async def test_250_orders_read_page_by_page_are_recorded_once(h: Harness) -> None:
    # The bulk export serves backfills; the sweep pages (100 a page), so both readers count.
    shop = await shop_without_qbo(h)
    h.shopify.graphql = GraphQLApi(maximum_available=100_000, restore_rate=50_000)
    orders_in_shopify(h, 250, datetime.now(UTC) - timedelta(hours=2))

    caught = await sweep(h.container.backfill_deps, shop.shop_id)
    await h.queue.join()  # type: ignore[attr-defined]

    assert caught == 250  # three pages of 100 through the sweep's paged reader
    assert await count(h, OrderRow) == 250

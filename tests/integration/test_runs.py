"""Manual sync and /resync through HTTP: include_cancelled, exactly once with already-synced
reported as skipped, run counts and times, the override surviving a heal, a date range that
queues orders in error, operator keys, and Idempotency-Key replays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.adapters.db.tables import SyncRun
from app.services.shops import issue_ops_key
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running

ORDER = "5910002001001"  # the sample order 01: paid, one line TEE-ORG-HG-M


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def run_of(h: Harness, shop: Any, run_id: str) -> dict[str, Any]:
    answer = await h.api.get(f"/v1/shops/{SHOP}/runs/{run_id}", headers=h.auth(shop))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def runs_count(h: Harness) -> int:
    async with h.container.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SyncRun)) or 0)


def receipts(h: Harness) -> list[dict[str, Any]]:
    return list(h.qbo.documents(REALM, "SalesReceipt"))


async def test_a_cancelled_order_posts_only_with_include_cancelled(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.deliver({**order_fixture(), "cancelled_at": "2025-01-03T10:00:00-05:00"})
    await settle(h)
    url = f"/v1/shops/{SHOP}/sync"

    plain = await h.api.post(url, json={"order_ids": [ORDER]}, headers=h.auth(shop))
    await settle(h)
    skipped = await run_of(h, shop, plain.json()["run_id"])
    assert plain.status_code == 202 and plain.json()["queued"] == 0
    assert skipped["skipped"] == [{"id": ORDER, "reason": "cancelled"}]
    assert (skipped["status"], skipped["total"], skipped["done"]) == ("done", 1, 1)
    assert receipts(h) == []

    body = {"order_ids": [ORDER], "include_cancelled": True}
    forced = await h.api.post(url, json=body, headers=h.auth(shop))
    await settle(h)
    run = await run_of(h, shop, forced.json()["run_id"])
    assert (run["synced"], run["skipped"], run["status"]) == (1, [], "done")
    assert len(receipts(h)) == 1


async def test_a_run_counts_and_times_its_records_and_skips_the_synced(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(order_fixture())  # TEE-ORG-HG-M is not mapped: product_not_mapped
    await settle(h)
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")  # no heal: mapped behind the API
    first = await h.api.post(
        f"/v1/shops/{SHOP}/sync", json={"order_ids": [ORDER]}, headers=h.auth(shop)
    )
    await settle(h)
    again = await h.api.post(
        f"/v1/shops/{SHOP}/sync", json={"order_ids": [ORDER, "404"]}, headers=h.auth(shop)
    )
    await settle(h)

    run = await run_of(h, shop, first.json()["run_id"])
    assert (run["total"], run["done"], run["synced"], run["failed"], run["pending"]) == (
        1, 1, 1, 0, 0,
    )  # fmt: skip
    assert run["status"] == "done" and run["seconds_left"] == 0
    created, finished = (datetime.fromisoformat(run[k]) for k in ("created_at", "finished_at"))
    assert created <= finished
    rerun = await run_of(h, shop, again.json()["run_id"])
    assert rerun["skipped"] == [
        {"id": "404", "reason": "unknown"},
        {"id": ORDER, "reason": "already_synced"},
    ] or rerun["skipped"] == [
        {"id": ORDER, "reason": "already_synced"},
        {"id": "404", "reason": "unknown"},
    ]
    assert (rerun["total"], rerun["done"], rerun["synced"], rerun["status"]) == (2, 2, 0, "done")
    assert len(receipts(h)) == 1  # exactly once


async def test_a_forced_order_stays_forced_through_a_heal(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Priya Raman", "priya@ramandesign.example")
    await h.map_tax(shop, "Texas State Tax", "0.0625", h.add_tax_code("Texas", "6.25"))
    await h.deliver(order_fixture("05_pending_payment_bank_deposit"))  # pending: on hold
    await settle(h)
    record = f"/v1/shops/{SHOP}/records/order"
    [held] = (await h.api.get(f"/v1/shops/{SHOP}/records", headers=h.auth(shop))).json()["items"]
    assert held["status"] == "on_hold"

    # Forced, it fails on the unmapped product; mapping it (through the API) heals it.
    started = await h.api.post(
        f"/v1/shops/{SHOP}/sync", json={"order_ids": [held["shopify_id"]]}, headers=h.auth(shop)
    )
    await settle(h)
    failed = (await h.api.get(f"{record}/{held['shopify_id']}", headers=h.auth(shop))).json()
    assert (failed["status"], failed["error_code"]) == ("error", "product_not_mapped")
    item = h.qbo.add(REALM, "Item", {"Name": "Frame", "Sku": "DESK-FRM-BLK", "Type": "Service"})
    saved = await h.api.put(
        f"/v1/shops/{SHOP}/mappings/products/sku:DESK-FRM-BLK",
        json={"qbo_id": item["Id"]},
        headers=h.auth(shop),
    )
    assert saved.status_code == 200, saved.text
    await settle(h)

    synced = (await h.api.get(f"{record}/{held['shopify_id']}", headers=h.auth(shop))).json()
    assert synced["status"] == "synced"  # not back on hold: the heal kept the override
    assert len(receipts(h)) == 1
    run = await run_of(h, shop, started.json()["run_id"])
    assert run["synced"] == 1 and run["status"] == "done"


async def test_a_date_range_sync_queues_the_orders_in_error(h: Harness) -> None:
    shop = await h.install()
    await h.connect_shopify(shop)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    order = h.shopify.create_order(SHOP, order_fixture())
    await h.deliver(order)
    await settle(h)  # TEE-ORG-HG-M not mapped: in error, and LedgerPort holds the newest state
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")  # behind the API: no heal
    since = datetime.fromisoformat(order["updated_at"]) - timedelta(hours=1)
    body = {"since": since.isoformat(), "until": (since + timedelta(days=1)).isoformat()}

    started = await h.api.post(f"/v1/shops/{SHOP}/sync", json=body, headers=h.auth(shop))
    await settle(h)

    run = await run_of(h, shop, started.json()["run_id"])
    assert (run["kind"], run["status"], run["total"], run["synced"]) == ("backfill", "done", 1, 1)
    assert len(receipts(h)) == 1


async def test_a_date_range_sync_of_orders_no_webhook_brought_makes_one_attempt_each(
    h: Harness,
) -> None:
    """The backfill stores each order and queues its sync; the run must not queue a second
    job beside it (a new user saw every order attempted twice at once)."""
    shop = await h.install()
    await h.connect_shopify(shop)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    ids = [5910002001101 + n for n in range(3)]
    orders = [
        h.shopify.create_order(
            SHOP,
            {
                **order_fixture(),
                "id": i,
                "admin_graphql_api_id": f"gid://shopify/Order/{i}",
                "name": f"#{i % 10000}",
            },
        )  # fmt: skip
        for i in ids
    ]
    since = datetime.fromisoformat(orders[0]["updated_at"]) - timedelta(hours=1)
    body = {"since": since.isoformat(), "until": (since + timedelta(days=1)).isoformat()}

    started = await h.api.post(f"/v1/shops/{SHOP}/sync", json=body, headers=h.auth(shop))
    await settle(h)

    run = await run_of(h, shop, started.json()["run_id"])
    assert (run["status"], run["total"], run["synced"]) == ("done", 3, 3), run
    assert run["outcomes"] == {"synced": 3}, run  # one attempt per order
    assert len(receipts(h)) == 3


async def test_resync_takes_an_operator_key_for_any_shop_and_hides_other_shops(h: Harness) -> None:
    shop = await h.install()
    other = await h.install("other.myshopify.com")
    ops = {"Authorization": f"Bearer {await issue_ops_key(h.container.uow())}"}
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(order_fixture())
    await settle(h)
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    body = {"error_code": "product_not_mapped"}

    foreign = await h.api.post(f"/v1/shops/{SHOP}/resync", json=body, headers=h.auth(other))
    started = await h.api.post(f"/v1/shops/{SHOP}/resync", json=body, headers=ops)
    await settle(h)

    assert foreign.status_code == 404
    assert started.status_code == 202 and started.json()["queued"] == 1
    run = await h.api.get(f"/v1/shops/{SHOP}/runs/{started.json()['run_id']}", headers=ops)
    assert (run.json()["kind"], run.json()["synced"]) == ("resync", 1)
    log = (await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(shop))).json()
    assert (log["items"][0]["status"], log["items"][0]["actor"]) == ("synced", "ops")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entity": "customer", "ids": ["1"]}, "entity"),
        ({"entity": "refund", "ids": ["1"]}, "entity"),
        ({"status": "lost"}, "status"),
        ({"error_code": "nope"}, "error_code"),
        ({"since": "2025-06-01T00:00:00"}, "since"),
        ({"order_ids": [str(n) for n in range(1001)]}, "order_ids"),
        ({"ids": ["1"], "since": "2025-06-01T00:00:00Z"}, "since"),
        ({"ids": ["1"], "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_selection_is_a_422_naming_the_field(
    h: Harness, body: dict[str, Any], field: str
) -> None:
    shop = await h.install()
    answer = await h.api.post(f"/v1/shops/{SHOP}/sync", json=body, headers=h.auth(shop))
    assert answer.status_code == 422, answer.text
    assert answer.json()["invalid_params"][0]["name"] == field


async def test_an_idempotency_key_replays_the_answer_and_starts_nothing_new(h: Harness) -> None:
    shop = await h.install()
    await h.deliver(order_fixture())
    await settle(h)
    url, body = f"/v1/shops/{SHOP}/sync", {"order_ids": [ORDER]}
    headers = {**h.auth(shop), "Idempotency-Key": "retry-me-1"}

    first = await h.api.post(url, json=body, headers=headers)
    await settle(h)
    replay = await h.api.post(url, json=body, headers=headers)
    other_body = await h.api.post(url, json={"order_ids": ["42"]}, headers=headers)
    other_key = await h.api.post(url, json=body, headers={**headers, "Idempotency-Key": "k2"})

    assert first.status_code == 202 and "Idempotent-Replayed" not in first.headers
    assert (replay.status_code, replay.json()) == (202, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422
    assert other_body.json()["invalid_params"][0]["name"] == "Idempotency-Key"
    assert other_key.json()["run_id"] != first.json()["run_id"]
    assert await runs_count(h) == 2  # the first and the one under a new key


async def test_an_idempotency_key_is_the_callers_own(h: Harness) -> None:
    shop = await h.install()
    other = await h.install("other.myshopify.com")
    key = {"Idempotency-Key": "same-key"}
    mine = await h.api.post(
        f"/v1/shops/{SHOP}/sync", json={"order_ids": ["1"]}, headers={**h.auth(shop), **key}
    )
    theirs = await h.api.post(
        "/v1/shops/other.myshopify.com/sync",
        json={"order_ids": ["1"]},
        headers={**h.auth(other), **key},
    )
    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["run_id"] != theirs.json()["run_id"]

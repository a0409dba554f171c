"""Manual Sync: orders selected by id (the guide's "find the order and sync it"), every order
with an error code (the ops scripts' /resync with an operator key), a date range with the
orders in error in it, a cancelled order skipped unless asked, an order already in QuickBooks
never posted twice, the run's report, and a retried request that starts nothing new."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import LiveShop
from tests.guide.steps import as_ops, failing, finished, ops_key, synced

pytestmark = pytest.mark.e2e

JUN = {"id": 7302200002, "first_name": "Jun", "last_name": "Park", "email": "jun@example.com"}
JUN_IN_QBO = {"DisplayName": "Jun Park", "PrimaryEmailAddr": {"Address": "jun@example.com"}}


def doc_numbers(shop: LiveShop) -> Counter[str]:
    return Counter(str(r["DocNumber"]) for r in shop.qbo_list("SalesReceipt"))


def test_sync_selected_orders_posts_each_once_and_says_why_it_skipped_the_rest(
    shop: LiveShop, books: Books
) -> None:
    shop.send_order(order(5001))  # paid: synced by itself
    shop.send_order({**order(5002), "financial_status": "pending"})  # on hold
    cancelled = {**order(5003), "cancelled_at": "2025-03-14T12:00:00-04:00"}
    shop.send_order(cancelled)  # cancelled in Shopify: on hold, nothing to book
    synced(shop, 5001)
    shop.wait_for_records([5002, 5003], lambda r: r["status"] == "on_hold")

    ids = ["5001", "5002", "5003", "5999"]
    answer = shop.call("POST", "/sync", json={"order_ids": ids})
    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert (started["queued"], started["unknown_order_ids"]) == (1, ["5999"])
    synced(shop, 5002)
    run = finished(shop, started["run_id"])

    assert (run["kind"], run["total"], run["done"], run["pending"]) == ("manual", 4, 4, 0)
    assert (run["synced"], run["failed"], run["on_hold"], run["seconds_left"]) == (1, 0, 0, 0)
    skipped = {s["id"]: s["reason"] for s in run["skipped"]}
    assert skipped == {"5001": "already_synced", "5003": "cancelled", "5999": "unknown"}
    created, ended = (datetime.fromisoformat(run[k]) for k in ("created_at", "finished_at"))
    assert created <= ended
    assert doc_numbers(shop) == Counter({"SH5001": 1, "SH5002": 1})  # 5001 not posted again
    held = shop.record(5003)
    assert held is not None and held["status"] == "on_hold"

    # Asked explicitly, the cancelled order is posted.
    answer = shop.call("POST", "/sync", json={"order_ids": ["5003"], "include_cancelled": True})
    assert answer.status_code == 202 and answer.json()["queued"] == 1, answer.text
    synced(shop, 5003)
    run = finished(shop, answer.json()["run_id"])
    assert (run["total"], run["synced"], run["skipped"]) == (1, 1, [])
    assert doc_numbers(shop) == Counter({"SH5001": 1, "SH5002": 1, "SH5003": 1})


def test_an_operator_resyncs_every_order_with_an_error_code(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(5101, customer=JUN))
    shop.send_order(order(5102, ("TEE", "TEE"), customer=JUN))
    shop.send_order(order(5103))
    failing(shop, 5101, "customer_not_found")
    failing(shop, 5102, "customer_not_found")
    synced(shop, 5103)
    jun = shop.qbo_add("Customer", JUN_IN_QBO)  # added in QuickBooks: nothing tells LedgerPort
    in_error = shop.ok("GET", "/records", params={"status": "error"})["items"]
    assert {r["shopify_id"] for r in in_error} == {"5101", "5102"}

    key = ops_key(shop.stack)
    answer = as_ops(shop, key, "POST", "/resync", json={"error_code": "customer_not_found"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["queued"] == 2
    synced(shop, 5101, 5102)
    run = as_ops(shop, key, "GET", f"/runs/{answer.json()['run_id']}").json()
    assert (run["kind"], run["total"], run["synced"], run["failed"]) == ("resync", 2, 2, 0)
    assert doc_numbers(shop) == Counter({"SH5101": 1, "SH5102": 1, "SH5103": 1})
    assert shop.receipts()["SH5101"]["CustomerRef"]["value"] == jun

    by_ops = shop.ok("GET", "/audit-log", params={"actor": "ops"})["items"]
    assert sorted((e["shopify_id"], e["status"]) for e in by_ops) == [
        ("5101", "synced"),
        ("5102", "synced"),
    ]
    shops = shop.stack.http.get(
        f"{shop.stack.api}/v1/shops", headers={"Authorization": f"Bearer {key}"}
    )
    [mine] = [s for s in shops.json()["items"] if s["domain"] == shop.domain]
    assert (mine["records"]["synced"], mine["records"]["error"]) == (3, 0)
    assert mine["connections"]["quickbooks"]["status"] == "healthy"


def test_a_date_range_sync_includes_the_orders_in_error(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(5201, customer=JUN))  # created 2025-03-14 in Shopify
    failing(shop, 5201, "customer_not_found")
    shop.qbo_add("Customer", JUN_IN_QBO)

    span = {"since": "2025-03-14T00:00:00-04:00", "until": "2025-03-15T00:00:00-04:00"}
    answer = shop.call("POST", "/sync", json=span)
    assert answer.status_code == 202, answer.text
    synced(shop, 5201)
    run = finished(shop, answer.json()["run_id"])
    assert (run["kind"], run["total"], run["synced"], run["skipped"]) == ("backfill", 1, 1, [])
    assert doc_numbers(shop) == Counter({"SH5201": 1})


def test_a_retried_request_with_an_idempotency_key_starts_nothing_new(
    shop: LiveShop, books: Books
) -> None:
    shop.send_order({**order(5301), "financial_status": "pending"})
    shop.wait_for_records([5301], lambda r: r["status"] == "on_hold")
    headers = {"Idempotency-Key": "guide-5301"}

    first = shop.call("POST", "/sync", json={"order_ids": ["5301"]}, headers=headers)
    assert first.status_code == 202 and "Idempotent-Replayed" not in first.headers, first.text
    synced(shop, 5301)
    again = shop.call("POST", "/sync", json={"order_ids": ["5301"]}, headers=headers)

    assert (again.status_code, again.json()) == (202, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    run = finished(shop, first.json()["run_id"])
    assert (run["total"], run["synced"]) == (1, 1)
    logged = shop.ok("GET", "/audit-log", params={"order": "#5301", "actor": "manual"})["items"]
    assert {e["run_id"] for e in logged} == {first.json()["run_id"]}
    assert doc_numbers(shop) == Counter({"SH5301": 1})

"""Reading and Filtering Audit Logs: every attempt, newest first, filtered by status, error
code, entity, order number, actor and date range, paged by cursor, and exported as CSV with
the same filters."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.books import KENTUCKY, Books, order
from tests.e2e.live import Json, LiveShop
from tests.guide.steps import failing, finished, fix, synced

pytestmark = pytest.mark.e2e


def log(shop: LiveShop, **filters: str) -> list[Json]:
    """Every entry the filters match, page by page (two at a time) through next_cursor."""
    entries: list[Json] = []
    cursor: str | None = None
    while True:
        params = {**filters, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = shop.ok("GET", "/audit-log", params=params)
        assert len(page["items"]) <= 2
        entries += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return entries


def exported(shop: LiveShop, **filters: str) -> list[dict[str, str]]:
    answer = shop.call("GET", "/audit-log/export.csv", params=filters)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def seen(entries: list[Json]) -> list[tuple[str, str, str | None, str]]:
    return [(e["label"], e["status"], e["error_code"], e["actor"]) for e in entries]


def test_reading_and_filtering_the_audit_log(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(7001))
    shop.send_order(order(7002, ("SOCKS",)))
    shop.send_order(order(7003, tax=KENTUCKY))
    shop.send_order({**order(7004), "financial_status": "pending"})
    synced(shop, 7001)
    socks = failing(shop, 7002, "product_not_mapped")
    failing(shop, 7003, "tax_not_mapped")
    shop.wait_for_records([7004], lambda r: r["status"] == "on_hold")
    run = fix(shop, "on_hold", "sync_orders", id="7004")  # by hand: actor manual
    synced(shop, 7004)
    finished(shop, run["run_id"])

    everything = log(shop)
    assert everything == shop.ok("GET", "/audit-log", params={"limit": "500"})["items"]
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)  # newest first, once
    orders = [e for e in everything if e["entity"] == "order"]
    assert {e["label"] for e in orders} == {"#7001", "#7002", "#7003", "#7004"}
    assert {"quickbooks", "payments"} <= {e["label"] for e in everything}  # events are there too

    errors = log(shop, status="error")
    assert sorted(seen(errors)) == [
        ("#7002", "error", "product_not_mapped", "webhook"),
        ("#7003", "error", "tax_not_mapped", "webhook"),
    ]
    [mapped] = log(shop, code="product_not_mapped")
    assert mapped["message"] == socks["message"] and "SOCKS" in mapped["message"]
    assert mapped["error"]["code"] == "product_not_mapped" and mapped["error"]["actions"]
    assert [e["label"] for e in log(shop, code="tax_not_mapped")] == ["#7003"]
    assert log(shop, entity="order") == orders
    assert {e["label"] for e in log(shop, order="#7004")} == {"#7004"}
    [by_hand] = log(shop, actor="manual", entity="order")
    assert (by_hand["label"], by_hand["status"], by_hand["run_id"]) == (
        "#7004",
        "synced",
        run["run_id"],
    )

    # A date range: from the manual sync's entry on, and everything before it.
    since = by_hand["created_at"]
    after, before = log(shop, since=since), log(shop, until=since)
    assert by_hand in after and by_hand not in before
    assert sorted(e["id"] for e in after + before) == sorted(ids)

    # The CSV export holds what the list holds, for any filter.
    for filters in ({}, {"status": "error"}, {"order": "#7004"}, {"until": since}):
        rows = exported(shop, **filters)
        listed = log(shop, **filters)
        assert [int(r["id"]) for r in rows] == [e["id"] for e in listed], filters
        assert [(r["label"], r["status"], r["actor"]) for r in rows] == [
            (e["label"], e["status"], e["actor"]) for e in listed
        ]

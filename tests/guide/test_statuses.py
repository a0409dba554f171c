"""Error statuses at a glance: synced, error, pending and on hold, each produced by its real
cause and read from the records and the audit log."""

from __future__ import annotations

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import LiveShop
from tests.guide.steps import failing, synced

pytestmark = pytest.mark.e2e


def test_the_four_statuses(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(1001))  # paid, mapped: synced
    shop.send_order(order(1002, ("SOCKS",)))  # a SKU QuickBooks has no item for: error
    unpaid = {**order(1003), "financial_status": "pending"}
    shop.send_order(unpaid)  # does not meet the "paid" trigger: on hold
    synced(shop, 1001)
    record = failing(shop, 1002, "product_not_mapped")
    assert "SOCKS" in record["message"]
    held = shop.wait_for_records([1003], lambda r: r["status"] == "on_hold")[1003]
    assert held["error_code"] == "on_hold" and "SH1003" not in shop.receipts()

    # Pending: queued, not processed yet. QuickBooks answers slowly for a moment.
    shop.qbo_admin("/faults", {"latency_ms": 1500})
    try:
        shop.send_order(order(1004))
        waiting = shop.ok("GET", "/records", params={"status": "pending"})["items"]
        assert [r["shopify_id"] for r in waiting] == ["1004"]
    finally:
        shop.qbo_admin("/faults", {"latency_ms": 0})
    synced(shop, 1004)

    logged = shop.ok("GET", "/audit-log", params={"entity": "order"})["items"]
    seen = {(e["shopify_id"], e["status"]) for e in logged}
    assert {("1001", "synced"), ("1002", "error"), ("1004", "synced")} <= seen

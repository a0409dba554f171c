"""The guide's errors that come from QuickBooks itself (authorisation, duplicate, timeout,
rate limit): each produced by QuickBooks behaving that way in the sandbox, then fixed by
following the catalogue's actions for its code."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import LiveShop
from tests.guide.conftest import THROTTLE_WINDOW_S
from tests.guide.steps import failing, fix, synced

pytestmark = pytest.mark.e2e


def statuses(answer: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    return {c["provider"]: c["status"] for c in answer["items"]}


def test_qbo_auth_reconnect_then_resync(shop: LiveShop, books: Books) -> None:
    # Someone disconnects the app in QuickBooks: the access token and the refresh token die.
    shop.qbo_admin("/tokens/expire", {"realm_id": shop.realm})
    shop.qbo_admin("/tokens/expire", {"realm_id": shop.realm, "refresh": True})
    shop.send_order(order(3001))
    failing(shop, 3001, "qbo_auth")
    assert statuses(fix(shop, "qbo_auth", "view_connections"))["quickbooks"] == "unhealthy"

    link = fix(shop, "qbo_auth", "reconnect_quickbooks")["authorize_url"]
    shop.consent_quickbooks(link)
    assert statuses(fix(shop, "qbo_auth", "view_connections"))["quickbooks"] == "healthy"
    synced(shop, 3001)  # queued again by the reconnect itself
    fix(shop, "qbo_auth", "sync_orders", id="3001")  # the guide's re-sync posts nothing twice
    synced(shop, 3001)
    assert [r["DocNumber"] for r in shop.qbo_list("SalesReceipt")] == ["SH3001"]


def test_duplicate_already_in_quickbooks_is_resolved_without_syncing(
    shop: LiveShop, books: Books
) -> None:
    # An earlier manual entry in QuickBooks took the order's number, for another total.
    earlier = shop.qbo_add(
        "SalesReceipt",
        {"DocNumber": "SH3101", "TxnDate": "2025-03-14", "TotalAmt": 12.5,
         "CustomerRef": {"value": books.maya}, "Line": []},
    )  # fmt: skip
    shop.send_order(order(3101))
    record = failing(shop, 3101, "duplicate")
    assert "SH3101" in record["message"]

    seen = fix(shop, "duplicate", "view_record", entity="order", id="3101")
    assert seen["status"] == "error"
    resolved = fix(shop, "duplicate", "resolve_record", entity="order", id="3101")
    assert resolved["status"] == "resolved"
    after = shop.record(3101)
    assert after is not None and after["status"] == "resolved"
    assert [r["Id"] for r in shop.qbo_list("SalesReceipt")] == [earlier]


def test_qbo_timeout_retry_now_with_a_manual_sync(shop: LiveShop, books: Books) -> None:
    # QuickBooks hangs on the order's three posting attempts (LedgerPort waits 2 s each).
    fault = {"kind": "timeout", "realm_id": shop.realm, "path_contains": "salesreceipt",
             "count": 3, "seconds": 4}  # fmt: skip
    shop.qbo_admin("/faults", fault)
    shop.send_order(order(3201))
    record = shop.wait_for_records([3201], lambda r: r["error_code"] is not None, 30)[3201]
    assert (record["status"], record["error_code"]) == ("error", "qbo_timeout"), record
    assert record["error"]["retries_automatically"] is True
    assert record["next_attempt_at"] is not None

    started = fix(shop, "qbo_timeout", "sync_orders", id="3201")
    run = fix(shop, "qbo_timeout", "view_run", run_id=started["run_id"])
    assert run["id"] == started["run_id"]
    synced(shop, 3201)
    assert [r["DocNumber"] for r in shop.qbo_list("SalesReceipt")] == ["SH3201"]


def test_rate_limited_syncs_by_itself_once_the_window_resets(shop: LiveShop, books: Books) -> None:
    shop.qbo_admin("/faults", {"kind": "throttle", "realm_id": shop.realm, "count": 1})
    shop.send_order(order(3301))
    record = shop.wait_for_records([3301], lambda r: r["error_code"] is not None)[3301]
    assert record["error_code"] == "rate_limited", record
    waited = datetime.fromisoformat(record["next_attempt_at"])
    window = (waited - datetime.fromisoformat(record["last_attempt_at"])).total_seconds()
    assert window == pytest.approx(THROTTLE_WINDOW_S, abs=1)  # QuickBooks' (scaled) minute

    logged = fix(shop, "rate_limited", "view_audit_log")["items"]
    assert [(e["shopify_id"], e["error_code"]) for e in logged] == [("3301", "rate_limited")]
    healed = synced(shop, 3301, seconds=30)[
        3301
    ]  # nobody synced it: the wait ran out and it went through
    history = [(e["status"], e["error_code"], e["actor"]) for e in healed["history"]]
    assert history[0] == ("synced", None, "auto_retry"), history
    assert ("error", "rate_limited", "webhook") in history, history

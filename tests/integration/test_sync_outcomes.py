"""What a merchant sees when QBO or the order is not ready: statuses, codes, exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.db.tables import AuditEntry, Connection, SyncRecord
from app.adapters.queue.inprocess import InProcessQueue
from app.services.shops import map_product
from app.services.sync_order import sync_order
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running

SKU, ITEM = "TEE-ORG-HG-M", "Organic Cotton Tee"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    # One try per job: a retry is driven by the test, not by a timer it would wait out.
    settings = make_settings(database_url, LEDGERPORT_HTTP_TIMEOUT_S=0.5)
    async with running(settings, queue=InProcessQueue(max_tries=1)) as harness:
        yield harness


async def ready(h: Harness) -> int:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, SKU, ITEM)
    return shop.shop_id


async def record(h: Harness) -> SyncRecord:
    async with h.container.sessions() as session:
        found = await session.scalar(select(SyncRecord))
    assert found is not None
    return found


async def audit(h: Harness) -> list[dict[str, Any]]:
    async with h.container.sessions() as session:
        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    return [{"status": r.status, "code": r.error_code, "actor": r.actor} for r in rows]


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def test_a_create_that_timed_out_after_committing_is_replayed_not_repeated(
    h: Harness,
) -> None:
    await ready(h)
    h.qbo.inject_fault("commit_then_timeout", path_contains="salesreceipt", seconds=2)

    await h.deliver(order_fixture())
    await settle(h)

    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
    assert (await record(h)).status == "synced"


async def test_qbo_commits_but_times_out_then_the_retry_adopts_the_receipt(h: Harness) -> None:
    shop_id = await ready(h)
    # Every seconds-scale retry times out too, so the job itself fails with qbo_timeout.
    h.qbo.inject_fault("commit_then_timeout", count=3, path_contains="salesreceipt", seconds=2)

    await h.deliver(order_fixture())
    await settle(h)
    first = await record(h)
    assert (first.status, first.error_code) == ("error", "qbo_timeout")
    assert first.next_attempt_at is not None  # qbo_timeout retries by itself
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1  # QBO did commit
    creates = [r for r in h.qbo.requests if r.method == "POST" and "salesreceipt" in r.path]
    assert len(creates) == 3 and len({r.query["requestid"] for r in creates}) == 1

    await sync_order(h.container.sync_deps, shop_id, first.shopify_id, "auto_retry")

    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
    final = await record(h)
    assert (final.status, final.qbo_id) == (
        "synced",
        h.qbo.documents(REALM, "SalesReceipt")[0]["Id"],
    )
    assert await audit(h) == [
        {"status": "error", "code": "qbo_timeout", "actor": "webhook"},
        {"status": "synced", "code": None, "actor": "auto_retry"},
    ]


async def test_refused_refresh_token_is_qbo_auth_and_marks_the_connection_unhealthy(
    h: Harness,
) -> None:
    await ready(h)
    h.qbo.expire_access_tokens(REALM)
    h.qbo.revoke_refresh_tokens(REALM)
    async with h.container.sessions() as session:  # the stored token looks expired, so we refresh
        connection = await session.scalar(select(Connection))
        assert connection is not None
        connection.access_expires_at = h.container.clock()
        await session.commit()

    await h.deliver(order_fixture())
    await settle(h)

    rec = await record(h)
    assert (rec.status, rec.error_code, rec.next_attempt_at) == ("error", "qbo_auth", None)
    assert h.qbo.documents(REALM, "SalesReceipt") == []
    async with h.container.sessions() as session:
        connection = await session.scalar(select(Connection))
    assert connection is not None and connection.status == "unhealthy"


async def test_expired_access_token_is_refreshed_and_the_rotation_stored(h: Harness) -> None:
    await ready(h)
    async with h.container.sessions() as session:
        before = await session.scalar(select(Connection))
    assert before is not None
    async with h.container.sessions() as session:
        connection = await session.scalar(select(Connection))
        assert connection is not None
        connection.access_expires_at = h.container.clock()
        await session.commit()
    h.qbo.expire_access_tokens(REALM)

    await h.deliver(order_fixture())
    await settle(h)

    assert (await record(h)).status == "synced"
    async with h.container.sessions() as session:
        after = await session.scalar(select(Connection))
    assert after is not None and after.refresh_token != before.refresh_token
    assert b"refresh" not in (after.refresh_token or b"")  # stored encrypted, not as issued


async def test_throttled_qbo_is_rate_limited_and_not_a_failed_attempt(h: Harness) -> None:
    await ready(h)
    h.qbo.inject_fault("throttle", count=5)

    await h.deliver(order_fixture())
    await settle(h)

    rec = await record(h)
    assert (rec.status, rec.error_code, rec.attempts) == ("error", "rate_limited", 0)
    assert rec.next_attempt_at is not None
    assert h.qbo.documents(REALM, "SalesReceipt") == []


async def test_pending_order_is_on_hold_until_a_paid_webhook_releases_it(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Priya Raman", "priya@ramandesign.example")
    await h.map_sku(shop, "DESK-FRM-BLK", "Standing Desk Frame")
    await h.map_tax(shop, "Texas State Tax", "0.0625", h.add_tax_code("Texas", "6.25"))
    pending = order_fixture("05_pending_payment_bank_deposit")

    await h.deliver(pending)
    await settle(h)
    held = await record(h)
    assert (held.status, held.error_code) == ("on_hold", "on_hold")
    assert h.qbo.documents(REALM, "SalesReceipt") == []

    paid = {**pending, "financial_status": "paid", "updated_at": "2025-04-10T09:00:00-05:00"}
    await h.deliver(paid, topic="orders/paid")
    await settle(h)

    assert (await record(h)).status == "synced"
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert float(receipt["TotalAmt"]) == float(pending["total_price"])


async def test_a_stale_redelivery_does_not_undo_a_newer_order_state(h: Harness) -> None:
    await ready(h)
    order = order_fixture()
    newer = {**order, "updated_at": "2025-03-15T10:00:00-04:00", "note": "gift wrap"}

    await h.deliver(newer, event_id="evt-new")
    await settle(h)
    await h.deliver(order, event_id="evt-old")  # Shopify retries carry the original payload
    await settle(h)

    from app.adapters.db.tables import OrderRow

    async with h.container.sessions() as session:
        row = await session.scalar(select(OrderRow))
    assert row is not None and row.payload["note"] == "gift wrap" and row.version == 1
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_error_catalogue_lists_the_ten_codes(h: Harness) -> None:
    body = (await h.api.get("/v1/errors")).json()
    codes = [item["code"] for item in body["items"]]
    assert sorted(codes) == sorted(
        [
            "customer_not_found", "product_not_mapped", "qbo_auth", "duplicate",
            "tax_not_mapped", "invalid_account", "qbo_timeout", "rate_limited", "on_hold",
            "missing_field",
        ]
    )  # fmt: skip
    for item in body["items"]:
        assert item["title"] and item["meaning"] and item["fix_steps"] and item["actions"]
    one = await h.api.get("/v1/errors/qbo_auth")
    assert one.json()["retries_automatically"] is False
    missing = await h.api.get("/v1/errors/no_such_code")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_health_and_readiness(h: Harness) -> None:
    assert (await h.api.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready_body = (await h.api.get("/readyz")).json()
    assert ready_body["checks"] == {"database": "ok"}


async def test_bad_audit_log_filters_are_problems_naming_the_field(h: Harness) -> None:
    shop = await h.install()
    url = f"/v1/shops/{SHOP}/audit-log"
    bad_status = await h.api.get(url, params={"status": "done"}, headers=h.auth(shop))
    assert bad_status.status_code == 422
    assert bad_status.json()["invalid_params"][0]["name"] == "status"
    bad_cursor = await h.api.get(url, params={"cursor": "nope"}, headers=h.auth(shop))
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["invalid_params"][0]["name"] == "cursor"


async def send_was_never_answered(h: Harness, shop_id: int) -> str:
    """Leaves the state a worker crash leaves: the order stored, a create sent, no outcome."""
    await h.deliver(order_fixture())
    await settle(h)
    async with h.container.sessions() as session:
        rec = await session.scalar(select(SyncRecord))
        assert rec is not None
        rec.status, rec.qbo_id, rec.pending_request_id = "pending", None, "lost-request-1"
        await session.commit()
        return rec.shopify_id


async def test_after_a_lost_answer_a_matching_receipt_in_qbo_is_adopted(h: Harness) -> None:
    shop_id = await ready(h)
    shopify_id = await send_was_never_answered(h, shop_id)

    await sync_order(h.container.sync_deps, shop_id, shopify_id, "auto_retry")

    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    rec = await record(h)
    assert (rec.status, rec.qbo_id, rec.pending_request_id) == ("synced", receipt["Id"], None)
    async with h.container.sessions() as session:
        last = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert last is not None and last.message is not None
    assert last.message.startswith("Found the matching QuickBooks sales receipt SH1001")


async def test_a_different_receipt_with_our_number_is_a_duplicate_error(h: Harness) -> None:
    await ready(h)
    other = h.add_customer("Someone Else", "else@example.com")
    h.qbo.add(
        REALM,
        "SalesReceipt",
        {
            "DocNumber": "SH1001",
            "TxnDate": "2025-01-02",
            "CustomerRef": {"value": other},
            "TotalAmt": 999.0,
            "Line": [],
        },
    )

    await h.deliver(order_fixture())
    await settle(h)

    rec = await record(h)
    assert (rec.status, rec.error_code) == ("error", "duplicate")
    assert "SH1001" in (rec.message or "")
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_a_cause_fixed_in_qbo_is_retried_under_a_new_request_id(h: Harness) -> None:
    # QBO answers a replayed requestid with its first answer, fault included: a retry of the
    # same payload after a person fixed QBO must not replay the failed request.
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    inactive = h.qbo.add(REALM, "Item", {"Name": "Old Tee", "Sku": SKU, "Active": False})
    await map_product(h.container.uow(), shop.shop_id, f"sku:{SKU}", inactive["Id"], SKU)
    await h.deliver(order_fixture())
    await settle(h)
    failed = await record(h)
    assert (failed.status, failed.error_code) == ("error", "product_not_mapped")

    h.qbo.add(REALM, "Item", {**inactive, "Active": True})  # reactivated in QuickBooks
    await sync_order(h.container.sync_deps, shop.shop_id, failed.shopify_id, "manual")

    assert (await record(h)).status == "synced"
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1

"""Syncing one order to a QBO sales receipt, through each outcome a merchant can see."""

from __future__ import annotations

import asyncio

import pytest

from app.domain.models import SyncStatus
from app.domain.signals import RetryLater
from app.services.sync_order import sync_order
from tests.harness import creates, delete_in_qbo, order_fixture
from tests.services.conftest import DEADLINE_S, REALM, World, build, paid_order


async def test_a_ready_order_is_synced_once(world: World) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    [job] = world.queue.take()
    assert job[0] == "sync_order" and job[1][:2] == (shop.shop_id, order_id)

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.synced
    assert await sync_order(world.deps, shop.shop_id, order_id) is None  # already synced

    [receipt] = world.receipts()
    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.qbo_id) == ("synced", None, receipt["Id"])
    assert record.attempts == 1 and record.lease_owner is None
    assert record.pending_request_id is None
    [entry] = await world.audit(shop.shop_id)
    assert (entry.status, entry.actor, entry.qbo_id) == ("synced", "webhook", receipt["Id"])
    assert entry.message is not None and entry.message.startswith("Created")


async def test_an_unpaid_order_is_on_hold(world: World) -> None:
    shop = await world.install()
    world.add_customer("Priya Raman", "priya@ramandesign.example")
    await world.map_sku(shop.shop_id, "DESK-FRM-BLK", "Standing Desk Frame")
    order_id = await world.receive(shop.shop_id, order_fixture("05_pending_payment_bank_deposit"))

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.on_hold

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.next_attempt_at) == (
        "on_hold",
        "on_hold",
        None,
    )
    assert world.receipts() == []


async def test_an_unmapped_product_waits_for_a_person(world: World) -> None:
    shop = await world.install()
    world.add_customer("Maya Okafor", "maya.okafor@example.com")
    order_id = await world.receive(shop.shop_id, paid_order())

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.error

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code) == ("error", "product_not_mapped")
    assert record.next_attempt_at is None  # a mapping re-queues it, not a timer
    [entry] = await world.audit(shop.shop_id)
    assert entry.error_code == "product_not_mapped" and entry.detail
    assert world.receipts() == []


async def test_a_buyer_unknown_to_qbo_is_customer_not_found(world: World) -> None:
    shop = await world.install()
    await world.map_sku(shop.shop_id, "TEE-ORG-HG-M", "Organic Cotton Tee")
    order_id = await world.receive(shop.shop_id, paid_order())

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.error

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code) == ("error", "customer_not_found")
    [entry] = await world.audit(shop.shop_id)
    assert entry.detail is not None and entry.detail["email"] == "maya.okafor@example.com"
    assert world.receipts() == []


async def test_qbo_not_answering_is_retried_later_then_synced(world: World) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    hang = DEADLINE_S * 4
    world.qbo.inject_fault("timeout", count=3, path_contains="salesreceipt", seconds=hang)

    with pytest.raises(RetryLater) as retry:
        await sync_order(world.deps, shop.shop_id, order_id)

    assert retry.value.defer_s > 0
    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.attempts) == ("error", "qbo_timeout", 1)
    assert record.next_attempt_at is not None and record.lease_owner is None
    assert record.pending_request_id is not None  # the create is in doubt: replay its id
    assert world.receipts() == []

    assert await sync_order(world.deps, shop.shop_id, order_id, "auto_retry") == "synced"
    assert len(world.receipts()) == 1
    audit = [(e.status, e.error_code, e.actor) for e in await world.audit(shop.shop_id)]
    assert audit == [("error", "qbo_timeout", "webhook"), ("synced", None, "auto_retry")]


async def test_a_throttled_qbo_is_rate_limited_and_not_a_failed_attempt(world: World) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    world.qbo.inject_fault("throttle", count=10)

    with pytest.raises(RetryLater):
        await sync_order(world.deps, shop.shop_id, order_id)

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.attempts) == ("error", "rate_limited", 0)
    assert record.next_attempt_at is not None
    assert world.receipts() == []


async def test_a_receipt_already_in_qbo_for_this_sale_is_adopted(world: World) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    assert await sync_order(world.deps, shop.shop_id, order_id) == "synced"
    [receipt] = world.receipts()
    # LedgerPort starts over (a fresh install, its records lost); QBO keeps the receipt. The
    # new install's limiter knows nothing of the old one's requests: let QBO's second pass.
    await asyncio.sleep(1.1)
    async for again in build(world.qbo):
        fresh = await again.install()
        await again.map_sku(fresh.shop_id, "TEE-ORG-HG-M", "Organic Cotton Tee")
        await again.receive(fresh.shop_id, paid_order())

        assert await sync_order(again.deps, fresh.shop_id, order_id) == "synced"

        assert world.receipts() == [receipt]
        record = await again.record(fresh.shop_id, order_id)
        assert (record.status, record.qbo_id) == ("synced", receipt["Id"])
        [entry] = await again.audit(fresh.shop_id)
        assert entry.message is not None and entry.message.startswith("Found the matching")


async def test_a_refused_refresh_is_qbo_auth_and_the_connection_unhealthy(world: World) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    world.clock.advance(hours=2)  # the stored access token is due
    world.qbo.revoke_refresh_tokens(REALM)

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.error

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.next_attempt_at) == (
        "error",
        "qbo_auth",
        None,
    )
    connection = await world.connection(shop.shop_id)
    assert connection.status == "unhealthy" and connection.status_reason
    assert world.receipts() == []


async def test_a_token_qbo_refuses_before_its_hour_is_renewed_once_and_the_order_syncs(
    world: World,
) -> None:
    shop = await world.ready()
    first = await world.receive(shop.shop_id, paid_order())
    another = {**paid_order(), "id": 5910002001002, "name": "#1002", "order_number": 1002}
    second = await world.receive(shop.shop_id, another)
    world.qbo.expire_access_tokens(REALM)  # Intuit says expired; we hold it for another hour
    before = world.token_requests()

    assert await sync_order(world.deps, shop.shop_id, first) == SyncStatus.synced
    assert await sync_order(world.deps, shop.shop_id, second) == SyncStatus.synced

    assert world.token_requests() == before + 1  # renewed once, used for both orders
    assert len(world.receipts()) == 2
    connection = await world.connection(shop.shop_id)
    assert (connection.status, connection.status_reason) == ("healthy", None)
    assert [e.status for e in await world.audit(shop.shop_id)] == ["synced", "synced"]


async def test_after_a_401_a_refused_refresh_is_qbo_auth_and_pauses_the_shop(
    world: World,
) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    world.qbo.oauth.revoke_grants(REALM)  # the company disconnected LedgerPort in QuickBooks
    before = world.token_requests()

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.error

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.next_attempt_at) == ("error", "qbo_auth", None)
    assert world.token_requests() == before + 1
    connection = await world.connection(shop.shop_id)
    assert connection.status == "unhealthy" and "refresh" in (connection.status_reason or "")
    assert world.receipts() == []


async def test_a_renewed_token_refused_again_is_qbo_auth_and_pauses_the_shop(
    world: World,
) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    world.qbo.inject_fault("auth", count=2)  # the call, then its retry with a fresh token
    before = world.token_requests()

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.error

    record = await world.record(shop.shop_id, order_id)
    assert (record.status, record.error_code, record.next_attempt_at) == ("error", "qbo_auth", None)
    assert world.token_requests() == before + 1
    connection = await world.connection(shop.shop_id)
    assert connection.status == "unhealthy" and connection.status_reason
    assert world.receipts() == []


async def test_a_duplicate_deleted_in_qbo_syncs_at_the_next_try_under_a_new_request_id(
    world: World,
) -> None:
    shop = await world.ready()
    other = world.add_customer("Someone Else", "else@example.com")
    stranger = {"DocNumber": "SH1001", "TxnDate": "2025-01-02", "TotalAmt": 999.0, "Line": []}
    stranger = world.qbo.add(REALM, "SalesReceipt", {**stranger, "CustomerRef": {"value": other}})
    order_id = await world.receive(shop.shop_id, paid_order())
    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.error
    failed = await world.record(shop.shop_id, order_id)
    assert (failed.error_code, failed.attempts, failed.pending_request_id) == ("duplicate", 1, None)

    await delete_in_qbo(world.qbo, "SalesReceipt", stranger["Id"])
    assert await sync_order(world.deps, shop.shop_id, order_id, "manual") == SyncStatus.synced

    first, second = creates(world.qbo)  # QBO would answer the first id with its 6140 again
    assert first != second
    [receipt] = world.receipts()
    assert receipt["DocNumber"] == "SH1001" and receipt["Id"] != stranger["Id"]
    audit = [(e.status, e.error_code) for e in await world.audit(shop.shop_id)]
    assert audit == [("error", "duplicate"), ("synced", None)]


async def test_a_throttled_create_is_not_an_attempt_and_its_unspent_id_goes_out_again(
    world: World,
) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    world.qbo.inject_fault("throttle", path_contains="/salesreceipt")

    with pytest.raises(RetryLater):
        await sync_order(world.deps, shop.shop_id, order_id)
    throttled = await world.record(shop.shop_id, order_id)
    assert (throttled.error_code, throttled.attempts) == ("rate_limited", 0)
    assert throttled.pending_request_id is None  # refused at the gateway: nothing committed

    assert await sync_order(world.deps, shop.shop_id, order_id) == SyncStatus.synced
    first, second = creates(world.qbo)
    assert first == second  # the gateway never let the books see it: QBO holds no answer
    assert len(world.receipts()) == 1

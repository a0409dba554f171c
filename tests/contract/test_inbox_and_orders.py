"""The inbox and orders: what a webhook stores and a sync job reads."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.domain.entities import Delivery, OrderState, StoredOrder
from tests.contract.conftest import T0, Backend, minutes

DOMAIN = "northwind.myshopify.com"


async def test_a_delivery_round_trips_and_changes_through_save(backend: Backend) -> None:
    await backend.add_shop(DOMAIN)
    delivery_id = await backend.add_delivery(DOMAIN, body='{"id": 1001, "name": "#1001"}')
    async with backend.uow() as uow:
        delivery = await uow.inbox.get(delivery_id)
        assert await uow.inbox.get(delivery_id + 1000) is None
    assert delivery == Delivery(
        id=delivery_id,
        shop_domain=DOMAIN,
        topic="orders/create",
        event_id="evt-1",
        body='{"id": 1001, "name": "#1001"}',
        status="received",
        note=None,
        webhook_id="wh-1",
        api_version="2026-01",
        triggered_at="2026-01-05T08:00:00Z",
        received_at=T0,
        processed_at=None,
    )
    delivery.status, delivery.note = "processed", "order stored"
    delivery.processed_at = T0 + minutes(1)
    async with backend.uow() as uow:
        unsaved = await uow.inbox.get(delivery_id)
        assert unsaved is not None
        unsaved.status = "failed"
        await uow.inbox.save(delivery)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.inbox.get(delivery_id) == delivery


async def test_a_claim_holds_the_delivery_until_the_unit_of_work_ends(locking: Backend) -> None:
    await locking.add_shop(DOMAIN)
    delivery_id = await locking.add_delivery(DOMAIN)
    async with locking.uow() as first:
        claimed = await first.inbox.claim(delivery_id)
        assert claimed is not None and claimed.id == delivery_id
        async with locking.uow() as second:
            assert await second.inbox.claim(delivery_id) is None
        claimed.status = "processed"
        await first.inbox.save(claimed)
        await first.commit()
    async with locking.uow() as third:
        again = await third.inbox.claim(delivery_id)
    assert again is not None and again.status == "processed"


async def test_a_claim_of_a_delivery_gone_is_none(backend: Backend) -> None:
    await backend.add_shop(DOMAIN)
    delivery_id = await backend.add_delivery(DOMAIN, status="processed")
    async with backend.uow() as uow:
        assert await uow.inbox.claim(delivery_id + 1000) is None
        assert await uow.inbox.delete_handled_before(T0 + minutes(1)) == 1
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.inbox.claim(delivery_id) is None


async def test_handled_deliveries_received_before_the_cutoff_are_deleted(backend: Backend) -> None:
    await backend.add_shop(DOMAIN)
    cutoff = T0 + timedelta(days=7)
    old = {
        status: await backend.add_delivery(DOMAIN, event_id=f"old-{status}", status=status)
        for status in ("processed", "ignored", "failed", "received", "deferred")
    }
    recent = await backend.add_delivery(
        DOMAIN, event_id="recent", status="processed", received_at=cutoff + minutes(1)
    )
    async with backend.uow() as uow:
        assert await uow.inbox.delete_handled_before(cutoff) == 3
        await uow.commit()
    async with backend.uow() as uow:
        for status in ("processed", "ignored", "failed"):
            assert await uow.inbox.get(old[status]) is None
        assert await uow.inbox.get(old["received"]) is not None
        assert await uow.inbox.get(old["deferred"]) is not None  # a refund waiting to be posted
        assert await uow.inbox.get(recent) is not None


async def test_deliveries_left_unprocessed_are_listed_oldest_first(backend: Backend) -> None:
    await backend.add_shop(DOMAIN)
    second = await backend.add_delivery(DOMAIN, event_id="b", received_at=T0 + minutes(2))
    first = await backend.add_delivery(DOMAIN, event_id="a", received_at=T0 + minutes(1))
    await backend.add_delivery(DOMAIN, event_id="c", received_at=T0 + minutes(3))
    await backend.add_delivery(DOMAIN, event_id="d", received_at=T0, status="processed")
    await backend.add_delivery(DOMAIN, event_id="e", received_at=T0 + minutes(10))
    async with backend.uow() as uow:
        assert await uow.inbox.unprocessed_before(T0 + minutes(5), limit=2) == [first, second]
        assert len(await uow.inbox.unprocessed_before(T0 + minutes(5), limit=10)) == 3
        assert await uow.inbox.unprocessed_before(T0, limit=10) == []


async def test_the_id_of_a_delivery_still_unprocessed(backend: Backend) -> None:
    await backend.add_shop(DOMAIN)
    waiting = await backend.add_delivery(DOMAIN, event_id="waiting")
    await backend.add_delivery(DOMAIN, event_id="done", status="processed")
    async with backend.uow() as uow:
        assert await uow.inbox.unprocessed_id(DOMAIN, "orders/create", "waiting") == waiting
        assert await uow.inbox.unprocessed_id(DOMAIN, "orders/create", "done") is None
        assert await uow.inbox.unprocessed_id(DOMAIN, "orders/paid", "waiting") is None
        assert await uow.inbox.unprocessed_id("x.myshopify.com", "orders/create", "waiting") is None


def state(updated_minutes: float | None, name: str = "#1001", **values: str | None) -> OrderState:
    updated = None if updated_minutes is None else T0 + minutes(updated_minutes)
    fields: dict[str, str | None] = {
        "shopify_customer_id": "77",
        "financial_status": "paid",
        "fulfillment_status": None,
    }
    return OrderState(name=name, updated_at=updated, **(fields | values))


async def test_an_order_is_inserted_by_upsert(backend: Backend) -> None:
    shop = await backend.add_shop()
    payload = {"id": 1001, "name": "#1001", "line_items": [{"sku": "TEE-1", "quantity": 2}]}
    async with backend.uow() as uow:
        order, changed = await uow.orders.upsert(shop.id, "1001", state(0), payload)
        await uow.commit()
    assert changed and order.version == 1
    assert order == StoredOrder(
        id=order.id,
        shop_id=shop.id,
        shopify_id="1001",
        payload=payload,
        name="#1001",
        shopify_customer_id="77",
        financial_status="paid",
        fulfillment_status=None,
        shopify_updated_at=T0,
        version=1,
    )
    async with backend.uow() as uow:
        assert await uow.orders.get(shop.id, "1001") == order
        assert await uow.orders.get(shop.id, "1002") is None


async def test_upsert_keeps_the_newest_payload(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        await uow.orders.upsert(shop.id, "1001", state(0), {"id": 1001, "v": "created"})
        await uow.commit()
    async with backend.uow() as uow:
        newer = state(5, financial_status="refunded", fulfillment_status="fulfilled")
        order, changed = await uow.orders.upsert(shop.id, "1001", newer, {"id": 1001, "v": "paid"})
        await uow.commit()
    assert changed and order.version == 2 and order.payload == {"id": 1001, "v": "paid"}
    assert (order.financial_status, order.fulfillment_status) == ("refunded", "fulfilled")
    assert order.shopify_updated_at == T0 + minutes(5)
    async with backend.uow() as uow:
        assert await uow.orders.get(shop.id, "1001") == order


async def test_a_stale_or_repeated_payload_changes_nothing(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        stored, _ = await uow.orders.upsert(shop.id, "1001", state(5), {"id": 1001, "v": "paid"})
        await uow.commit()
    async with backend.uow() as uow:
        stale = await uow.orders.upsert(shop.id, "1001", state(1), {"id": 1001, "v": "old"})
        same = await uow.orders.upsert(shop.id, "1001", state(9), {"id": 1001, "v": "paid"})
        await uow.commit()
    assert stale == (stored, False) and same == (stored, False)
    async with backend.uow() as uow:
        assert await uow.orders.get(shop.id, "1001") == stored


async def test_a_payload_without_an_update_time_counts_as_newer(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        await uow.orders.upsert(shop.id, "1001", state(5), {"id": 1001, "v": 1})
        order, changed = await uow.orders.upsert(shop.id, "1001", state(None), {"id": 1001, "v": 2})
        assert changed and order.version == 2 and order.shopify_updated_at is None
        order, changed = await uow.orders.upsert(shop.id, "1001", state(1), {"id": 1001, "v": 3})
        assert changed and order.version == 3 and order.payload == {"id": 1001, "v": 3}


async def test_the_orders_of_a_customer_and_those_asked_for(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    async with backend.uow() as uow:
        for shopify_id, customer in [("1", "77"), ("2", "88"), ("3", None), ("4", "77")]:
            await uow.orders.upsert(shop.id, shopify_id, state(0, shopify_customer_id=customer), {})
        await uow.orders.upsert(other.id, "5", state(0), {})
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.orders.of_customer(shop.id, "77", ["3", "9"])
        assert sorted(o.shopify_id for o in found) == ["1", "3", "4"]
        assert await uow.orders.of_customer(shop.id, "99", []) == []


async def test_save_payload_writes_the_payload_only(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        order, _ = await uow.orders.upsert(shop.id, "1001", state(0), {"email": "ada@x.io"})
        await uow.commit()
    order.payload["email"] = "changed, not saved"
    async with backend.uow() as uow:
        assert await uow.orders.get(shop.id, "1001") != order
        order.payload, order.name = {"email": None, "redacted": True}, "not a payload"
        await uow.orders.save_payload(order)
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.orders.get(shop.id, "1001")
    assert saved is not None and saved.payload == {"email": None, "redacted": True}
    assert saved.name == "#1001" and saved.version == order.version


async def test_upsert_tolerates_a_concurrent_twin(locking: Backend) -> None:
    shop = await locking.add_shop()
    inserted = asyncio.Event()
    payload = {"id": 1001, "financial_status": "paid"}

    async def first() -> tuple[StoredOrder, bool]:
        async with locking.uow() as uow:
            outcome = await uow.orders.upsert(shop.id, "1001", state(0), payload)
            inserted.set()
            await asyncio.sleep(0.1)
            await uow.commit()
        return outcome

    async def second() -> tuple[StoredOrder, bool]:
        await inserted.wait()
        async with locking.uow() as uow:
            outcome = await uow.orders.upsert(shop.id, "1001", state(0), payload)
            await uow.commit()
        return outcome

    (one, inserted_first), (two, inserted_again) = await asyncio.wait_for(
        asyncio.gather(first(), second()), 5
    )
    assert inserted_first and not inserted_again
    assert two == one and one.version == 1

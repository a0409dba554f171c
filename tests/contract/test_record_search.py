"""What the records listing reads: records found by filter and paged by id, when each last
changed, a shop's deliveries still waiting in the inbox, and one record's audit entries."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from app.domain.entities import AuditEntry, AuditFilter, RecordFilter, SyncRecord
from tests.contract.conftest import Backend

OTHER = "other.myshopify.com"


async def put(backend: Backend, shop_id: int, shopify_id: str, **values: Any) -> SyncRecord:
    """A record as a sync leaves it, read back from the store."""
    entity, label = values.pop("entity", "order"), values.pop("label", "")
    async with backend.uow() as uow:
        record = await uow.records.get_or_create(
            shop_id, entity, shopify_id, label=label, status="pending"
        )
        for name, value in values.items():
            setattr(record, name, value)
        await uow.records.save(record)
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.records.get(shop_id, entity, shopify_id)
    assert stored is not None
    return stored


async def found(
    backend: Backend, shop_id: int, *, before_id: int | None = None, limit: int = 50, **where: Any
) -> list[str]:
    async with backend.uow() as uow:
        records = await uow.records.search(shop_id, RecordFilter(**where), before_id, limit)
    return [r.shopify_id for r in records]


async def test_search_filters_a_shops_records_newest_first(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop(OTHER)
    await put(backend, shop.id, "5910001", label="#1001", status="synced", qbo_doc_number="SH-1001")
    await put(
        backend,
        shop.id,
        "5910002",
        label="#1002",
        status="error",
        error_code="product_not_mapped",
        message="No QuickBooks item for TEE-ORG_50%",
    )
    await put(
        backend,
        shop.id,
        "5910003",
        label="#1003",
        status="on_hold",
        error_code="on_hold",
        message="Waiting for payment",
    )
    await put(backend, shop.id, "77", entity="product", label="Organic Tee", status="synced")
    await put(backend, other.id, "5910009", label="#1001", status="synced")

    assert await found(backend, shop.id) == ["77", "5910003", "5910002", "5910001"]
    assert await found(backend, other.id) == ["5910009"]
    assert await found(backend, shop.id, entity="order") == ["5910003", "5910002", "5910001"]
    assert await found(backend, shop.id, entity="refund") == []
    assert await found(backend, shop.id, status="error") == ["5910002"]
    assert await found(backend, shop.id, error_code="on_hold") == ["5910003"]
    assert await found(backend, shop.id, status="error", error_code="on_hold") == []
    assert await found(backend, shop.id, order="#1002") == ["5910002"]
    assert await found(backend, shop.id, order="1002") == ["5910002"]
    assert await found(backend, shop.id, order="100") == []


async def test_search_text_is_a_literal_substring_in_any_case(backend: Backend) -> None:
    shop = await backend.add_shop()
    await put(backend, shop.id, "5910001", label="#1001", status="synced", qbo_doc_number="SH-1001")
    await put(backend, shop.id, "5910002", label="#1002", message="No item for TEE-ORG_50%")
    await put(backend, shop.id, "77", entity="product", label="Organic Tee", status="synced")

    assert await found(backend, shop.id, text="sh-1001") == ["5910001"]  # QBO doc number
    assert await found(backend, shop.id, text="TEE") == ["77", "5910002"]  # label, message
    assert await found(backend, shop.id, text="910002") == ["5910002"]  # Shopify id
    assert await found(backend, shop.id, text="#100") == ["5910002", "5910001"]
    # LIKE's wildcards are plain characters here.
    assert await found(backend, shop.id, text="%") == ["5910002"]
    assert await found(backend, shop.id, text="G_5") == ["5910002"]
    assert await found(backend, shop.id, text="_") == ["5910002"]
    assert await found(backend, shop.id, text="nowhere") == []


async def test_search_pages_by_id(backend: Backend) -> None:
    shop = await backend.add_shop()
    made = [await put(backend, shop.id, str(n), label=f"#{n}") for n in range(1, 6)]

    assert await found(backend, shop.id, limit=2) == ["5", "4"]
    assert await found(backend, shop.id, before_id=made[3].id, limit=2) == ["3", "2"]
    assert await found(backend, shop.id, before_id=made[1].id, limit=2) == ["1"]
    assert await found(backend, shop.id, before_id=made[0].id) == []


async def test_updated_at_is_the_stores_and_moves_with_every_change(backend: Backend) -> None:
    shop = await backend.add_shop()
    first = await put(backend, shop.id, "1", label="#1")
    await asyncio.sleep(0.01)
    second = await put(backend, shop.id, "2", label="#2")
    assert first.updated_at is not None and second.updated_at is not None
    assert first.updated_at < second.updated_at

    assert await found(backend, shop.id, since=second.updated_at) == ["2"]
    assert await found(backend, shop.id, until=second.updated_at) == ["1"]
    assert await found(backend, shop.id, since=first.updated_at, until=second.updated_at) == ["1"]

    await asyncio.sleep(0.01)
    changed = await put(backend, shop.id, "1", status="error", error_code="qbo_timeout")
    assert changed.updated_at is not None and changed.updated_at > second.updated_at
    assert await found(backend, shop.id, since=changed.updated_at) == ["1"]
    # A save that changes nothing leaves it alone.
    async with backend.uow() as uow:
        unchanged = await uow.records.get(shop.id, "order", "1")
        assert unchanged is not None
        await uow.records.save(unchanged)
        await uow.commit()
    assert await found(backend, shop.id, since=changed.updated_at) == ["1"]
    async with backend.uow() as uow:
        again = await uow.records.get(shop.id, "order", "1")
    assert again is not None and again.updated_at == changed.updated_at
    # The entity's own value is never written: the store keeps the time.
    async with backend.uow() as uow:
        await uow.records.save(replace(changed, updated_at=None, attempts=2))
        await uow.commit()
    async with backend.uow() as uow:
        last = await uow.records.get(shop.id, "order", "1")
    assert last is not None and last.attempts == 2
    assert last.updated_at is not None and last.updated_at >= changed.updated_at


async def test_unprocessed_deliveries_of_a_shop_newest_first(backend: Backend) -> None:
    shop = await backend.add_shop()
    await backend.add_shop(OTHER)
    body = '{"id": 5910001, "name": "#1001"}'
    await backend.add_delivery(shop.domain, event_id="evt-1", body=body)
    await backend.add_delivery(shop.domain, event_id="evt-2", topic="orders/paid")
    await backend.add_delivery(shop.domain, event_id="evt-3", status="processed")
    await backend.add_delivery(shop.domain, event_id="evt-4", topic="app/uninstalled")
    await backend.add_delivery(OTHER, event_id="evt-5")
    topics = {"orders/create", "orders/paid"}

    async with backend.uow() as uow:
        waiting = await uow.inbox.unprocessed_for_shop(shop.domain, topics, 10)
        newest = await uow.inbox.unprocessed_for_shop(shop.domain, topics, 1)
        none = await uow.inbox.unprocessed_for_shop(shop.domain, {"refunds/create"}, 10)
    assert [d.event_id for d in waiting] == ["evt-2", "evt-1"]
    assert waiting[1].body == body and waiting[1].status == "received"
    assert waiting[1].received_at is not None
    assert [d.event_id for d in newest] == ["evt-2"]
    assert none == []


async def test_the_audit_log_by_shopify_id(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop(OTHER)
    rows = [
        (shop.id, "order", "1"),
        (shop.id, "order", "2"),
        (shop.id, "product", "1"),
        (other.id, "order", "1"),
        (shop.id, "order", "1"),
    ]
    async with backend.uow() as uow:
        added = [await uow.audit.add(AuditEntry(s, e, i, "synced", "webhook")) for s, e, i in rows]
        await uow.commit()

    async with backend.uow() as uow:
        orders = await uow.audit.list(shop.id, AuditFilter(entity="order", shopify_id="1"), 10)
        either = await uow.audit.list(shop.id, AuditFilter(shopify_id="1"), 10)
    assert orders == [added[4], added[0]]
    assert either == [added[4], added[2], added[0]]

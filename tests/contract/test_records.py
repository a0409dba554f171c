"""Sync records: one per Shopify object, leased by the worker that syncs it."""

from __future__ import annotations

import asyncio

from app.domain.entities import AuditEntry, AuditFilter, SyncRecord
from tests.contract.conftest import T0, Backend, minutes


async def test_get_or_create_makes_one_record_per_key(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        created = await uow.records.get_or_create(
            shop.id, "order", "1001", label="#1001", status="pending"
        )
        await uow.commit()
    assert created == SyncRecord(created.id, shop.id, "order", "1001", "pending", "#1001")
    async with backend.uow() as uow:
        again = await uow.records.get_or_create(
            shop.id, "order", "1001", label="#1001 (again)", status="synced"
        )
        await uow.commit()
    assert again == created
    async with backend.uow() as uow:
        assert await uow.records.get(shop.id, "order", "1001") == created
        assert await uow.records.get(shop.id, "order", "1002") is None
        assert await uow.records.of_ids(shop.id, "order", ["1001"]) == [created]


async def test_a_products_record_is_keyed_by_its_product_key_and_named_by_it(
    backend: Backend,
) -> None:
    shop = await backend.add_shop()
    key, name = "sku:" + "S" * 251, "Organic Cotton Tee, " + "very " * 45 + "long"
    async with backend.uow() as uow:
        created = await uow.records.get_or_create(
            shop.id, "product", key, label=name, status="pending"
        )
        await uow.audit.add(
            AuditEntry(shop.id, "product", key, "synced", "webhook", label=name, qbo_id="31")
        )
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.records.get(shop.id, "product", key)
        entries = await uow.audit.list(shop.id, AuditFilter(shopify_id=key), 10)
    assert found == created and (found.shopify_id, found.label) == (key, name)
    assert [(e.shopify_id, e.label) for e in entries] == [(key, name)]


async def test_get_or_create_twice_in_one_unit_of_work(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        first = await uow.records.get_or_create(shop.id, "order", "1", label="#1", status="pending")
        second = await uow.records.get_or_create(shop.id, "order", "1", label="#1", status="error")
        await uow.commit()
    assert second == first


async def test_a_record_round_trips_through_save_and_only_through_it(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        record = await uow.records.get_or_create(
            shop.id, "order", "1", label="#1", status="pending"
        )
        record.status = "mutated, not saved"
        await uow.commit()
    async with backend.uow() as uow:
        record = await uow.records.get(shop.id, "order", "1")
        assert record is not None and record.status == "pending"
    changed = SyncRecord(
        id=record.id,
        shop_id=shop.id,
        entity="order",
        shopify_id="1",
        status="error",
        label="#1 renamed",
        error_code="qbo_timeout",
        message="QuickBooks did not answer",
        qbo_id="145",
        qbo_doc_number="SH-1",
        attempts=3,
        next_attempt_at=T0 + minutes(4),
        last_attempt_at=T0,
        lease_owner="worker-1",
        lease_until=T0 + minutes(2),
        pending_request_id="6f1c0b7e-0000-4000-8000-000000000001",
        pending_payload_hash="f" * 64,
    )
    async with backend.uow() as uow:
        await uow.records.save(changed)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.records.get(shop.id, "order", "1") == changed


async def test_records_of_ids_are_of_one_shop_and_entity(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    async with backend.uow() as uow:
        for shopify_id in ("1", "2", "3"):
            await uow.records.get_or_create(shop.id, "order", shopify_id, label="", status="x")
        await uow.records.get_or_create(shop.id, "refund", "2", label="", status="x")
        await uow.records.get_or_create(other.id, "order", "2", label="", status="x")
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.records.of_ids(shop.id, "order", ["2", "3", "9"])
        assert sorted((r.shop_id, r.entity, r.shopify_id) for r in found) == [
            (shop.id, "order", "2"),
            (shop.id, "order", "3"),
        ]
        assert await uow.records.of_ids(shop.id, "order", []) == []


async def test_records_with_an_error_code(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    cases = [(shop, "1", "error", "qbo_auth"), (shop, "2", "error", "qbo_auth")]
    cases += [(shop, "3", "error", "qbo_timeout"), (shop, "4", "pending", "qbo_auth")]
    cases += [(other, "5", "error", "qbo_auth")]
    async with backend.uow() as uow:
        for owner, shopify_id, status, code in cases:
            record = await uow.records.get_or_create(
                owner.id, "order", shopify_id, label="", status=status
            )
            record.error_code = code
            await uow.records.save(record)
        await uow.commit()
    async with backend.uow() as uow:
        failed = await uow.records.with_error(shop.id, "qbo_auth")
    assert sorted(r.shopify_id for r in failed) == ["1", "2"]


async def _record(backend: Backend) -> SyncRecord:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        record = await uow.records.get_or_create(shop.id, "order", "1", label="", status="pending")
        await uow.commit()
    return record


async def _lease(backend: Backend, record_id: int, owner: str, now_minutes: float) -> bool:
    now = T0 + minutes(now_minutes)
    async with backend.uow() as uow:
        taken = await uow.records.acquire_lease(record_id, owner, now, now + minutes(2))
        await uow.commit()
    return taken


async def _reload(backend: Backend, record: SyncRecord) -> SyncRecord:
    async with backend.uow() as uow:
        loaded = await uow.records.get(record.shop_id, record.entity, record.shopify_id)
    assert loaded is not None
    return loaded


async def test_a_lease_is_taken_when_free_expired_or_already_ours(backend: Backend) -> None:
    record = await _record(backend)
    assert await _lease(backend, record.id, "worker-a", 0)
    assert not await _lease(backend, record.id, "worker-b", 1)
    assert await _lease(backend, record.id, "worker-a", 1)  # renewed: until minute 3
    assert not await _lease(backend, record.id, "worker-b", 2.5)
    loaded = await _reload(backend, record)
    assert (loaded.lease_owner, loaded.lease_until) == ("worker-a", T0 + minutes(3))
    assert await _lease(backend, record.id, "worker-b", 3.5)
    loaded = await _reload(backend, record)
    assert (loaded.lease_owner, loaded.lease_until) == ("worker-b", T0 + minutes(5.5))


async def test_a_lease_released_by_save_is_free(backend: Backend) -> None:
    record = await _record(backend)
    assert await _lease(backend, record.id, "worker-a", 0)
    loaded = await _reload(backend, record)
    loaded.lease_owner = loaded.lease_until = None
    async with backend.uow() as uow:
        await uow.records.save(loaded)
        await uow.commit()
    assert await _lease(backend, record.id, "worker-b", 1)


async def test_a_lease_taken_without_a_commit_is_not_kept(backend: Backend) -> None:
    record = await _record(backend)
    async with backend.uow() as uow:
        assert await uow.records.acquire_lease(record.id, "worker-a", T0, T0 + minutes(2))
    assert await _lease(backend, record.id, "worker-b", 1)


async def test_a_lease_of_a_record_gone_is_not_taken(backend: Backend) -> None:
    record = await _record(backend)
    assert not await _lease(backend, record.id + 1000, "worker-a", 0)


async def test_the_request_about_to_be_sent_is_remembered(backend: Backend) -> None:
    record = await _record(backend)
    async with backend.uow() as uow:
        await uow.records.remember_request(record.id, "request-1", "a" * 64)
        await uow.commit()
    loaded = await _reload(backend, record)
    assert (loaded.pending_request_id, loaded.pending_payload_hash) == ("request-1", "a" * 64)
    assert loaded.status == "pending" and loaded.attempts == 0


async def test_get_or_create_tolerates_a_concurrent_twin(locking: Backend) -> None:
    shop = await locking.add_shop()
    inserted = asyncio.Event()

    async def first() -> SyncRecord:
        async with locking.uow() as uow:
            record = await uow.records.get_or_create(shop.id, "order", "1", label="", status="a")
            inserted.set()
            await asyncio.sleep(0.1)
            await uow.commit()
        return record

    async def second() -> SyncRecord:
        await inserted.wait()
        async with locking.uow() as uow:
            record = await uow.records.get_or_create(shop.id, "order", "1", label="", status="b")
            await uow.commit()
        return record

    one, two = await asyncio.wait_for(asyncio.gather(first(), second()), 5)
    assert one == two and one.status == "a"


async def test_save_writes_only_the_fields_changed_since_the_read(backend: Backend) -> None:
    """Two units of work that change different fields of one record keep both changes."""
    created = await _record(backend)
    async with backend.uow() as first, backend.uow() as second:
        by_first = await first.records.get(created.shop_id, "order", "1")
        by_second = await second.records.get(created.shop_id, "order", "1")
        assert by_first is not None and by_second is not None
        by_first.status = "synced"
        await first.records.save(by_first)
        await first.commit()
        by_second.message = "looked up by a person"
        await second.records.save(by_second)
        await second.commit()
    loaded = await _reload(backend, created)
    assert (loaded.status, loaded.message) == ("synced", "looked up by a person")

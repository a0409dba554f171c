"""The audit log and sync runs: what happened, newest first, per shop."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.entities import AuditEntry, AuditFilter, SyncRun
from tests.contract.conftest import T0, Backend, minutes


def entry(shop_id: int, status: str = "synced", **values: Any) -> AuditEntry:
    return AuditEntry(shop_id, "order", "1001", status, "webhook", **values)


async def test_an_audit_entry_round_trips(backend: Backend) -> None:
    shop = await backend.add_shop()
    full = entry(
        shop.id,
        status="error",
        label="#1001",
        error_code="product_not_mapped",
        message="No QuickBooks item for SKU TEE-1",
        detail={"skus": ["TEE-1"], "qbo_fault": {"code": "6000", "element": None}},
        qbo_id="145",
        run_id="run-1",
        duration_ms=42,
        created_at=T0,
    )
    async with backend.uow() as uow:
        added = await uow.audit.add(full)
        bare = await uow.audit.add(entry(shop.id))
        await uow.commit()
    assert added == replace(full, id=added.id) and added.id is not None
    assert bare.id is not None and bare.id > added.id and bare.created_at is not None
    assert abs(bare.created_at - datetime.now(UTC)) < timedelta(seconds=30)
    assert (bare.label, bare.error_code, bare.detail, bare.run_id) == ("", None, None, None)
    async with backend.uow() as uow:
        assert await uow.audit.get(shop.id, added.id) == added
        assert await uow.audit.get(shop.id, bare.id) == bare
        assert await uow.audit.get(shop.id + 1000, added.id) is None


async def _log(backend: Backend, shop_id: int, *entries: AuditEntry) -> list[AuditEntry]:
    async with backend.uow() as uow:
        added = [await uow.audit.add(replace(e, shop_id=shop_id)) for e in entries]
        await uow.commit()
    return added


async def test_the_audit_log_lists_newest_first_up_to_the_limit(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    first, second, third = await _log(
        backend, shop.id, *(entry(0, created_at=T0 + minutes(n)) for n in range(3))
    )
    await _log(backend, other.id, entry(0, created_at=T0))
    async with backend.uow() as uow:
        assert await uow.audit.list(shop.id, AuditFilter(), limit=10) == [third, second, first]
        assert await uow.audit.list(shop.id, AuditFilter(), limit=2) == [third, second]
        page = await uow.audit.list(shop.id, AuditFilter(before_id=third.id), limit=10)
        assert page == [second, first]


async def test_the_audit_log_filters_on_each_field(backend: Backend) -> None:
    shop = await backend.add_shop()
    base = entry(0, created_at=T0)
    others = {
        "status": "error",
        "error_code": "qbo_auth",
        "entity": "refund",
        "actor": "manual",
        "label": "#1002",
        "run_id": "run-2",
    }
    plain, *variants = await _log(
        backend, shop.id, base, *(replace(base, **{k: v}) for k, v in others.items())
    )
    async with backend.uow() as uow:
        for (name, value), variant in zip(others.items(), variants, strict=True):
            found = await uow.audit.list(shop.id, AuditFilter(**{name: value}), limit=10)
            assert found == [variant], name
        assert await uow.audit.list(shop.id, AuditFilter(status="synced", actor="webhook"), 10) == [
            e for e in reversed([plain, *variants]) if e.status == "synced" and e.actor == "webhook"
        ]


async def test_the_audit_log_filters_on_time(backend: Backend) -> None:
    shop = await backend.add_shop()
    early, middle, late = await _log(
        backend, shop.id, *(entry(0, created_at=T0 + minutes(n)) for n in (0, 10, 20))
    )
    async with backend.uow() as uow:
        since = await uow.audit.list(shop.id, AuditFilter(since=T0 + minutes(10)), 10)
        until = await uow.audit.list(shop.id, AuditFilter(until=T0 + minutes(10)), 10)
        window = AuditFilter(since=T0 + minutes(5), until=T0 + minutes(15))
        between = await uow.audit.list(shop.id, window, 10)
    assert since == [late, middle] and until == [early] and between == [middle]


async def test_the_audit_outcomes_of_a_run_are_counted_by_status(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    statuses = ["synced", "synced", "error", "on_hold"]
    await _log(backend, shop.id, *(entry(0, status=s, run_id="run-1") for s in statuses))
    await _log(backend, shop.id, entry(0, run_id="run-2"), entry(0))
    await _log(backend, other.id, entry(0, run_id="run-1"))
    async with backend.uow() as uow:
        counts = await uow.audit.count_by_status(shop.id, "run-1")
        assert counts == {"synced": 2, "error": 1, "on_hold": 1}
        assert await uow.audit.count_by_status(shop.id, "run-9") == {}


async def test_a_run_round_trips_and_changes_through_save(backend: Backend) -> None:
    shop = await backend.add_shop()
    run = SyncRun("run-1", shop.id, "backfill", params={"since": "2026-01-01T00:00:00+00:00"})
    async with backend.uow() as uow:
        await uow.runs.add(run)
        run.found = 99  # after add: not stored
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.runs.get(shop.id, "run-1")
        assert await uow.runs.get(shop.id + 1000, "run-1") is None
        assert await uow.runs.get(shop.id, "run-2") is None
    assert stored is not None and stored.created_at is not None
    assert stored == replace(run, found=0, created_at=stored.created_at)
    stored.status, stored.found, stored.queued, stored.error = "failed", 12, 10, "Shopify 503"
    stored.finished_at = T0 + minutes(3)
    async with backend.uow() as uow:
        await uow.runs.save(stored)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.runs.get(shop.id, "run-1") == stored


async def test_the_last_run_done_of_a_kind(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    runs = [
        ("old", shop.id, "sweep", "done", 0),
        ("last", shop.id, "sweep", "done", 10),
        ("running", shop.id, "sweep", "running", 20),
        ("failed", shop.id, "sweep", "failed", 30),
        ("backfill", shop.id, "backfill", "done", 40),
        ("elsewhere", other.id, "sweep", "done", 50),
    ]
    async with backend.uow() as uow:
        assert await uow.runs.last_done(shop.id, "sweep") is None
        for run_id, shop_id, kind, status, at in runs:
            created = T0 + minutes(at)
            run = SyncRun(run_id, shop_id, kind, status, created_at=created)
            run.finished_at = created + minutes(1) if status != "running" else None
            await uow.runs.add(run)
        await uow.commit()
    async with backend.uow() as uow:
        last = await uow.runs.last_done(shop.id, "sweep")
        assert last is not None and last.id == "last"
        assert last.created_at == T0 + minutes(10)
        assert await uow.runs.last_done(shop.id, "manual") is None

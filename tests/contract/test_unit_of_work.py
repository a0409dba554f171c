"""The unit of work: one transaction, committed in one place, jobs sent only after it."""

from __future__ import annotations

import pytest

from tests.contract.conftest import Backend


async def test_a_commit_publishes_what_the_unit_of_work_wrote(backend: Backend) -> None:
    async with backend.uow() as uow:
        shop = await uow.shops.add("northwind.myshopify.com", "Northwind")
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.shops.get(shop.id)
    assert found is not None and found.name == "Northwind"


async def test_leaving_without_a_commit_discards_changes_and_jobs(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.shops.add("northwind.myshopify.com", "Northwind")
        uow.enqueue_after_commit("sync_order", 1, "42", job_id="sync_order:1:42")
    async with backend.uow() as uow:
        assert await uow.shops.get_by_domain("northwind.myshopify.com") is None
    assert backend.queue.jobs == []


async def test_an_exception_inside_rolls_back(backend: Backend) -> None:
    with pytest.raises(RuntimeError):
        async with backend.uow() as uow:
            await uow.shops.add("northwind.myshopify.com", "Northwind")
            uow.enqueue_after_commit("sync_order", 1, "42", job_id="sync_order:1:42")
            raise RuntimeError("the use case failed")
    async with backend.uow() as uow:
        assert await uow.shops.get_by_domain("northwind.myshopify.com") is None
    assert backend.queue.jobs == []


async def test_rollback_drops_changes_and_jobs_and_the_unit_of_work_goes_on(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        await uow.shops.add("dropped.myshopify.com", "Dropped")
        uow.enqueue_after_commit("sync_order", 1, "1", job_id="dropped")
        await uow.rollback()
        await uow.shops.add("kept.myshopify.com", "Kept")
        uow.enqueue_after_commit("sync_order", 1, "2", job_id="kept")
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.shops.get_by_domain("dropped.myshopify.com") is None
        assert await uow.shops.get_by_domain("kept.myshopify.com") is not None
    assert backend.queue.jobs == [("sync_order", (1, "2"), "kept")]


async def test_jobs_go_out_only_after_the_commit(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.shops.add("northwind.myshopify.com", "Northwind")
        uow.enqueue_after_commit("sync_order", 7, "1001", "webhook", None, job_id="j:1001")
        uow.enqueue_after_commit("backfill", 7, "run-1", job_id="j:run-1")
        assert backend.queue.jobs == []
        await uow.commit()
        assert backend.queue.jobs == [
            ("sync_order", (7, "1001", "webhook", None), "j:1001"),
            ("backfill", (7, "run-1"), "j:run-1"),
        ]


async def test_a_commit_sends_its_jobs_once(backend: Backend) -> None:
    async with backend.uow() as uow:
        uow.enqueue_after_commit("sync_order", 1, "1", job_id="first")
        await uow.commit()
        uow.enqueue_after_commit("sync_order", 1, "2", job_id="second")
        await uow.commit()
        uow.enqueue_after_commit("sync_order", 1, "3", job_id="third")
    assert backend.queue.job_ids == ["first", "second"]


async def test_the_unit_of_work_goes_on_after_a_commit(backend: Backend) -> None:
    async with backend.uow() as uow:
        first = await uow.shops.add("first.myshopify.com", "First")
        await uow.commit()
        first.name = "First, renamed"
        await uow.shops.save(first)
        await uow.shops.add("second.myshopify.com", "Second")
        await uow.commit()
    async with backend.uow() as uow:
        renamed = await uow.shops.get(first.id)
        assert renamed is not None and renamed.name == "First, renamed"
        assert await uow.shops.get_by_domain("second.myshopify.com") is not None


async def test_each_unit_of_work_sees_what_others_committed(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        loaded = await uow.shops.get(shop.id)
        assert loaded is not None
        loaded.plan = "pro"
        await uow.shops.save(loaded)
        await uow.commit()
    async with backend.uow() as uow:
        again = await uow.shops.get(shop.id)
    assert again is not None and again.plan == "pro"

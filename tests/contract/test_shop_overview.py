"""What an operator's list of shops reads: every shop by domain, and each shop's records
counted by status."""

from __future__ import annotations

from tests.contract.conftest import Backend


async def test_all_shops_by_domain(backend: Backend) -> None:
    assert await _all(backend) == []
    await backend.add_shop("zeta.myshopify.com")
    await backend.add_shop("alpha.myshopify.com")
    assert await _all(backend) == ["alpha.myshopify.com", "zeta.myshopify.com"]


async def _all(backend: Backend) -> list[str]:
    async with backend.uow() as uow:
        return [shop.domain for shop in await uow.shops.all()]


async def test_records_counted_by_status_for_one_shop(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    statuses = {"1": "synced", "2": "synced", "3": "error", "4": "on_hold"}
    async with backend.uow() as uow:
        for shopify_id, status in statuses.items():
            await uow.records.get_or_create(shop.id, "order", shopify_id, label="", status=status)
        await uow.records.get_or_create(other.id, "order", "9", label="", status="error")
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.records.status_counts(shop.id) == {"synced": 2, "error": 1, "on_hold": 1}
        assert await uow.records.status_counts(other.id) == {"error": 1}
        assert await uow.records.status_counts(other.id + 100) == {}

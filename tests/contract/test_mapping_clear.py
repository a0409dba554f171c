"""Clearing a shop's mappings (a confirmed company switch): every kind, no other shop's."""

from __future__ import annotations

from app.domain.entities import Mapping
from tests.contract.conftest import Backend


async def test_clearing_removes_every_kind_of_the_shop_and_nothing_else(backend: Backend) -> None:
    shop, other = await backend.add_shop(), await backend.add_shop("other.myshopify.com")
    async with backend.uow() as uow:
        await uow.mappings.put(Mapping(shop.id, "product", "sku:A", "11"))
        await uow.mappings.put(Mapping(shop.id, "customer", "c:1", "12"))
        await uow.mappings.put(Mapping(shop.id, "tax_rate", "VAT|0.2", "13"))
        await uow.mappings.put(Mapping(other.id, "product", "sku:A", "21"))
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.mappings.clear(shop.id) == 3
        await uow.commit()

    async with backend.uow() as uow:
        for kind in ("product", "customer", "tax_rate"):
            assert await uow.mappings.as_dict(shop.id, kind) == {}
        assert await uow.mappings.as_dict(other.id, "product") == {"sku:A": "21"}
        assert await uow.mappings.clear(shop.id) == 0

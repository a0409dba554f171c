"""Shops, API keys and a shop's settings: mappings, sync config and connections."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.entities import HEALTHY, QUICKBOOKS, SHOPIFY, UNHEALTHY, Connection, Mapping
from app.domain.signals import AlreadyExists
from tests.contract.conftest import T0, Backend


async def test_a_shop_round_trips(backend: Backend) -> None:
    async with backend.uow() as uow:
        added = await uow.shops.add("northwind.myshopify.com", "Northwind", plan="pro")
        await uow.commit()
    assert added.domain == "northwind.myshopify.com" and added.name == "Northwind"
    assert added.plan == "pro" and added.uninstalled_at is None
    assert added.created_at is not None
    assert abs(added.created_at - datetime.now(UTC)) < timedelta(seconds=30)
    async with backend.uow() as uow:
        assert await uow.shops.get(added.id) == added
        assert await uow.shops.get_by_domain("northwind.myshopify.com") == added
        assert await uow.shops.get(added.id + 1000) is None
        assert await uow.shops.get_by_domain("elsewhere.myshopify.com") is None


async def test_a_new_shop_is_on_the_free_plan(backend: Backend) -> None:
    assert (await backend.add_shop()).plan == "free"


async def test_a_domain_taken_is_refused(backend: Backend) -> None:
    await backend.add_shop("northwind.myshopify.com")
    with pytest.raises(AlreadyExists):
        async with backend.uow() as uow:
            await uow.shops.add("northwind.myshopify.com", "Twin")


async def test_a_shop_changes_only_through_save(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        loaded = await uow.shops.get(shop.id)
        assert loaded is not None
        loaded.name = "Not saved"
        assert (await uow.shops.get(shop.id)) == shop
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.shops.get(shop.id) == shop
        loaded = await uow.shops.get(shop.id)
        assert loaded is not None
        loaded.name, loaded.plan, loaded.uninstalled_at = "Renamed", "pro", T0
        await uow.shops.save(loaded)
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.shops.get(shop.id)
    assert saved is not None
    assert (saved.name, saved.plan, saved.uninstalled_at) == ("Renamed", "pro", T0)
    assert saved.created_at == shop.created_at


async def test_an_api_key_is_found_by_its_hash_while_active(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        key = await uow.api_keys.add(shop.id, "a" * 64, "lp_abcde", "installed")
        ops = await uow.api_keys.add(None, "b" * 64, "lp_opsop", "ops")
        await uow.commit()
    assert (key.shop_id, key.prefix, key.label) == (shop.id, "lp_abcde", "installed")
    assert key.revoked_at is None
    assert key.created_at is not None and ops.shop_id is None
    async with backend.uow() as uow:
        assert await uow.api_keys.find_active("a" * 64) == key
        assert await uow.api_keys.find_active("b" * 64) == ops
        assert await uow.api_keys.find_active("c" * 64) is None


async def test_a_shops_keys_are_revoked_and_no_other(backend: Backend) -> None:
    shop, other = await backend.add_shop(), await backend.add_shop("other.myshopify.com")
    async with backend.uow() as uow:
        await uow.api_keys.add(shop.id, "a" * 64, "lp_aaaaa", "installed")
        await uow.api_keys.add(shop.id, "b" * 64, "lp_bbbbb", "demo")
        kept = await uow.api_keys.add(other.id, "c" * 64, "lp_ccccc", "installed")
        ops = await uow.api_keys.add(None, "d" * 64, "lp_ddddd", "ops")
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.api_keys.revoke_for_shop(shop.id, T0) == 2
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.api_keys.find_active("a" * 64) is None
        assert await uow.api_keys.find_active("b" * 64) is None
        assert await uow.api_keys.find_active("c" * 64) == kept
        assert await uow.api_keys.find_active("d" * 64) == ops
        assert await uow.api_keys.revoke_for_shop(shop.id, T0) == 0  # already revoked
        await uow.api_keys.add(shop.id, "e" * 64, "lp_eeeee", "installed")  # installed again
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.api_keys.find_active("e" * 64) is not None


async def test_a_revocation_rolled_back_leaves_the_keys_active(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        key = await uow.api_keys.add(shop.id, "a" * 64, "lp_aaaaa", "installed")
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.api_keys.revoke_for_shop(shop.id, T0) == 1
    async with backend.uow() as uow:
        assert await uow.api_keys.find_active("a" * 64) == key


async def test_a_mapping_is_put_then_replaced_for_its_key(backend: Backend) -> None:
    shop = await backend.add_shop()
    first = Mapping(shop.id, "product", "sku:TEE-1", "11", "Tee", "Tee (QBO)", "auto")
    second = Mapping(shop.id, "product", "sku:TEE-1", "12", "Tee, blue", "Blue tee", "manual")
    async with backend.uow() as uow:
        await uow.mappings.put(first)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.mappings.get(shop.id, "product", "sku:TEE-1") == first
        await uow.mappings.put(second)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.mappings.get(shop.id, "product", "sku:TEE-1") == second
        assert await uow.mappings.as_dict(shop.id, "product") == {"sku:TEE-1": "12"}
        assert await uow.mappings.get(shop.id, "customer", "sku:TEE-1") is None


async def test_mappings_as_dict_are_of_one_shop_and_kind(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    async with backend.uow() as uow:
        await uow.mappings.put(Mapping(shop.id, "product", "sku:A", "1"))
        await uow.mappings.put(Mapping(shop.id, "product", "sku:B", "2"))
        await uow.mappings.put(Mapping(shop.id, "customer", "customer:9", "3"))
        await uow.mappings.put(Mapping(other.id, "product", "sku:C", "4"))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.mappings.as_dict(shop.id, "product") == {"sku:A": "1", "sku:B": "2"}
        assert await uow.mappings.as_dict(shop.id, "customer") == {"customer:9": "3"}
        assert await uow.mappings.as_dict(shop.id, "tax_rate") == {}
        saved = await uow.mappings.get(shop.id, "product", "sku:A")
    assert saved == Mapping(shop.id, "product", "sku:A", "1", "", "", "manual")


async def test_a_config_is_saved_whole_and_read_as_a_copy(backend: Backend) -> None:
    shop = await backend.add_shop()
    other = await backend.add_shop("other.myshopify.com")
    data = {"orders": {"trigger": "paid", "statuses": ["paid", "partially_paid"]}, "n": 1}
    async with backend.uow() as uow:
        assert await uow.configs.get(shop.id) == {}
        await uow.configs.save(shop.id, data)
        await uow.commit()
    async with backend.uow() as uow:
        loaded = await uow.configs.get(shop.id)
        assert loaded == data
        loaded["orders"]["trigger"] = "mutated"
        assert await uow.configs.get(shop.id) == data
        assert await uow.configs.get(other.id) == {}
        await uow.configs.save(shop.id, {"n": 2})
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.configs.get(shop.id) == {"n": 2}


async def test_a_connection_is_created_once_per_shop_and_provider(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        created = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
        await uow.commit()
    assert created == Connection(shop.id, QUICKBOOKS, UNHEALTHY, id=created.id)
    assert created.id is not None
    async with backend.uow() as uow:
        again = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
        assert again == created
        assert await uow.connections.get(shop.id, QUICKBOOKS) == created
        assert await uow.connections.get(shop.id, SHOPIFY) is None
        shopify = await uow.connections.get_or_create(shop.id, SHOPIFY)
        await uow.commit()
    assert shopify.id != created.id and shopify.provider == SHOPIFY


async def test_a_connection_round_trips_through_save(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        connection = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
        await uow.commit()
    connection.status, connection.external_id = HEALTHY, "9130350000000001"
    connection.access_token, connection.refresh_token = b"\x00sealed-access", b"sealed-refresh"
    connection.access_expires_at = T0 + timedelta(hours=1)
    connection.refresh_expires_at = T0 + timedelta(days=100)
    connection.status_reason = "reconnected by a person"
    async with backend.uow() as uow:
        loaded = await uow.connections.get(shop.id, QUICKBOOKS)
        assert loaded is not None
        loaded.status = "mutated, not saved"
        await uow.connections.save(connection)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.connections.get(shop.id, QUICKBOOKS) == connection


async def test_a_connection_not_stored_yet_is_created_by_save(backend: Backend) -> None:
    shop = await backend.add_shop()
    connection = Connection(shop.id, QUICKBOOKS, HEALTHY, "9130350000000001", b"a", b"r")
    async with backend.uow() as uow:
        await uow.connections.save(connection)
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.connections.get(shop.id, QUICKBOOKS)
    assert stored is not None and stored.id is not None
    assert stored == replace(connection, id=stored.id)


async def test_healthy_shop_ids_are_those_with_a_healthy_connection(backend: Backend) -> None:
    shops = [await backend.add_shop(f"s{n}.myshopify.com") for n in range(4)]
    statuses = [(QUICKBOOKS, HEALTHY), (QUICKBOOKS, UNHEALTHY), (SHOPIFY, HEALTHY)]
    statuses.append((QUICKBOOKS, HEALTHY))
    async with backend.uow() as uow:
        for shop, (provider, status) in zip(shops, statuses, strict=True):
            connection = await uow.connections.get_or_create(shop.id, provider)
            connection.status = status
            await uow.connections.save(connection)
        await uow.commit()
    async with backend.uow() as uow:
        healthy = await uow.connections.healthy_shop_ids(QUICKBOOKS)
        assert sorted(healthy) == [shops[0].id, shops[3].id]
        assert await uow.connections.healthy_shop_ids(SHOPIFY) == [shops[2].id]


async def test_a_connection_read_for_update_waits_for_its_holder(locking: Backend) -> None:
    shop = await locking.add_shop()
    async with locking.uow() as uow:
        await uow.connections.get_or_create(shop.id, QUICKBOOKS)
        await uow.commit()
    held, read = asyncio.Event(), []

    async def holder() -> None:
        async with locking.uow() as uow:
            connection = await uow.connections.get(shop.id, QUICKBOOKS, for_update=True)
            assert connection is not None
            held.set()
            await asyncio.sleep(0.2)
            connection.external_id = "rotated"
            await uow.connections.save(connection)
            await uow.commit()

    async def reader() -> None:
        await held.wait()
        async with locking.uow() as uow:
            connection = await uow.connections.get(shop.id, QUICKBOOKS, for_update=True)
            read.append(connection.external_id if connection else None)

    await asyncio.wait_for(asyncio.gather(holder(), reader()), 5)
    assert read == ["rotated"]

"""Connecting QuickBooks checks the company keeps its books in the shop's currency: LedgerPort
books orders in the shop's money, which a company kept in another currency would take as its
own. A mismatch is refused and nothing is stored."""

from __future__ import annotations

import pytest

from app.domain.signals import CurrencyMismatch
from app.services.quickbooks_connection import Connected
from app.services.shops import install_shop
from tests.services.conftest import REALM, SHOP, World
from tests.services.test_quickbooks_connection import approve, connector

BRITISH = "9130350000000044"


async def connect(world: World, realm: str) -> Connected:
    answer, nonce = await approve(world, realm)
    return await connector(world).complete(
        answer["state"], nonce, answer["code"], answer["realmId"]
    )


def revocations(world: World) -> int:
    return sum(1 for r in world.qbo.requests if r.path.endswith("/tokens/revoke"))


async def test_a_gbp_company_for_a_usd_shop_is_refused_naming_both_currencies(
    world: World,
) -> None:
    shop = await install_shop(world.uow(), SHOP, "Northwind Outfitters")
    world.qbo.add_realm(BRITISH, home_currency="GBP")

    with pytest.raises(CurrencyMismatch) as refused:
        await connect(world, BRITISH)

    detail = refused.value.detail
    assert refused.value.field == "realmId"
    assert f"{BRITISH} keeps its books in GBP" in detail and "sells in USD" in detail
    assert "Connect a QuickBooks company whose home currency is USD" in detail
    async with world.uow() as uow:
        assert await uow.connections.get(shop.shop_id, "quickbooks") is None
    assert revocations(world) == 1  # Intuit's grant is withdrawn, not left dangling


async def test_a_company_in_the_shops_currency_connects(world: World) -> None:
    shop = await install_shop(world.uow(), SHOP, "Northwind Outfitters")
    world.qbo.add_realm(BRITISH, home_currency="GBP")
    world.shop_currency.code = "GBP"

    done = await connect(world, BRITISH)

    assert (done.shop, done.status) == (SHOP, "healthy")
    connection = await world.connection(shop.shop_id)
    assert (connection.status, connection.external_id) == ("healthy", BRITISH)
    assert revocations(world) == 0


async def test_a_shop_whose_currency_shopify_cannot_tell_now_still_connects(
    world: World,
) -> None:
    shop = await install_shop(world.uow(), SHOP, "Northwind Outfitters")
    world.qbo.add_realm(BRITISH, home_currency="GBP")
    world.shop_currency.code = None

    done = await connect(world, BRITISH)

    assert done.status == "healthy"
    assert (await world.connection(shop.shop_id)).external_id == BRITISH


async def test_reconnecting_to_a_company_in_another_currency_leaves_the_shops_connection_as_it_was(
    world: World,
) -> None:
    shop = await world.install()
    before = await world.connection(shop.shop_id)
    world.qbo.add_realm(BRITISH, home_currency="GBP")

    with pytest.raises(CurrencyMismatch):
        await connect(world, BRITISH)

    after = await world.connection(shop.shop_id)
    assert (after.status, after.external_id, after.proposed_external_id) == (
        "healthy",
        REALM,
        None,
    )
    assert after.refresh_token == before.refresh_token
    assert (await world.tokens.session(shop.shop_id)).realm_id == REALM

"""Connecting QBO gives a shop that has not chosen a tax mode its company's, and never fails
because the company's preferences could not be read."""

from __future__ import annotations

import logging

import pytest

from app.services.quickbooks_connection import QboConnector
from tests.services.conftest import REALM, REDIRECT, World
from tests.services.test_quickbooks_connection import approve


def connector(world: World) -> QboConnector:
    return QboConnector(
        world.uow,
        world.oauth,
        world.cipher,
        REDIRECT,
        world.clock,
        world.client,
        world.shop_currency,
    )


async def connect(world: World) -> None:
    answer, nonce = await approve(world)
    await connector(world).complete(answer["state"], nonce, answer["code"], answer["realmId"])


async def test_connecting_to_a_company_on_automated_sales_tax_sets_that_mode(
    world: World,
) -> None:
    world.qbo.set_sales_tax(REALM, automated=True)
    shop = await world.install(map_tax=False)  # connect_quickbooks reads the preferences

    assert (await world.config(shop.shop_id))["accounting"]["tax_mode"] == "automated_sales_tax"


async def test_a_company_on_ast_without_sales_tax_set_up_is_still_ast(world: World) -> None:
    """Intuit: PartnerTaxEnabled false is an AST company whose sales tax is not set up yet;
    its tax codes will be AST's, so line-item codes would be overridden anyway."""
    world.qbo.set_sales_tax(REALM, automated=True, set_up=False)
    shop = await world.install(map_tax=False)

    assert (await world.config(shop.shop_id))["accounting"]["tax_mode"] == "automated_sales_tax"


async def test_unreadable_preferences_connect_anyway_on_line_item_tax(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await world.install(map_tax=False)
    async with world.uow() as uow:  # as if the first connection never learnt the mode
        await uow.configs.save(shop.shop_id, {})
        await uow.commit()
    world.qbo.set_sales_tax(REALM, automated=True)
    world.qbo.inject_fault("auth", path_contains="/preferences")

    with caplog.at_level(logging.WARNING, logger="app.services.tax_mode"):
        await connect(world)

    connection = await world.connection(shop.shop_id)
    assert (connection.status, connection.external_id) == ("healthy", REALM)
    assert await world.config(shop.shop_id) == {}  # nothing chosen: line_item, as before
    [line] = [r.getMessage() for r in caplog.records]
    assert REALM in line and "line_item" in line
    access_token = world.cipher.decrypt(connection.access_token or b"")
    assert access_token not in line and "Bearer" not in line

    await connect(world)  # the next connection reads them
    assert (await world.config(shop.shop_id))["accounting"]["tax_mode"] == "automated_sales_tax"

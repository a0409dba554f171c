"""A new shop's tax mode is its QBO company's (automated sales tax or not), read from QBO's
Preferences when QuickBooks is connected; a mode already saved is never overridden. On
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.adapters.db.tables import SyncRecord
from app.services.shops import Installed, install_shop
from tests.harness import QBO, REALM, SHOP, Harness, make_settings, order_fixture, running
from tests.integration.test_quickbooks_connection import consent


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def set_sales_tax(h: Harness, automated: bool) -> None:
    """Flips the sandbox company's sales-tax model through the sandbox's admin API."""
    transport = httpx.ASGITransport(app=h.qbo.app)
    async with httpx.AsyncClient(transport=transport, base_url=QBO) as admin:
        answer = await admin.post(
            f"/_sandbox/realms/{REALM}/sales-tax", json={"automated_sales_tax": automated}
        )
    assert answer.status_code == 200, answer.text


async def connect_by_consent(h: Harness, shop: Installed) -> None:
    params = await consent(h, shop)
    done = await h.api.get("/v1/connections/quickbooks/callback", params=params)
    assert done.status_code == 200, done.text


async def saved_config(h: Harness, shop: Installed) -> dict[str, Any]:
    async with h.container.uow() as uow:
        return await uow.configs.get(shop.shop_id)


async def order_outcome(h: Harness) -> tuple[str, str | None]:
    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        record = await session.scalar(select(SyncRecord))
    assert record is not None
    return record.status, record.error_code


async def ready_but_tax(h: Harness, shop: Installed) -> None:
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")


async def test_a_company_on_automated_sales_tax_gives_a_new_shop_that_mode(h: Harness) -> None:
    await set_sales_tax(h, automated=True)
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    await ready_but_tax(h, shop)

    await connect_by_consent(h, shop)

    assert (await saved_config(h, shop))["accounting"]["tax_mode"] == "automated_sales_tax"
    assert await order_outcome(h) == ("synced", None)  # no tax rate needed mapping
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert receipt["TxnTaxDetail"]["TotalTax"] == 3.0


async def test_a_company_on_manual_sales_tax_gives_a_new_shop_line_item_tax(h: Harness) -> None:
    shop = await h.install(map_tax=False)  # connect_quickbooks, as the demo seeds its shop
    await ready_but_tax(h, shop)

    assert (await saved_config(h, shop))["accounting"]["tax_mode"] == "line_item"
    assert await order_outcome(h) == ("error", "tax_not_mapped")
    assert h.qbo.documents(REALM, "SalesReceipt") == []


async def test_a_mode_saved_before_connecting_is_kept(h: Harness) -> None:
    await set_sales_tax(h, automated=True)
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    async with h.container.uow() as uow:
        await uow.configs.save(shop.shop_id, {"accounting": {"tax_mode": "line_item"}})
        await uow.commit()

    await connect_by_consent(h, shop)

    assert (await saved_config(h, shop))["accounting"]["tax_mode"] == "line_item"


async def test_reconnecting_never_overrides_the_shop_s_mode(h: Harness) -> None:
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    await connect_by_consent(h, shop)
    assert (await saved_config(h, shop))["accounting"]["tax_mode"] == "line_item"

    await set_sales_tax(h, automated=True)  # the company moves to automated sales tax later
    await connect_by_consent(h, shop)

    assert (await saved_config(h, shop))["accounting"]["tax_mode"] == "line_item"


async def test_saving_other_settings_before_connecting_leaves_the_default_open(
    h: Harness,
) -> None:
    await set_sales_tax(h, automated=True)
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    saved = await h.api.patch(
        "/v1/shops/northwind.myshopify.com/config/orders",
        json={"doc_number_prefix": "WEB"},
        headers=h.auth(shop),
    )
    assert saved.status_code == 200, saved.text

    await connect_by_consent(h, shop)

    config = await h.api.get("/v1/shops/northwind.myshopify.com/config", headers=h.auth(shop))
    assert config.json()["accounting"]["tax_mode"] == "automated_sales_tax"
    assert config.json()["orders"]["doc_number_prefix"] == "WEB"

"""Through the API: a QuickBooks company kept in another currency than the shop sells in (as
Shopify's `shop { currencyCode }` says) is refused with a 409 naming both, and nothing is
connected; a company in the shop's currency connects."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.services.shops import Installed, install_shop
from tests.harness import SHOP, Harness, make_settings, running
from tests.integration.test_quickbooks_connection import consent

BRITISH = "9130350000000044"
CALLBACK = "/v1/connections/quickbooks/callback"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def installed(h: Harness) -> Installed:
    """A shop installed from Shopify (its Shopify connection live), not yet on QuickBooks."""
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    await h.connect_shopify(shop)
    h.qbo.add_realm(BRITISH, home_currency="GBP")
    return shop


async def quickbooks_status(h: Harness, shop: Installed) -> str:
    listed = await h.api.get(f"/v1/shops/{SHOP}/connections", headers=h.auth(shop))
    [qbo] = [c for c in listed.json()["items"] if c["provider"] == "quickbooks"]
    return str(qbo["status"])


async def test_a_gbp_company_for_a_usd_shop_is_a_409_naming_both_currencies(h: Harness) -> None:
    shop = await installed(h)

    refused = await h.api.get(CALLBACK, params=await consent(h, shop, realm=BRITISH))

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "currency_mismatch"
    assert "keeps its books in GBP" in problem["detail"] and "sells in USD" in problem["detail"]
    assert problem["invalid_params"] == [{"name": "realmId", "reason": problem["detail"]}]
    assert await quickbooks_status(h, shop) == "not_connected"


async def test_a_gbp_company_for_a_gbp_shop_connects(h: Harness) -> None:
    shop = await installed(h)
    h.shopify.set_currency(SHOP, "GBP")

    done = await h.api.get(CALLBACK, params=await consent(h, shop, realm=BRITISH))

    assert done.status_code == 200, done.text
    assert done.json()["status"] == "healthy"
    assert await quickbooks_status(h, shop) == "healthy"

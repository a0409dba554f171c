"""Dropdown data from QBO: cached per company, reloadable, and fresh after our own writes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.services.shops import install_shop
from tests.harness import SHOP, Harness, make_settings, order_fixture, running


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


def queries(h: Harness, entity: str) -> int:
    return sum(1 for r in h.qbo.requests if entity in r.query.get("query", ""))


async def test_accounts_are_listed_from_qbo_once_then_from_the_cache(h: Harness) -> None:
    shop = await h.install()
    url = f"/v1/shops/{SHOP}/quickbooks/accounts"

    first = await h.api.get(url, headers=h.auth(shop))
    again = await h.api.get(url, params={"q": "undeposited"}, headers=h.auth(shop))

    assert first.status_code == 200
    names = {item["name"]: item for item in first.json()["items"]}
    assert names["Undeposited Funds"]["kind"] == "Other Current Asset"
    assert [i["name"] for i in again.json()["items"]] == ["Undeposited Funds"]
    assert queries(h, "FROM Account") == 1
    await h.api.get(url, params={"refresh": "true"}, headers=h.auth(shop))
    assert queries(h, "FROM Account") == 2


async def test_every_reference_list_is_served(h: Harness) -> None:
    shop = await h.install()
    for kind in ("customers", "items", "accounts", "tax-codes", "tax-rates"):
        response = await h.api.get(f"/v1/shops/{SHOP}/quickbooks/{kind}", headers=h.auth(shop))
        assert response.status_code == 200, (kind, response.text)
    unknown = await h.api.get(f"/v1/shops/{SHOP}/quickbooks/vendors", headers=h.auth(shop))
    assert unknown.status_code == 422
    assert unknown.json()["invalid_params"][0]["name"] == "kind"


async def test_a_customer_we_create_shows_up_without_a_reload(h: Harness) -> None:
    shop = await h.install()
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    async with h.container.uow() as uow:
        await uow.configs.save(shop.shop_id, {"customers": {"strategy": "create"}})
        await uow.commit()
    url = f"/v1/shops/{SHOP}/quickbooks/customers"
    before = (await h.api.get(url, headers=h.auth(shop))).json()["items"]

    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]
    after = (await h.api.get(url, headers=h.auth(shop))).json()["items"]

    assert "Maya Okafor" not in {i["name"] for i in before}
    assert "Maya Okafor" in {i["name"] for i in after}


async def test_without_a_connection_the_answer_says_to_connect(h: Harness) -> None:
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    response = await h.api.get(f"/v1/shops/{SHOP}/quickbooks/items", headers=h.auth(shop))
    assert response.status_code == 409
    assert response.json()["code"] == "qbo_auth"

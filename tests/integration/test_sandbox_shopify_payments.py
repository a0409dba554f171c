"""The fake Shopify's payments side: an order's `transactions` and the shop's currency, read
through GraphQL as the Admin API shows them (OrderTransaction, Shop.currencyCode)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgerport_sandbox.shopify import ShopifySandbox
from tests.harness import order_fixture

SHOP = "demo-store.myshopify.com"
TRANSACTIONS = """query Txns($id: ID!) { order(id: $id) { transactions(first: 250) {
  id kind status gateway amountSet { shopMoney { amount currencyCode }
  presentmentMoney { amount currencyCode } } } } }"""


@pytest.fixture
def shopify() -> ShopifySandbox:
    return ShopifySandbox("hush")


@pytest.fixture
async def client(shopify: ShopifySandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shopify.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://shopify.test") as http:
        yield http


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    answer = await client.post(
        f"/shops/{SHOP}/admin/api/2025-07/graphql.json",
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": "shpat_sandbox_access_token"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def transactions(client: httpx.AsyncClient, order_id: int) -> list[dict[str, Any]]:
    body = await graphql(client, TRANSACTIONS, id=f"gid://shopify/Order/{order_id}")
    found: list[dict[str, Any]] = body["data"]["order"]["transactions"]
    return found


def summary(txns: list[dict[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            t["kind"],
            t["status"],
            t["gateway"],
            t["amountSet"]["shopMoney"]["amount"],
            t["amountSet"]["presentmentMoney"]["amount"],
        )
        for t in txns
    ]


async def test_a_paid_order_shows_one_settled_sale_for_its_total_on_its_gateway(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    order = shopify.create_order(SHOP, order_fixture("01_paid_single_taxed_line"))

    txns = await transactions(client, order["id"])

    assert summary(txns) == [("SALE", "SUCCESS", "shopify_payments", "53.00", "53.00")]
    assert txns[0]["id"].startswith("gid://shopify/OrderTransaction/")


async def test_a_pending_order_shows_its_sale_pending(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    order = shopify.create_order(SHOP, order_fixture("05_pending_payment_bank_deposit"))

    assert summary(await transactions(client, order["id"])) == [
        ("SALE", "PENDING", "Bank Deposit", "418.62", "418.62")
    ]


async def test_a_presentment_order_shows_both_monies(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    order = shopify.create_order(SHOP, order_fixture("07_bonus_multicurrency_cad_presentment"))

    [txn] = await transactions(client, order["id"])

    assert txn["amountSet"] == {
        "shopMoney": {"amount": "140.00", "currencyCode": "USD"},
        "presentmentMoney": {"amount": "190.12", "currencyCode": "CAD"},
    }


async def test_a_split_tender_set_by_a_test_is_what_graphql_answers(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    order = shopify.create_order(SHOP, order_fixture("02_multiline_discount_shipping_two_taxes"))
    shopify.set_transactions(
        SHOP,
        order["id"],
        [
            {"kind": "sale", "status": "success", "gateway": "gift_card", "amount": "50.00"},
            {
                "kind": "sale",
                "status": "failure",
                "gateway": "shopify_payments",
                "amount": "131.24",
            },
            {
                "kind": "sale",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": "131.24",
            },
        ],
    )

    assert summary(await transactions(client, order["id"])) == [
        ("SALE", "SUCCESS", "gift_card", "50.00", "50.00"),
        ("SALE", "FAILURE", "shopify_payments", "131.24", "131.24"),
        ("SALE", "SUCCESS", "shopify_payments", "131.24", "131.24"),
    ]


async def test_transactions_can_be_set_over_http_and_nonsense_is_refused(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    order = shopify.create_order(SHOP, order_fixture("04_guest_no_email_empty_sku_pos"))
    url = f"/_sandbox/shops/{SHOP}/orders/{order['id']}/transactions"
    cash = [
        {"kind": "sale", "status": "success", "gateway": "cash", "amount": "40.00"},
        {"kind": "change", "status": "success", "gateway": "cash", "amount": "9.26"},
    ]

    assert (await client.put(url, json=cash)).status_code == 200
    refused = await client.put(url, json=[{"kind": "payment", "status": "success"}])
    unknown = await client.put(f"/_sandbox/shops/{SHOP}/orders/1/transactions", json=cash)

    assert refused.status_code == 400 and unknown.status_code == 404
    assert summary(await transactions(client, order["id"])) == [
        ("SALE", "SUCCESS", "cash", "40.00", "40.00"),
        ("CHANGE", "SUCCESS", "cash", "9.26", "9.26"),
    ]


async def test_the_shop_sells_in_usd_until_its_currency_is_set(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    query = "{ shop { myshopifyDomain currencyCode } }"
    before = (await graphql(client, query))["data"]["shop"]

    set_over_http = await client.put(f"/_sandbox/shops/{SHOP}/currency", json={"currency": "gbp"})
    after = (await graphql(client, query))["data"]["shop"]

    assert before == {"myshopifyDomain": SHOP, "currencyCode": "USD"}
    assert set_over_http.status_code == 200 and after["currencyCode"] == "GBP"
    bad = await client.put(f"/_sandbox/shops/{SHOP}/currency", json={"currency": "pounds"})
    assert bad.status_code == 400

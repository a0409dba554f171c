"""The fake Shopify: webhook signing and delivery, redelivery, and the GraphQL order read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerport_sandbox.shopify import ShopifySandbox, sign_webhook

SHOP = "demo-store.myshopify.com"
SECRET = "hush"
TOKEN = "shpat_sandbox_access_token"
WEBHOOK_HEADERS = {
    "Content-Type",
    "User-Agent",
    "X-Shopify-Topic",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Triggered-At",
    "X-Shopify-Event-Id",
}


class Receiver:
    """A webhook endpoint that records the raw requests it gets."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.seen: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/webhooks/shopify", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.seen.append((dict(request.headers), await request.body()))
        return Response(status_code=self.status)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def shopify(receiver: Receiver) -> ShopifySandbox:
    return ShopifySandbox(
        SECRET,
        webhook_address="http://app.test/webhooks/shopify",
        transport=httpx.ASGITransport(app=receiver.app),
    )


@pytest.fixture
async def client(shopify: ShopifySandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shopify.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://shopify.test") as http:
        yield http


def test_signature_matches_a_hand_computed_value() -> None:
    # printf '%s' '{"id":1,"name":"#1001"}' | openssl dgst -sha256 -hmac hush -binary | base64
    assert (
        sign_webhook(b'{"id":1,"name":"#1001"}', "hush")
        == "ybi5GMyq3UlgsyWLTJU1wvBRjL3uJyvuWTBki5k2cJY="
    )
    assert sign_webhook(b'{"id":1,"name":"#1001"} ', "hush") != sign_webhook(
        b'{"id":1,"name":"#1001"}', "hush"
    )


def test_build_delivery_uses_shopify_headers_and_compact_bytes(shopify: ShopifySandbox) -> None:
    payload = {"id": 1, "name": "#1001", "note": "café"}
    headers, body = shopify.build_delivery("orders/create", SHOP, payload, event_id="ev-1")

    assert set(headers) == WEBHOOK_HEADERS
    assert body == '{"id":1,"name":"#1001","note":"café"}'.encode()
    assert headers["X-Shopify-Hmac-Sha256"] == sign_webhook(body, SECRET)
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert (
        headers["X-Shopify-Shop-Domain"] == SHOP and headers["X-Shopify-API-Version"] == "2025-07"
    )
    assert headers["X-Shopify-Event-Id"] == "ev-1" and headers["X-Shopify-Triggered-At"].endswith(
        "Z"
    )
    again, _ = shopify.build_delivery("orders/create", SHOP, payload)
    assert again["X-Shopify-Webhook-Id"] != headers["X-Shopify-Webhook-Id"]


async def test_redeliver_sends_identical_bytes_and_headers(
    shopify: ShopifySandbox, receiver: Receiver
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=receiver.app), base_url="http://app.test"
    ) as app:
        first = await shopify.deliver(app, "/webhooks/shopify", "orders/paid", SHOP, {"id": 7})
        delivery_id = next(iter(shopify.deliveries))
        second = await shopify.redeliver(app, delivery_id)

    assert first.status_code == second.status_code == 200
    (headers_1, body_1), (headers_2, body_2) = receiver.seen
    assert body_1 == body_2 == b'{"id":7}'
    shopify_1 = {k: v for k, v in headers_1.items() if k.startswith("x-shopify-")}
    assert shopify_1 == {k: v for k, v in headers_2.items() if k.startswith("x-shopify-")}
    assert len(shopify_1) == 7
    assert shopify.deliveries[delivery_id].statuses == [200, 200]


async def test_failed_delivery_is_recorded(shopify: ShopifySandbox) -> None:
    failing = Receiver(status=503)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=failing.app), base_url="http://app.test"
    ) as app:
        response = await shopify.deliver(app, "/webhooks/shopify", "orders/create", SHOP, {"id": 8})
    assert response.status_code == 503
    assert [d.status for d in shopify.deliveries.values()] == [503]


async def test_posting_an_order_delivers_orders_create(
    client: httpx.AsyncClient, shopify: ShopifySandbox, receiver: Receiver
) -> None:
    order = {"id": 5910002001001, "name": "#1001", "total_price": "53.00"}
    response = await client.post(f"/_sandbox/shops/{SHOP}/orders", json=order)

    assert response.status_code == 201
    result = response.json()
    assert (result["order_id"], result["status"]) == (5910002001001, 200)
    headers, body = receiver.seen[0]
    assert json.loads(body)["admin_graphql_api_id"] == "gid://shopify/Order/5910002001001"
    assert headers["x-shopify-hmac-sha256"] == sign_webhook(body, SECRET)
    assert headers["x-shopify-topic"] == "orders/create"

    redelivered = await client.post(f"/_sandbox/deliveries/{result['delivery_id']}/redeliver")
    assert redelivered.json()["status"] == 200 and receiver.seen[1] == receiver.seen[0]
    assert (await client.post("/_sandbox/deliveries/nope/redeliver")).status_code == 404


def order_query(fields: str) -> dict[str, Any]:
    return {
        "query": f"query GetOrder($id: ID!) {{ order(id: $id) {{ {fields} }} }}",
        "variables": {"id": "gid://shopify/Order/77"},
    }


async def graphql(
    client: httpx.AsyncClient, body: dict[str, Any], token: str = TOKEN
) -> httpx.Response:
    headers = {"X-Shopify-Access-Token": token}
    return await client.post(
        f"/shops/{SHOP}/admin/api/2025-07/graphql.json", json=body, headers=headers
    )


async def test_graphql_reads_a_stored_order(
    client: httpx.AsyncClient, shopify: ShopifySandbox
) -> None:
    money = {"shop_money": {"amount": "53.00", "currency_code": "USD"}}
    shopify.create_order(SHOP, {"id": 77, "name": "#1077", "total_price_set": money})

    fields = "id name totalPriceSet { shopMoney { amount currencyCode } }"
    body = (await graphql(client, order_query(fields))).json()

    assert body["data"]["order"] == {
        "id": "gid://shopify/Order/77",
        "name": "#1077",
        "totalPriceSet": {"shopMoney": {"amount": "53.00", "currencyCode": "USD"}},
    }
    assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 1000.0
    missing = await graphql(client, {"query": '{ order(id: "gid://shopify/Order/1") { id } }'})
    assert missing.json()["data"] == {"order": None}


async def test_graphql_errors(client: httpx.AsyncClient, shopify: ShopifySandbox) -> None:
    shopify.create_order(SHOP, {"id": 77})

    denied = await graphql(client, order_query("id"), token="wrong")
    assert (
        denied.status_code == 401 and "Invalid API key or access token" in denied.json()["errors"]
    )
    unknown = (await graphql(client, order_query("id bogusField"))).json()
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField" and "data" not in unknown

"""The GraphQL Admin adapter against the fake Shopify, through httpx.ASGITransport."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.adapters.shopify.graphql import ShopifyGraphQL
from app.domain.faults import ExternalAuthExpired
from app.domain.order_payload import parse_order
from app.domain.tenders import Tender, tenders_from_transactions
from ledgerport_sandbox.shopify import ShopifySandbox
from ledgerport_sandbox.shopify_graphql import GraphQLApi

SHOP = "demo-store.myshopify.com"
TOKEN = "shpat_sandbox_access_token"
BASE = "http://shopify.test/shops/{shop}/admin/api"
FIXTURES = sorted((Path(__file__).parents[1] / "fixtures").glob("*.json"))
LOADED = {p.stem: json.loads(p.read_text()) for p in FIXTURES}
START = datetime(2025, 3, 1, tzinfo=UTC)


class FakeTime:
    """One clock for the sandbox's buckets and the adapter's sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def shopify(fake_time: FakeTime) -> ShopifySandbox:
    sandbox = ShopifySandbox()
    sandbox.graphql = GraphQLApi(clock=fake_time.clock)
    return sandbox


@pytest.fixture
async def http(shopify: ShopifySandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shopify.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport) as client:
        yield client


@pytest.fixture
def adapter(http: httpx.AsyncClient, fake_time: FakeTime) -> ShopifyGraphQL:
    return ShopifyGraphQL(http, BASE, "2025-07", clock=fake_time.clock, sleep=fake_time.sleep)


def seed(shopify: ShopifySandbox, count: int) -> list[int]:
    template = LOADED[FIXTURES[1].stem]
    ids = []
    for i in range(count):
        order = copy.deepcopy(template)
        order.update(id=6_000_000 + i, name=f"#{2000 + i}", order_number=2000 + i)
        order.pop("admin_graphql_api_id")
        order["updated_at"] = (START + timedelta(minutes=i % 7)).isoformat()
        ids.append(shopify.create_order(SHOP, order)["id"])
    return ids


@pytest.mark.parametrize("name", sorted(LOADED))
async def test_order_round_trips_through_parse_order(
    name: str, shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    fixture = copy.deepcopy(LOADED[name])
    shopify.create_order(SHOP, fixture)

    rest = await adapter.order(SHOP, TOKEN, fixture["id"])

    assert rest is not None
    assert parse_order(rest) == parse_order(fixture)
    assert rest["total_price_set"]["shop_money"]["amount"] == fixture["total_price"]
    assert isinstance(rest["line_items"][0]["price"], str)


async def test_unknown_order_is_none(adapter: ShopifyGraphQL) -> None:
    assert await adapter.order(SHOP, TOKEN, 42) is None


async def test_pages_of_100_return_each_of_250_once(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    ids = seed(shopify, 250)
    old = "2024-01-01T00:00:00Z"
    shopify.create_order(SHOP, {"id": 1, "created_at": old, "updated_at": old})  # out of range

    got = [
        o["id"]
        async for o in adapter.orders_updated_between(
            SHOP, TOKEN, START, START + timedelta(days=1), page_size=100
        )
    ]

    assert sorted(got) == sorted(ids) and len(got) == 250
    stamps = [shopify.orders[SHOP][i]["updated_at"] for i in got]
    assert stamps == sorted(stamps)


async def test_tiny_bucket_makes_the_adapter_wait_never_fail(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL, fake_time: FakeTime
) -> None:
    shopify.graphql = GraphQLApi(maximum_available=500, restore_rate=50, clock=fake_time.clock)
    ids = seed(shopify, 6)
    shopify.graphql.bucket(SHOP).available = 0  # another caller drained it: first is THROTTLED

    got = [
        o["id"]
        async for o in adapter.orders_updated_between(
            SHOP, TOKEN, START, START + timedelta(days=1), page_size=4
        )
    ]

    assert sorted(got) == ids
    assert fake_time.waits and all(w > 0 for w in fake_time.waits)
    # First the THROTTLED listing (6 points at 50/s), then paced waits for ~482-point reads
    # (each discount allocation names its discount: one more object per allocation),
    # refilled faster than that because Shopify refunds requested minus actual cost.
    assert fake_time.waits[:2] == [0.12, 9.64]
    assert max(fake_time.waits) <= 9.64 and sum(fake_time.waits) < 60


async def test_bulk_export_returns_every_order_once_with_its_lines(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL, fake_time: FakeTime
) -> None:
    ids = seed(shopify, 250)

    got = [o async for o in adapter.bulk_orders(SHOP, TOKEN, START, START + timedelta(days=1))]

    assert sorted(o["id"] for o in got) == ids
    assert all(len(o["line_items"]) == 2 and len(o["shipping_lines"]) == 1 for o in got)
    order = parse_order(got[0])
    assert order.total_price == parse_order(shopify.orders[SHOP][got[0]["id"]]).total_price
    assert fake_time.waits[:2] == [1.0, 2.0]  # polled with backoff until COMPLETED


async def test_customer_and_product(shopify: ShopifySandbox, adapter: ShopifyGraphQL) -> None:
    fixture: dict[str, Any] = copy.deepcopy(LOADED[FIXTURES[1].stem])
    shopify.create_order(SHOP, fixture)

    customer = await adapter.customer(SHOP, TOKEN, fixture["customer"]["id"])
    product = await adapter.product(SHOP, TOKEN, fixture["line_items"][0]["product_id"])

    assert customer is not None and customer["email"] == fixture["customer"]["email"]
    assert product is not None and product["variants"]["nodes"][0]["sku"] == "TRS-GB-10"


async def test_bad_token_is_auth_expired(adapter: ShopifyGraphQL) -> None:
    with pytest.raises(ExternalAuthExpired):
        await adapter.order(SHOP, "shpat_wrong", 1)


async def test_a_split_tender_reads_back_as_a_tender_per_gateway(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    fixture: dict[str, Any] = copy.deepcopy(LOADED["02_multiline_discount_shipping_two_taxes"])
    order = shopify.create_order(SHOP, fixture)
    shopify.set_transactions(
        SHOP,
        order["id"],
        [
            {"kind": "sale", "status": "success", "gateway": "gift_card", "amount": "50.00"},
            {
                "kind": "authorization",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": "131.24",
            },
            {
                "kind": "capture",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": "131.24",
            },
        ],
    )

    transactions = await adapter.order_transactions(SHOP, TOKEN, order["id"])

    assert [t["kind"] for t in transactions] == ["SALE", "AUTHORIZATION", "CAPTURE"]
    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("gift_card", Decimal("50.00")),
        Tender("shopify_payments", Decimal("131.24")),
    )
    assert await adapter.order_transactions(SHOP, TOKEN, 1) == []  # an order Shopify lacks


async def test_the_shops_currency(shopify: ShopifySandbox, adapter: ShopifyGraphQL) -> None:
    assert await adapter.shop_currency(SHOP, TOKEN) == "USD"
    shopify.set_currency(SHOP, "GBP")
    assert await adapter.shop_currency(SHOP, TOKEN) == "GBP"

"""Which tenders an order is booked by: the webhook alone when one gateway took it all, the
order's transactions (GraphQL, against the fake Shopify) when several did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.adapters.shopify.graphql import ShopifyGraphQL
from app.domain.faults import ExternalAuthExpired
from app.domain.order_payload import parse_order
from app.domain.tenders import Tender
from app.services.shopify_connection import ShopifySession
from app.services.tenders import order_tenders
from ledgerport_sandbox.shopify import ShopifySandbox
from tests.harness import order_fixture

SHOP = "northwind.myshopify.com"
SHOP_ID = 7


@dataclass
class Sessions:
    """The shop's Shopify session, counting how often one was asked for."""

    token: str = "shpat_sandbox_access_token"
    asked: list[int] = field(default_factory=list)
    connected: bool = True

    async def session(self, shop_id: int) -> ShopifySession:
        self.asked.append(shop_id)
        if not self.connected:
            raise ExternalAuthExpired("Shopify is not connected for this shop")
        return ShopifySession(SHOP, self.token)


@pytest.fixture
def shopify() -> ShopifySandbox:
    return ShopifySandbox()


@pytest.fixture
async def adapter(shopify: ShopifySandbox) -> AsyncIterator[ShopifyGraphQL]:
    transport = httpx.ASGITransport(app=shopify.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport) as http:
        yield ShopifyGraphQL(http, "http://shopify.test/shops/{shop}/admin/api", "2025-07")


def split(payload: dict[str, Any], *gateways: str) -> dict[str, Any]:
    return {**payload, "payment_gateway_names": list(gateways)}


def money(usd: str, cad: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": usd, "currency_code": "USD"},
        "presentment_money": {"amount": cad, "currency_code": "CAD"},
    }


def sale(gateway: str, amount: str, status: str = "success", **more: Any) -> dict[str, Any]:
    return {"kind": "sale", "status": status, "gateway": gateway, "amount": amount, **more}


async def test_one_gateway_takes_the_total_without_asking_shopify(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    order = parse_order(order_fixture("01_paid_single_taxed_line"))
    sessions = Sessions()

    tenders = await order_tenders(
        adapter, sessions, SHOP_ID, order, total=order.total_price, presentment=False
    )

    assert tenders == (Tender("shopify_payments", Decimal("53.00")),)
    assert sessions.asked == []


async def test_a_split_tender_is_read_from_the_orders_transactions(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    payload = split(
        order_fixture("02_multiline_discount_shipping_two_taxes"), "gift_card", "shopify_payments"
    )
    stored = shopify.create_order(SHOP, payload)
    shopify.set_transactions(
        SHOP, stored["id"], [sale("gift_card", "50.00"), sale("shopify_payments", "131.24")]
    )
    order, sessions = parse_order(stored), Sessions()

    tenders = await order_tenders(
        adapter, sessions, SHOP_ID, order, total=order.total_price, presentment=False
    )

    assert tenders == (
        Tender("gift_card", Decimal("50.00")),
        Tender("shopify_payments", Decimal("131.24")),
    )
    assert sum(t.amount for t in tenders) == order.total_price == Decimal("181.24")
    assert sessions.asked == [SHOP_ID]


async def test_a_part_still_pending_is_left_out_for_the_caller_to_weigh(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    payload = split(order_fixture("05_pending_payment_bank_deposit"), "gift_card", "Bank Deposit")
    stored = shopify.create_order(SHOP, payload)
    shopify.set_transactions(
        SHOP,
        stored["id"],
        [sale("gift_card", "18.62"), sale("Bank Deposit", "400.00", status="pending")],
    )
    order = parse_order(stored)

    tenders = await order_tenders(
        adapter, Sessions(), SHOP_ID, order, total=order.total_price, presentment=False
    )

    assert tenders == (Tender("gift_card", Decimal("18.62")),)
    assert sum(t.amount for t in tenders) < order.total_price


async def test_a_split_in_the_buyers_currency_reads_presentment_money(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    payload = split(
        order_fixture("07_bonus_multicurrency_cad_presentment"), "gift_card", "shopify_payments"
    )
    stored = shopify.create_order(SHOP, payload)
    shopify.set_transactions(
        SHOP,
        stored["id"],
        [
            sale("gift_card", "40.00", amount_set=money("40.00", "54.32")),
            sale("shopify_payments", "100.00", amount_set=money("100.00", "135.80")),
        ],
    )
    order = parse_order(stored)

    tenders = await order_tenders(
        adapter, Sessions(), SHOP_ID, order, total=Decimal("190.12"), presentment=True
    )

    assert tenders == (
        Tender("gift_card", Decimal("54.32")),
        Tender("shopify_payments", Decimal("135.80")),
    )


async def test_a_split_tender_needs_the_shops_shopify_connection(
    shopify: ShopifySandbox, adapter: ShopifyGraphQL
) -> None:
    payload = split(order_fixture(), "gift_card", "shopify_payments")
    order = parse_order(shopify.create_order(SHOP, payload))

    with pytest.raises(ExternalAuthExpired):
        await order_tenders(
            adapter,
            Sessions(connected=False),
            SHOP_ID,
            order,
            total=order.total_price,
            presentment=False,
        )

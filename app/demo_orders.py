"""The demo shop's orders in the sandbox Shopify: paid orders from the last few days that no
webhook brought, so a date-range sync (a backfill) is how they reach QuickBooks."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

Json = dict[str, Any]
DEMO_CUSTOMER_ID = 7301100901
# (order number, days before today, quantity of the mapped tee). Two days and more: older
# than the sweep's first look-back (a day), so only a date-range sync brings them.
DEMO_ORDERS = ((901, 4, 1), (902, 3, 2), (903, 2, 3))
TEE = ("TEE-ORG-HG-M", "Organic Cotton Tee", Decimal("25.00"))
TAX = ("Kentucky State Tax", Decimal("0.06"))
ADDRESS = {
    "first_name": "Maya",
    "last_name": "Okafor",
    "name": "Maya Okafor",
    "address1": "412 Bardstown Rd",
    "city": "Louisville",
    "province": "Kentucky",
    "province_code": "KY",
    "country": "United States",
    "country_code": "US",
    "zip": "40204",
}


def demo_orders(today: datetime) -> list[Json]:
    """The orders, dated from `today`'s midnight: the same on every start that day, so a
    restart does not make them look updated."""
    midnight = today.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        _order(number, midnight - timedelta(days=days, hours=-10), quantity)
        for number, days, quantity in DEMO_ORDERS
    ]


def _order(number: int, placed: datetime, quantity: int) -> Json:
    sku, title, price = TEE
    subtotal = price * quantity
    tax = (subtotal * TAX[1]).quantize(Decimal("0.01"))
    total, stamp = subtotal + tax, placed.isoformat()
    tax_lines = [{"title": TAX[0], "rate": float(TAX[1]), **_money("price", tax)}]
    return {
        "id": 5_910_000_900_000 + number,
        "admin_graphql_api_id": f"gid://shopify/Order/{5_910_000_900_000 + number}",
        "name": f"#{number}",
        "order_number": number,
        "email": "maya.okafor@example.com",
        "created_at": stamp,
        "updated_at": stamp,
        "processed_at": stamp,
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": None,
        "payment_gateway_names": ["shopify_payments"],
        "customer": {
            "id": DEMO_CUSTOMER_ID,
            "email": "maya.okafor@example.com",
            "first_name": "Maya",
            "last_name": "Okafor",
            "default_address": ADDRESS,
        },
        "billing_address": ADDRESS,
        "shipping_address": ADDRESS,
        "line_items": [
            {
                "id": 14_210_098_900_000 + number,
                "product_id": 8104455001001,
                "variant_id": 44561230001001,
                "sku": sku,
                "title": title,
                "name": title,
                "quantity": quantity,
                "taxable": True,
                "requires_shipping": True,
                **_money("price", price),
                "tax_lines": tax_lines,
            }
        ],
        "shipping_lines": [],
        "tax_lines": tax_lines,
        **_money("subtotal_price", subtotal),
        **_money("current_subtotal_price", subtotal),
        **_money("total_tax", tax),
        **_money("current_total_tax", tax),
        **_money("total_discounts", Decimal("0.00")),
        **_money("total_shipping_price", Decimal("0.00")),
        **_money("total_price", total),
        **_money("current_total_price", total),
    }


def _money(key: str, amount: Decimal) -> Json:
    money = {"amount": f"{amount:.2f}", "currency_code": "USD"}
    return {key: money["amount"], f"{key}_set": {"shop_money": money, "presentment_money": money}}

"""The REST webhook payload of a generated order: every amount as a decimal string with its
`_set` (shop_money and presentment_money), tax rates as JSON numbers, as Shopify sends them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.property.shopify_figures import Figures, LineFigures, Taxed
from tests.property.shopify_specs import Discount, OrderSpec

ORDER_ID, ORDER_NUMBER = 820000001, 4242
ADDRESS = {
    "US": {
        "address1": "88 N High St",
        "city": "Columbus",
        "province": "Ohio",
        "province_code": "OH",
        "country": "United States",
        "country_code": "US",
        "zip": "43215",
    },
    "GB": {
        "address1": "1 Brick Lane",
        "city": "London",
        "province": None,
        "province_code": None,
        "country": "United Kingdom",
        "country_code": "GB",
        "zip": "E1 6PU",
    },
}


def order_payload(spec: OrderSpec, shop: Figures, other: Figures) -> dict[str, Any]:
    bag = _Bags(spec)
    address = {"first_name": "Ada", "last_name": "Byron", **ADDRESS[spec.country]}
    payload: dict[str, Any] = {
        "id": ORDER_ID,
        "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}",
        "name": f"#{ORDER_NUMBER}",
        "order_number": ORDER_NUMBER,
        "number": ORDER_NUMBER - 1000,
        "created_at": "2025-05-02T10:15:00-04:00",
        "updated_at": "2025-05-02T10:16:00-04:00",
        "financial_status": "paid",
        "fulfillment_status": None,
        "currency": spec.currency,
        "presentment_currency": bag.other,
        "taxes_included": spec.taxes_included,
        "email": "ada@example.com",
        "customer": {
            "id": 7300001,
            "email": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Byron",
        },
        "billing_address": address,
        "shipping_address": address,
        "source_name": "pos" if spec.cash_rounding_to else "web",
        "payment_gateway_names": list(spec.gateways),
        "line_items": [
            _line(bag, i, s, o)
            for i, (s, o) in enumerate(zip(shop.lines, other.lines, strict=True))
        ],
        "shipping_lines": _shipping(bag, spec, shop, other),
        "tax_lines": _taxes(bag, list(_order_taxes(shop)), list(_order_taxes(other))),
        "discount_applications": _applications(spec),
        "discount_codes": _codes(spec, shop),
        "total_tip_received": f"{shop.tip:.2f}",  # shop money, no money bag (REST)
        "refunds": [],
        "test": False,
    }
    for key, attr in (
        ("total_line_items_price", "total_line_items_price"),
        ("total_discounts", "total_discounts"),
        ("subtotal_price", "subtotal"),
        ("total_tax", "total_tax"),
        ("total_price", "total_price"),
        ("current_total_price", "total_price"),
    ):
        payload.update(bag.money(key, getattr(shop, attr), getattr(other, attr)))
    payload["total_shipping_price_set"] = bag.only(shop.shipping_price, other.shipping_price)
    if shop.cash_rounding:
        adjustment = bag.only(shop.cash_rounding, other.cash_rounding)
        payload["total_cash_rounding_payment_adjustment_set"] = adjustment
    return payload


class _Bags:
    def __init__(self, spec: OrderSpec) -> None:
        self.shop = spec.currency
        self.other = spec.presentment.currency if spec.presentment else spec.currency

    def only(self, shop: Decimal, other: Decimal) -> dict[str, Any]:
        return {
            "shop_money": {"amount": f"{shop:.2f}", "currency_code": self.shop},
            "presentment_money": {"amount": f"{other:.2f}", "currency_code": self.other},
        }

    def money(self, key: str, shop: Decimal, other: Decimal) -> dict[str, Any]:
        return {key: f"{shop:.2f}", f"{key}_set": self.only(shop, other)}


def _line(bag: _Bags, index: int, shop: LineFigures, other: LineFigures) -> dict[str, Any]:
    line_id = 1400000 + index
    title = "Gift Card" if shop.gift_card else f"Product {index}"
    return {
        "id": line_id,
        "product_id": 810000 + index,
        "variant_id": 445000 + index,
        "sku": f"SKU-{index}",
        "title": title,
        "name": title,
        "quantity": shop.quantity,
        **bag.money("price", shop.price, other.price),
        "gift_card": shop.gift_card,
        "taxable": bool(shop.taxes),
        "requires_shipping": not shop.gift_card,
        "product_exists": True,
        **bag.money("total_discount", Decimal("0.00"), Decimal("0.00")),  # unreliably set
        "discount_allocations": [
            {**bag.money("amount", s, o), "discount_application_index": index_}
            for (index_, s), (_, o) in zip(shop.discounts, other.discounts, strict=True)
        ],
        "tax_lines": _taxes(bag, list(shop.taxes), list(other.taxes)),
    }


def _shipping(bag: _Bags, spec: OrderSpec, shop: Figures, other: Figures) -> list[dict[str, Any]]:
    if shop.shipping is None or other.shipping is None:
        return []
    s, o = shop.shipping, other.shipping
    allocations = []
    if s.discount or o.discount:
        allocations = [
            {
                **bag.money("amount", s.discount, o.discount),
                "discount_application_index": spec.shipping_discount_index,
            }
        ]
    return [
        {
            "id": 4790001,
            "title": "Standard",
            "code": "standard",
            "source": "shopify",
            **bag.money("price", s.price, o.price),
            **bag.money("discounted_price", s.discounted, o.discounted),
            "discount_allocations": allocations,
            "tax_lines": _taxes(bag, list(s.taxes), list(o.taxes)),
        }
    ]


def _taxes(bag: _Bags, shop: list[Taxed], other: list[Taxed]) -> list[dict[str, Any]]:
    return [
        {
            "title": s.title,
            "rate": float(s.rate),
            **bag.money("price", s.amount, o.amount),
            "channel_liable": False,
        }
        for s, o in zip(shop, other, strict=True)
    ]


def _order_taxes(figures: Figures) -> list[Taxed]:
    return [Taxed(title, rate, amount) for (title, rate), amount in figures.tax_lines.items()]


def _applications(spec: OrderSpec) -> list[dict[str, Any]]:
    found = [
        _application(f"LINE{i}", d, "line_item")
        for i, line in enumerate(spec.lines)
        if (d := line.discount) is not None
    ]
    if spec.order_discount is not None:
        found.append(_application("ORDER", spec.order_discount, "line_item"))
    if spec.shipping is not None and spec.shipping.discount is not None:
        found.append(
            {
                **_application("SHIPPING", spec.shipping.discount, "shipping_line"),
                "type": "automatic",
                "title": "Shipping offer",
            }
        )
    return found


def _application(code: str, discount: Discount, target: str) -> dict[str, Any]:
    return {
        "type": "discount_code",
        "code": code,
        "title": code,
        "value": f"{discount.value:.2f}"
        if discount.value_type == "fixed_amount"
        else f"{discount.value:.1f}",
        "value_type": discount.value_type,
        "allocation_method": discount.allocation,
        "target_selection": "all" if discount.allocation == "across" else "entitled",
        "target_type": target,
    }


def _codes(spec: OrderSpec, shop: Figures) -> list[dict[str, Any]]:
    """The codes behind line and order discounts, each with what it took off in all."""
    taken: dict[int, Decimal] = {}
    for line in shop.lines:
        for index, amount in line.discounts:
            taken[index] = taken.get(index, Decimal("0.00")) + amount
    codes = [a for a in _applications(spec) if a["type"] == "discount_code"]
    return [
        {"code": a["code"], "amount": f"{taken.get(i, Decimal(0)):.2f}", "type": a["value_type"]}
        for i, a in enumerate(codes)
    ]

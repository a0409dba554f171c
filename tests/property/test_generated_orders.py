"""The generator's payloads keep the invariants of shared/reference/shopify_orders/README.md in
both money sides, read back from the JSON alone, and their transactions add up to what was
paid; so the property test's orders are ones Shopify could send."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.shopify_orders import GeneratedOrder, orders

SIDES = ("shop_money", "presentment_money")


def amount(obj: dict[str, Any], key: str, side: str) -> Decimal:
    return Decimal(obj[f"{key}_set"][side]["amount"])


def total(items: list[dict[str, Any]], key: str, side: str) -> Decimal:
    return sum((amount(item, key, side) for item in items), Decimal(0))


@given(order=st.sampled_from(["US", "GB"]).flatmap(orders))
@settings(max_examples=100, deadline=None)
def test_generated_payloads_keep_shopifys_invariants(order: GeneratedOrder) -> None:
    payload = order.payload
    lines, shipping = payload["line_items"], payload["shipping_lines"]
    for side in SIDES:
        line_prices = sum((amount(ln, "price", side) * ln["quantity"] for ln in lines), Decimal(0))
        assert amount(payload, "total_line_items_price", side) == line_prices
        discounts = sum((total(ln["discount_allocations"], "amount", side) for ln in lines), 0)
        assert amount(payload, "total_discounts", side) == discounts
        subtotal = line_prices - discounts
        assert amount(payload, "subtotal_price", side) == subtotal
        taxes: dict[tuple[str, float], Decimal] = {}
        for tax in [t for item in lines + shipping for t in item["tax_lines"]]:
            key = (tax["title"], tax["rate"])
            taxes[key] = taxes.get(key, Decimal(0)) + amount(tax, "price", side)
        assert {
            (t["title"], t["rate"]): amount(t, "price", side) for t in payload["tax_lines"]
        } == taxes
        total_tax = sum(taxes.values(), Decimal(0))
        assert amount(payload, "total_tax", side) == total_tax
        tax = Decimal(0) if payload["taxes_included"] else total_tax
        charged = subtotal + total(shipping, "discounted_price", side) + tax
        tip = order.side(side == "presentment_money").tip
        assert amount(payload, "total_price", side) == charged + tip
    shop_tip = Decimal(payload["total_tip_received"])
    assert shop_tip == order.shop.tip
    codes = sum((Decimal(c["amount"]) for c in payload["discount_codes"]), Decimal(0))
    assert codes == amount(payload, "total_discounts", "shop_money")


@given(order=st.sampled_from(["US", "GB"]).flatmap(orders))
@settings(max_examples=100, deadline=None)
def test_a_split_tenders_transactions_are_positive_and_add_up_to_what_was_paid(
    order: GeneratedOrder,
) -> None:
    if len(order.spec.gateways) > 1:
        for key, figures in (("shopMoney", order.shop), ("presentmentMoney", order.presentment)):
            amounts = [Decimal(t["amountSet"][key]["amount"]) for t in order.transactions]
            assert all(a > 0 for a in amounts)
            assert sum(amounts, Decimal(0)) == figures.paid

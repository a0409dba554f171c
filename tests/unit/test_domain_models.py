"""parse_order over the fixtures and the payload quirks of shopify.md §3 and §5."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.domain.models import STATUS_MEANINGS, InvalidPayload, SyncStatus
from app.domain.order_payload import parse_order

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(prefix: str) -> dict[str, Any]:
    (path,) = FIXTURES.glob(f"{prefix}_*.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("0*.json")), ids=lambda p: p.stem)
def test_every_fixture_parses_and_its_lines_add_up(path: Path) -> None:
    payload = json.loads(path.read_text())
    order = parse_order(payload)
    assert order.id == str(payload["id"])
    assert order.lines and all(line.price is not None for line in order.lines)
    gross = sum((line.price or Decimal(0)) * line.quantity for line in order.lines)
    assert gross - order.total_discounts == order.subtotal_price
    assert sum(line.discount for line in order.lines) == order.total_discounts


def test_a_paid_order_with_a_customer() -> None:
    order = parse_order(load("01"))
    assert (order.name, order.order_number, order.currency) == ("#1001", 1001, "USD")
    assert order.created_at.utcoffset() == timedelta(hours=-4)
    assert order.financial_status == "paid" and order.fulfillment_status is None
    assert order.customer is not None and order.customer.display_name == "Maya Okafor"
    assert order.billing_address is not None and order.billing_address.city == "Louisville"
    assert order.total_price == Decimal("53.00") and not order.test
    assert order.payment_gateway_names == ("shopify_payments",)


def test_discounts_come_from_allocations_and_rates_stay_exact() -> None:
    order = parse_order(load("02"))
    shoe, socks = order.lines
    assert (shoe.discount, socks.discount) == (Decimal("12.00"), Decimal("5.40"))
    assert [t.rate for t in shoe.tax_lines] == [Decimal("0.0575"), Decimal("0.0175")]
    assert order.shipping_lines[0].discounted_price == Decimal("12.00")
    assert sum(t.amount for t in order.tax_lines) == order.total_tax == Decimal("12.64")


def test_guest_pos_order_with_blank_and_null_skus() -> None:
    order = parse_order(load("04"))
    assert order.email is None and order.customer is None and order.billing_address is None
    pin, custom = order.lines
    assert pin.sku is None and pin.variant_id == "44561230006001"
    assert custom.sku is None and custom.variant_id is None and custom.product_id is None
    assert order.fulfillment_status == "fulfilled" and order.shipping_lines == ()


def test_shop_money_is_used_not_presentment_money() -> None:
    order = parse_order(load("07"))
    assert order.presentment_currency == "CAD"
    assert order.lines[0].price == Decimal("120.00") and order.total_price == Decimal("140.00")


def test_empty_email_is_none_and_contact_email_is_a_fallback() -> None:
    payload = {**load("01"), "email": "", "contact_email": None}
    assert parse_order(payload).email is None
    payload = {**load("01"), "email": None, "contact_email": "a@example.com"}
    assert parse_order(payload).email == "a@example.com"


def test_a_minimal_payload_is_tolerated() -> None:
    order = parse_order({"id": 7, "created_at": "2025-01-02T03:04:05Z", "extra": {"x": 1}})
    assert order.id == "7" and order.lines == () and order.total_price == Decimal(0)
    assert order.customer is None and order.email is None and order.cancelled_at is None


def test_graphql_ids_keep_their_numeric_tail() -> None:
    payload = {**load("01"), "id": "gid://shopify/Order/42"}
    assert parse_order(payload).id == "42"


def test_a_line_without_price_parses_to_none() -> None:
    payload = load("01")
    del payload["line_items"][0]["price"], payload["line_items"][0]["price_set"]
    assert parse_order(payload).lines[0].price is None


def test_customer_display_name_falls_back_to_email_then_id() -> None:
    payload = load("01")
    payload["customer"].update(first_name="", last_name=None)
    customer = parse_order(payload).customer
    assert customer is not None and customer.display_name == "maya.okafor@example.com"
    payload["customer"]["email"] = None
    customer = parse_order(payload).customer
    assert customer is not None and customer.display_name.startswith("Shopify customer ")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("id"), "id"),
        (lambda p: p.update(id=None), "id"),
        (lambda p: p.pop("created_at"), "created_at"),
        (lambda p: p.update(total_price=53.0, total_price_set=None), "total_price"),
        (lambda p: p.update(total_tax="3,00", total_tax_set=None), "total_tax"),
        (lambda p: p["line_items"][0].pop("id"), "line_items[0].id"),
        (lambda p: p["line_items"][0].update(quantity="two"), "line_items[0].quantity"),
        (lambda p: p.update(line_items={"not": "a list"}), "line_items"),
        (lambda p: p.update(id="9" * 33), "id"),
        (lambda p: p.update(name="#" + "9" * 64), "name"),
        (lambda p: p.update(financial_status="p" * 33), "financial_status"),
        (lambda p: p.update(fulfillment_status="f" * 33), "fulfillment_status"),
        (lambda p: p["customer"].update(id="7" * 33), "customer.id"),
    ],
)
def test_unreadable_payloads_raise_invalid_payload(change: Any, field: str) -> None:
    payload = load("01")
    change(payload)
    with pytest.raises(InvalidPayload) as caught:
        parse_order(payload)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_shop_money_set_wins_over_the_plain_field() -> None:
    payload = load("01")
    payload["line_items"][0]["price_set"]["shop_money"]["amount"] = "nope"
    with pytest.raises(InvalidPayload, match=r"line_items\[0\]\.price"):
        parse_order(payload)


def test_every_status_has_a_meaning() -> None:
    assert set(STATUS_MEANINGS) == set(SyncStatus)
    assert [s.value for s in SyncStatus] == ["synced", "error", "pending", "on_hold", "resolved"]

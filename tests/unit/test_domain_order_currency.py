"""Orders read in the buyer's currency: the tip, which REST gives in shop money only, and the
exchange rate of an order whose total is zero. Regressions found by the property test
(tests/property/test_books_property.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.domain.booking import book, check_total
from app.domain.errors import ErrorCode, SyncError
from app.domain.order_payload import MoneySide, parse_order


def bag(usd: str, cad: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": usd, "currency_code": "USD"},
        "presentment_money": {"amount": cad, "currency_code": "CAD"},
    }


def money(key: str, usd: str, cad: str) -> dict[str, Any]:
    return {key: usd, f"{key}_set": bag(usd, cad)}


def tipped_order(total_usd: str = "19.72", total_cad: str = "26.78") -> dict[str, Any]:
    """A 5.00 USD mug (6.79 CAD), 0.30 tax (0.41), shipping 5.30 (7.20) and a 9.12 USD tip,
    which is 12.38 CAD; converted at the ratio of the totals (26.78 / 19.72) it would be
    12.39, a cent more than the buyer paid."""
    return {
        "id": 1,
        "name": "#1001",
        "order_number": 1001,
        "created_at": "2025-05-02T10:15:00-04:00",
        "currency": "USD",
        "presentment_currency": "CAD",
        "line_items": [
            {
                "id": 11,
                "title": "Mug",
                "quantity": 1,
                **money("price", "5.00", "6.79"),
                "tax_lines": [{"title": "Tax", "rate": 0.06, **money("price", "0.30", "0.41")}],
            }
        ],
        "shipping_lines": [
            {
                "title": "Standard",
                **money("price", "5.30", "7.20"),
                **money("discounted_price", "5.30", "7.20"),
            }
        ],
        **money("total_line_items_price", "5.00", "6.79"),
        **money("subtotal_price", "5.00", "6.79"),
        **money("total_tax", "0.30", "0.41"),
        **money("total_price", total_usd, total_cad),
        "total_tip_received": "9.12",
    }


def test_the_tip_in_the_buyers_currency_is_what_their_total_holds_for_it() -> None:
    order = parse_order(tipped_order(), MoneySide.presentment)
    assert order.tip == Decimal("12.38")
    check_total(order, book(order))  # the document totals the buyer's 26.78


def test_a_total_holding_more_than_the_tip_is_not_absorbed_into_it() -> None:
    """A duty of 1.00 USD (1.36 CAD) on the total: the shop's figures show the remainder is
    not the tip alone, so the tip is converted at the totals' ratio (9.12 × 28.14 / 20.72) and
    the document does not balance."""
    order = parse_order(tipped_order("20.72", "28.14"), MoneySide.presentment)
    assert order.tip == Decimal("12.39")
    with pytest.raises(SyncError) as caught:
        check_total(order, book(order))
    assert caught.value.code is ErrorCode.missing_field


def test_a_free_order_in_the_buyers_currency_takes_the_rate_of_its_lines() -> None:
    payload = tipped_order("0.00", "0.00")
    line = payload["line_items"][0]
    line["tax_lines"] = []
    line["discount_allocations"] = [{**money("amount", "5.00", "6.79")}]
    payload.update(
        shipping_lines=[],
        total_tip_received="0.00",
        **money("subtotal_price", "0.00", "0.00"),
        **money("total_tax", "0.00", "0.00"),
    )
    order = parse_order(payload, MoneySide.presentment)
    assert order.exchange_rate == Decimal("0.736377")  # 5.00 / 6.79
    assert order.total_price == Decimal("0.00")

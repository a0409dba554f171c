"""Tax codes and detail outside the US for a line whose Shopify tax rounded to nothing: it is
coded untaxed, and the rate's detail leaves it out, since QBO checks each rate's taxable
amount against the lines coded with it. Regression found by the property test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.domain.booking import book
from app.domain.config import AccountingConfig
from app.domain.order_payload import parse_order
from app.domain.ports import QboTaxRate
from app.domain.taxes import RateDetail, TaxPlan, plan_taxes

STANDARD, NO_VAT = "1", "5"
RATES = {STANDARD: (QboTaxRate("1", "20.0% S", Decimal(20)),), NO_VAT: ()}


def line(line_id: int, price: str, vat: str) -> dict[str, Any]:
    tax = {"title": "GB VAT", "rate": 0.2, "price": vat}
    return {
        "id": line_id,
        "title": f"Item {line_id}",
        "quantity": 1,
        "price": price,
        "tax_lines": [tax],
    }


def plan(*lines: dict[str, Any]) -> TaxPlan:
    payload = {
        "id": 1,
        "name": "#1",
        "created_at": "2025-05-02T10:00:00+01:00",
        "currency": "GBP",
        "line_items": list(lines),
    }
    order = parse_order(payload)
    return plan_taxes(
        order,
        book(order, discount_line=False),
        mappings={"GB VAT|0.2": STANDARD},
        accounting=AccountingConfig(untaxed_tax_code_id=NO_VAT),
        country="GB",
        code_rates=RATES,
    )


def test_a_line_whose_vat_rounded_to_nothing_is_left_out_of_the_rates_base() -> None:
    taxes = plan(line(1, "10.00", "2.00"), line(2, "0.02", "0.00"))
    assert taxes.line_codes == (STANDARD, NO_VAT)
    assert taxes.rates == (RateDetail("1", Decimal(20), Decimal("2.00"), Decimal("10.00")),)


def test_a_rate_on_no_taxed_line_gets_no_detail() -> None:
    taxes = plan(line(1, "0.02", "0.00"))
    assert taxes.line_codes == (NO_VAT,)
    assert taxes.rates == ()

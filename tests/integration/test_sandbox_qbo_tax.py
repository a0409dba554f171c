"""Tax in the fake QBO, by kind of company: US manual sales tax, US automated sales tax, and
GB/CA/AU companies with a tax code on every line; tax detail that does not match the lines
is refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_countries import (
    AU_GST,
    CA_GST_PST_BC,
    CA_RATE_GST,
    CA_RATE_PST_BC,
    GB_REDUCED,
    GB_STANDARD,
    GB_ZERO,
    US_OHIO_FRANKLIN,
    US_RATE_FRANKLIN,
    US_RATE_OHIO,
    US_RATE_TEXAS,
    US_TEXAS,
)
from ledgerport_sandbox.qbo_ledger import recompute
from ledgerport_sandbox.qbo_seed import SALES_INCOME_ID, SHIPPING_INCOME_ID
from ledgerport_sandbox.qbo_wire import QboFaultError

ITEM = "50"


def company(country: str = "US", **options: Any) -> QboSandbox:
    sandbox = QboSandbox()
    sandbox.add_realm("1", country=country, **options)
    item = {"Name": "Mug", "Type": "NonInventory", "IncomeAccountRef": {"value": SALES_INCOME_ID}}
    sandbox.add("1", "Item", {"Id": ITEM, **item})
    return sandbox


def line(amount: Any, code: str | None = None, item: str = ITEM) -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": item}}
    if code is not None:
        detail["TaxCodeRef"] = {"value": code}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def tax_line(amount: Any, rate: str, percent: Any, base: Any) -> dict[str, Any]:
    detail = {
        "TaxRateRef": {"value": rate},
        "PercentBased": True,
        "TaxPercent": percent,
        "NetAmountTaxable": base,
    }
    return {"Amount": amount, "DetailType": "TaxLineDetail", "TaxLineDetail": detail}


def run(sandbox: QboSandbox, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return recompute(sandbox.realm("1"), "SalesReceipt", body)


def refused(sandbox: QboSandbox, body: dict[str, Any]) -> QboFaultError:
    with pytest.raises(QboFaultError) as raised:
        run(sandbox, body)
    return raised.value


def rates(record: dict[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    return [
        (
            t["TaxLineDetail"]["TaxRateRef"]["value"],
            t["TaxLineDetail"]["TaxPercent"],
            t["TaxLineDetail"]["NetAmountTaxable"],
            t["Amount"],
        )
        for t in record["TxnTaxDetail"]["TaxLine"]
    ]


@pytest.mark.parametrize(
    ("country", "currency", "codes"),
    [
        ("GB", "GBP", {"20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"}),
        ("CA", "CAD", {"GST", "HST ON", "PST BC", "GST/PST BC", "Zero-rated", "Exempt"}),
        ("AU", "AUD", {"GST", "GST free"}),
    ],
)
def test_a_company_abroad_has_its_countrys_currency_and_tax_codes(
    country: str, currency: str, codes: set[str]
) -> None:
    realm = company(country).realm("1")

    assert realm.get("CompanyInfo", "1")["Country"] == country
    prefs = realm.get("Preferences", "1")["CurrencyPrefs"]
    assert prefs["HomeCurrency"] == {"value": currency}
    assert {c["Name"] for c in realm.all("TaxCode")} == codes
    assert realm.get("TaxCode", "TAX") is None  # the pseudo codes exist only in the US


@pytest.mark.parametrize(("country", "word"), [("GB", "VAT"), ("CA", "GST/HST"), ("AU", "GST")])
def test_abroad_a_line_without_a_tax_code_is_refused(country: str, word: str) -> None:
    error = refused(company(country), {"Line": [line(10)]})

    assert (error.code, error.element) == ("6000", "Line.SalesItemLineDetail.TaxCodeRef")
    assert error.detail == (
        f"Business Validation Error: Make sure all your transactions have a {word} rate "
        "before you save."
    )


def test_a_uk_sale_booked_net_with_shopifys_vat_lines() -> None:
    """Reference order 03: 33.50 + 4.80 shipping including VAT 6.38, booked net."""
    sandbox = company("GB")
    body = {
        "GlobalTaxCalculation": "TaxExcluded",
        "Line": [
            line(20, GB_STANDARD),
            line("7.92", GB_STANDARD),
            line(4, GB_STANDARD, "SHIPPING_ITEM_ID"),
        ],
        "TxnTaxDetail": {"TotalTax": 6.38, "TaxLine": [tax_line(6.38, GB_STANDARD, 20, 31.92)]},
    }
    record, ledger = run(sandbox, body)

    assert (ledger["total"], ledger["tax"], ledger["currency"]) == ("38.30", "6.38", "GBP")
    assert record["GlobalTaxCalculation"] == "TaxExcluded"
    assert rates(record) == [(GB_STANDARD, 20, 31.92, 6.38)]
    assert ledger["by_account"][SHIPPING_INCOME_ID] == "4.00"


def test_abroad_without_tax_lines_qbo_works_out_each_rate() -> None:
    record, ledger = run(
        company("GB"), {"Line": [line(100, GB_STANDARD), line(40, GB_REDUCED), line(9, GB_ZERO)]}
    )

    assert sorted(rates(record)) == [
        (GB_STANDARD, 20, 100, 20),
        (GB_REDUCED, 5, 40, 2),
        (GB_ZERO, 0, 9, 0),
    ]
    assert ledger["total"] == "171.00"


def test_a_combined_canadian_code_carries_both_rates() -> None:
    body = {
        "Line": [line(100, CA_GST_PST_BC)],
        "TxnTaxDetail": {
            "TotalTax": 12,
            "TaxLine": [tax_line(5, CA_RATE_GST, 5, 100), tax_line(7, CA_RATE_PST_BC, 7, 100)],
        },
    }
    record, ledger = run(company("CA"), body)
    assert (ledger["total"], ledger["qbo_tax"]) == ("112.00", "12.00")
    assert len(record["TxnTaxDetail"]["TaxLine"]) == 2


def test_after_a_discount_the_taxable_base_is_the_discounted_lines() -> None:
    body = {
        "Line": [
            line(60, AU_GST),
            line(40, AU_GST),
            {
                "Amount": 10,
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": False},
            },
        ],
        "TxnTaxDetail": {"TotalTax": 9, "TaxLine": [tax_line(9, AU_GST, 10, 90)]},
    }
    assert run(company("AU"), body)[1]["total"] == "99.00"


@pytest.mark.parametrize(
    ("tax", "problem"),
    [
        (
            {"TotalTax": 6.38, "TaxLine": [tax_line("6.37", GB_STANDARD, 20, 31.92)]},
            "add up to 6.37",
        ),
        ({"TaxLine": [tax_line(2, GB_REDUCED, 5, 40)]}, "rate 2 is not on any line"),
        ({"TaxLine": [tax_line("6.38", GB_STANDARD, 20, 33.5)]}, "applies to 31.92 of the lines"),
        ({"TaxLine": [tax_line("6.38", GB_STANDARD, 17.5, 31.92)]}, "is 20%, not 17.5%"),
    ],
)
def test_tax_detail_that_does_not_match_the_lines_is_refused(
    tax: dict[str, Any], problem: str
) -> None:
    body = {"Line": [line("31.92", GB_STANDARD)], "TxnTaxDetail": tax}
    error = refused(company("GB"), body)

    assert (error.code, error.element) == ("6000", "TxnTaxDetail")
    assert problem in error.detail


def test_us_manual_tax_honours_total_tax_and_spreads_it_over_the_codes_rates() -> None:
    """Reference order 02: Ohio 5.75% + Franklin County 1.75% on 168.60 is Shopify's 12.64."""
    body = {
        "ApplyTaxAfterDiscount": True,
        "Line": [
            line(174, "TAX"),
            {
                "Amount": "17.40",
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": False},
            },
            line(12, "TAX", "SHIPPING_ITEM_ID"),
        ],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": US_OHIO_FRANKLIN}, "TotalTax": 12.64},
    }
    record, ledger = run(company(), body)

    assert ledger["total"] == "181.24"
    assert rates(record) == [
        (US_RATE_OHIO, 5.75, 168.6, 9.69),
        (US_RATE_FRANKLIN, 1.75, 168.6, 2.95),
    ]
    assert ledger["qbo_tax"] == "12.64"


def test_us_tax_lines_that_do_not_add_up_to_total_tax_are_refused() -> None:
    tax = {"TotalTax": 3, "TaxLine": [tax_line(2.5, "1", 6, 50)]}
    error = refused(company(), {"Line": [line(50, "TAX")], "TxnTaxDetail": tax})
    assert (error.code, error.element) == ("6000", "TxnTaxDetail")


@pytest.mark.parametrize(
    ("address", "code", "expected"),
    [
        (
            {"ShipAddr": {"CountrySubDivisionCode": "TX"}},
            US_TEXAS,
            [(US_RATE_TEXAS, 6.25, 394, 24.63)],
        ),
        (
            {"BillAddr": {"CountrySubDivisionCode": "tx"}},
            US_TEXAS,
            [(US_RATE_TEXAS, 6.25, 394, 24.63)],
        ),
        ({"ShipAddr": {"CountrySubDivisionCode": "OR"}}, None, []),
    ],
)
def test_automated_sales_tax_assigns_the_code_from_the_address(
    address: dict[str, Any], code: str | None, expected: list[Any]
) -> None:
    body = {"Line": [line(349, "TAX"), line(45, "TAX", "SHIPPING_ITEM_ID")], **address}
    record, _ = run(company(automated_sales_tax=True), body)

    assert record["TxnTaxDetail"].get("TxnTaxCodeRef", {}).get("value") == code
    assert rates(record) == expected


def test_automated_sales_tax_honours_an_explicit_amount_and_records_its_own_figure() -> None:
    """Reference order 05: Shopify's rounded line taxes make 24.62 where 6.25% of 394.00 is
    24.63; QBO books the 24.62 sent and the ledger shows QBO's own 24.63 beside it."""
    body = {
        "ShipAddr": {"CountrySubDivisionCode": "TX"},
        "Line": [line(349, "TAX"), line(45, "TAX", "SHIPPING_ITEM_ID")],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}, "TotalTax": 24.62},
    }
    record, ledger = run(company(automated_sales_tax=True), body)

    assert record["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == US_TEXAS  # the sent one ignored
    assert rates(record) == [(US_RATE_TEXAS, 6.25, 394, 24.62)]
    assert (ledger["total"], ledger["tax"], ledger["qbo_tax"]) == ("418.62", "24.62", "24.63")


def test_automated_sales_tax_falls_back_to_the_company_address() -> None:
    record, _ = run(company(automated_sales_tax=True), {"Line": [line(50, "TAX")]})
    assert record["TxnTaxDetail"]["TotalTax"] == 3  # the company is in Kentucky, 6%


def test_amounts_that_include_tax_are_booked_net_in_the_ledger() -> None:
    body = {
        "GlobalTaxCalculation": "TaxInclusive",
        "Line": [line(24, GB_STANDARD), line(12, GB_STANDARD)],
    }
    record, ledger = run(company("GB"), body)

    assert (ledger["total"], ledger["tax"]) == ("36.00", "6.00")
    assert ledger["by_classification"]["income"] == "30.00"
    assert rates(record) == [(GB_STANDARD, 20, 30, 6)]


async def test_the_realm_route_makes_a_company_abroad() -> None:
    sandbox = QboSandbox()
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as http:
        answer = await http.post(
            "/_sandbox/realms/9", json={"country": "CA", "multicurrency": True}
        )

    assert answer.status_code == 201
    realm = sandbox.realm("9")
    assert (realm.country, realm.home_currency, realm.multicurrency) == ("CA", "CAD", True)


def test_a_us_company_ignores_global_tax_calculation() -> None:
    body = {"GlobalTaxCalculation": "TaxInclusive", "Line": [line(50, "TAX")]}
    body["TxnTaxDetail"] = {"TotalTax": 3}
    record, ledger = run(company(), body)

    assert "GlobalTaxCalculation" not in record
    assert (ledger["total"], ledger["by_classification"]["income"]) == ("53.00", "50.00")

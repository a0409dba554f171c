"""Order → sales form over the fixtures (shopify_orders/README.md lists their totals)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.domain.booking import book, check_total
from app.domain.config import (
    AccountingConfig,
    ProductsConfig,
    SyncConfig,
    TaxMode,
    UnmatchedProducts,
)
from app.domain.errors import ErrorCode, SyncError
from app.domain.lines import check_lines, resolve_lines, sku_key, variant_key
from app.domain.models import Order
from app.domain.order_payload import parse_order
from app.domain.ports import QboTaxRate
from app.domain.taxes import plan_taxes, tax_key
from app.domain.translate import SALES_RECEIPT, LineItems, build_sales_form, doc_number
from app.domain.translate import document_number as number_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CONFIG = SyncConfig()


def order(prefix: str) -> Order:
    (path,) = FIXTURES.glob(f"{prefix}_*.json")
    return parse_order(json.loads(path.read_text()))


def items_for(o: Order) -> dict[str, str]:
    return {line.id: f"item-{i}" for i, line in enumerate(o.lines)}


VAT = {"GB VAT|0.2": "3"}  # the GB fixture's one rate, mapped to "20.0% S"
VAT_RATES = {"3": (QboTaxRate("4", "20.0% S (sales)", Decimal(20)),)}


def build(
    o: Order,
    *,
    customer_id: str | None,
    item_ids: dict[str, str],
    config: SyncConfig = CONFIG,
    tax_rates: dict[str, str] | None = None,
    country: str = "US",
) -> dict[str, Any]:
    """The form as the sync builds it: lines checked, booked, totalled, taxed, written."""
    check_lines(o)
    if not all(item_ids.get(line.id) for line in o.lines):
        resolve_lines(o, item_ids, config)  # raises product_not_mapped, as the sync would
    booking = book(o, discount_line=country == "US")
    check_total(o, booking)
    if country == "US" and tax_rates is None:
        tax_rates = {tax_key(t): "7" for t in o.tax_lines}
    taxes = plan_taxes(
        o,
        booking,
        mappings=tax_rates or {},
        accounting=config.accounting,
        country=country,
        code_rates=VAT_RATES,
    )
    return build_sales_form(
        o,
        entity=SALES_RECEIPT,
        booking=booking,
        taxes=taxes,
        items=LineItems(item_ids),
        customer_id=customer_id,
        config=config,
    )


def receipt(o: Order, config: SyncConfig = CONFIG, **kwargs: Any) -> dict[str, Any]:
    return build(o, customer_id="58", item_ids=items_for(o), config=config, **kwargs)


def booked_total(r: dict[str, Any]) -> float:
    signed = [-ln["Amount"] if "DiscountLineDetail" in ln else ln["Amount"] for ln in r["Line"]]
    return round(float(sum(signed)) + float(r["TxnTaxDetail"]["TotalTax"]), 2)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("0*.json")), ids=lambda p: p.stem)
def test_every_fixture_reconciles_to_shopifys_total(path: Path) -> None:
    o = parse_order(json.loads(path.read_text()))
    gb = o.currency == "GBP"
    r = receipt(o, country="GB" if gb else "US", tax_rates=VAT if gb else None)
    assert booked_total(r) == float(o.total_price)


def test_single_taxed_line() -> None:
    config = SyncConfig.from_dict({"payments": {"default_deposit_account_id": "4"}})
    r = receipt(order("01"), config)
    assert r["DocNumber"] == "SH1001" and r["TxnDate"] == "2025-03-14"
    assert r["CustomerRef"] == {"value": "58"} and r["DepositToAccountRef"] == {"value": "4"}
    assert r["PrivateNote"].startswith("Shopify order #1001")
    assert r["CurrencyRef"] == {"value": "USD"} and "GlobalTaxCalculation" not in r
    (line,) = r["Line"]  # free shipping adds no line
    assert line == {
        "DetailType": "SalesItemLineDetail",
        "Amount": 50.0,
        "Description": "Organic Cotton Tee - Heather Grey / M",
        "SalesItemLineDetail": {
            "ItemRef": {"value": "item-0"},
            "Qty": 2,
            "UnitPrice": 25.0,
            "TaxCodeRef": {"value": "TAX"},
        },
    }
    assert r["TxnTaxDetail"] == {"TotalTax": 3.0, "TxnTaxCodeRef": {"value": "7"}}


def test_discount_shipping_and_two_taxes() -> None:
    config = replace(CONFIG, accounting=AccountingConfig(discount_account_id="86"))
    r = receipt(order("02"), config)
    shoe, socks, discount, shipping = r["Line"]
    assert (shoe["Amount"], socks["Amount"]) == (120.0, 54.0)
    assert socks["SalesItemLineDetail"]["Qty"] == 3
    assert discount == {
        "DetailType": "DiscountLineDetail",
        "Amount": 17.4,  # from discount_allocations, not discount_codes again
        "DiscountLineDetail": {"PercentBased": False, "DiscountAccountRef": {"value": "86"}},
    }
    assert shipping["Amount"] == 12.0 and shipping["Description"] == "UPS Ground"
    assert shipping["SalesItemLineDetail"]["ItemRef"] == {"value": "SHIPPING_ITEM_ID"}
    assert shipping["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert r["TxnTaxDetail"] == {"TotalTax": 12.64, "TxnTaxCodeRef": {"value": "7"}}
    assert booked_total(r) == 181.24


def test_configured_shipping_item_replaces_the_builtin_one() -> None:
    config = replace(CONFIG, accounting=AccountingConfig(shipping_item_id="31"))
    shipping = receipt(order("02"), config)["Line"][-1]
    assert shipping["SalesItemLineDetail"]["ItemRef"] == {"value": "31"}


def test_vat_included_prices_are_booked_net_with_a_code_per_line() -> None:
    r = receipt(order("03"), country="GB", tax_rates=VAT)
    mugs, towel, shipping = r["Line"]
    assert {ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in r["Line"]} == {"3"}
    assert (mugs["Amount"], mugs["SalesItemLineDetail"]["UnitPrice"]) == (20.0, 10.0)
    assert (towel["Amount"], towel["SalesItemLineDetail"]["UnitPrice"]) == (7.92, 7.92)
    assert shipping["Amount"] == 4.0
    assert r["TxnTaxDetail"]["TotalTax"] == 6.38 and r["CurrencyRef"] == {"value": "GBP"}
    assert r["GlobalTaxCalculation"] == "TaxExcluded"
    (vat,) = r["TxnTaxDetail"]["TaxLine"]
    assert vat["Amount"] == 6.38
    assert vat["TaxLineDetail"] == {
        "TaxRateRef": {"value": "4"},
        "PercentBased": True,
        "TaxPercent": 20.0,
        "NetAmountTaxable": 31.92,  # 20.00 + 7.92 + 4.00
    }
    assert booked_total(r) == 38.30


def test_guest_order_lists_every_unmapped_line() -> None:
    o = order("04")
    with pytest.raises(SyncError) as caught:
        resolve_lines(o, {}, CONFIG)
    error = caught.value
    assert error.code is ErrorCode.product_not_mapped
    unmapped = error.detail["unmapped"]
    assert [row["line_id"] for row in unmapped] == [line.id for line in o.lines]
    assert [row["sku"] for row in unmapped] == [None, None]
    assert "Enamel Pin - Mountain" in error.message and "Custom sale: engraving" in error.message


def test_guest_order_partly_mapped_names_only_the_custom_item() -> None:
    o = order("04")
    with pytest.raises(SyncError) as caught:
        resolve_lines(o, {variant_key("44561230006001"): "12"}, CONFIG)
    assert [row["title"] for row in caught.value.detail["unmapped"]] == ["Custom sale: engraving"]


def test_default_item_covers_unmapped_lines() -> None:
    o = order("04")
    products = ProductsConfig(unmatched=UnmatchedProducts.use_default, default_item_id="9")
    config = replace(CONFIG, products=products)
    ids = resolve_lines(o, {variant_key("44561230006001"): "12"}, config)
    assert ids == {o.lines[0].id: "12", o.lines[1].id: "9"}
    r = build(o, customer_id="1", item_ids=ids, config=config)
    assert booked_total(r) == 30.74


def test_variant_mapping_wins_over_sku() -> None:
    o = order("02")
    mappings = {
        variant_key("44561230002001"): "by-variant",
        sku_key("TRS-GB-10"): "by-sku",
        sku_key("SOCK-MER-M"): "sock",
    }
    assert list(resolve_lines(o, mappings, CONFIG).values()) == ["by-variant", "sock"]


def test_rounded_line_taxes_are_booked_not_recomputed() -> None:
    r = receipt(order("05"))
    assert r["TxnTaxDetail"]["TotalTax"] == 24.62  # 6.25 % x 394.00 would give 24.63
    desk, freight = r["Line"]
    assert (desk["Amount"], freight["Amount"]) == (349.0, 45.0)
    assert booked_total(r) == 418.62


def test_orders_without_lines_or_prices_miss_a_field() -> None:
    o = order("01")
    with pytest.raises(SyncError) as caught:
        receipt(replace(o, lines=()))
    assert caught.value.code is ErrorCode.missing_field
    no_price = replace(o, lines=(replace(o.lines[0], price=None),))
    with pytest.raises(SyncError) as caught:
        receipt(no_price)
    assert caught.value.code is ErrorCode.missing_field
    assert caught.value.detail["lines"][0]["line_id"] == o.lines[0].id


def test_lines_missing_from_item_ids_are_not_mapped() -> None:
    o = order("01")
    with pytest.raises(SyncError) as caught:
        build(o, customer_id="1", item_ids={}, config=CONFIG)
    assert caught.value.code is ErrorCode.product_not_mapped


def test_doc_number() -> None:
    o = order("01")
    assert doc_number(o, "SH") == "SH1001" and doc_number(o, "") == "1001"
    assert doc_number(replace(o, order_number=None), "SH") == "SH1001"  # from the name
    long = replace(o, order_number=12345678901234567890)
    assert len(doc_number(long, "SHOPIFY-")) == 21
    assert doc_number(long, "SHOPIFY-").endswith("12345678901234567890")
    assert number_of(long, "SHOPIFY-").shortened and not number_of(o, "SHOPIFY-").shortened


def resolve_tax_code(
    o: Order, mappings: dict[str, str], accounting: AccountingConfig
) -> str | None:
    plan = plan_taxes(o, book(o), mappings=mappings, accounting=accounting, country="US")
    return plan.txn_code


def test_tax_code_resolution_under_line_item_tax() -> None:
    o = order("02")
    accounting = AccountingConfig(tax_mode=TaxMode.line_item)
    keys = sorted({tax_key(t) for t in o.tax_lines})
    assert keys == ["Franklin County Tax|0.0175", "Ohio State Tax|0.0575"]
    assert resolve_tax_code(o, {k: "7" for k in keys}, accounting) == "7"
    with pytest.raises(SyncError) as caught:
        resolve_tax_code(o, {keys[1]: "7"}, accounting)
    assert caught.value.code is ErrorCode.tax_not_mapped
    assert [row["title"] for row in caught.value.detail["unmapped"]] == ["Franklin County Tax"]
    with pytest.raises(SyncError, match="one combined code"):
        resolve_tax_code(o, {keys[0]: "7", keys[1]: "8"}, accounting)


def test_no_tax_code_needed_under_ast_or_without_tax() -> None:
    ast = AccountingConfig(tax_mode=TaxMode.automated_sales_tax)
    assert resolve_tax_code(order("02"), {}, ast) is None
    assert resolve_tax_code(order("07"), {}, AccountingConfig()) is None


def test_the_billing_address_and_payment_method_go_on_the_receipt() -> None:
    payments = {"payment_methods": {"shopify_payments": "3"}}
    config = SyncConfig.from_dict({"payments": payments})
    r = receipt(order("01"), config=config)
    assert r["BillAddr"] == {
        "Line1": "412 Bardstown Rd",
        "City": "Louisville",
        "CountrySubDivisionCode": "KY",
        "PostalCode": "40204",
        "Country": "US",
    }
    assert r["PaymentMethodRef"] == {"value": "3"}
    guest = receipt(order("04"))  # a POS sale: no address, no gateway method configured
    assert "BillAddr" not in guest and "PaymentMethodRef" not in guest


def test_a_receipt_without_a_customer_leaves_customer_ref_out() -> None:
    o = order("04")
    r = build(o, customer_id=None, item_ids=items_for(o), config=CONFIG)
    assert "CustomerRef" not in r

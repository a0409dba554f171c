"""Sales-form lines: item, description, discount and sub-total lines, validated like QBO."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ledgerport_sandbox.qbo_checks import (
    check_fields,
    optional_decimal,
    resolve_account,
    resolve_ref,
)
from ledgerport_sandbox.qbo_schema import LINE_DETAIL_TYPES, LINE_FIELDS, SALES_ITEM_DETAIL_FIELDS
from ledgerport_sandbox.qbo_seed import DISCOUNTS_ACCOUNT_ID, SHIPPING_ITEM_ID
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import (
    JsonDict,
    QboFaultError,
    bad_property,
    business_error,
    invalid_reference,
    money,
    number,
    required_missing,
)

CENT = Decimal("0.01")
_TAX_WORD = {"GB": "VAT", "CA": "GST/HST", "AU": "GST"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class LineTotals:
    """The lines as QBO stores them plus the sums the header needs."""

    lines: list[JsonDict] = field(default_factory=list)
    subtotal: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    taxable: Decimal = Decimal(0)
    coded: list[tuple[Decimal, JsonDict]] = field(default_factory=list)  # item lines' codes


def build_lines(realm: Realm, raw_lines: object) -> LineTotals:
    """Validate `Line[]`, compute amounts and append QBO's SubTotalLine."""
    if not isinstance(raw_lines, list) or not raw_lines:
        raise required_missing("Line")
    totals = LineTotals()
    discounts: list[JsonDict] = []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            raise bad_property("Can not deserialize instance of Line out of a non-object value")
        check_fields("Line", raw, LINE_FIELDS)
        kind = raw.get("DetailType")
        if kind is None:
            raise required_missing("Line.DetailType")
        if kind not in LINE_DETAIL_TYPES:
            raise bad_property(
                "Can not construct instance of com.intuit.schema.finance.v3.LineDetailTypeEnum "
                f"from String value '{kind}'"
            )
        if kind == "SalesItemLineDetail":
            totals.lines.append(_item_line(realm, raw, totals))
        elif kind == "DiscountLineDetail":
            discounts.append(raw)
        elif kind == "DescriptionOnly":
            totals.lines.append(_description_line(raw))
        elif kind == "GroupLineDetail":
            raise business_error("Group (bundle) lines are not supported by this sandbox.")
        # Client-sent SubTotalLines are ignored: QBO recomputes its own.
    for index, line in enumerate(totals.lines, start=1):
        line["Id"], line["LineNum"] = str(index), index
    totals.lines.append(
        {
            "Amount": money(totals.subtotal),
            "DetailType": "SubTotalLineDetail",
            "SubTotalLineDetail": {},
        }
    )
    for raw in discounts:
        totals.lines.append(_discount_line(realm, raw, totals))
    return totals


def _item_line(realm: Realm, raw: JsonDict, totals: LineTotals) -> JsonDict:
    line = copy.deepcopy(raw)
    detail = raw.get("SalesItemLineDetail") or {}
    if not isinstance(detail, dict):
        raise bad_property("Can not deserialize instance of SalesItemLineDetail")
    check_fields("SalesItemLineDetail", detail, SALES_ITEM_DETAIL_FIELDS)
    out = copy.deepcopy(detail)
    if out.get("ServiceDate") == "":
        del out["ServiceDate"]
    if detail.get("ItemRef") is not None:
        out.update(_item_refs(realm, detail["ItemRef"]))
    amount = _line_amount(raw, detail, out)
    code = _tax_code(realm, detail.get("TaxCodeRef"), out)
    if code is not None and code.get("Taxable"):
        totals.taxable += amount
    if code is not None:
        totals.coded.append((amount, code))
    totals.subtotal += amount
    line["Amount"] = money(amount)
    line["SalesItemLineDetail"] = out
    return line


def _item_refs(realm: Realm, ref: object) -> JsonDict:
    if isinstance(ref, dict) and ref.get("value") == SHIPPING_ITEM_ID:
        return {"ItemRef": {"value": SHIPPING_ITEM_ID}}
    element = "Line.SalesItemLineDetail.ItemRef"
    item_ref = resolve_ref(realm, "Item", ref, element)
    item = realm.get("Item", item_ref["value"]) or {}
    refs: JsonDict = {"ItemRef": item_ref}
    if item.get("IncomeAccountRef"):
        refs["ItemAccountRef"] = item["IncomeAccountRef"]
    return refs


def _line_amount(raw: JsonDict, detail: JsonDict, out: JsonDict) -> Decimal:
    """The line's Amount, checked against Qty * UnitPrice when both are given and non-zero.

    A zero Qty or UnitPrice beside an Amount is an Amount-only line: python-quickbooks sends
    `Qty: 0, UnitPrice: 0` by default, and its own integration test (tests/integration/
    test_invoice.py, run against Intuit's sandbox) posts such a line with Amount 100.
    """
    amount = optional_decimal(raw, "Amount", "Line.Amount")
    qty = optional_decimal(detail, "Qty", "Line.SalesItemLineDetail.Qty")
    price = optional_decimal(detail, "UnitPrice", "Line.SalesItemLineDetail.UnitPrice")
    if amount is None:
        if qty is None or price is None:
            raise required_missing("Line.Amount")
        amount = cents(qty * price)
    elif qty and price and cents(qty * price) != cents(amount):
        raise QboFaultError(
            "6070",
            "Amount is not equal to UnitPrice * Qty",
            f"Amount is not equal to UnitPrice * Qty. Supplied value:{cents(amount):,}",
            element="Line.Amount",
        )
    elif qty is not None and price is None and qty != 0:
        price = amount / qty
    if qty is not None:
        out["Qty"] = number(qty)
    if price is not None:
        out["UnitPrice"] = number(price.normalize())
    return cents(amount)


def _tax_code(realm: Realm, ref: object, out: JsonDict) -> JsonDict | None:
    """Resolve a line's TaxCodeRef; TAX/NON pseudo codes included (US only). Outside the US
    every line needs a code: QBO answers 6000 "Make sure all your transactions have a
    GST/HST rate before you save." (a Canadian company, activepieces/activepieces#8539;
    "VAT rate" in the UK, intuit/quickbooks-online-mcp-server#94)."""
    if ref is None and realm.country != "US":
        raise business_error(
            f"Make sure all your transactions have a {_TAX_WORD[realm.country]} rate "
            "before you save.",
            element="Line.SalesItemLineDetail.TaxCodeRef",
        )
    if ref is None:
        return None
    element = "Line.SalesItemLineDetail.TaxCodeRef"
    if not isinstance(ref, dict) or realm.active("TaxCode", ref.get("value")) is None:
        raise invalid_reference(element)
    code = realm.get("TaxCode", ref["value"]) or {}
    out["TaxCodeRef"] = {"value": code["Id"]}
    return code


def _description_line(raw: JsonDict) -> JsonDict:
    line = copy.deepcopy(raw)
    line.pop("Amount", None)
    line.setdefault("DescriptionLineDetail", {})
    return line


def _discount_line(realm: Realm, raw: JsonDict, totals: LineTotals) -> JsonDict:
    line = copy.deepcopy(raw)
    detail = raw.get("DiscountLineDetail") or {}
    if not isinstance(detail, dict):
        raise bad_property("Can not deserialize instance of DiscountLineDetail")
    check_fields(
        "DiscountLineDetail",
        detail,
        {"PercentBased", "DiscountPercent", "DiscountAccountRef", "ClassRef", "TaxCodeRef"},
    )
    out = copy.deepcopy(detail)
    if detail.get("PercentBased"):
        percent = optional_decimal(detail, "DiscountPercent", "DiscountLineDetail.DiscountPercent")
        if percent is None:
            raise required_missing("DiscountLineDetail.DiscountPercent")
        amount = cents(totals.subtotal * percent / 100)
        out["DiscountPercent"] = number(percent)
    else:
        given = optional_decimal(raw, "Amount", "Line.Amount")
        if given is None:
            raise required_missing("Line.Amount")
        amount = cents(given)
        out["PercentBased"] = False
    account = detail.get("DiscountAccountRef") or {"value": DISCOUNTS_ACCOUNT_ID}
    element = "Line.DiscountLineDetail.DiscountAccountRef"
    out["DiscountAccountRef"] = resolve_account(realm, account, element)
    totals.discount += amount
    line["Amount"] = money(amount)
    line["DiscountLineDetail"] = out
    return line

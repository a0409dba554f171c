"""Order → QBO: document numbers, item and tax resolution, and the SalesReceipt body.

Shopify's shop-money figures are booked as they are: its rounded line taxes, and
`TxnTaxDetail.TotalTax` = `total_tax`, which also overrides QBO's automated sales tax.
Discounts come from `discount_allocations` only (adding `discount_codes` counts them twice).
Taxes-included orders are booked net (each line and shipping line minus its included tax)
with `GlobalTaxCalculation` "TaxExcluded"; other orders omit it (QBO ignores it in the US).
Line `TaxCodeRef` is the US pseudo-code TAX/NON; per-line codes for non-US companies are
not covered yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.config import AccountingConfig, SyncConfig, TaxMode
from app.domain.errors import ErrorCode, SyncError
from app.domain.lines import line_row, not_mapped
from app.domain.models import ZERO, Address, Order, OrderLine, ShippingLine, TaxLine
from app.domain.policies import payment_method_for

DOC_NUMBER_MAX = 21  # QBO's DocNumber limit
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"  # QBO's built-in shipping item (AllowShipping on)
_CENT = Decimal("0.01")
_UNIT = Decimal("0.00001")  # QBO keeps unit prices to five places


def doc_number(order: Order, prefix: str) -> str:
    """Prefix + order number ("SH1001"); keeps the tail if it would exceed 21 characters."""
    number = str(order.order_number) if order.order_number is not None else ""
    number = number or re.sub(r"[^0-9A-Za-z-]", "", order.name) or order.id
    return f"{prefix}{number}"[-DOC_NUMBER_MAX:]


# --- tax --------------------------------------------------------------------------------


def tax_key(tax: TaxLine) -> str:
    """The tax-rate mapping key: title and rate, e.g. "Ohio State Tax|0.0575"."""
    return f"{tax.title}|{tax.rate.normalize():f}"


def resolve_tax_code(
    order: Order, tax_mappings: Mapping[str, str], accounting: AccountingConfig
) -> str | None:
    """The QBO tax code for the transaction under line-item tax (None under AST or no tax).

    A sales receipt carries one transaction tax code, so every rate on the order must map,
    and to the same code (a combined rate in QBO for, say, state + county).
    """
    if accounting.tax_mode == TaxMode.automated_sales_tax:
        return None
    taxes = {tax_key(t): t for t in all_taxes(order) if t.amount or t.rate}
    missing = [t for key, t in taxes.items() if key not in tax_mappings]
    if missing:
        rows = [{"key": tax_key(t), "title": t.title, "rate": f"{t.rate:f}"} for t in missing]
        names = ", ".join(f"{t.title} ({(t.rate * 100).normalize():f}%)" for t in missing)
        message = f"Order {order.name}: no QuickBooks tax code is mapped for {names}."
        raise SyncError(ErrorCode.tax_not_mapped, message, detail={"unmapped": rows})
    codes = {key: tax_mappings[key] for key in taxes}
    if len(set(codes.values())) > 1:
        message = (
            f"Order {order.name}: its tax rates map to different QuickBooks tax codes; a sales "
            "receipt takes one, so map them to one combined code."
        )
        raise SyncError(ErrorCode.tax_not_mapped, message, detail={"codes": codes})
    return next(iter(codes.values()), None)


def all_taxes(order: Order) -> Iterable[TaxLine]:
    for line in order.lines:
        yield from line.tax_lines
    for shipping in order.shipping_lines:
        yield from shipping.tax_lines


# --- amounts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """The receipt's figures next to Shopify's total; `difference` should be zero."""

    lines: Decimal
    discounts: Decimal
    shipping: Decimal
    tax: Decimal
    shopify_total: Decimal

    @property
    def total(self) -> Decimal:
        return self.lines - self.discounts + self.shipping + self.tax

    @property
    def difference(self) -> Decimal:
        return self.total - self.shopify_total

    @property
    def balanced(self) -> bool:
        return self.difference == 0


def reconcile(order: Order) -> Reconciliation:
    """What `build_sales_receipt` books, against Shopify's total_price.

    A difference is reported, not raised: none of the ten codes describes it, and the caller
    (preview, audit entry) shows it. Known causes are amounts we do not book yet, such as
    tips, duties or cash rounding.
    """
    return Reconciliation(
        lines=sum((_line_amount(order, ln) for ln in order.lines if ln.price is not None), ZERO),
        discounts=discount_total(order),
        shipping=sum((_shipping_amount(order, s) for s in order.shipping_lines), ZERO),
        tax=order.total_tax,
        shopify_total=order.total_price,
    )


def _tax(taxes: Iterable[TaxLine]) -> Decimal:
    return sum((t.amount for t in taxes), ZERO)


def _line_amount(order: Order, line: OrderLine) -> Decimal:
    gross = (line.price or ZERO) * line.quantity
    return gross - _tax(line.tax_lines) if order.taxes_included else gross


def charged_shipping(order: Order) -> list[ShippingLine]:
    """The shipping lines the document carries: those with an amount or a tax."""
    return [s for s in order.shipping_lines if _shipping_amount(order, s) or _tax(s.tax_lines)]


def _shipping_amount(order: Order, shipping: ShippingLine) -> Decimal:
    amount = shipping.discounted_price
    return amount - _tax(shipping.tax_lines) if order.taxes_included else amount


def discount_total(order: Order) -> Decimal:
    return sum((line.discount for line in order.lines), ZERO)


def _money(amount: Decimal) -> float:
    return float(amount.quantize(_CENT, ROUND_HALF_UP))


def _tax_code(taxes: Iterable[TaxLine]) -> dict[str, str]:
    return {"value": "TAX" if any(t.amount > 0 for t in taxes) else "NON"}


# --- the SalesReceipt -------------------------------------------------------------------


def build_sales_receipt(
    order: Order,
    *,
    customer_id: str | None,
    item_ids: Mapping[str, str],
    config: SyncConfig,
    deposit_account_id: str | None,
    txn_tax_code_id: str | None = None,
) -> dict[str, Any]:
    """The QBO v3 SalesReceipt body for the order (see the module docstring for tax)."""
    _check_complete(order, item_ids)
    lines = [_item_line(order, line, item_ids[line.id]) for line in order.lines]
    if discount := discount_total(order):
        lines.append(_discount_line(discount, config.accounting))
    lines += [_shipping_line(order, s, config.accounting) for s in charged_shipping(order)]
    tax_detail: dict[str, Any] = {"TotalTax": _money(order.total_tax)}
    if txn_tax_code_id:
        tax_detail["TxnTaxCodeRef"] = {"value": txn_tax_code_id}
    receipt: dict[str, Any] = {
        "DocNumber": doc_number(order, config.orders.doc_number_prefix),
        "TxnDate": order.created_at.date().isoformat(),  # the shop's local date
        "PrivateNote": f"Shopify order {order.name} (id {order.id})",
        "Line": lines,
        "TxnTaxDetail": tax_detail,
    }
    if customer_id is not None:
        receipt["CustomerRef"] = {"value": customer_id}
    if order.billing_address is not None and (address := _bill_addr(order.billing_address)):
        receipt["BillAddr"] = address
    if order.currency:
        receipt["CurrencyRef"] = {"value": order.currency}
    if order.taxes_included:
        receipt["GlobalTaxCalculation"] = "TaxExcluded"
    if deposit_account_id:
        receipt["DepositToAccountRef"] = {"value": deposit_account_id}
    if method := payment_method_for(order, config.payments):
        receipt["PaymentMethodRef"] = {"value": method}
    return receipt


def _bill_addr(address: Address) -> dict[str, str]:
    """QBO's PhysicalAddress: Line1 (and Line2), City, CountrySubDivisionCode, PostalCode,
    Country; empty parts left out."""
    parts = {
        "Line1": address.address1,
        "Line2": address.address2,
        "City": address.city,
        "CountrySubDivisionCode": address.province_code or address.province,
        "PostalCode": address.zip,
        "Country": address.country_code or address.country,
    }
    return {key: value for key, value in parts.items() if value}


def _check_complete(order: Order, item_ids: Mapping[str, str]) -> None:
    if not order.lines:
        message = f"Order {order.name} has no line items; QuickBooks needs at least one line."
        raise SyncError(ErrorCode.missing_field, message, detail={"field": "line_items"})
    bad = [ln for ln in order.lines if ln.price is None or ln.quantity <= 0]
    if bad:
        rows = [
            {**line_row(ln), "price": ln.price and str(ln.price), "quantity": ln.quantity}
            for ln in bad
        ]
        names = ", ".join(ln.name for ln in bad)
        message = f"Order {order.name}: line(s) without a price or quantity: {names}."
        raise SyncError(ErrorCode.missing_field, message, detail={"lines": rows})
    unmapped = [ln for ln in order.lines if not item_ids.get(ln.id)]
    if unmapped:
        raise not_mapped(order, unmapped)


def _item_line(order: Order, line: OrderLine, item_id: str) -> dict[str, Any]:
    amount = _line_amount(order, line)
    unit = (amount / line.quantity).quantize(_UNIT, ROUND_HALF_UP).normalize()
    detail = {
        "ItemRef": {"value": item_id},
        "Qty": line.quantity,
        "UnitPrice": float(unit),
        "TaxCodeRef": _tax_code(line.tax_lines),
    }
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": _money(amount),
        "Description": line.name,
        "SalesItemLineDetail": detail,
    }


def _discount_line(amount: Decimal, accounting: AccountingConfig) -> dict[str, Any]:
    detail: dict[str, Any] = {"PercentBased": False}
    if accounting.discount_account_id:
        detail["DiscountAccountRef"] = {"value": accounting.discount_account_id}
    return {
        "DetailType": "DiscountLineDetail",
        "Amount": _money(amount),
        "DiscountLineDetail": detail,
    }


def _shipping_line(
    order: Order, shipping: ShippingLine, accounting: AccountingConfig
) -> dict[str, Any]:
    item = accounting.shipping_item_id or SHIPPING_ITEM_ID
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": _money(_shipping_amount(order, shipping)),
        "Description": shipping.title,
        "SalesItemLineDetail": {
            "ItemRef": {"value": item},
            "TaxCodeRef": _tax_code(shipping.tax_lines),
        },
    }

"""Order → QBO documents: the sales form (SalesReceipt or Invoice) and, for an invoice, one
Payment per tender.

The lines come from app.domain.booking, the tax codes and detail from app.domain.taxes. Which
form: a sales receipt deposits the whole of what the order's one gateway took into that
gateway's account, so it fits an order paid through one gateway (a gift card's part is a line
on the form, not a deposit). An order paid through two or more gateways becomes an invoice
with one payment per gateway, each deposited to its own account — the form QBO offers for
money received through several tenders. So is an order whose transactions show part of it
still owed: the invoice keeps that part open. `orders.transaction_type: invoice_payment` asks
for the invoice form for every order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.booking import BookedLine, Booking, LineKind
from app.domain.config import AccountingConfig, PaymentsConfig, SyncConfig, TransactionType
from app.domain.errors import ErrorCode, SyncError
from app.domain.models import Address, Order
from app.domain.taxes import TaxPlan
from app.domain.tenders import GIFT_CARD, Tender, tendered

DOC_NUMBER_MAX = 21  # QBO's DocNumber (and PaymentRefNum) limit
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"  # QBO's built-in shipping item (AllowShipping on)
SALES_RECEIPT, INVOICE, PAYMENT = "SalesReceipt", "Invoice", "Payment"
_CENT = Decimal("0.01")
_UNIT = Decimal("0.00001")  # QBO keeps unit prices to five places


@dataclass(frozen=True)
class DocumentNumber:
    value: str
    shortened: bool  # prefix + number exceeded QBO's 21 characters; the tail was kept


def document_number(order: Order, prefix: str) -> DocumentNumber:
    """Prefix + order number ("SH1001"), deterministic. Past QBO's 21 characters the order
    number is kept whole (its last 21 characters, if even it is longer) and the prefix cut to
    the room left."""
    number = str(order.order_number) if order.order_number is not None else ""
    number = number or re.sub(r"[^0-9A-Za-z-]", "", order.name) or order.id
    full = f"{prefix}{number}"
    if len(full) <= DOC_NUMBER_MAX:
        return DocumentNumber(full, False)
    room = max(DOC_NUMBER_MAX - len(number), 0)
    return DocumentNumber(f"{prefix[:room]}{number[-DOC_NUMBER_MAX:]}", True)


def doc_number(order: Order, prefix: str) -> str:
    return document_number(order, prefix).value


@dataclass(frozen=True)
class LineItems:
    """The QBO items the lines book to (Shopify line id → item for products)."""

    products: Mapping[str, str]
    gift_card: str | None = None
    tip: str | None = None
    rounding: str | None = None


def form_for(order: Order, config: SyncConfig, tenders: Sequence[Tender]) -> str:
    """SalesReceipt or Invoice (see the module docstring)."""
    gateways = {t.gateway for t in tenders if not t.gift_card and t.amount}
    if config.orders.transaction_type is TransactionType.invoice_payment or len(gateways) > 1:
        return INVOICE
    if tenders and tendered(tenders) < order.sale_total:
        return INVOICE  # part of it is still owed: the invoice keeps that part open in A/R
    return SALES_RECEIPT


def build_sales_form(
    order: Order,
    *,
    entity: str,
    booking: Booking,
    taxes: TaxPlan,
    items: LineItems,
    customer_id: str | None,
    config: SyncConfig,
    tenders: Sequence[Tender] = (),
) -> dict[str, Any]:
    """The QBO v3 SalesReceipt or Invoice body for the order."""
    if entity == INVOICE and customer_id is None:
        message = (
            f"Order {order.name} was paid through several gateways, so it is posted as an "
            "invoice with a payment per gateway, and a QuickBooks invoice needs a customer; "
            "the order has none. Use customers.strategy generic, or create."
        )
        raise SyncError(ErrorCode.missing_field, message, detail={"field": "customer"})
    codes = taxes.line_codes or (None,) * len(booking.lines)
    lines = [
        _line(order, line, code, items, config.accounting, taxes.us)
        for line, code in zip(booking.lines, codes, strict=True)
    ]
    if booking.discount:  # after the products it discounts, before shipping and the rest
        at = sum(1 for line in booking.lines if line.kind in (LineKind.item, LineKind.gift_card))
        lines.insert(at, _discount_line(booking.discount, config.accounting))
    body: dict[str, Any] = {
        "DocNumber": doc_number(order, config.orders.doc_number_prefix),
        "TxnDate": order.created_at.date().isoformat(),  # the shop's local date
        "PrivateNote": f"Shopify order {order.name} (id {order.id})",
        "Line": lines,
        "TxnTaxDetail": _tax_detail(taxes),
        "CurrencyRef": {"value": order.currency},
    }
    if booking.discount:
        # Shopify taxes what is left after discounts. QBO, by default, taxes before the
        # discount line ("If false or null, calculate the sales tax first, and then apply the
        # discount. If true, subtract the discount first": ApplyTaxAfterDiscount in Intuit's
        # QuickBooks-V3-PHP-SDK, src/Data/IPPSalesTransaction.php), which would report the
        # pre-discount amount as taxable sales.
        body["ApplyTaxAfterDiscount"] = True
    if order.exchange_rate is not None:
        body["ExchangeRate"] = float(order.exchange_rate)
    if customer_id is not None:
        body["CustomerRef"] = {"value": customer_id}
    if order.billing_address is not None and (address := _address(order.billing_address)):
        body["BillAddr"] = address
    if order.shipping_address is not None and (address := _address(order.shipping_address)):
        body["ShipAddr"] = address  # where QBO's automated sales tax looks
    if order.taxes_included or not taxes.us:
        body["GlobalTaxCalculation"] = "TaxExcluded"  # the amounts are net of tax
    if entity == SALES_RECEIPT:
        body.update(_deposit(order, config.payments, tenders))
    return body


def payment_body(
    order: Order,
    tender: Tender,
    *,
    invoice_id: str,
    customer_id: str,
    number: int,
    config: SyncConfig,
) -> dict[str, Any]:
    """One tender's Payment, applied to the order's invoice and deposited to its gateway's
    account (QBO's Undeposited Funds when none is set)."""
    amount = _money(tender.amount)
    ref = f"{doc_number(order, config.orders.doc_number_prefix)}-{number}"
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": amount,
        "TxnDate": order.created_at.date().isoformat(),
        "CurrencyRef": {"value": order.currency},
        "PaymentRefNum": ref[-DOC_NUMBER_MAX:],
        "PrivateNote": f"Shopify order {order.name} (id {order.id}) via {tender.gateway}",
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": INVOICE}]}],
    }
    if order.exchange_rate is not None:
        body["ExchangeRate"] = float(order.exchange_rate)
    body.update(_deposit_refs([tender.gateway], config.payments))
    return body


def _deposit(order: Order, payments: PaymentsConfig, tenders: Sequence[Tender]) -> dict[str, Any]:
    """The account and payment method of the gateway that took the money: the order's one
    non-gift-card tender, else its first gateway with settings, else the default account."""
    paid = [t.gateway for t in tenders if not t.gift_card and t.amount]
    gateways = paid or [g for g in order.payment_gateway_names if g != GIFT_CARD]
    return _deposit_refs(gateways, payments)


def _deposit_refs(gateways: Sequence[str], payments: PaymentsConfig) -> dict[str, Any]:
    """The first of `gateways` with a deposit account (else the default) and with a payment
    method, as QBO references."""
    out: dict[str, Any] = {}
    if (
        account := _first(payments.deposit_accounts, gateways)
        or payments.default_deposit_account_id
    ):
        out["DepositToAccountRef"] = {"value": account}
    if method := _first(payments.payment_methods, gateways):
        out["PaymentMethodRef"] = {"value": method}
    return out


def _first(ids: Mapping[str, str], gateways: Sequence[str]) -> str | None:
    return next((ids[g] for g in gateways if g in ids), None)


def _line(
    order: Order,
    line: BookedLine,
    code: str | None,
    items: LineItems,
    accounting: AccountingConfig,
    us: bool,
) -> dict[str, Any]:
    item = _item_of(order, line, items, accounting)
    tax_code = code if code is not None else ("TAX" if us and line.taxed else "NON")
    detail: dict[str, Any] = {"ItemRef": {"value": item}, "TaxCodeRef": {"value": tax_code}}
    if line.quantity:
        unit = (line.amount / line.quantity).quantize(_UNIT, ROUND_HALF_UP).normalize()
        detail.update({"Qty": line.quantity, "UnitPrice": float(unit)})
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": _money(line.amount),
        "Description": line.description,
        "SalesItemLineDetail": detail,
    }


def _item_of(order: Order, line: BookedLine, items: LineItems, accounting: AccountingConfig) -> str:
    if line.kind == LineKind.item:
        return items.products[line.line_id or ""]
    if line.kind == LineKind.shipping:
        return accounting.shipping_item_id or SHIPPING_ITEM_ID
    configured = {
        LineKind.gift_card: (items.gift_card, "gift_card_item_id or gift_card_account_id"),
        LineKind.redeemed: (items.gift_card, "gift_card_item_id or gift_card_account_id"),
        LineKind.tip: (items.tip, "tip_item_id"),
        LineKind.rounding: (items.rounding, "rounding_item_id or rounding_account_id"),
    }
    item, setting = configured[line.kind]
    if item is None:
        raise unset_item(order, line, setting)
    return item


def unset_item(order: Order, line: BookedLine, setting: str) -> SyncError:
    what = {
        LineKind.gift_card: "sells a gift card, which is a liability until it is spent",
        LineKind.redeemed: "was paid partly by gift card, which is booked against the "
        "gift-card liability",
        LineKind.tip: "includes a tip",
        LineKind.rounding: "has cash rounding",
    }[line.kind]
    message = (
        f"Order {order.name} {what}; set accounting.{setting} so LedgerPort knows where to book it."
    )
    detail = {"field": f"accounting.{setting.split(' ')[0]}", "section": "accounting"}
    return SyncError(ErrorCode.invalid_account, message, detail=detail)


def _discount_line(amount: Decimal, accounting: AccountingConfig) -> dict[str, Any]:
    detail: dict[str, Any] = {"PercentBased": False}
    if accounting.discount_account_id:
        detail["DiscountAccountRef"] = {"value": accounting.discount_account_id}
    return {
        "DetailType": "DiscountLineDetail",
        "Amount": _money(amount),
        "DiscountLineDetail": detail,
    }


def _tax_detail(taxes: TaxPlan) -> dict[str, Any]:
    detail: dict[str, Any] = {"TotalTax": _money(taxes.total)}
    if taxes.txn_code:
        detail["TxnTaxCodeRef"] = {"value": taxes.txn_code}
    if taxes.rates:
        detail["TaxLine"] = [
            {
                "Amount": _money(rate.amount),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate.rate_id},
                    "PercentBased": True,
                    "TaxPercent": float(rate.percent),
                    "NetAmountTaxable": _money(rate.net_amount),
                },
            }
            for rate in taxes.rates
        ]
    return detail


def _address(address: Address) -> dict[str, str]:
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


def _money(amount: Decimal) -> float:
    return float(amount.quantize(_CENT, ROUND_HALF_UP))

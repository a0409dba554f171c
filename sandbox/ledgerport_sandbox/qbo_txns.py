"""Sales receipts, refund receipts, invoices and payments: header rules, totals, defaults."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledgerport_sandbox.qbo_checks import (
    check_account_currency,
    check_customer_currency,
    check_fields,
    check_lengths,
    check_string,
    optional_decimal,
    ref_value,
    resolve_account,
    resolve_currency,
    resolve_ref,
    to_decimal,
)
from ledgerport_sandbox.qbo_lines import build_lines, cents
from ledgerport_sandbox.qbo_schema import DEPOSIT_ACCOUNT_TYPES, TXN_TYPE_LABEL
from ledgerport_sandbox.qbo_seed import UNDEPOSITED_FUNDS_ID
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_tax import document_tax
from ledgerport_sandbox.qbo_wire import (
    JsonDict,
    QboFaultError,
    bad_property,
    business_error,
    invalid_reference,
    money,
    number,
    required_missing,
    today,
)

FIRST_DOC_NUMBER = 1001


def build_sales_txn(
    realm: Realm, entity: str, body: JsonDict, own_id: str | None = None
) -> JsonDict:
    """Validate a SalesReceipt, RefundReceipt or Invoice and compute what QBO computes.

    Raises QboFaultError.
    """
    check_fields(entity, body)
    check_lengths(entity, body)
    record = copy.deepcopy(body)
    if body.get("CustomerRef") is not None:
        record["CustomerRef"] = resolve_ref(realm, "Customer", body["CustomerRef"], "CustomerRef")
    elif entity == "Invoice":
        raise required_missing("CustomerRef")
    record["CurrencyRef"] = resolve_currency(realm, body)
    check_customer_currency(realm, record)
    totals = build_lines(realm, body.get("Line"))
    record["Line"] = totals.lines
    tax = document_tax(realm, body, totals, record)
    total = totals.subtotal - totals.discount
    if record.get("GlobalTaxCalculation") != "TaxInclusive":
        total += tax
    _check_total(total)
    record["TotalAmt"] = money(total)
    record["TxnDate"] = _txn_date(body)
    record["DocNumber"] = _doc_number(realm, entity, body, own_id)
    if record.get("ShipDate") == "":
        del record["ShipDate"]
    _deposit_and_payment(realm, entity, body, record)
    _exchange(realm, record, total)
    for key, value in {
        "PrintStatus": "NotSet",
        "EmailStatus": "NotSet",
        "ApplyTaxAfterDiscount": False,
        "CustomField": [],
    }.items():
        record.setdefault(key, value)
    if entity in ("SalesReceipt", "RefundReceipt"):
        record["Balance"] = 0
    else:
        deposit = optional_decimal(body, "Deposit", "Deposit") or Decimal(0)
        record["Balance"] = money(total - deposit)
        record.setdefault("DueDate", record["TxnDate"])
    return record


def _check_total(total: Decimal) -> None:
    """QBO saves a zero total (a sale paid in full by gift card) but never a negative one:
    "QuickBooks error message: Transaction amount must be positive." (OnTime360 knowledge
    base, "QuickBooks: Transaction Amount Must be Positive": invoices below zero)."""
    if total < 0:
        raise business_error("Transaction amount must be positive.", element="TotalAmt")


def _txn_date(body: JsonDict) -> str:
    """TxnDate, or today when it is absent or empty (python-quickbooks sends `""` by default
    and Intuit dates such a document today)."""
    raw = check_string(body, "TxnDate")
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        raise bad_property(
            f"Can not construct instance of java.util.Date from String value '{raw}'"
        ) from None


def _doc_number(realm: Realm, entity: str, body: JsonDict, own_id: str | None) -> str:
    given = check_string(body, "DocNumber") or None  # "" is no number: QBO assigns one
    others = [r for r in realm.all(entity) if r["Id"] != own_id]
    if given is None:
        numeric = [int(r["DocNumber"]) for r in others if str(r.get("DocNumber", "")).isdigit()]
        return str(max([FIRST_DOC_NUMBER - 1, *numeric]) + 1)
    for other in others:
        if other.get("DocNumber") == given:
            raise QboFaultError(
                "6140",
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different number. "
                f"This number has already been used. DocNumber={given} is assigned to "
                f"TxnType={TXN_TYPE_LABEL[entity]} with TxnId={other['Id']}",
            )
    return given


def _deposit_and_payment(realm: Realm, entity: str, body: JsonDict, record: JsonDict) -> None:
    deposit = body.get("DepositToAccountRef")
    if deposit is None and entity == "RefundReceipt":
        raise required_missing("DepositToAccountRef")  # the account the refund is paid from
    if deposit is None and entity in ("SalesReceipt", "Payment"):
        deposit = {"value": UNDEPOSITED_FUNDS_ID}
    if deposit is not None:
        element = "DepositToAccountRef"
        record[element] = resolve_account(realm, deposit, element, DEPOSIT_ACCOUNT_TYPES)
        check_account_currency(realm, record[element]["value"], record, element)
    if body.get("PaymentMethodRef") is not None:
        ref = body["PaymentMethodRef"]
        record["PaymentMethodRef"] = resolve_ref(realm, "PaymentMethod", ref, "PaymentMethodRef")


def _exchange(realm: Realm, record: JsonDict, total: Decimal) -> None:
    if record["CurrencyRef"]["value"] == realm.home_currency:
        return
    rate = optional_decimal(record, "ExchangeRate", "ExchangeRate") or Decimal(1)
    record["ExchangeRate"] = number(rate)
    record["HomeTotalAmt"] = money(cents(total * rate))


@dataclass(frozen=True)
class Application:
    """An amount of a payment applied to one open invoice."""

    invoice_id: str
    amount: Decimal


def build_payment(realm: Realm, body: JsonDict) -> tuple[JsonDict, list[Application]]:
    """Validate a Payment; returns the record and the invoice applications to book."""
    check_fields("Payment", body)
    check_lengths("Payment", body)
    if body.get("TotalAmt") is None:
        raise required_missing("TotalAmt")
    if body.get("CustomerRef") is None:
        raise required_missing("CustomerRef")
    record = copy.deepcopy(body)
    total = cents(to_decimal(body["TotalAmt"], "TotalAmt"))
    record["CustomerRef"] = resolve_ref(realm, "Customer", body["CustomerRef"], "CustomerRef")
    record["CurrencyRef"] = resolve_currency(realm, body)
    check_customer_currency(realm, record)
    record["TxnDate"] = _txn_date(body)
    applications = [
        _application(realm, raw, record["CustomerRef"]["value"]) for raw in body.get("Line") or []
    ]
    applied = sum((a.amount for a in applications), Decimal(0))
    if applied > total:
        raise business_error("The payment amount must be at least the amount applied to invoices.")
    record["TotalAmt"] = money(total)
    record["UnappliedAmt"] = money(total - applied)
    record["ProcessPayment"] = bool(body.get("ProcessPayment", False))
    _deposit_and_payment(realm, "Payment", body, record)
    if body.get("ARAccountRef") is not None:
        record["ARAccountRef"] = resolve_account(realm, body["ARAccountRef"], "ARAccountRef")
    return record, applications


def _application(realm: Realm, raw: object, customer_id: str) -> Application:
    if not isinstance(raw, dict):
        raise bad_property("Can not deserialize instance of Line out of a non-object value")
    check_fields("Line", raw, {"Id", "LineNum", "Amount", "LinkedTxn", "LineEx"})
    amount = cents(to_decimal(raw.get("Amount", 0), "Line.Amount"))
    links = raw.get("LinkedTxn")
    if not isinstance(links, list) or len(links) != 1:
        raise required_missing("Line.LinkedTxn")
    link = links[0]
    if not isinstance(link, dict) or link.get("TxnType") != "Invoice":
        raise business_error("This sandbox applies payments to invoices only.")
    invoice = realm.get("Invoice", ref_value({"value": link.get("TxnId")}, "Line.LinkedTxn.TxnId"))
    if invoice is None:
        raise invalid_reference("Line.LinkedTxn.TxnId")
    if invoice.get("CustomerRef", {}).get("value") != customer_id:
        raise business_error("The invoice belongs to a different customer than the payment.")
    if amount > Decimal(str(invoice.get("Balance", 0))):
        raise business_error("The payment applied is more than the open balance of the invoice.")
    return Application(invoice["Id"], amount)


def apply_payment(realm: Realm, payment: JsonDict, applications: list[Application]) -> None:
    """Reduce each invoice's Balance and link it back to the payment, as QBO does."""
    for application in applications:
        invoice = realm.get("Invoice", application.invoice_id)
        if invoice is None:  # pragma: no cover - validated just before
            continue
        balance = Decimal(str(invoice.get("Balance", 0))) - application.amount
        invoice["Balance"] = money(balance)
        invoice.setdefault("LinkedTxn", []).append({"TxnId": payment["Id"], "TxnType": "Payment"})
        realm.replace("Invoice", invoice)

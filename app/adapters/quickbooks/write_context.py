"""Which QBO document a refused request was writing, read from the request itself.

QBO's faults rarely name the record at fault ("Something you're trying to use has been made
inactive"), so the classifier needs the document to name what it used: its number, date and
every reference it sent, under the element paths QBO's faults use.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from app.domain.faults import QboWrite

# The path segment of a create (POST /v3/company/{realm}/{segment}) → QBO's entity name.
WRITABLE = {
    e.lower(): e
    for e in ("SalesReceipt", "Invoice", "Payment", "RefundReceipt", "CreditMemo")
    + ("Customer", "Item", "Account", "PaymentMethod", "Deposit", "JournalEntry")
}
_HEADER_REFS = (
    "CustomerRef",
    "DepositToAccountRef",
    "PaymentMethodRef",
    "ARAccountRef",
    "ClassRef",
    "DepartmentRef",
    "CurrencyRef",
    "ParentRef",
    "IncomeAccountRef",
    "ExpenseAccountRef",
    "AssetAccountRef",
)
_LINE_DETAILS = {
    "SalesItemLineDetail": ("ItemRef", "TaxCodeRef", "ClassRef"),
    "DiscountLineDetail": ("DiscountAccountRef", "TaxCodeRef"),
}


def write_of(request: httpx.Request) -> QboWrite | None:
    """The document a POST to an entity endpoint was creating or updating; None otherwise."""
    if request.method != "POST":
        return None
    segment = request.url.path.rstrip("/").rpartition("/")[2].lower()
    entity = WRITABLE.get(segment)
    if entity is None:
        return None
    body = _json_body(request)
    return QboWrite(
        entity=entity,
        doc_number=_text(body.get("DocNumber")),
        txn_date=_text(body.get("TxnDate")),
        name=_text(body.get("DisplayName") or body.get("Name")),
        refs=tuple(_refs(body)),
    )


def _json_body(request: httpx.Request) -> dict[str, Any]:
    try:
        parsed = json.loads(request.content or b"{}")
    except (ValueError, httpx.RequestNotRead):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _refs(body: dict[str, Any]) -> list[tuple[str, str]]:
    refs = [(name, _ref(body.get(name))) for name in _HEADER_REFS]
    tax = body.get("TxnTaxDetail")
    if isinstance(tax, dict):
        refs.append(("TxnTaxDetail.TxnTaxCodeRef", _ref(tax.get("TxnTaxCodeRef"))))
    for line in _list(body.get("Line")):
        for detail_name, names in _LINE_DETAILS.items():
            detail = line.get(detail_name)
            if isinstance(detail, dict):
                refs += [(f"Line.{detail_name}.{n}", _ref(detail.get(n))) for n in names]
        for linked in _list(line.get("LinkedTxn")):
            refs.append(
                (f"Line.LinkedTxn.{_text(linked.get('TxnType'))}", _text(linked.get("TxnId")))
            )
    return [(path, value) for path, value in refs if value]


def _list(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _ref(value: object) -> str:
    return _text(value.get("value")) if isinstance(value, dict) else ""


def _text(value: object) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)

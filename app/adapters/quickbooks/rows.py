"""QBO rows (entity JSON) read into domain values: documents and dropdown options."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.ports import QboDocument, QboOption

Json = dict[str, Any]
_CENT = Decimal("0.01")


def text(row: Json, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def ref_value(row: Json, key: str) -> str | None:
    ref = row.get(key)
    value = ref.get("value") if isinstance(ref, dict) else None
    return None if value is None else str(value)


def amount(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return str(Decimal(str(value)).quantize(_CENT))
    except InvalidOperation:
        return None


def document(row: Json) -> QboDocument:
    return QboDocument(
        id=text(row, "Id"),
        doc_number=text(row, "DocNumber") or None,
        total=amount(row.get("TotalAmt")),
        customer_id=ref_value(row, "CustomerRef"),
        txn_date=text(row, "TxnDate") or None,
        raw=row,
    )


def option(entity: str, row: Json) -> QboOption:
    name_key = "DisplayName" if entity == "Customer" else "Name"
    kind_key = {"Account": "AccountType", "Item": "Type", "PaymentMethod": "Type"}.get(entity)
    return QboOption(
        id=text(row, "Id"),
        name=text(row, "FullyQualifiedName") or text(row, name_key),
        active=row.get("Active", True) is not False,
        kind=text(row, kind_key) or None if kind_key else None,
        sku=text(row, "Sku") or None if entity == "Item" else None,
        account_id=ref_value(row, "IncomeAccountRef") if entity == "Item" else None,
        currency=ref_value(row, "CurrencyRef") if entity == "Customer" else None,
    )

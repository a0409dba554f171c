"""What voiding does to a sales document, as Intuit's SalesReceipt and Invoice references say:
"The transaction remains active but all amounts and quantities are zeroed and the string,
Voided, is injected into <Entity>.PrivateNote, prepended to existing text if present."

Which call voids what (Intuit's references, and QuickBooks-V3-PHP-SDK src/Core/
CoreConstants.php: PAYMENTCLASSNAME = ["payment", "salesreceipt"] use
VOID_QUERYPARAMETER_PAYMENT = "?operation=update&include=void", the rest "?operation=void"):
a SalesReceipt is voided by a sparse update with `include=void`, an Invoice by
`operation=void`. python-quickbooks' VoidMixin sends exactly these.
"""

from __future__ import annotations

import copy

from ledgerport_sandbox.qbo_wire import JsonDict

# entity -> the (operation, include) query parameters that void it
VOID_CALLS: dict[str, tuple[str, str | None]] = {
    "SalesReceipt": ("update", "void"),
    "Invoice": ("void", None),
}
VOIDED = "Voided"


def voided(record: JsonDict) -> JsonDict:
    """The record with every amount and quantity zeroed and PrivateNote marked."""
    out = copy.deepcopy(record)
    out["Line"] = [_zeroed_line(line) for line in record.get("Line", [])]
    tax = out.get("TxnTaxDetail") or {}
    tax["TotalTax"] = 0
    for tax_line in tax.get("TaxLine", []):
        tax_line["Amount"] = 0
    out["TxnTaxDetail"] = tax
    out["TotalAmt"] = out["Balance"] = 0
    for key in ("HomeTotalAmt", "HomeBalance", "Deposit"):
        if key in out:
            out[key] = 0
    note = record.get("PrivateNote") or ""
    out["PrivateNote"] = f"{VOIDED} - {note}" if note else VOIDED  # the " - " is this fake's
    return out


def _zeroed_line(line: JsonDict) -> JsonDict:
    out = copy.deepcopy(line)
    if "Amount" in out:
        out["Amount"] = 0
    detail = out.get("SalesItemLineDetail")
    if isinstance(detail, dict) and "Qty" in detail:
        detail["Qty"] = 0
    return out

"""What a QBO fault is about: the document being written, and the reference or field in it.

QBO names the element at fault in `element` or in its Detail ("Invalid Reference Id :
Line.SalesItemLineDetail.ItemRef"), but often names nothing ("Something you're trying to use
has been made inactive"). Then the document's own references are all LedgerPort can name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import ErrorCode
from app.domain.faults import QboFault, QboWrite

C = ErrorCode


@dataclass(frozen=True)
class Subject:
    """A kind of element a fault can name, and the code a missing or retired one means."""

    label: str  # "item", "customer", "deposit account"
    pattern: re.Pattern[str]  # finds the element's dotted path in element / Detail / Message
    code: ErrorCode
    fix: str  # how to give the document a usable one instead of a retired one
    missing: str  # how to give the document one at all
    section: str = ""  # the config section an account-like setting lives in


def _p(ref: str) -> re.Pattern[str]:
    return re.compile(rf"(?:\w+\.)*(?:{ref})\b")


_MAP_ITEM = (
    "map the product to an active item (PUT …/mappings/products/{source_id}), or make "
    "{named} active again in QuickBooks (Sales → Products and services → filter: Inactive → "
    "Make active)"
)
_MAP_CUSTOMER = (
    "map the buyer to an active customer (PUT …/mappings/customers/{source_id}), or make "
    "{named} active again in QuickBooks (Sales → Customers → filter: Inactive → Make active)"
)
_MAP_TAX = "map the Shopify tax rate to an active tax code (PUT …/mappings/tax-rates/{source_id})"
_SETTING = "point the setting that names {named} at an active one with PATCH …/config/{section}"
_SET = "set it with PATCH …/config/{section}"
SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "item",
        _p("ItemRef"),
        C.product_not_mapped,
        _MAP_ITEM,
        "map every product of the order (PUT …/mappings/products/{source_id}) or set a default "
        "item (PATCH …/config/products)",
    ),
    Subject(
        "customer",
        _p("CustomerRef|Names element"),
        C.customer_not_found,
        _MAP_CUSTOMER,
        "map the buyer (PUT …/mappings/customers/{source_id}) or choose the generic or create "
        "strategy (PATCH …/config/customers)",
    ),
    Subject(
        "tax code",
        _p("TxnTaxCodeRef|TaxCodeRef|TaxRateRef|TaxRate|TaxCode"),
        C.tax_not_mapped,
        _MAP_TAX,
        _MAP_TAX,
    ),
    Subject(
        "deposit account", _p("DepositToAccountRef"), C.invalid_account, _SETTING, _SET, "payments"
    ),
    Subject(
        "payment method", _p("PaymentMethodRef"), C.invalid_account, _SETTING, _SET, "payments"
    ),
    Subject(
        "discount account",
        _p("DiscountAccountRef"),
        C.invalid_account,
        _SETTING,
        _SET,
        "accounting",
    ),
    Subject(
        "account",
        re.compile(r"(?:\w+\.)*\w*AccountRef\b|Accounts element"),
        C.invalid_account,
        _SETTING,
        _SET,
    ),
    Subject(
        "linked transaction",
        _p(r"LinkedTxn(?:\.\w+)?"),
        C.missing_field,
        "sync the order again so the transaction it applies to is posted anew (POST …/sync)",
        "sync the order again (POST …/sync)",
    ),
)
# Fields a fault can name that are not references; the first match names the field.
FIELDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_p("DocNumber"), "the document number (DocNumber)"),
    (_p("TxnDate"), "the date (TxnDate)"),
    (_p("DisplayName|GivenName|FamilyName"), "the customer name (DisplayName)"),
    (_p("PrimaryEmailAddr|BillEmail"), "the email address"),
    (_p("Qty|Quantity"), "the line quantity (Qty)"),
    (_p("UnitPrice"), "the line price (UnitPrice)"),
    (_p("Amount|TotalAmt"), "the amount"),
    (_p("BillAddr|ShipAddr"), "the address"),
    (_p("Line(?:\\.DetailType)?"), "the lines (Line)"),
)
_LABELS = {
    "SalesReceipt": "sales receipt",
    "Invoice": "invoice",
    "Payment": "payment",
    "RefundReceipt": "refund receipt",
    "CreditMemo": "credit memo",
    "JournalEntry": "journal entry",
    "PaymentMethod": "payment method",
}
_NAMED = frozenset({"Customer", "Item", "Account", "PaymentMethod"})


def entity_label(entity: str) -> str:
    return _LABELS.get(entity, entity.lower())


def document(write: QboWrite | None) -> str:
    """Like "sales receipt SH1001 dated 2025-03-14", "customer 'Ann Lee'", "the document"."""
    if write is None:
        return "the document"
    label = entity_label(write.entity)
    if write.entity in _NAMED:
        return f"{label} '{write.name}'" if write.name else f"the new {label}"
    number = f" {write.doc_number}" if write.doc_number else ""
    dated = f" dated {write.txn_date}" if write.txn_date else ""
    return f"{label}{number}{dated}" if number or dated else f"the {label}"


def fault_text(fault: QboFault) -> str:
    return " ".join(part for part in (fault.element, fault.detail, fault.message) if part)


def subject_of(fault: QboFault) -> tuple[Subject, str] | None:
    """The reference the fault names, with the element path it gave, if it names one."""
    for text in (fault.element, fault.detail, fault.message):
        for subject in SUBJECTS:
            found = subject.pattern.search(text)
            if found:
                return subject, found.group(0)
    return None


def field_of(fault: QboFault) -> str:
    """The non-reference field a fault names, in words ("the document number (DocNumber)"),
    or its raw element, or ""."""
    for text in (fault.element, fault.detail):
        for pattern, words in FIELDS:
            if pattern.search(text):
                return words
    return fault.element


def ids_for(write: QboWrite | None, path: str) -> list[str]:
    """The ids the document sent under the element `path` names (by its last segment)."""
    if write is None:
        return []
    name = path.rpartition(".")[2]
    seen: list[str] = []
    for ref_path, value in write.refs:
        if ref_path.rpartition(".")[2] == name and value not in seen:
            seen.append(value)
    return seen


def candidates(write: QboWrite | None) -> list[tuple[Subject, list[str]]]:
    """Every kind of reference the document sent, with its ids, in SUBJECTS order."""
    if write is None:
        return []
    by_subject: dict[str, list[str]] = {}
    for path, value in write.refs:
        subject = next((s for s in SUBJECTS if s.pattern.fullmatch(path)), None)
        if subject is not None and value not in by_subject.setdefault(subject.label, []):
            by_subject[subject.label].append(value)
    return [(s, by_subject[s.label]) for s in SUBJECTS if by_subject.get(s.label)]


def describe_refs(found: list[tuple[Subject, list[str]]]) -> str:
    """Like "items 12 and 31, customer 58 and deposit account 4"."""
    return _and([named(subject, ids) for subject, ids in found])


def named(subject: Subject, ids: list[str]) -> str:
    """Like "item 12", "items 12 and 31", or "the item" when the document sent none."""
    if not ids:
        return f"the {subject.label}"
    return f"{subject.label}{'s' if len(ids) > 1 else ''} {_and(ids)}"


def _and(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]

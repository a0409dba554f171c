"""The fault table applied: one QBO fault, and the document being written, read as one of the
ten codes with a message that names the document, the reference or field at fault and the fix.

The table itself is in qbo_fault_rules (access, QuickBooks-side refusals, references, tax,
passing trouble) and qbo_fault_fields (values of the document); what a fault is about is
worked out in qbo_fault_subjects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import ErrorCode
from app.domain.faults import QboFault, QboWrite
from app.domain.qbo_fault_fields import (
    ASK,
    BUSINESS,
    FIELD_RULES,
    MISSING,
    UNKNOWN,
    UNKNOWN_AUTH,
    UNKNOWN_SEVERE,
)
from app.domain.qbo_fault_rules import RULES, FaultRule
from app.domain.qbo_fault_subjects import (
    SUBJECTS,
    Subject,
    candidates,
    describe_refs,
    document,
    entity_label,
    field_of,
    ids_for,
    named,
    subject_of,
)

C = ErrorCode
TABLE: tuple[FaultRule, ...] = (*RULES, *FIELD_RULES, BUSINESS)
_NAMESAKE = {
    False: {
        "namesake": "another customer, vendor or employee",
        "take_it": "map the buyer to that customer if it is them (PUT …/mappings/customers/"
        "{source_id})",
    },
    True: {
        "namesake": "another item",
        "take_it": "map the product to that item if it is the same product (PUT …/mappings/"
        "products/{source_id})",
    },
}
_DOC_NUMBER = re.compile(r"DocNumber=(\S+)")


@dataclass(frozen=True)
class FaultReading:
    """A fault as LedgerPort explains it: the code, the message and what it is about."""

    rule: FaultRule
    code: ErrorCode
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


def rule_for(fault: QboFault) -> FaultRule:
    """The first rule of the table that matches the fault, else a fallback by code range."""
    code, text = fault.code.strip(), f"{fault.message} {fault.detail}"
    for rule in TABLE:
        if rule.codes and code not in rule.codes:
            continue
        if rule.text is not None and not rule.text.search(text):
            continue
        return rule
    # Codes no rule knows, by python-quickbooks' ranges: 1-499 authorisation, 10000+ severe.
    number = int(code) if code.isdigit() else 0
    if 0 < number < 500:
        return UNKNOWN_AUTH
    return UNKNOWN_SEVERE if number >= 10000 else UNKNOWN


def read_fault(fault: QboFault, write: QboWrite | None = None) -> FaultReading:
    rule = rule_for(fault)
    found = subject_of(fault)
    subject, path = found if found else (None, "")
    ids = ids_for(write, path) if path else []
    cands = candidates(write)
    code = rule.code or (subject.code if subject else _unnamed_code(rule, write, cands))
    what, fix_subject = _what(rule, fault, subject, path, ids, cands, code)
    fix_text = ""
    if fix_subject is not None:
        fix_text = fix_subject.missing if rule.name == "required" else fix_subject.fix
        if subject is None:  # QBO named none of the document's references
            fix_text = (
                "find which of them is inactive in QuickBooks and make it active again, or "
                + fix_text
            )
    section = subject.section if subject else (fix_subject.section if fix_subject else "")
    values = {
        "doc": f"the {entity_label(write.entity)}" if write else "the document",
        "what": what,
        "named": named(fix_subject, ids or _ids_of(cands, fix_subject)) if fix_subject else "it",
        "date": (write.txn_date if write and write.txn_date else "the order's date"),
        "number": _number(fault, write),
        "name": f"the name '{write.name}'" if write and write.name else "this name",
        **_NAMESAKE[write is not None and write.entity == "Item"],
        "detail": (fault.detail or fault.message).rstrip(". "),
        "section": section or "{section}",
        "source_id": "{source_id}",
        **_references(cands),
    }
    fallback = MISSING if rule.name == "required" else ASK
    values["fix"] = fix_text.format_map(values) if fix_text else fallback
    says, fix = rule.says.format_map(values), rule.fix.format_map(values)
    quote = f"{fault.code} {fault.message}".strip()
    if fault.detail and fault.detail != fault.message:
        quote += f": {fault.detail}"
    message = f"QuickBooks refused {document(write)}: {says}. {_cap(fix)}. (Fault {quote})"
    detail: dict[str, Any] = {
        "fault_rule": rule.name,
        "fix": _cap(fix),
        "fix_in_quickbooks": rule.in_qbo,
        "qbo_element": path or fault.element,
        "qbo_ids": ids,
    }
    if write is not None:
        detail["qbo_entity"] = write.entity
    if code is C.invalid_account and section:
        detail["section"] = section
    return FaultReading(rule, code, message, detail)


def _unnamed_code(
    rule: FaultRule, write: QboWrite | None, cands: list[tuple[Subject, list[str]]]
) -> ErrorCode:
    """The nearest code when the fault names no reference: the document's own kind for a
    name-list record, else (inactive references) the likeliest kind it refers to. LedgerPort
    only ever matches active customers and re-checks its settings' records after a refusal,
    so a product mapping is the likeliest to point at a retired record."""
    if write is not None and write.entity == "Item":
        return C.product_not_mapped
    if write is not None and write.entity == "Customer":
        return C.customer_not_found if rule.default is not C.missing_field else rule.default
    if rule.name != "inactive_ref":
        return rule.default
    codes = [subject.code for subject, _ in cands]
    return rule.default if rule.default in codes or not codes else codes[0]


def _what(
    rule: FaultRule,
    fault: QboFault,
    subject: Subject | None,
    path: str,
    ids: list[str],
    cands: list[tuple[Subject, list[str]]],
    code: ErrorCode,
) -> tuple[str, Subject | None]:
    """The reference or field at fault, in words, and the subject whose fix applies."""
    if subject is not None:  # a required reference was not sent: its ids are not the point
        return f"{named(subject, [] if rule.name == 'required' else ids)} ({path})", subject
    if rule.code is None and rule.name == "inactive_ref":
        chosen = next((s for s in SUBJECTS if s.code is code), None)
        uses = f": it names {describe_refs(cands)}" if cands else ""
        return f"one of its records (QuickBooks did not say which{uses})", chosen
    return field_of(fault) or "a value", None


def _references(cands: list[tuple[Subject, list[str]]]) -> dict[str, str]:
    """{customer}, {item} and {linked}: what the document names of each, for templates."""
    ids = {subject.label: found for subject, found in cands}
    keys = {"customer": "customer", "item": "item", "linked": "linked transaction"}
    by_label = {s.label: s for s in SUBJECTS}
    return {key: named(by_label[label], ids.get(label, [])) for key, label in keys.items()}


def _ids_of(cands: list[tuple[Subject, list[str]]], subject: Subject | None) -> list[str]:
    return next((ids for s, ids in cands if s is subject), [])


def _number(fault: QboFault, write: QboWrite | None) -> str:
    if write is not None and write.doc_number:
        return write.doc_number
    found = _DOC_NUMBER.search(fault.detail)
    return found.group(1) if found else "like this one"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]

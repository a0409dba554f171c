"""The fault table itself (app/domain/qbo_fault_rules, qbo_fault_fields): complete for Intuit's
code list as it concerns the entities LedgerPort writes, cited, and every template renders."""

from __future__ import annotations

import pytest

from app.domain.errors import CATALOGUE, ErrorCode
from app.domain.faults import QboFault, QboWrite
from app.domain.qbo_fault_fields import UNKNOWN, UNKNOWN_AUTH, UNKNOWN_SEVERE
from app.domain.qbo_fault_rules import FaultRule
from app.domain.qbo_faults import TABLE, read_fault, rule_for

# Intuit's error codes (developer.intuit.com …/troubleshooting/error-codes, as transcribed in
# Nytely-Official/quickbooks-api src/types/enums/intuit-fault-codes.ts) that a create or update
# of SalesReceipt, Invoice, Payment, RefundReceipt, Customer or Item can meet, plus the
# gateway's 3100 (intuit/oauth-jsclient#2). Payroll, time, budget and attachment codes are out.
PUBLISHED = (
    "100 110 120 150 500 600 610 620 630 1000 1010 1020 2000 2010 2020 2030 2040 2050 2060 2070 "
    "2080 2090 2100 2110 2120 2130 2140 2150 2160 2170 2180 2190 2200 2210 2220 2240 2250 2280 "
    "2290 2500 2600 3000 3100 3200 3202 4000 4001 4002 5000 5010 5020 5030 6000 6070 6080 6090 "
    "6100 6140 6160 6170 6190 6200 6210 6230 6240 6250 6270 6420 6430 6440 6470 6520 6540 "
    "10000 10100 10200"
).split()
WRITE = QboWrite(
    "SalesReceipt",
    "SH1001",
    "2025-03-14",
    refs=(("CustomerRef", "58"), ("Line.SalesItemLineDetail.ItemRef", "12")),
)


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_published_code_has_its_own_rule(code: str) -> None:
    rule = rule_for(QboFault(code=code, message="", detail=""))
    assert rule not in (UNKNOWN, UNKNOWN_AUTH, UNKNOWN_SEVERE), code


def test_rules_are_named_once_and_cited() -> None:
    names = [rule.name for rule in TABLE]
    assert len(names) == len(set(names))
    for rule in TABLE:
        assert rule.source.strip(), rule.name
        assert rule.says and rule.fix, rule.name


@pytest.mark.parametrize("rule", TABLE, ids=lambda rule: rule.name)
def test_every_template_renders_naming_the_document(rule: FaultRule) -> None:
    code = next(iter(rule.codes), "6000")
    text = rule.text.pattern.split("|")[0].replace("(has )?", "") if rule.text else ""
    reading = read_fault(QboFault(code=code, message=text, detail=text), WRITE)
    assert reading.rule is rule
    assert "sales receipt SH1001 dated 2025-03-14" in reading.message
    assert "{" not in reading.message.replace("{source_id}", "").replace("{id}", "").replace(
        "{section}", ""
    ), reading.message
    if rule.in_qbo:  # a fix inside QuickBooks says so, and where
        assert "QuickBooks" in reading.detail["fix"] and reading.detail["fix_in_quickbooks"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("6210", ErrorCode.missing_field),  # closed books (with a password), only fixed in QBO
        ("6200", ErrorCode.missing_field),
        ("6190", ErrorCode.qbo_auth),  # a lapsed subscription pauses the shop until reconnect
        ("120", ErrorCode.qbo_auth),
        ("6540", ErrorCode.missing_field),
        ("5010", ErrorCode.qbo_timeout),
        ("10000", ErrorCode.qbo_timeout),
        ("6250", ErrorCode.customer_not_found),
        ("6440", ErrorCode.product_not_mapped),
        ("6430", ErrorCode.invalid_account),
        ("6140", ErrorCode.duplicate),
        ("99999", ErrorCode.qbo_timeout),  # python-quickbooks: 10000 and up are severe
        ("130", ErrorCode.qbo_auth),  # and 1-499 authorisation
        ("7777", ErrorCode.missing_field),
    ],
)
def test_codes_land_on_the_nearest_of_the_ten(code: str, expected: ErrorCode) -> None:
    assert read_fault(QboFault(code=code, message=""), WRITE).code is expected


def test_retrying_follows_the_code() -> None:
    retrying = {r.code for r in TABLE if r.code and CATALOGUE[r.code].retries_automatically}
    assert retrying == {ErrorCode.qbo_timeout}  # throttling is the adapter's (3001 / 429)


def test_an_unnamed_inactive_record_lists_what_the_document_uses() -> None:
    fault = QboFault(
        code="610",
        message="Object Not Found",
        detail="Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
    )
    reading = read_fault(fault, WRITE)
    assert reading.code is ErrorCode.product_not_mapped
    assert "did not say which: it names item 12 and customer 58" in reading.message
    customer = read_fault(fault, QboWrite("Customer", name="Ann Lee"))
    assert customer.code is ErrorCode.customer_not_found


def test_a_named_reference_decides_the_code_and_its_setting() -> None:
    deposit = QboFault("2500", "Invalid Reference Id", element="DepositToAccountRef")
    reading = read_fault(deposit, QboWrite("RefundReceipt", refs=(("DepositToAccountRef", "4"),)))
    assert reading.code is ErrorCode.invalid_account
    assert reading.detail["section"] == "payments" and reading.detail["qbo_ids"] == ["4"]

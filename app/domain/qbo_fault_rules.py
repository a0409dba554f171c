"""Intuit's published QBO faults for the entities LedgerPort writes, each on the nearest of the
ten error codes, with what to say and what fixes it. The first rule that matches a fault wins.

`code` None: the reference the fault names decides (an inactive item is product_not_mapped, an
inactive customer customer_not_found...); `default` when it names none. Templates may use
{doc} (the document), {what} (the reference or field at fault), {ids}, {date}, {number},
{name}, {detail} (QBO's own words) and {section}. `in_qbo`: the fix is a change inside
QuickBooks itself, which the fix text spells out. Sources are abbreviated at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import ErrorCode

C = ErrorCode
EC = "developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes"
HCE = "developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors"
B17 = (
    "developer.intuit.com/hub/blog/2017/06/08/"
    "top-quickbooks-online-api-errors-and-how-to-handle-them"
)
CODES = "Nytely-Official/quickbooks-api src/types/enums/intuit-fault-codes.ts (Intuit's code list)"
PQB = "ej2/python-quickbooks quickbooks/client.py handle_exceptions"


@dataclass(frozen=True)
class FaultRule:
    name: str
    codes: frozenset[str]  # empty: any code, `text` decides
    code: ErrorCode | None
    says: str
    fix: str
    source: str
    text: re.Pattern[str] | None = None  # over Message and Detail, when a code has causes
    in_qbo: bool = False
    default: ErrorCode = ErrorCode.missing_field


def rule(
    name: str,
    codes: str,
    code: ErrorCode | None,
    says: str,
    fix: str,
    source: str,
    *,
    text: str = "",
    in_qbo: bool = False,
    default: ErrorCode = ErrorCode.missing_field,
) -> FaultRule:
    pattern = re.compile(text, re.IGNORECASE) if text else None
    return FaultRule(
        name, frozenset(codes.split()), code, says, fix, source, pattern, in_qbo, default
    )


_RECONNECT = "reconnect QuickBooks (POST …/connections/quickbooks/authorize); that queues the "
_RECONNECT += "orders that failed meanwhile again"
_CLOSED = (
    "a QuickBooks admin moves the closing date before {date} or clears it (QuickBooks: "
    "Settings ⚙ → Account and settings → Advanced → Accounting → Close the books), then syncs "
    "the order again (POST …/sync); if the sale belongs to the closed period, book it there by "
    "hand and resolve the record (POST …/records/order/{{id}}/resolve)"
)
_IN_QBO_FIELD = "change that in QuickBooks, then sync the order again (POST …/sync)"
BUG = (
    "nothing in the order can fix this: LedgerPort built a request QuickBooks cannot read; "
    "report the record to LedgerPort support"
)

RULES: tuple[FaultRule, ...] = (
    # --- access to the company -----------------------------------------------------------
    rule(
        "subscription",
        "6190",
        C.qbo_auth,
        "QuickBooks will not add data to this company: its subscription ended, was cancelled "
        "or has a billing problem",
        "the company's QuickBooks admin renews the subscription in QuickBooks (Settings ⚙ → "
        "Account and settings → Billing & subscription); then " + _RECONNECT,
        f"{HCE}; {B17}; {CODES}; intuit/QuickBooks-V3-PHP-SDK#211 (answered with HTTP 200)",
        in_qbo=True,
    ),
    rule(
        "user_removed",
        "120",
        C.qbo_auth,
        "the QuickBooks user who connected LedgerPort is no longer an admin of this company, or "
        "was removed from it",
        "a current admin of the company must " + _RECONNECT,
        f"{HCE}; {B17}; {CODES}",
        in_qbo=True,
    ),
    rule(
        "permission",
        "5020",
        C.qbo_auth,
        "the QuickBooks user who connected LedgerPort lacks permission for this",
        "a QuickBooks admin of the company must " + _RECONNECT,
        CODES,
        in_qbo=True,
    ),
    rule(
        "token",
        "100 110 3200 3202",
        C.qbo_auth,
        "QuickBooks refused LedgerPort's authorisation: it expired or was revoked",
        _RECONNECT,
        f"{CODES}; routablehq/python-quickbooks#120 and #250; intuit/oauth-jsclient#135",
    ),
    rule(
        "scope",
        "3100",
        C.qbo_auth,
        "QuickBooks refused LedgerPort access to this company (AuthorizationFailed): the "
        "connection lacks the accounting scope or belongs to the other Intuit environment",
        _RECONNECT,
        "intuit/oauth-jsclient#2; reference qbo.md §1",
    ),
    rule(
        "maintenance",
        "150",
        C.qbo_timeout,
        "QuickBooks is doing maintenance on this company",
        "nothing: LedgerPort tries again",
        CODES,
    ),
    # --- the document as it stands: only a change in QuickBooks lets it in -----------------
    rule(
        "books_closed",
        "",
        C.missing_field,
        "the books of this QuickBooks company are closed through a date on or after {date}, so "
        "QuickBooks refuses any transaction dated then",
        _CLOSED,
        f"{CODES} (6200, 6210); {HCE}; {B17}; routablehq/python-quickbooks#208 (as 5010)",
        text=r"account period (has )?closed|period closed|closed the books",
        in_qbo=True,
    ),
    rule(
        "deposited",
        "6540",
        C.missing_field,
        "{doc} is part of a bank deposit in QuickBooks, and QuickBooks will not change a "
        "deposited transaction",
        "in QuickBooks, open the deposit it appears on and remove it, then sync the order again "
        "(POST …/sync); or leave it and resolve the record",
        f"{HCE}; {B17}; {CODES}",
        in_qbo=True,
    ),
    rule(
        "custom_field",
        "3000",
        C.missing_field,
        "QuickBooks refused a custom field of {doc}: {detail}",
        "check the custom fields of sales forms in QuickBooks (Settings ⚙ → Account and settings "
        "→ Sales → Custom fields); " + _IN_QBO_FIELD,
        CODES,
        in_qbo=True,
    ),
    rule(
        "feature",
        "5030",
        C.missing_field,
        "this QuickBooks company does not have a feature {doc} needs: {detail}",
        "turn the feature on in QuickBooks (Settings ⚙ → Account and settings) or move to a plan "
        "that has it; then sync the order again (POST …/sync)",
        CODES,
        in_qbo=True,
    ),
    rule(
        "currency",
        "2220",
        C.missing_field,
        "QuickBooks does not accept the currency of {doc}: {detail}",
        "turn on multicurrency and add the currency in QuickBooks (Settings ⚙ → Account and "
        "settings → Advanced → Currency); then sync the order again (POST …/sync)",
        CODES,
        in_qbo=True,
    ),
    rule(
        "inventory_start",
        "6270",
        C.product_not_mapped,
        "{item} is an inventory item whose inventory start date is after {date}",
        "in QuickBooks edit the item and set its quantity-on-hand 'as of' date on or before "
        "{date}, then sync again (POST …/sync); or map the product to another item",
        CODES,
        in_qbo=True,
    ),
    # --- an existing transaction -----------------------------------------------------------
    rule(
        "duplicate_number",
        "6140",
        C.duplicate,
        "QuickBooks already has a transaction numbered {number}: {detail}",
        "compare it with the order, then resolve the record or delete the copy in QuickBooks",
        f"{HCE}; {B17}; {CODES}; reference qbo.md §3",
    ),
    rule(
        "duplicate_number_text",
        "",
        C.duplicate,
        "QuickBooks already has a transaction numbered {number}: {detail}",
        "compare it with the order, then resolve the record or delete the copy in QuickBooks",
        f"{B17} (lists it under 6210)",
        text=r"duplicate document number",
    ),
    rule(
        "duplicate_request",
        "600 630",
        C.duplicate,
        "QuickBooks says {doc} duplicates one it already has: {detail}",
        "compare the transaction in QuickBooks with the order, then resolve the record",
        CODES,
    ),
    rule(
        "books_closed_code",
        "6200 6210",
        C.missing_field,
        "the books of this QuickBooks company are closed through a date on or after {date}, so "
        "QuickBooks refuses any transaction dated then",
        _CLOSED,
        CODES,
        in_qbo=True,
    ),
    rule(
        "name_taken",
        "6240",
        None,
        "{namesake} in QuickBooks, possibly an inactive one, already has {name}",
        "{take_it}; otherwise rename the namesake in QuickBooks (an inactive one: make it active "
        "and rename it), then sync the order again (POST …/sync)",
        f"{HCE}; {B17}; {CODES}; intuit/QuickBooks-V3-PHP-SDK#241",
        default=C.customer_not_found,
    ),
    rule(
        "stale",
        "5010",
        C.qbo_timeout,
        "QuickBooks saw another change to the same record at the same moment (stale object)",
        "nothing: LedgerPort tries again",
        f"{CODES}; routablehq/python-quickbooks#127",
    ),
    # --- references the company cannot use -------------------------------------------------
    rule(
        "deleted_txn",
        "610",
        C.missing_field,
        "another QuickBooks user deleted the transaction {doc} refers to ({linked})",
        "see who in QuickBooks' audit log (Settings ⚙ → Audit log); sync the order again to "
        "post it anew (POST …/sync), or resolve the record if it should stay deleted",
        f"{HCE}; {B17}",
        text=r"deleted this transaction",
        in_qbo=True,
    ),
    rule(
        "sales_customer",
        "6250",
        C.customer_not_found,
        "{doc} names {customer}, which QuickBooks says does not exist or is inactive",
        "map the buyer to an active customer (PUT …/mappings/customers/{source_id}), or make "
        "the customer active again in QuickBooks (Sales → Customers → filter: Inactive)",
        CODES,
    ),
    rule(
        "inactive_ref",
        "610 2500 2030",
        None,
        "{doc} refers to {what}, which QuickBooks says is inactive or no longer exists",
        "{fix}",
        f"{HCE}; {B17}; {CODES}; intuit/QuickBooks-V3-PHP-SDK#110; "
        "intuit/QuickBooks-V3-DotNET-SDK#353",
        default=C.product_not_mapped,
    ),
    rule(
        "not_linkable",
        "620",
        C.missing_field,
        "{doc} applies to {linked}, which QuickBooks will not link",
        "check in QuickBooks that that transaction still exists and is open, then sync the "
        "order again (POST …/sync); or resolve the record",
        CODES,
    ),
    rule(
        "account_type",
        "6430",
        C.invalid_account,
        "{what} is an account of a type {doc} cannot use: {detail}",
        "point that setting at an account of the right type with PATCH …/config/{section}",
        CODES,
    ),
)
# Tax, passing trouble and the document's own values are in qbo_fault_fields.

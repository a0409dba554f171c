"""Fault-truth rows, part 1: references the company cannot use and refusals only QuickBooks
can lift. Each row cites where its body comes from; bodies are copied from the source, with
the document's own ids where the source shows placeholders."""

from __future__ import annotations

from app.domain.errors import ErrorCode
from tests.integration.qbo_fault_bodies import Row

C = ErrorCode
HCE = "https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors"
EC = "https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes"
B17 = (
    "https://developer.intuit.com/hub/blog/2017/06/08/"
    "top-quickbooks-online-api-errors-and-how-to-handle-them"
)
CODES = (
    "github.com/Nytely-Official/quickbooks-api src/types/enums/intuit-fault-codes.ts "
    f"(Intuit's code list, {EC})"
)
GH = "https://github.com/"
INACTIVE = (
    "Something you're trying to use has been made inactive. Check the fields with accounts, "
    "customers, items, vendors or employees."
)
BV = "A business validation error has occurred while processing your request"
IRI = "Invalid Reference Id"
SR = "sales receipt SH1001 dated 2025-03-14"

REFERENCE_ROWS = [
    Row(
        "item ref invalid",
        400,
        "2500",
        IRI,
        f"{IRI} : Line.SalesItemLineDetail.ItemRef",
        C.product_not_mapped,
        False,
        (SR, "item 12", "ItemRef"),
        f"{GH}cloud-elements/churros/pull/460; {GH}intuit/QuickBooks-V3-PHP-SDK/issues/102",
    ),
    Row(
        "inactive, not named (2500)",
        400,
        "2500",
        IRI,
        f"{IRI} : {INACTIVE}",
        C.product_not_mapped,
        False,
        (SR, "did not say which", "item 12", "customer 58"),
        f"{GH}intuit/QuickBooks-V3-PHP-SDK/issues/110 (XML, verbatim); {B17} (row 7)",
    ),
    Row(
        "inactive, not named (610)",
        400,
        "610",
        "Object Not Found",
        f"Object Not Found : {INACTIVE}",
        C.product_not_mapped,
        False,
        ("invoice INV-7", "item 31", "customer 58", "did not say which"),
        f"{HCE}; {B17} (row 3); {GH}intuit/QuickBooks-V3-DotNET-SDK/issues/353",
        "Invoice",
    ),
    Row(
        "customer ref invalid",
        400,
        "2500",
        IRI,
        f"{IRI} : CustomerRef",
        C.customer_not_found,
        False,
        ("invoice INV-7", "customer 58", "CustomerRef"),
        f"{CODES} (2500: 'The reference ID is invalid: XXX'); {GH}cloud-elements/churros/pull/460",
        "Invoice",
        element="CustomerRef",
    ),
    Row(
        "deposit account ref invalid",
        400,
        "2500",
        IRI,
        f"{IRI} : DepositToAccountRef",
        C.invalid_account,
        False,
        ("refund receipt R-9", "deposit account 4", "config/payments"),
        f"{CODES} (2500); reference qbo.md §3",
        "RefundReceipt",
        element="DepositToAccountRef",
    ),
    Row(
        "tax rate ref invalid",
        400,
        "2500",
        IRI,
        f"{IRI} : TaxRate",
        C.tax_not_mapped,
        False,
        (SR, "tax code", "TaxRate"),
        f"{GH}ruckus/quickbooks-ruby/issues/268",
    ),
    Row(
        "customer missing or inactive (6250)",
        400,
        "6250",
        "InvalidSalesCustomer",
        "The specified customer (identified by 58) doesn't exist, or is inactive.",
        C.customer_not_found,
        False,
        ("invoice INV-7", "customer 58"),
        CODES,
        "Invoice",
    ),
    Row(
        "linked transaction deleted",
        400,
        "610",
        "Object Not Found",
        "Object Not Found : Another user has deleted this transaction.",
        C.missing_field,
        False,
        ("payment", "linked transaction 145", "deleted"),
        f"{HCE}; {B17} (row 6)",
        "Payment",
    ),
    Row(
        "linked transaction not linkable",
        400,
        "620",
        "Txn ID Cannot Be Linked",
        "The Txn ID (identified by 145) you're trying to use can't be linked.",
        C.missing_field,
        False,
        ("payment", "linked transaction 145"),
        CODES,
        "Payment",
    ),
]

QBO_SIDE_ROWS = [
    Row(
        "books closed (6210)",
        400,
        "6210",
        "Account Period Closed",
        "The account period has closed and the account books cannot be updated through the QBO "
        "Services API. Please use the QBO website to make these changes.",
        C.missing_field,
        False,
        (SR, "closing date", "Close the books", "2025-03-14"),
        f"{B17} (row 11); {CODES}; https://synder.com/help/the-account-period-has-closed",
    ),
    Row(
        "books closed (6200)",
        400,
        "6200",
        "Account Period Closed Error",
        'The user has "closed the books" so the account period is closed for edits.',
        C.missing_field,
        False,
        ("invoice INV-7", "closing date", "2025-03-15"),
        CODES,
        "Invoice",
    ),
    Row(
        "books closed, sent as 5010",
        400,
        "5010",
        "Account Period Closed",
        "The account period has closed. {1}",
        C.missing_field,
        False,
        ("invoice INV-7", "closing date"),
        f"{GH}routablehq/python-quickbooks/issues/208",
        "Invoice",
    ),
    Row(
        "subscription lapsed",
        400,
        "6190",
        "Invalid Company Status",
        "Subscription period has ended or been canceled, or there was a billing problem: You "
        "can't add data to QuickBooks Online Plus because your trial or subscription period "
        "ended",
        C.qbo_auth,
        False,
        (SR, "subscription", "Billing & subscription"),
        f"{B17} (row 5); {HCE}; {CODES}",
    ),
    Row(
        "subscription lapsed, HTTP 200",
        200,
        "6190",
        "Invalid Company Status",
        "Subscription period has ended or cancelled or there was a billing problem : You can't "
        "add data to QuickBooks Online Plus because your trial or subscription period ended, "
        "you cancelled your subscription, or there was a billing problem. To update your "
        "subscription, click the gear icon and view your account information.",
        C.qbo_auth,
        False,
        (SR, "subscription"),
        f"{GH}intuit/QuickBooks-V3-PHP-SDK/issues/211",
        body="xml",
    ),
    Row(
        "deposited transaction",
        400,
        "6540",
        "Deposited Transaction cannot be changed",
        "This transaction has been deposited. If you want to change or delete it, you must "
        "first edit the deposit it appears on and remove it.",
        C.missing_field,
        False,
        (SR, "deposit"),
        f"{B17} (row 8); {HCE}; {CODES}",
    ),
    Row(
        "custom field invalid",
        400,
        "3000",
        "Invalid Custom Field",
        "The custom field for the specified object isn't valid.",
        C.missing_field,
        False,
        ("invoice INV-7", "Custom fields"),
        CODES,
        "Invoice",
    ),
    Row(
        "inventory dated before start",
        400,
        "6270",
        "InventoryTxnDatedBeforeItemStartDate",
        "Transactions with inventory items that have a quantity on hand can't be dated earlier "
        "than the specified InventoryStartDate.",
        C.product_not_mapped,
        False,
        ("invoice INV-7", "item 31", "2025-03-15"),
        CODES,
        "Invoice",
    ),
]

"""Fault-truth rows, part 2: existing transactions and tax. Sources as in part 1."""

from __future__ import annotations

from app.domain.errors import ErrorCode
from tests.integration.qbo_fault_bodies import Row
from tests.integration.qbo_fault_rows import B17, BV, CODES, GH, HCE, SR

C = ErrorCode

EXISTING_ROWS = [
    Row(
        "duplicate document number",
        400,
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has "
        "already been used. DocNumber=SH1001 is assigned to TxnType=Sales Receipt with TxnId=145",
        C.duplicate,
        False,
        (SR, "SH1001"),
        f"{HCE}; {CODES}; reference qbo.md §3",
    ),
    Row(
        "duplicate number, blog's 6210",
        400,
        "6210",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error: You must specify a different number. This number has "
        "already been used.",
        C.duplicate,
        False,
        ("invoice INV-7", "INV-7"),
        f"{B17} (row 2)",
        "Invoice",
    ),
    Row(
        "customer name taken",
        400,
        "6240",
        "Duplicate Name Exists Error",
        "The name supplied already exists. : Another customer, vendor or employee is already "
        "using this name. Please use a different name.",
        C.customer_not_found,
        False,
        ("customer 'Ann Lee'", "rename"),
        f"{GH}intuit/QuickBooks-V3-PHP-SDK/issues/241 (XML, verbatim); {HCE}; {B17} (row 1)",
        "Customer",
    ),
    Row(
        "stale object",
        400,
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and API API were working on this at the same time. API API "
        "finished before you did, so your work was not saved.",
        C.qbo_timeout,
        True,
        ("customer 'Ann Lee'",),
        f"{GH}routablehq/python-quickbooks/issues/127; {CODES}",
        "Customer",
    ),
]

TAX_ROWS = [
    Row(
        "GST/HST rate missing",
        400,
        "6000",
        BV,
        "Business Validation Error: Make sure all your transactions have a GST/HST rate before "
        "you save.",
        C.tax_not_mapped,
        False,
        ("invoice INV-7", "tax"),
        f"{GH}activepieces/activepieces/issues/8539 (JSON 400, verbatim)",
        "Invoice",
    ),
    Row(
        "lines without tax code",
        400,
        "6000",
        BV,
        "Business Validation Error: One or more transaction lines do not have a tax code "
        "associated with it.",
        C.tax_not_mapped,
        False,
        (SR, "tax"),
        f"{GH}ruckus/quickbooks-ruby/issues/322",
    ),
    Row(
        "error calculating tax",
        400,
        "6000",
        BV,
        "QuickBooks encountered an error while calculating tax",
        C.tax_not_mapped,
        False,
        (SR, "tax"),
        f"{GH}ruckus/quickbooks-ruby/issues/369; {GH}intuit/QuickBooks-V3-PHP-SDK/issues/472",
    ),
    Row(
        "line tax code invalid",
        400,
        "6100",
        "Invalid Line TaxCode in the request",
        "The TaxCode value isn't valid. For US, specify TAX or NON. Supplied value: 3.",
        C.tax_not_mapped,
        False,
        (SR, "tax code"),
        CODES,
    ),
    Row(
        "TxnTaxDetail not applicable",
        400,
        "6170",
        "Invalid TxnTaxDetail Error",
        "The TxnTaxDetail attribute isn't allowed when GlobalTaxCalculation is set to "
        "NotApplicable.",
        C.tax_not_mapped,
        False,
        (SR, "tax"),
        CODES,
    ),
]

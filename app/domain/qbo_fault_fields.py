"""QBO faults about the tax of the document, passing trouble at Intuit, and a value of the
document itself (missing, malformed, too long: the order or LedgerPort's translation of it
must change). Same form and sources as qbo_fault_rules; the fallbacks close the table."""

from __future__ import annotations

from app.domain.errors import ErrorCode
from app.domain.qbo_fault_rules import B17, BUG, CODES, EC, HCE, PQB, FaultRule, rule

C = ErrorCode
_SHOPIFY = "correct it in the order in Shopify; the update queues it again"

FIELD_RULES: tuple[FaultRule, ...] = (
    # --- tax -------------------------------------------------------------------------------
    rule(
        "tax_rule",
        "6000",
        C.tax_not_mapped,
        "QuickBooks refused the tax on {doc}: {detail}",
        "map each Shopify tax rate of the order to a QuickBooks tax code (PUT …/mappings/"
        "tax-rates/{source_id}), or let QuickBooks compute tax (tax_mode automated_sales_tax)",
        "activepieces/activepieces#8539; intuit/quickbooks-online-mcp-server#94; "
        "ruckus/quickbooks-ruby#322 and #369; intuit/QuickBooks-V3-PHP-SDK#472",
        text=r"GST|HST|VAT|tax (rate|code)|calculating tax|sales ?tax",
    ),
    rule(
        "tax_code",
        "6100 6160 6170 6230 6470 2280",
        C.tax_not_mapped,
        "QuickBooks refused the tax codes on {doc}: {detail}",
        "map each Shopify tax rate of the order to a tax code this company uses (PUT …/mappings/"
        "tax-rates/{source_id}), or let QuickBooks compute tax (tax_mode automated_sales_tax)",
        CODES,
    ),
    # --- passing trouble ---------------------------------------------------------------------
    rule(
        "transient_6000",
        "6000",
        C.qbo_timeout,
        "QuickBooks had an unexpected error while saving {doc} and asks to try again later",
        "nothing: LedgerPort tries again",
        "ruckus/quickbooks-ruby#344; reference qbo.md §3",
        text=r"unexpected error occurred|try again",
    ),
    rule(
        "system_failure",
        "10000 10200",
        C.qbo_timeout,
        "QuickBooks failed inside while processing {doc}: {detail}",
        "nothing at first: LedgerPort tries again; if it keeps failing the request itself is at "
        "fault (QuickBooks answers malformed requests this way), so report the record",
        f"{CODES}; {EC} (HTTP 500: resubmit once); ruckus/quickbooks-ruby#285",
    ),
    rule(
        "required",
        "2020",
        None,
        "QuickBooks needs {what} on {doc} and it was missing",
        "{fix}",
        f"{HCE}; {CODES}; routablehq/python-quickbooks#257; IntuitDeveloper/SampleApp-CRUD-.Net#17",
    ),
    rule(
        "no_name",
        "6080",
        C.missing_field,
        "the customer has no name: QuickBooks needs a title, given, family or display name",
        "add the buyer's name (or company) to the order in Shopify; the update queues it again",
        CODES,
    ),
    rule(
        "email_required",
        "6420 2210",
        C.missing_field,
        "QuickBooks refused the email address on {doc}: {detail}",
        "correct the buyer's email in Shopify; the update queues the order again",
        CODES,
    ),
    rule(
        "no_amount",
        "6000",
        C.missing_field,
        "{doc} has no amount: QuickBooks needs a transaction amount",
        _SHOPIFY,
        B17,
        text=r"set a transaction amount",
    ),
    rule(
        "line_amount",
        "6070",
        C.missing_field,
        "a line amount of {doc} is not its quantity times its unit price: {detail}",
        "check the order's prices and discounts in Shopify; if they are right, " + BUG,
        CODES,
    ),
    rule(
        "line_item",
        "6440",
        C.product_not_mapped,
        "a line of {doc} has an amount but no product or service",
        "map every product of the order to a QuickBooks item (PUT …/mappings/products/"
        "{source_id}) or set a default item (PATCH …/config/products)",
        CODES,
    ),
    rule(
        "inventory_qty",
        "6520",
        C.missing_field,
        "a line of {doc} sells an inventory item without a quantity",
        "check the line quantities of the order in Shopify; or map the product to a "
        "non-inventory or service item",
        f"{CODES}; n8n-io/n8n#12956",
    ),
    rule(
        "lines",
        "2250 2290 6090",
        C.missing_field,
        "QuickBooks refused the lines of {doc}: {detail}",
        _SHOPIFY,
        CODES,
    ),
    rule(
        "too_long",
        "2050 2180 2240",
        C.missing_field,
        "{what} of {doc} is longer or shorter than QuickBooks allows: {detail}",
        _SHOPIFY + "; for the document number, shorten the prefix (PATCH …/config/orders)",
        f"{CODES}; consolibyte/quickbooks-php#79",
    ),
    rule(
        "bad_value",
        "2040 2060 2070 2080 2090 2100 2110 2140 2150 2160 2170 2190 2200",
        C.missing_field,
        "QuickBooks refused {what} of {doc}: {detail}",
        _SHOPIFY,
        f"{HCE}; {B17}; {CODES}",
    ),
    rule(
        "query",
        "4000 4001 4002 10100",
        C.missing_field,
        "QuickBooks could not run LedgerPort's search for {doc}: {detail}",
        "a quote or unusual character in the buyer's name or email can cause this: correct it "
        "in Shopify; otherwise " + BUG,
        f"{CODES}; mcohen01/node-quickbooks#56; ruckus/quickbooks-ruby#309 and #403",
    ),
    rule(
        "unreadable",
        "500",
        C.missing_field,
        "QuickBooks could not read {doc}: {detail}",
        "remove characters that are not plain text from the order's names and notes in "
        "Shopify; otherwise " + BUG,
        f"{HCE}; {CODES}",
    ),
    rule(
        "malformed",
        "1000 1010 1020 2000 2010 2120 2130 2600 5000",
        C.missing_field,
        "QuickBooks refused {doc} as malformed: {detail}",
        BUG,
        CODES,
    ),
)

MISSING = (
    "complete the order in Shopify; the update queues it again (if the order has it, "
    "LedgerPort left it out: report the record)"
)
ASK = (
    "QuickBooks' own words below say what it wants; change that in the order in Shopify, or "
    "in QuickBooks if it is a QuickBooks setting, then sync the order again (POST …/sync)"
)
BUSINESS = rule(
    "business_rule",
    "6000",
    C.missing_field,
    "QuickBooks' business rules refused {doc}: {detail}",
    ASK,
    CODES,
)
UNKNOWN = rule("unknown", "", C.missing_field, "QuickBooks refused {doc}: {detail}", ASK, PQB)
UNKNOWN_AUTH = rule(
    "unknown_auth",
    "",
    C.qbo_auth,
    "QuickBooks refused LedgerPort access to this company",
    "reconnect QuickBooks (POST …/connections/quickbooks/authorize)",
    PQB,
)
UNKNOWN_SEVERE = rule(
    "unknown_severe",
    "",
    C.qbo_timeout,
    "QuickBooks failed inside while processing {doc}: {detail}",
    "nothing at first: LedgerPort tries again",
    PQB,
)

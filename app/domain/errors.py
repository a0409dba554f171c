"""The closed error taxonomy: ten codes, what each means and how a person fixes it via our API.

Action paths are templates: `{shop}` plus the placeholders each action documents (see
app/domain/actions.py); an entry's own code is filled in, and a record's entity and id are
filled in when the entry is handed out for that record (`ErrorInfo.for_record`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from app.domain.actions import ACTIONS, SHOP_PREFIX, ErrorAction, fill
from app.domain.faults import QboFault


class ErrorCode(StrEnum):
    customer_not_found = "customer_not_found"
    product_not_mapped = "product_not_mapped"
    qbo_auth = "qbo_auth"
    duplicate = "duplicate"
    tax_not_mapped = "tax_not_mapped"
    invalid_account = "invalid_account"
    qbo_timeout = "qbo_timeout"
    rate_limited = "rate_limited"
    on_hold = "on_hold"
    missing_field = "missing_field"


@dataclass(frozen=True)
class ErrorInfo:
    code: ErrorCode
    title: str
    meaning: str
    retries_automatically: bool
    auto_behaviour: str
    fix_steps: tuple[str, ...]
    actions: tuple[ErrorAction, ...]

    def for_record(self, entity: str, shopify_id: str) -> ErrorInfo:
        """The entry as handed out for one record: its steps and actions name that record."""
        values = {"entity": entity, "id": shopify_id}
        return replace(
            self,
            fix_steps=tuple(fill(step, values) for step in self.fix_steps),
            actions=tuple(action.filled(values) for action in self.actions),
        )


class SyncError(Exception):
    """A sync that failed for a reason in the taxonomy."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        detail: Mapping[str, Any] | None = None,
        fault: QboFault | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})
        self.fault = fault

    @property
    def info(self) -> ErrorInfo:
        return CATALOGUE[self.code]


def _info(
    code: ErrorCode,
    title: str,
    meaning: str,
    behaviour: str,
    *steps: str,
    actions: str,
    auto: bool = False,
) -> ErrorInfo:
    # Steps write "…/" for the shop's API root; spell it out for readers.
    full = tuple(step.replace("…/", SHOP_PREFIX + "/") for step in steps)
    filled = tuple(ACTIONS[a].filled({"code": code}) for a in actions.split())
    return ErrorInfo(code, title, meaning, auto, behaviour, full, filled)


C = ErrorCode
_ENTRIES = (
    _info(
        C.customer_not_found,
        "Customer not found in QuickBooks",
        "The shop matches customers, and neither a saved mapping nor a QuickBooks customer with "
        "the buyer's email or name exists, so the order has nobody to belong to; or QuickBooks "
        "refused the customer the order names: made inactive or deleted there, or its name "
        "taken by another customer, vendor or employee. The message names the customer.",
        "Queues the shop's orders with this error again as soon as a customer mapping is saved "
        "or the customer strategy changes.",
        "Option A, map the buyer: find them with GET …/mappings/customers?state=unmapped, "
        "pick a QuickBooks customer from GET …/quickbooks/customers and save the pair with "
        "PUT …/mappings/customers/{source_id}; then sync the orders again (saving queues "
        "them by itself, the answer's `requeued` says how many; POST …/sync with their ids "
        "does it at once).",
        "Option B, if QuickBooks need not track each buyer: PATCH …/config/customers with "
        'strategy "generic" and a generic_customer_id (or "create" to add missing customers); '
        "then sync the orders again the same way.",
        "If QuickBooks made the customer inactive, make it active again there (Sales → "
        "Customers) or map the buyer to another; a name taken by a vendor, an employee or an "
        "inactive customer is renamed in QuickBooks.",
        actions="list_unmapped_customers list_qbo_customers map_customer "
        "update_customers_config preview_order sync_orders",
    ),
    _info(
        C.product_not_mapped,
        "Product not mapped",
        "At least one line's variant or SKU has no QuickBooks item, auto-map found none, and "
        "unmatched products are set to fail (the message lists every such line); set to "
        "create, QuickBooks already has an item with the product's name that is not the "
        "product's; or QuickBooks refused an item the lines use: made inactive or deleted "
        "there, or an inventory item that cannot be sold on the order's date (the message "
        "names the item).",
        "Queues the orders waiting on a product again when its mapping is saved or auto-map "
        "maps it, and all of them when the products settings change.",
        "Run auto-map with POST …/mappings/products/auto-map: it matches by SKU, then by name.",
        "Review what is still unmapped (GET …/mappings/products?state=unmapped; auto-map's "
        "answer lists close QuickBooks items for each) and map each one by hand with "
        "PUT …/mappings/products/{source_id} (sku:<SKU>, or title:<title> for a custom sale), "
        "choosing an item from GET …/quickbooks/items.",
        "Or let unmatched lines fall back to a placeholder item: PATCH …/config/products with "
        'unmatched "use_default" and a default_item_id; or have LedgerPort create the missing '
        'items: unmatched "create" and an income_account_id.',
        "If QuickBooks made the item inactive, make it active again there (Sales → Products and "
        "services) or map the product to another item; then POST …/sync.",
        "Affected orders are queued again by themselves (the answer's `requeued` says how "
        "many); POST …/sync does it at once.",
        actions="auto_map_products list_unmapped_products list_qbo_items map_product "
        "update_products_config preview_order sync_orders",
    ),
    _info(
        C.qbo_auth,
        "QuickBooks connection needs reauthorising",
        "LedgerPort can no longer act on the QuickBooks company: Intuit refused to renew its "
        "access (someone disconnected the app in QuickBooks, or the authorisation lapsed), "
        "QuickBooks refused a freshly renewed token too, the QuickBooks user who connected is "
        "no longer an admin there, or the company's subscription lapsed. The message says "
        "which.",
        "An access token QuickBooks refuses early is renewed once and the call made again; only "
        "when that fails does it mark the connection unhealthy and pause the shop's QuickBooks "
        "work. After the shop reconnects it queues everything that failed while disconnected.",
        "Check the connection with GET …/connections.",
        "If it says company_mismatch, the last reconnect approved another QuickBooks company "
        "than the shop's: reconnect as below, choosing the shop's own company, or, if the "
        "shop really moves, POST …/connections/quickbooks/confirm-switch (mappings and the "
        "settings' QuickBooks references are cleared, to be set for the new company).",
        "If the message says the QuickBooks subscription lapsed, the company's admin renews it "
        "in QuickBooks first (Settings → Account and settings → Billing & subscription); if "
        "the connecting user lost access, a current admin of the company reconnects.",
        "Reconnect: POST …/connections/quickbooks/authorize returns a single-use LedgerPort "
        "link; open it in the browser (it leads to Intuit's consent page), sign in there, "
        "approve access, and come back in that same browser.",
        "Orders that failed while disconnected are then queued again by themselves; "
        'POST …/resync with {"error_code": "qbo_auth"} queues any left, and POST …/sync '
        "with a date range picks up anything else from that period.",
        actions="view_connections reconnect_quickbooks resync_errors sync_orders",
    ),
    _info(
        C.duplicate,
        "Transaction already exists in QuickBooks",
        "QuickBooks already holds a transaction with this document number, for example from an "
        "earlier manual sync or an attempt that went through before its answer was lost.",
        "When the existing transaction has the same customer, date and total, adopts it and "
        "marks the order synced; otherwise leaves the error for a person.",
        "Compare the transaction in QuickBooks with the order; GET …/records/order/{id} shows "
        "what LedgerPort holds.",
        "If it is right, close the error without syncing: POST …/records/order/{id}/resolve "
        "with a note and the QuickBooks transaction's id.",
        "If it is a wrong copy, delete it in QuickBooks, then sync the order with POST …/sync.",
        "Syncing a queued order by hand is safe: LedgerPort runs one job per order at a time.",
        actions="view_record preview_order resolve_record sync_orders",
    ),
    _info(
        C.tax_not_mapped,
        "Tax rate not mapped",
        "Under line-item tax a Shopify tax rate on the order has no QuickBooks tax code, or "
        "QuickBooks refused the order's tax, so it is unclear where the tax belongs.",
        "Queues the orders waiting on a tax rate again when its mapping is saved, and all of "
        "them when the accounting settings change (such as a switch to automated sales tax).",
        "Review the tax settings in GET …/config (section accounting).",
        "Under line-item tax, map each rate from GET …/mappings/tax-rates?state=unmapped to a "
        "code from GET …/quickbooks/tax-codes with PUT …/mappings/tax-rates/{source_id}.",
        "Or, if the QuickBooks company is on automated sales tax, let it work the tax out: "
        'PATCH …/config/accounting with tax_mode "automated_sales_tax" (a company that books '
        "tax by hand refuses it, naming the field).",
        "Either change queues the waiting orders again by itself; POST …/sync does it at once.",
        actions="view_config list_unmapped_tax_rates list_qbo_tax_codes map_tax_rate "
        "update_accounting_config use_automated_sales_tax preview_order sync_orders",
    ),
    _info(
        C.invalid_account,
        "Invalid QuickBooks account",
        "A QuickBooks record named in the sync settings (a deposit account or payment method "
        "per payment gateway, the income, COGS, discount or asset account, the shipping, "
        "default, gift-card, tip or rounding item, the generic customer) was deleted, made "
        "inactive or is of the wrong type; or the order needs a setting that is not set (an "
        "item for its tip, gift card or cash rounding), or a QuickBooks feature the settings "
        "ask for is off (multicurrency, for orders in the buyer's currency). The message "
        "names the setting.",
        "Queues the orders that failed on a settings section again when that section is saved.",
        "See which accounts and items QuickBooks has active: GET …/quickbooks/accounts"
        "?refresh=true and GET …/quickbooks/items?refresh=true (the lists are cached; refresh "
        "reads QuickBooks afresh, so a record added or renamed there a moment ago shows).",
        "Compare them with the setting the message names in GET …/config (sections payments, "
        "products, accounting, customers, orders); for a QuickBooks feature, turn it on in "
        "QuickBooks or change the setting that asks for it.",
        "Point it at an active record of the right type with PATCH …/config/{section}; saving "
        "checks it against QuickBooks and queues the waiting orders again by itself.",
        actions="list_qbo_accounts list_qbo_items list_qbo_payment_methods view_config "
        "update_payments_config update_products_config update_accounting_config "
        "update_customers_config book_in_shop_currency preview_order sync_orders",
    ),
    _info(
        C.qbo_timeout,
        "QuickBooks did not answer in time",
        "A request to QuickBooks timed out, could not connect or met a server error: nearly "
        "always a passing problem at Intuit rather than a settings problem.",
        "Tries again with exponential backoff and jitter, looking the document number up first "
        "so a retry never posts twice.",
        "Nothing is needed at first: the sync is retried automatically.",
        "To retry now, POST …/sync with the records (or POST …/resync with "
        '{"error_code": "qbo_timeout"} for all of them) and follow GET …/runs/{run_id}.',
        "If timeouts last for hours, look for an outage on Intuit's QuickBooks status page.",
        auto=True,
        actions="sync_orders resync_errors view_run",
    ),
    _info(
        C.rate_limited,
        "QuickBooks rate limit reached",
        "QuickBooks throttled LedgerPort for too many requests to this company in a short "
        "time, which mostly happens while a large backlog syncs.",
        "Waits for the limit window and tries again; waiting is not counted as a failed "
        "attempt, and a limiter shared per company keeps this rare.",
        "No change is needed: the records go through once the window resets.",
        "During a large sync allow 15 to 30 minutes, then check GET …/runs/{run_id} or "
        "GET …/audit-log?code=rate_limited.",
        auto=True,
        actions="view_run view_audit_log export_audit_log",
    ),
    _info(
        C.on_hold,
        "Order on hold",
        "The order does not yet meet the shop's sync triggers, for example it is unpaid or "
        "unfulfilled. This is usually expected.",
        "Releases the order when a later Shopify update shows the triggers met; a manual sync "
        "forces it through.",
        "Review the payment and fulfillment statuses that trigger a sync in GET …/config "
        "(section orders); change them with PATCH …/config/orders.",
        "If you expected it to sync, compare its Shopify status with those triggers.",
        "To sync it now whatever its status, POST …/sync with its id; an order cancelled or "
        'voided in Shopify is posted only when the body adds "include_cancelled": true '
        "(otherwise the run lists it as skipped, reason cancelled).",
        actions="view_config update_orders_config preview_order sync_orders",
    ),
    _info(
        C.missing_field,
        "Required information missing",
        "The order lacks something QuickBooks needs for the transaction (a customer name, an "
        "address, a price, a line), or QuickBooks rejected a value of it; or QuickBooks refuses "
        "the transaction for a reason only a change in QuickBooks lifts: books closed through "
        "the order's date, a deposit it is part of, a custom field or feature of the company. "
        "The message names the field or says what to change in QuickBooks.",
        "Queues the order again when Shopify sends an updated version of it.",
        "See what is missing in the record's message and QuickBooks fault "
        "(GET …/records/order/{id}).",
        "Complete the order in Shopify (customer name, address, prices); the update queues it "
        "again, or POST …/sync does it at once. A billing address is only required when "
        "PATCH …/config/customers set require_billing_address.",
        "If the fix is in QuickBooks (move the closing date in Settings → Account and settings "
        "→ Advanced → Accounting, take the transaction out of its deposit, change a custom "
        "field of its sales forms), change it there, then sync again with POST …/sync; if the "
        "sale should stay out of QuickBooks, resolve the record with "
        "POST …/records/order/{id}/resolve.",
        "If the message names two totals, the order carries an amount LedgerPort does not book "
        "(duties, an adjustment Shopify added), so posting it would put wrong figures in the "
        "books: enter the sale in QuickBooks by hand, then resolve the record with "
        "POST …/records/order/{id}/resolve and a note saying where it is.",
        actions="view_record preview_order sync_orders resolve_record update_customers_config",
    ),
)

CATALOGUE: Mapping[ErrorCode, ErrorInfo] = {info.code: info for info in _ENTRIES}


def audit_detail(error: SyncError | None) -> dict[str, Any] | None:
    """What the audit log keeps of an error: its detail and the first QBO fault."""
    if error is None:
        return None
    detail: dict[str, Any] = dict(error.detail)
    if error.fault is not None:
        fault = error.fault
        detail["qbo_fault"] = {
            "code": fault.code,
            "message": fault.message,
            "detail": fault.detail,
            "element": fault.element,
        }
    return detail or None

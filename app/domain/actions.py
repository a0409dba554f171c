"""The API actions the error catalogue offers, one per button the SPA can show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorAction:
    name: str
    label: str
    method: str
    path: str
    description: str


SHOP_PREFIX = "/v1/shops/{shop}"

# name, label, method, path under the shop, description
_ROWS = (
    ("sync_orders", "Sync again", "POST", "/sync", "Manual sync of order ids or a date range."),
    ("view_run", "Follow progress", "GET", "/runs/{run_id}", "Progress of a sync run."),
    ("view_record", "Open record", "GET", "/records/{entity}/{id}", "State and attempt history."),
    (
        "resolve_record",
        "Mark resolved",
        "POST",
        "/records/{entity}/{id}/resolve",
        "Close the error without syncing, with a note.",
    ),
    ("view_audit_log", "Show these errors", "GET", "/audit-log?code={code}", "Filtered log."),
    ("view_connections", "Connections", "GET", "/connections", "Shopify and QBO health."),
    (
        "reconnect_quickbooks",
        "Reconnect QuickBooks",
        "POST",
        "/connections/quickbooks/authorize",
        "Returns a single-use link: open it in the browser, approve at Intuit, come back.",
    ),
    ("view_config", "View settings", "GET", "/config", "All sync settings."),
    (
        "update_customers_config",
        "Customer strategy",
        "PATCH",
        "/config/customers",
        "match, create or generic (+ generic customer).",
    ),
    (
        "update_products_config",
        "Unmatched products",
        "PATCH",
        "/config/products",
        "fail, use_default (+ default item) or create.",
    ),
    (
        "update_accounting_config",
        "Accounting settings",
        "PATCH",
        "/config/accounting",
        "Tax mode, income/COGS/discount accounts, shipping item.",
    ),
    (
        "update_payments_config",
        "Deposit accounts",
        "PATCH",
        "/config/payments",
        "Deposit account per payment gateway, and a default.",
    ),
    (
        "update_orders_config",
        "Sync triggers",
        "PATCH",
        "/config/orders",
        "Financial and fulfillment statuses that start a sync.",
    ),
    (
        "auto_map_products",
        "Auto-map products",
        "POST",
        "/mappings/products/auto-map",
        "Match unmapped products by SKU, then by name.",
    ),
    (
        "list_unmapped_customers",
        "Unmapped customers",
        "GET",
        "/mappings/customers?state=unmapped",
        "Buyers without a QuickBooks customer.",
    ),
    (
        "list_unmapped_products",
        "Unmapped products",
        "GET",
        "/mappings/products?state=unmapped",
        "Variants/SKUs without a QuickBooks item.",
    ),
    (
        "list_unmapped_tax_rates",
        "Unmapped tax rates",
        "GET",
        "/mappings/tax-rates?state=unmapped",
        "Tax rates without a QuickBooks tax code.",
    ),
    (
        "map_customer",
        "Map customer",
        "PUT",
        "/mappings/customers/{source_id}",
        "Link a Shopify customer to a QuickBooks customer.",
    ),
    (
        "map_product",
        "Map product",
        "PUT",
        "/mappings/products/{source_id}",
        "Link a variant or SKU to a QuickBooks item.",
    ),
    (
        "map_tax_rate",
        "Map tax rate",
        "PUT",
        "/mappings/tax-rates/{source_id}",
        "Link a Shopify tax rate to a QuickBooks tax code.",
    ),
    ("list_qbo_customers", "QuickBooks customers", "GET", "/quickbooks/customers", "Options."),
    ("list_qbo_items", "QuickBooks items", "GET", "/quickbooks/items", "Options."),
    ("list_qbo_accounts", "QuickBooks accounts", "GET", "/quickbooks/accounts", "Options."),
    ("list_qbo_tax_codes", "QuickBooks tax codes", "GET", "/quickbooks/tax-codes", "Options."),
)

ACTIONS: Mapping[str, ErrorAction] = {
    name: ErrorAction(name, label, method, SHOP_PREFIX + path, description)
    for name, label, method, path, description in _ROWS
}

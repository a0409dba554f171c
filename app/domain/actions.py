"""The API actions the error catalogue offers, one per button the SPA can show.

Each action carries an example request that succeeds for a set-up shop. Its path and body are
templates: `{shop}` is the shop's domain; any other `{name}` is a placeholder the action
documents (what it stands for, and the call whose answer supplies it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

SHOP_PREFIX = "/v1/shops/{shop}"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Placeholder:
    """A value the caller takes from the shop's data: `field` of the answer to `source` (for
    a list, of its first item whose fields have the `where` values)."""

    name: str
    meaning: str
    source: str
    field: str
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ActionExample:
    body: Mapping[str, Any] | None
    status: int


@dataclass(frozen=True)
class ErrorAction:
    name: str
    label: str
    method: str
    path: str
    description: str
    example: ActionExample
    placeholders: tuple[Placeholder, ...] = ()

    def filled(self, values: Mapping[str, str]) -> ErrorAction:
        """The action with the named placeholders replaced (in its path and example body);
        the ones filled are no longer listed."""
        path = fill(self.path, values)
        body = self.example.body
        return replace(
            self,
            path=path,
            example=replace(self.example, body=fill(body, values) if body else body),
            placeholders=tuple(p for p in self.placeholders if p.name not in values),
        )


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """Replaces `{name}` for each name in `values`, in a string or inside a JSON body."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)
    if isinstance(template, Mapping):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [fill(value, values) for value in template]
    return template


def _source(path: str) -> str:
    return f"GET {SHOP_PREFIX}{path}"


def _records(meaning: str, query: str, entity_field: bool) -> tuple[Placeholder, ...]:
    source = _source(f"/records?{query}" if query else "/records")
    found = (Placeholder("id", f"the Shopify id of {meaning}", source, "shopify_id"),)
    if not entity_field:
        return found
    kind = Placeholder("entity", f"the entity of {meaning} (order, product, ...)", source, "entity")
    return (kind, *found)


def _qbo(name: str, kind: str, what: str, *where: tuple[str, str]) -> Placeholder:
    return Placeholder(
        name,
        f"the id of {what} from GET …/quickbooks/{kind}",
        _source(f"/quickbooks/{kind}"),
        "id",
        where,
    )


def _unmapped(kind: str, what: str) -> Placeholder:
    return Placeholder(
        "source_id",
        f"the source_key of {what} from GET …/mappings/{kind}?state=unmapped (URL-encoded)",
        _source(f"/mappings/{kind}?state=unmapped"),
        "source_key",
    )


ORDER = _records(
    "an order LedgerPort holds, from GET …/records?entity=order", "entity=order", False
)
ANY_RECORD = _records("a record, from GET …/records", "", True)
IN_ERROR = _records("a record in error, from GET …/records?status=error", "status=error", True)
RUN = Placeholder(
    "run_id",
    "the run_id that POST …/sync answers",
    f"POST {SHOP_PREFIX}/sync",
    "run_id",
)
OK, ACCEPTED = ActionExample(None, 200), ActionExample(None, 202)
CODE = Placeholder("code", "an error code from GET /v1/errors", "GET /v1/errors", "code")


def _body(status: int = 200, **body: Any) -> ActionExample:
    return ActionExample(body, status)


def _action(
    name: str,
    label: str,
    method: str,
    path: str,
    description: str,
    example: ActionExample = OK,
    *placeholders: Placeholder,
) -> ErrorAction:
    return ErrorAction(name, label, method, SHOP_PREFIX + path, description, example, placeholders)


CUSTOMER = _qbo("qbo_customer_id", "customers", "a QuickBooks customer")
ITEM = _qbo("qbo_item_id", "items", "a QuickBooks item")
_ALL = (
    _action(
        "sync_orders",
        "Sync again",
        "POST",
        "/sync",
        "Sync orders now by id (or a date range), whatever their sync triggers.",
        _body(202, order_ids=["{id}"]),
        *ORDER,
    ),
    _action(
        "resync_errors",
        "Sync every order with this error",
        "POST",
        "/resync",
        "Queues again every record with the error code (or a status, ids or a date range); "
        "the answer's run_id follows it.",
        _body(202, error_code="{code}"),
        CODE,
    ),
    _action(
        "preview_order",
        "Preview the sync",
        "GET",
        "/orders/{id}/preview",
        "What a sync would post to QuickBooks for the order, or what stops it; writes nothing.",
        OK,
        *ORDER,
    ),
    _action(
        "view_run", "Follow progress", "GET", "/runs/{run_id}", "Progress of a sync run.", OK, RUN
    ),
    _action(
        "view_record",
        "Open record",
        "GET",
        "/records/{entity}/{id}",
        "State and attempt history.",
        OK,
        *ANY_RECORD,
    ),
    _action(
        "resolve_record",
        "Mark resolved",
        "POST",
        "/records/{entity}/{id}/resolve",
        "Close the error without syncing, with a note (and, for a duplicate, the QuickBooks "
        "transaction it is).",
        _body(note="Checked in QuickBooks: nothing more to post"),
        *IN_ERROR,
    ),
    _action(
        "view_audit_log",
        "Show these errors",
        "GET",
        "/audit-log?code={code}",
        "Filtered log.",
        OK,
        CODE,
    ),
    _action(
        "export_audit_log",
        "Export as CSV",
        "GET",
        "/audit-log/export.csv?code={code}",
        "Every entry of this filter as a CSV file, within the plan's retention.",
        OK,
        CODE,
    ),
    _action("view_connections", "Connections", "GET", "/connections", "Shopify and QBO health."),
    _action(
        "reconnect_quickbooks",
        "Reconnect QuickBooks",
        "POST",
        "/connections/quickbooks/authorize",
        "Returns a single-use link: open it in the browser, approve at Intuit, come back.",
    ),
    _action("view_config", "View settings", "GET", "/config", "All sync settings."),
    _action(
        "update_customers_config",
        "Customer strategy",
        "PATCH",
        "/config/customers",
        "match, create or generic (+ generic customer).",
        _body(strategy="generic", generic_customer_id="{qbo_customer_id}"),
        CUSTOMER,
    ),
    _action(
        "update_products_config",
        "Unmatched products",
        "PATCH",
        "/config/products",
        "fail, use_default (+ default item) or create.",
        _body(unmatched="use_default", default_item_id="{qbo_item_id}"),
        ITEM,
    ),
    _action(
        "update_accounting_config",
        "Accounting settings",
        "PATCH",
        "/config/accounting",
        "Tax mode; income, COGS, discount accounts; shipping, gift-card, tip and rounding "
        "items; the tax code for untaxed lines.",
        _body(tip_item_id="{qbo_item_id}"),
        ITEM,
    ),
    _action(
        "use_automated_sales_tax",
        "Use automated sales tax",
        "PATCH",
        "/config/accounting",
        "For a company on QuickBooks' automated sales tax: QuickBooks picks the tax codes and "
        "Shopify's tax is booked as its override (refused for a company that books tax by "
        "hand).",
        _body(tax_mode="automated_sales_tax"),
    ),
    _action(
        "book_in_shop_currency",
        "Book in the shop's currency",
        "PATCH",
        "/config/orders",
        "Post orders in Shopify's shop money, the company's home currency.",
        _body(currency="shop"),
    ),
    _action(
        "update_payments_config",
        "Deposit accounts",
        "PATCH",
        "/config/payments",
        "Deposit account per payment gateway, and a default.",
        _body(deposit_accounts={"shopify_payments": "{qbo_bank_account_id}"}),
        _qbo("qbo_bank_account_id", "accounts", "an account of kind Bank", ("kind", "Bank")),
    ),
    _action(
        "update_orders_config",
        "Sync triggers",
        "PATCH",
        "/config/orders",
        "Financial and fulfillment statuses that start a sync.",
        _body(trigger_financial_statuses=["paid", "pending"]),
    ),
    _action(
        "auto_map_products",
        "Auto-map products",
        "POST",
        "/mappings/products/auto-map",
        "Match unmapped products by SKU, then by name.",
    ),
    _action(
        "list_unmapped_customers",
        "Unmapped customers",
        "GET",
        "/mappings/customers?state=unmapped",
        "Buyers without a QuickBooks customer.",
    ),
    _action(
        "list_unmapped_products",
        "Unmapped products",
        "GET",
        "/mappings/products?state=unmapped",
        "Variants/SKUs without a QuickBooks item.",
    ),
    _action(
        "list_unmapped_tax_rates",
        "Unmapped tax rates",
        "GET",
        "/mappings/tax-rates?state=unmapped",
        "Tax rates without a QuickBooks tax code.",
    ),
    _action(
        "map_customer",
        "Map customer",
        "PUT",
        "/mappings/customers/{source_id}",
        "Link a Shopify customer to a QuickBooks customer.",
        _body(qbo_id="{qbo_customer_id}"),
        _unmapped("customers", "an unmapped buyer"),
        CUSTOMER,
    ),
    _action(
        "map_product",
        "Map product",
        "PUT",
        "/mappings/products/{source_id}",
        "Link a variant or SKU to a QuickBooks item.",
        _body(qbo_id="{qbo_item_id}"),
        _unmapped("products", "an unmapped product"),
        ITEM,
    ),
    _action(
        "map_tax_rate",
        "Map tax rate",
        "PUT",
        "/mappings/tax-rates/{source_id}",
        "Link a Shopify tax rate to a QuickBooks tax code.",
        _body(qbo_id="{qbo_tax_code_id}"),
        _unmapped("tax-rates", "an unmapped tax rate"),
        _qbo("qbo_tax_code_id", "tax-codes", "a QuickBooks tax code"),
    ),
    _action(
        "list_qbo_customers", "QuickBooks customers", "GET", "/quickbooks/customers", "Options."
    ),
    _action("list_qbo_items", "QuickBooks items", "GET", "/quickbooks/items", "Options."),
    _action(
        "list_qbo_payment_methods",
        "QuickBooks payment methods",
        "GET",
        "/quickbooks/payment-methods",
        "Options.",
    ),
    _action("list_qbo_accounts", "QuickBooks accounts", "GET", "/quickbooks/accounts", "Options."),
    _action(
        "list_qbo_tax_codes", "QuickBooks tax codes", "GET", "/quickbooks/tax-codes", "Options."
    ),
)

ACTIONS: Mapping[str, ErrorAction] = {action.name: action for action in _ALL}

"""What an errored record waits for, and which changes release it (self-healing).

A record that failed for a cause a person fixes in LedgerPort keeps keys naming that cause:
"product/sku:TEE-1" for an unmapped SKU, "config/customers" for the customer strategy,
"connection/quickbooks" for the QBO connection. Saving a mapping, a config section or a
connection announces the keys it touches, and exactly the records waiting on one of them are
queued again. A record that fails again gets the keys of its new cause, so an order missing
SKUs A and B, re-queued when A is mapped, then waits on B alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.errors import ErrorCode, SyncError

CONFIG = "config"  # any section: an account anywhere in the settings may be the one at fault
QBO_CONNECTION = "connection/quickbooks"


def mapping_key(kind: str, source_key: str) -> str:
    """The key a mapping of `kind` ("product", "customer", "tax_rate") for `source_key` frees."""
    return f"{kind}/{source_key}"


def config_keys(section: str) -> frozenset[str]:
    """What saving one config section frees."""
    return frozenset({f"{CONFIG}/{section}", CONFIG})


def mapping_keys(kind: str, source_keys: Iterable[str]) -> frozenset[str]:
    """What saving mappings of one kind frees (the kind alone frees errors QBO raised about
    that kind without naming which one)."""
    return frozenset({kind, *(mapping_key(kind, key) for key in source_keys)})


def blockers_of(error: SyncError) -> frozenset[str]:
    """The keys whose change could fix `error`; empty when only time, Shopify or a person
    outside LedgerPort can (timeouts retry by themselves, a missing field needs the order
    updated in Shopify)."""
    code, detail = error.code, error.detail
    if code is ErrorCode.product_not_mapped:
        keys = {f"{CONFIG}/products"}
        for row in detail.get("unmapped") or ():
            if row.get("variant_id"):
                keys.add(mapping_key("product", f"variant:{row['variant_id']}"))
            if row.get("sku"):
                keys.add(mapping_key("product", f"sku:{row['sku']}"))
            if row.get("key"):
                keys.add(mapping_key("product", row["key"]))
        if "fault_rule" in detail:  # QBO refused an item; which product maps to it is unknown
            keys.add("product")
        return frozenset(keys)
    if code is ErrorCode.customer_not_found:
        keys = {f"{CONFIG}/customers"}
        if detail.get("shopify_customer_id"):
            keys.add(mapping_key("customer", f"customer:{detail['shopify_customer_id']}"))
        elif "fault_rule" in detail:  # QBO refused the customer (inactive, name taken)
            keys.add("customer")
        return frozenset(keys)
    if code is ErrorCode.tax_not_mapped:
        rows = detail.get("unmapped") or ()
        keys = {mapping_key("tax_rate", row["key"]) for row in rows if row.get("key")}
        return frozenset({f"{CONFIG}/accounting", *(keys or {"tax_rate"})})
    if code is ErrorCode.invalid_account:
        section = detail.get("section")
        return frozenset({f"{CONFIG}/{section}" if section else CONFIG})
    if code is ErrorCode.qbo_auth:
        return frozenset({QBO_CONNECTION})
    if code is ErrorCode.on_hold:  # the sync triggers may be widened
        return frozenset({f"{CONFIG}/orders"})
    if code is ErrorCode.missing_field and detail.get("field") == "billing_address":
        return frozenset({f"{CONFIG}/customers"})  # the shop may stop asking for one
    return frozenset()

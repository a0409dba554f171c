"""The GraphQL order selection we read, and its conversion to the REST webhook order shape.

Converting to the REST shape keeps one `parse_order` path for webhooks, reads and backfills.
Money stays the decimal strings Shopify sends; nothing passes through float.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]
LINES_PAGE = 25  # ~14 points a line: 25 lines keep one order near 450 points
SHIPPING_PAGE = 5
_BAG = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"
_TAX = f"title rate channelLiable priceSet {{ {_BAG} }}"
_ALLOC = f"allocatedAmountSet {{ {_BAG} }} discountApplication {{ index allocationMethod }}"
_ADDRESS = (
    "name firstName lastName company address1 address2 city province provinceCode country "
    "countryCodeV2 zip phone"
)
_MONEY = {
    "totalPriceSet": "total_price",
    "subtotalPriceSet": "subtotal_price",
    "totalTaxSet": "total_tax",
    "totalDiscountsSet": "total_discounts",
    "currentTotalPriceSet": "current_total_price",
}
LINE = (
    "id sku quantity name title variantTitle vendor taxable isGiftCard requiresShipping "
    f"originalUnitPriceSet {{ {_BAG} }} discountAllocations {{ {_ALLOC} }} "
    f"taxLines {{ {_TAX} }} variant {{ id }} product {{ id }}"
)
_SHIPPING = (
    f"id title code source originalPriceSet {{ {_BAG} }} discountedPriceSet {{ {_BAG} }} "
    f"taxLines {{ {_TAX} }} discountAllocations {{ {_ALLOC} }}"
)
_ORDER_SCALARS = (
    "id legacyResourceId name createdAt updatedAt processedAt cancelledAt test taxesIncluded "
    "currencyCode presentmentCurrencyCode displayFinancialStatus displayFulfillmentStatus "
    "email paymentGatewayNames customer { id email firstName lastName } "
    f"billingAddress {{ {_ADDRESS} }} shippingAddress {{ {_ADDRESS} }} taxLines {{ {_TAX} }} "
    + " ".join(f"{field} {{ {_BAG} }}" for field in _MONEY)
)
ORDER = (
    f"{_ORDER_SCALARS} lineItems(first: {LINES_PAGE}) "
    f"{{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE} }} }} "
    f"shippingLines(first: {SHIPPING_PAGE}) {{ nodes {{ {_SHIPPING} }} }}"
)
# Bulk queries take no page sizes: nested connections come back as JSONL child rows.
BULK_ORDER = (
    f"{_ORDER_SCALARS} lineItems {{ edges {{ node {{ {LINE} }} }} }} "
    f"shippingLines {{ edges {{ node {{ {_SHIPPING} }} }} }}"
)
CUSTOMER = """query Customer($id: ID!) { customer(id: $id) {
  id legacyResourceId email firstName lastName displayName phone taxExempt
  defaultAddress { name company address1 address2 city province provinceCode country
    countryCodeV2 zip phone } } }"""
PRODUCT = """query Product($id: ID!) { product(id: $id) {
  id legacyResourceId title vendor variants(first: 100) { nodes { id sku title price } } } }"""
# Order.transactions is a list, not a connection; 250 is more than any real order carries.
TRANSACTIONS = f"""query Transactions($id: ID!) {{ order(id: $id) {{
  transactions(first: 250) {{ id kind status gateway amountSet {{ {_BAG} }} }} }} }}"""
SHOP_CURRENCY = "query ShopCurrency { shop { currencyCode } }"
BULK_RUN = """mutation Bulk($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status } userErrors { field message code } } }"""
BULK_POLL = """query Poll($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status errorCode objectCount url } } }"""
_FULFILLMENT = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
}


def order_to_rest(node: Json) -> Json:
    """A GraphQL `Order` (selected as `ORDER`) in the REST webhook payload's shape."""
    name = node.get("name") or ""
    number = re.fullmatch(r"#(\d+)", name)  # only the default "#" prefix is unambiguous
    rest: Json = {
        "id": int(node["legacyResourceId"]),
        "admin_graphql_api_id": node["id"],
        "name": name,
        "order_number": int(number.group(1)) if number else None,
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "processed_at": node.get("processedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "test": bool(node.get("test")),
        "taxes_included": bool(node.get("taxesIncluded")),
        "currency": node.get("currencyCode"),
        "presentment_currency": node.get("presentmentCurrencyCode"),
        "financial_status": str(node.get("displayFinancialStatus") or "").lower() or None,
        "fulfillment_status": _FULFILLMENT.get(str(node.get("displayFulfillmentStatus"))),
        "email": node.get("email"),
        "contact_email": node.get("email"),
        "customer": _customer(node.get("customer")),
        "billing_address": _address(node.get("billingAddress")),
        "shipping_address": _address(node.get("shippingAddress")),
        "payment_gateway_names": list(node.get("paymentGatewayNames") or []),
        "tax_lines": [_tax(t) for t in node.get("taxLines") or []],
        "line_items": [_line(li) for li in _nodes(node.get("lineItems"))],
        "shipping_lines": [_shipping(s) for s in _nodes(node.get("shippingLines"))],
    }
    rest["discount_applications"] = _applications(rest["line_items"] + rest["shipping_lines"])
    for field, key in _MONEY.items():
        rest.update(_money(key, node.get(field)))
    return rest


def _nodes(connection: Any) -> list[Json]:
    if not isinstance(connection, dict):
        return []
    return list(connection.get("nodes") or [e["node"] for e in connection.get("edges") or []])


def _money(key: str, bag: Any) -> Json:
    if not isinstance(bag, dict):
        return {key: None}
    shop = bag.get("shopMoney") or {}
    presentment = bag.get("presentmentMoney") or shop
    return {
        key: shop.get("amount"),
        f"{key}_set": {
            "shop_money": {"amount": shop.get("amount"), "currency_code": shop.get("currencyCode")},
            "presentment_money": {
                "amount": presentment.get("amount"),
                "currency_code": presentment.get("currencyCode"),
            },
        },
    }


def _legacy(gid: Any) -> int | None:
    text = str(gid or "")
    tail = text.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _customer(raw: Any) -> Json | None:
    if not isinstance(raw, dict):
        return None
    return {
        "id": _legacy(raw.get("id")),
        "admin_graphql_api_id": raw.get("id"),
        "email": raw.get("email"),
        "first_name": raw.get("firstName"),
        "last_name": raw.get("lastName"),
    }


def _address(raw: Any) -> Json | None:
    if not isinstance(raw, dict):
        return None
    snake = {re.sub(r"([A-Z])", r"_\1", k).lower(): v for k, v in raw.items()}
    snake["country_code"] = snake.pop("country_code_v2", None)
    return snake


def _tax(raw: Json) -> Json:
    return {
        "title": raw.get("title"),
        "rate": raw.get("rate"),
        "channel_liable": raw.get("channelLiable"),
        **_money("price", raw.get("priceSet")),
    }


def _allocations(raw: Json) -> list[Json]:
    """REST allocations, each naming its discount by index, its method kept for
    `_applications` (the REST order lists the discounts themselves)."""
    out = []
    for allocation in raw.get("discountAllocations") or []:
        application = allocation.get("discountApplication") or {}
        out.append(
            {
                **_money("amount", allocation.get("allocatedAmountSet")),
                "discount_application_index": application.get("index"),
                "_allocation_method": str(application.get("allocationMethod") or "").lower(),
            }
        )
    return out


def _applications(lines: list[Json]) -> list[Json]:
    """The order's `discount_applications`, as far as the allocations tell them: each index
    with its allocation_method ("across" spreads an order-level discount)."""
    methods: dict[int, str] = {}
    for line in lines:
        for allocation in line["discount_allocations"]:
            index, method = (
                allocation.pop("discount_application_index"),
                allocation.pop("_allocation_method"),
            )
            if isinstance(index, int):
                methods[index] = method
                allocation["discount_application_index"] = index
    size = max(methods, default=-1) + 1
    return [{"allocation_method": methods.get(i) or None} for i in range(size)]


def _line(raw: Json) -> Json:
    return {
        "id": _legacy(raw.get("id")),
        "admin_graphql_api_id": raw.get("id"),
        "product_id": _legacy((raw.get("product") or {}).get("id")),
        "variant_id": _legacy((raw.get("variant") or {}).get("id")),
        "sku": raw.get("sku"),
        "title": raw.get("title"),
        "variant_title": raw.get("variantTitle"),
        "name": raw.get("name"),
        "vendor": raw.get("vendor"),
        "quantity": raw.get("quantity"),
        "taxable": raw.get("taxable"),
        "gift_card": bool(raw.get("isGiftCard")),
        "requires_shipping": raw.get("requiresShipping"),
        **_money("price", raw.get("originalUnitPriceSet")),
        "discount_allocations": _allocations(raw),
        "tax_lines": [_tax(t) for t in raw.get("taxLines") or []],
    }


def _shipping(raw: Json) -> Json:
    return {
        "id": _legacy(raw.get("id")),
        "title": raw.get("title"),
        "code": raw.get("code"),
        "source": raw.get("source"),
        **_money("price", raw.get("originalPriceSet")),
        **_money("discounted_price", raw.get("discountedPriceSet")),
        "discount_allocations": _allocations(raw),
        "tax_lines": [_tax(t) for t in raw.get("taxLines") or []],
    }


def place_row(orders: dict[str, Json], row: Json) -> None:
    parent = row.pop("__parentId", None)
    if parent is None:
        orders[row["id"]] = {"lineItems": {"nodes": []}, "shippingLines": {"nodes": []}, **row}
        return
    key = "lineItems" if "/LineItem/" in str(row.get("id")) else "shippingLines"
    orders.setdefault(parent, {"lineItems": {"nodes": []}, "shippingLines": {"nodes": []}})
    orders[parent][key]["nodes"].append(row)


def gid(kind: str, value: str | int) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def updated_range(since: datetime, until: datetime) -> str:
    def stamp(moment: datetime) -> str:
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return f"updated_at:>='{stamp(since)}' updated_at:<'{stamp(until)}'"


def throttled(errors: Any) -> bool:
    return any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors)


def error_text(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
    return str(errors)

"""Stored REST-shaped records as GraphQL Admin nodes (Order, Customer, Product, ...).

Each shape carries every field the sandbox knows, null or not, so a selection of anything
else is an `undefinedField` error, as in Shopify's schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

JsonDict = dict[str, Any]
_FULFILLMENT = {"partial": "PARTIALLY_FULFILLED", "fulfilled": "FULFILLED"}
_ORDER_MONEY = {
    "totalPriceSet": "total_price",
    "subtotalPriceSet": "subtotal_price",
    "totalTaxSet": "total_tax",
    "totalDiscountsSet": "total_discounts",
    "totalShippingPriceSet": "total_shipping_price",
    "currentTotalPriceSet": "current_total_price",
    "currentSubtotalPriceSet": "current_subtotal_price",
    "currentTotalTaxSet": "current_total_tax",
}
_ADDRESS = {
    "name": "name",
    "firstName": "first_name",
    "lastName": "last_name",
    "company": "company",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "province": "province",
    "provinceCode": "province_code",
    "country": "country",
    "countryCodeV2": "country_code",
    "zip": "zip",
    "phone": "phone",
}


@dataclass
class Conn:
    """A connection's full item list; `keys` are its sort keys, which cursors encode."""

    items: list[JsonDict]
    keys: list[Any] | None = None
    reverse: bool = False


def gid(kind: str, number: Any) -> str | None:
    return None if number in (None, "") else f"gid://shopify/{kind}/{number}"


def utc(value: Any) -> str | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(str(value))
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(raw: Any, fallback: JsonDict) -> JsonDict:
    raw = raw if isinstance(raw, dict) else fallback
    return {
        "__typename": "MoneyV2",
        "amount": raw.get("amount"),
        "currencyCode": raw.get("currency_code"),
    }


def bag(obj: JsonDict, key: str, currency: str | None = None) -> JsonDict:
    """`<key>_set` as a MoneyBag; a plain `<key>` (in `currency`) stands for both monies."""
    money_set = obj.get(f"{key}_set") or {}
    plain = {"amount": obj.get(key), "currency_code": currency} if key in obj else {}
    shop = money_set.get("shop_money") or plain
    return {
        "__typename": "MoneyBag",
        "shopMoney": _money(shop, {}),
        "presentmentMoney": _money(money_set.get("presentment_money"), shop),
    }


def _address(raw: Any) -> JsonDict | None:
    if not isinstance(raw, dict):
        return None
    return {"__typename": "MailingAddress", **{g: raw.get(r) for g, r in _ADDRESS.items()}}


def _tax(raw: JsonDict) -> JsonDict:
    return {
        "__typename": "TaxLine",
        "title": raw.get("title"),
        "rate": raw.get("rate"),
        "priceSet": bag(raw, "price"),
        "channelLiable": raw.get("channel_liable"),
    }


def _allocation(raw: JsonDict, applications: list[JsonDict]) -> JsonDict:
    """A DiscountAllocation with its discount (`discountApplication`: index and method)."""
    index = raw.get("discount_application_index")
    application = (
        applications[index] if isinstance(index, int) and index < len(applications) else {}
    )
    method = str(application.get("allocation_method") or "across").upper()
    return {
        "__typename": "DiscountAllocation",
        "allocatedAmountSet": bag(raw, "amount"),
        "discountApplication": {"index": index, "allocationMethod": method},
    }


def _line(raw: JsonDict, applications: list[JsonDict]) -> JsonDict:
    variant, product = raw.get("variant_id"), raw.get("product_id")
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", raw.get("id")),
        **{k: raw.get(k) for k in ("sku", "quantity", "name", "title", "vendor", "taxable")},
        "variantTitle": raw.get("variant_title"),
        "isGiftCard": bool(raw.get("gift_card")),
        "requiresShipping": raw.get("requires_shipping"),
        "originalUnitPriceSet": bag(raw, "price"),
        "discountAllocations": [
            _allocation(a, applications) for a in raw.get("discount_allocations") or []
        ],
        "taxLines": [_tax(t) for t in raw.get("tax_lines") or []],
        "variant": variant
        and {"__typename": "ProductVariant", "id": gid("ProductVariant", variant)},
        "product": product and {"__typename": "Product", "id": gid("Product", product)},
    }


def _shipping(raw: JsonDict, applications: list[JsonDict]) -> JsonDict:
    return {
        "__typename": "ShippingLine",
        "id": gid("ShippingLine", raw.get("id")),
        **{k: raw.get(k) for k in ("title", "code", "source")},
        "originalPriceSet": bag(raw, "price"),
        "discountedPriceSet": bag(raw, "discounted_price"),
        "taxLines": [_tax(t) for t in raw.get("tax_lines") or []],
        "discountAllocations": [
            _allocation(a, applications) for a in raw.get("discount_allocations") or []
        ],
    }


def order_node(order: JsonDict, transactions: list[JsonDict] | None = None) -> JsonDict:
    """A stored REST order as the GraphQL `Order` object (every field we know, even null),
    with its `transactions` nodes (shopify_payments.py builds them)."""
    currency = order.get("currency")
    customer = order.get("customer")
    fulfillment = order.get("fulfillment_status")
    applications = [a for a in order.get("discount_applications") or [] if isinstance(a, dict)]
    return {
        "__typename": "Order",
        "id": order.get("admin_graphql_api_id") or gid("Order", order["id"]),
        "legacyResourceId": str(order["id"]),
        **{k: order.get(k) for k in ("name", "email", "note")},
        "test": bool(order.get("test")),
        "taxesIncluded": bool(order.get("taxes_included")),
        "currencyCode": currency,
        "presentmentCurrencyCode": order.get("presentment_currency") or currency,
        "createdAt": utc(order.get("created_at")),
        "updatedAt": utc(order.get("updated_at") or order.get("created_at")),
        "processedAt": utc(order.get("processed_at")),
        "cancelledAt": utc(order.get("cancelled_at")),
        "displayFinancialStatus": str(order.get("financial_status") or "pending").upper(),
        "displayFulfillmentStatus": _FULFILLMENT.get(fulfillment or "", "UNFULFILLED"),
        "tags": [t.strip() for t in str(order.get("tags") or "").split(",") if t.strip()],
        "paymentGatewayNames": list(order.get("payment_gateway_names") or []),
        "customer": _customer(customer) if isinstance(customer, dict) else None,
        "billingAddress": _address(order.get("billing_address")),
        "shippingAddress": _address(order.get("shipping_address")),
        **{g: bag(order, rest, currency) for g, rest in _ORDER_MONEY.items()},
        "taxLines": [_tax(t) for t in order.get("tax_lines") or []],
        "lineItems": Conn([_line(li, applications) for li in order.get("line_items") or []]),
        "shippingLines": Conn(
            [_shipping(s, applications) for s in order.get("shipping_lines") or []]
        ),
        "transactions": transactions or [],
    }


def _customer(raw: JsonDict) -> JsonDict:
    first, last = raw.get("first_name"), raw.get("last_name")
    return {
        "__typename": "Customer",
        "id": raw.get("admin_graphql_api_id") or gid("Customer", raw.get("id")),
        "legacyResourceId": str(raw.get("id")),
        **{k: raw.get(k) for k in ("email", "phone", "note")},
        "firstName": first,
        "lastName": last,
        "displayName": " ".join(p for p in (first, last) if p) or raw.get("email"),
        "taxExempt": bool(raw.get("tax_exempt")),
        "createdAt": utc(raw.get("created_at")),
        "updatedAt": utc(raw.get("updated_at")),
        "defaultAddress": _address(raw.get("default_address")),
    }


def customer_node(orders: dict[int, JsonDict], number: int) -> JsonDict | None:
    """The sandbox keeps no customer table: a customer is what its orders carry."""
    for order in orders.values():
        customer = order.get("customer")
        if isinstance(customer, dict) and str(customer.get("id")) == str(number):
            return _customer(customer)
    return None


def product_node(orders: dict[int, JsonDict], number: int) -> JsonDict | None:
    """A product (and its variants) as seen on the line items that sold it."""
    lines = [
        li
        for o in orders.values()
        for li in o.get("line_items") or []
        if str(li.get("product_id")) == str(number)
    ]
    if not lines:
        return None
    variants: dict[str, JsonDict] = {}
    for li in lines:
        variants.setdefault(str(li.get("variant_id")), li)
    return {
        "__typename": "Product",
        "id": gid("Product", number),
        "legacyResourceId": str(number),
        "title": lines[0].get("title"),
        "vendor": lines[0].get("vendor"),
        "variants": Conn([_variant(li) for li in variants.values() if li.get("variant_id")]),
    }


def _variant(li: JsonDict) -> JsonDict:
    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", li["variant_id"]),
        "legacyResourceId": str(li["variant_id"]),
        "sku": li.get("sku"),
        "title": li.get("variant_title"),
        "price": li.get("price"),
    }

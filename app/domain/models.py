"""Entities and value objects: statuses, actors and a Shopify order as the sync reads it.

`parse_order` tolerates missing and extra keys and treats null and "" alike, but refuses a
payload without an id, with money that is not a decimal string (a guess books wrong figures),
or with an id, name or status longer than its column (the database would refuse it forever).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.payloads import overlong_field

ZERO = Decimal("0.00")
T = TypeVar("T")


class SyncStatus(StrEnum):
    synced = "synced"
    error = "error"
    pending = "pending"
    on_hold = "on_hold"
    resolved = "resolved"


STATUS_MEANINGS: Mapping[SyncStatus, str] = {
    SyncStatus.synced: "QuickBooks accepted the record; it holds the transaction's QBO id.",
    SyncStatus.error: "The last attempt failed; the entry carries an error code and a reason.",
    SyncStatus.pending: "Queued for a sync that has not run yet.",
    SyncStatus.on_hold: "Waiting for the order to meet the sync triggers (e.g. to be paid).",
    SyncStatus.resolved: "A person closed the error without syncing again.",
}


class Actor(StrEnum):
    webhook = "webhook"
    auto_retry = "auto_retry"
    manual = "manual"
    ops = "ops"
    system = "system"


class Entity(StrEnum):
    order = "order"
    product = "product"  # an item LedgerPort created (or found) in QBO for a Shopify product


class InvalidPayload(ValueError):
    """A Shopify payload we cannot read safely."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TaxLine:
    title: str
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Address:
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    zip: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class OrderCustomer:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.email or f"Shopify customer {self.id}"


@dataclass(frozen=True)
class OrderLine:
    id: str
    product_id: str | None
    variant_id: str | None
    sku: str | None
    title: str
    name: str
    quantity: int
    price: Decimal | None
    discount: Decimal
    tax_lines: tuple[TaxLine, ...]
    taxable: bool
    gift_card: bool


@dataclass(frozen=True)
class ShippingLine:
    title: str
    price: Decimal
    discounted_price: Decimal
    tax_lines: tuple[TaxLine, ...]
    discount: Decimal


@dataclass(frozen=True)
class Order:
    id: str
    name: str
    order_number: int | None
    created_at: datetime
    updated_at: datetime | None
    financial_status: str | None
    fulfillment_status: str | None
    currency: str
    presentment_currency: str | None
    taxes_included: bool
    email: str | None
    customer: OrderCustomer | None
    billing_address: Address | None
    lines: tuple[OrderLine, ...]
    shipping_lines: tuple[ShippingLine, ...]
    tax_lines: tuple[TaxLine, ...]
    total_price: Decimal
    subtotal_price: Decimal
    total_tax: Decimal
    total_discounts: Decimal
    payment_gateway_names: tuple[str, ...]
    cancelled_at: datetime | None
    test: bool


def parse_order(payload: Mapping[str, Any]) -> Order:
    """Read an order from Shopify's REST webhook payload, in shop money."""
    order = Order(
        id=_require(_id(payload.get("id")), "id"),
        name=_text(payload.get("name")) or f"#{payload.get('order_number', '')}",
        order_number=_int(payload.get("order_number"), "order_number"),
        created_at=_require(_datetime(payload.get("created_at"), "created_at"), "created_at"),
        updated_at=_datetime(payload.get("updated_at"), "updated_at"),
        financial_status=_text(payload.get("financial_status")),
        fulfillment_status=_text(payload.get("fulfillment_status")),
        currency=_text(payload.get("currency")) or "",
        presentment_currency=_text(payload.get("presentment_currency")),
        taxes_included=bool(payload.get("taxes_included")),
        email=_text(payload.get("email")) or _text(payload.get("contact_email")),
        customer=_customer(payload.get("customer")),
        billing_address=_address(payload.get("billing_address")),
        lines=tuple(_line(item, i) for i, item in enumerate(_list(payload, "line_items"))),
        shipping_lines=tuple(
            _shipping(s, f"shipping_lines[{i}]")
            for i, s in enumerate(_list(payload, "shipping_lines"))
        ),
        tax_lines=_tax_lines(payload, "tax_lines"),
        total_price=_money_field(payload, "total_price") or ZERO,
        subtotal_price=_money_field(payload, "subtotal_price") or ZERO,
        total_tax=_money_field(payload, "total_tax") or ZERO,
        total_discounts=_money_field(payload, "total_discounts") or ZERO,
        payment_gateway_names=tuple(str(g) for g in payload.get("payment_gateway_names") or ()),
        cancelled_at=_datetime(payload.get("cancelled_at"), "cancelled_at"),
        test=bool(payload.get("test")),
    )
    if (overlong := overlong_field(order)) is not None:
        raise InvalidPayload(*overlong)
    return order


def _line(item: Mapping[str, Any], index: int) -> OrderLine:
    where = f"line_items[{index}]"
    title = _text(item.get("title")) or ""
    return OrderLine(
        id=_require(_id(item.get("id")), f"{where}.id"),
        product_id=_id(item.get("product_id")),
        variant_id=_id(item.get("variant_id")),
        sku=_text(item.get("sku")),
        title=title,
        name=_text(item.get("name")) or title,
        quantity=_int(item.get("quantity"), f"{where}.quantity") or 0,
        price=_money_field(item, "price", where),
        discount=_allocations(item, where),
        tax_lines=_tax_lines(item, "tax_lines", where),
        taxable=bool(item.get("taxable", True)),
        gift_card=bool(item.get("gift_card")),
    )


def _shipping(item: Mapping[str, Any], where: str) -> ShippingLine:
    price = _money_field(item, "price", where) or ZERO
    discount = _allocations(item, where)
    discounted = _money_field(item, "discounted_price", where)
    return ShippingLine(
        title=_text(item.get("title")) or "Shipping",
        price=price,
        discounted_price=price - discount if discounted is None else discounted,
        tax_lines=_tax_lines(item, "tax_lines", where),
        discount=discount,
    )


def _tax_lines(obj: Mapping[str, Any], key: str, where: str = "") -> tuple[TaxLine, ...]:
    at = f"{where}.{key}".lstrip(".")
    return tuple(_tax_line(tax, f"{at}[{i}]") for i, tax in enumerate(_list(obj, key)))


def _tax_line(tax: Mapping[str, Any], at: str) -> TaxLine:
    rate = _parse(tax.get("rate"), f"{at}.rate", _number, "a number") or Decimal(0)
    return TaxLine(_text(tax.get("title")) or "Tax", rate, _money_field(tax, "price", at) or ZERO)


def _allocations(obj: Mapping[str, Any], where: str) -> Decimal:
    allocations = _list(obj, "discount_allocations")
    key = f"{where}.discount_allocations"
    return sum((_money_field(a, "amount", key) or ZERO for a in allocations), ZERO)


def _customer(raw: Any) -> OrderCustomer | None:
    customer_id = _id(raw.get("id")) if isinstance(raw, Mapping) else None
    if customer_id is None:
        return None
    first, last = _text(raw.get("first_name")), _text(raw.get("last_name"))
    return OrderCustomer(customer_id, _text(raw.get("email")), first, last)


def _address(raw: Any) -> Address | None:
    if not isinstance(raw, Mapping):
        return None
    return Address(**{k: _text(raw.get(k)) for k in Address.__dataclass_fields__})


def _money_field(obj: Mapping[str, Any], key: str, where: str = "") -> Decimal | None:
    """Shop money: `<key>_set.shop_money.amount` when present, else the plain string."""
    money_set = obj.get(f"{key}_set")
    shop = money_set.get("shop_money") if isinstance(money_set, Mapping) else None
    raw = shop.get("amount") if isinstance(shop, Mapping) else obj.get(key)
    return _parse(raw, f"{where}.{key}".lstrip("."), _money, "a decimal string")


def _money(raw: Any) -> Decimal:
    return _number(raw if isinstance(raw, str) else None)


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise TypeError(raw)
    value = Decimal(str(raw).strip())
    if not value.is_finite():
        raise ValueError(raw)
    return value


def _parse(raw: Any, where: str, convert: Callable[[Any], T], what: str) -> T | None:
    if raw is None or raw == "":
        return None
    try:
        return convert(raw)
    except (TypeError, ValueError, ArithmeticError):
        raise InvalidPayload(where, f"not {what}: {raw!r}") from None


def _id(raw: Any) -> str | None:
    text = None if isinstance(raw, bool) else _text(raw)
    # GraphQL ids ("gid://shopify/Order/123") carry the REST id as their last segment.
    return text.rsplit("/", 1)[-1] if text and text.startswith("gid://") else text


def _require(value: T | None, where: str) -> T:
    if value is None:
        raise InvalidPayload(where, "is missing")
    return value


def _int(raw: Any, where: str) -> int | None:
    return _parse(raw, where, int, "an integer")


def _datetime(raw: Any, where: str) -> datetime | None:
    return _parse(raw, where, lambda v: datetime.fromisoformat(str(v)), "an ISO 8601 timestamp")


def _text(raw: Any) -> str | None:
    return None if raw is None else (str(raw).strip() or None)


def _list(obj: Mapping[str, Any], key: str) -> Sequence[Mapping[str, Any]]:
    raw = obj.get(key) or []
    if not isinstance(raw, list):
        raise InvalidPayload(key, "must be a list")
    return [item for item in raw if isinstance(item, Mapping)]

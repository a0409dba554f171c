"""Reading a Shopify order from its REST payload (webhook, or the GraphQL reader's REST shape).

`parse_order` tolerates missing and extra keys and treats null and "" alike, but refuses a
payload without an id, with money that is not a decimal string (a guess books wrong figures),
or with an id, name or status longer than its column (the database would refuse it forever).

Every amount is read from one side of Shopify's money bags (`<key>_set.shop_money` by default,
`presentment_money` when the books are kept in the buyer's currency), never a mix. In
presentment money an amount without its `_set` is refused unless both currencies are the same:
the plain string is shop money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from app.domain.models import (
    ZERO,
    Address,
    InvalidPayload,
    Order,
    OrderCustomer,
    OrderLine,
    ShippingLine,
    TaxLine,
)
from app.domain.payload_fields import (
    as_money,
    as_number,
    identifier,
    integer,
    listed,
    parse,
    require,
    text,
    timestamp,
)
from app.domain.payloads import overlong_field

_RATE = Decimal("0.000001")  # QBO keeps exchange rates to six places


class MoneySide(StrEnum):
    shop = "shop_money"
    presentment = "presentment_money"


@dataclass(frozen=True)
class _Reader:
    side: MoneySide
    plain_ok: bool  # the plain strings are in the side's currency

    def money(self, obj: Mapping[str, Any], key: str, where: str = "") -> Decimal | None:
        """`<key>_set.<side>.amount` when present, else the plain string (shop money)."""
        at = f"{where}.{key}".lstrip(".")
        money_set = obj.get(f"{key}_set")
        bag = money_set.get(self.side.value) if isinstance(money_set, Mapping) else None
        if isinstance(bag, Mapping):
            return parse(bag.get("amount"), at, as_money, "a decimal string")
        raw = obj.get(key)
        if not self.plain_ok and raw not in (None, ""):
            raise InvalidPayload(f"{at}_set", f"has no {self.side.value} amount")
        return parse(raw, at, as_money, "a decimal string")


def parse_order(payload: Mapping[str, Any], side: MoneySide = MoneySide.shop) -> Order:
    """Read an order from Shopify's REST payload, its amounts in `side`'s currency."""
    shop_currency = text(payload.get("currency")) or ""
    presentment = text(payload.get("presentment_currency")) or shop_currency
    foreign = side is MoneySide.presentment and presentment != shop_currency
    read = _Reader(side, plain_ok=not foreign)
    items = listed(payload, "line_items")
    tips = [i for i, item in enumerate(items) if text(item.get("tip_payment_gateway"))]
    across = _order_level_discounts(payload)
    lines = tuple(_line(read, item, i, across) for i, item in enumerate(items) if i not in tips)
    tip_lines = sum((read.money(items[i], "price", f"line_items[{i}]") or ZERO for i in tips), ZERO)
    total_price = read.money(payload, "total_price") or ZERO
    order = Order(
        id=require(identifier(payload.get("id")), "id"),
        name=text(payload.get("name")) or f"#{payload.get('order_number', '')}",
        order_number=integer(payload.get("order_number"), "order_number"),
        created_at=require(timestamp(payload.get("created_at"), "created_at"), "created_at"),
        updated_at=timestamp(payload.get("updated_at"), "updated_at"),
        financial_status=text(payload.get("financial_status")),
        fulfillment_status=text(payload.get("fulfillment_status")),
        currency=presentment if foreign else shop_currency,
        presentment_currency=text(payload.get("presentment_currency")),
        taxes_included=bool(payload.get("taxes_included")),
        email=text(payload.get("email")) or text(payload.get("contact_email")),
        customer=_customer(payload.get("customer")),
        billing_address=_address(payload.get("billing_address")),
        lines=lines,
        shipping_lines=tuple(
            _shipping(read, s, f"shipping_lines[{i}]")
            for i, s in enumerate(listed(payload, "shipping_lines"))
        ),
        tax_lines=_tax_lines(read, payload, "tax_lines"),
        total_price=total_price,
        subtotal_price=read.money(payload, "subtotal_price") or ZERO,
        total_tax=read.money(payload, "total_tax") or ZERO,
        total_discounts=read.money(payload, "total_discounts") or ZERO,
        payment_gateway_names=tuple(str(g) for g in payload.get("payment_gateway_names") or ()),
        cancelled_at=timestamp(payload.get("cancelled_at"), "cancelled_at"),
        test=bool(payload.get("test")),
        shipping_address=_address(payload.get("shipping_address")),
        tip=tip_lines or _tip(read, payload, total_price),
        cash_rounding=_cash_rounding(read, payload),
        shop_currency=shop_currency,
        exchange_rate=_exchange_rate(payload) if foreign else None,
    )
    if (overlong := overlong_field(order)) is not None:
        raise InvalidPayload(*overlong)
    return order


def _line(read: _Reader, item: Mapping[str, Any], index: int, across: frozenset[int]) -> OrderLine:
    where = f"line_items[{index}]"
    title = text(item.get("title")) or ""
    discount, order_discount = _line_discounts(read, item, where, across)
    return OrderLine(
        id=require(identifier(item.get("id")), f"{where}.id"),
        product_id=identifier(item.get("product_id")),
        variant_id=identifier(item.get("variant_id")),
        sku=text(item.get("sku")),
        title=title,
        name=text(item.get("name")) or title,
        quantity=integer(item.get("quantity"), f"{where}.quantity") or 0,
        price=read.money(item, "price", where),
        discount=discount,
        tax_lines=_tax_lines(read, item, "tax_lines", where),
        taxable=bool(item.get("taxable", True)),
        gift_card=bool(item.get("gift_card")),
        order_discount=order_discount,
    )


def _shipping(read: _Reader, item: Mapping[str, Any], where: str) -> ShippingLine:
    price = read.money(item, "price", where) or ZERO
    discount = _allocations(read, item, where)
    discounted = read.money(item, "discounted_price", where)
    return ShippingLine(
        title=text(item.get("title")) or "Shipping",
        price=price,
        discounted_price=price - discount if discounted is None else discounted,
        tax_lines=_tax_lines(read, item, "tax_lines", where),
        discount=discount,
    )


def _tax_lines(
    read: _Reader, obj: Mapping[str, Any], key: str, where: str = ""
) -> tuple[TaxLine, ...]:
    at = f"{where}.{key}".lstrip(".")
    return tuple(_tax_line(read, tax, f"{at}[{i}]") for i, tax in enumerate(listed(obj, key)))


def _tax_line(read: _Reader, tax: Mapping[str, Any], at: str) -> TaxLine:
    rate = parse(tax.get("rate"), f"{at}.rate", as_number, "a number") or Decimal(0)
    return TaxLine(text(tax.get("title")) or "Tax", rate, read.money(tax, "price", at) or ZERO)


def _allocations(read: _Reader, obj: Mapping[str, Any], where: str) -> Decimal:
    key = f"{where}.discount_allocations"
    allocations = listed(obj, "discount_allocations")
    return sum((read.money(a, "amount", key) or ZERO for a in allocations), ZERO)


def _order_level_discounts(payload: Mapping[str, Any]) -> frozenset[int]:
    """Indexes of `discount_applications` spread over the order (allocation_method "across");
    "each" and "one" are discounts on the lines they name."""
    applications = listed(payload, "discount_applications")
    return frozenset(
        i for i, a in enumerate(applications) if a.get("allocation_method") == "across"
    )


def _line_discounts(
    read: _Reader, item: Mapping[str, Any], where: str, across: frozenset[int]
) -> tuple[Decimal, Decimal]:
    """All of a line's discount allocations, and the part from order-level discounts (each
    allocation names its discount by `discount_application_index`)."""
    key = f"{where}.discount_allocations"
    total = order_level = ZERO
    for allocation in listed(item, "discount_allocations"):
        amount = read.money(allocation, "amount", key) or ZERO
        total += amount
        if allocation.get("discount_application_index") in across:
            order_level += amount
    return total, order_level


def _tip(read: _Reader, payload: Mapping[str, Any], total_price: Decimal) -> Decimal:
    """`total_tip_received` is shop money without a money bag. In the buyer's currency the
    tip is what their total holds beyond goods, shipping and tax, when the shop's total shows
    that this remainder is the tip and nothing else (no duty, no fee); failing that, it is
    converted at the order's own rate (total_price in both currencies), which can be a cent
    off Shopify's own conversion."""
    tip = parse(payload.get("total_tip_received"), "total_tip_received", as_money, "a decimal")
    if not tip or read.plain_ok:
        return tip or ZERO
    if _beyond_the_sale(_Reader(MoneySide.shop, plain_ok=True), payload) == tip:
        return _beyond_the_sale(read, payload)
    shop_total = _shop_total(payload)
    if not shop_total:
        raise InvalidPayload("total_tip_received", "cannot be converted to presentment money")
    return (tip * total_price / shop_total).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _beyond_the_sale(read: _Reader, payload: Mapping[str, Any]) -> Decimal:
    """total_price less the subtotal, the discounted shipping and the tax (unless prices
    include it), in `read`'s money."""
    shipping = sum(
        (
            _shipping(read, s, f"shipping_lines[{i}]").discounted_price
            for i, s in enumerate(listed(payload, "shipping_lines"))
        ),
        ZERO,
    )
    tax = ZERO if payload.get("taxes_included") else read.money(payload, "total_tax") or ZERO
    sale = (read.money(payload, "subtotal_price") or ZERO) + shipping + tax
    return (read.money(payload, "total_price") or ZERO) - sale


def _cash_rounding(read: _Reader, payload: Mapping[str, Any]) -> Decimal:
    """POS cash rounding on the payment (`total_cash_rounding_payment_adjustment_set`)."""
    bag = payload.get("total_cash_rounding_payment_adjustment_set")
    side = bag.get(read.side.value) if isinstance(bag, Mapping) else None
    if not isinstance(side, Mapping):
        return ZERO
    at = f"total_cash_rounding_payment_adjustment_set.{read.side.value}.amount"
    return parse(side.get("amount"), at, as_money, "a decimal string") or ZERO


def _exchange_rate(payload: Mapping[str, Any]) -> Decimal:
    """Shop-currency units per presentment unit, from Shopify's own conversion of the total,
    or of the line items' prices when the total is zero (a free order)."""
    shop = _Reader(MoneySide.shop, plain_ok=True)
    for key in ("total_price", "total_line_items_price"):
        bag = payload.get(f"{key}_set")
        presentment = bag.get("presentment_money") if isinstance(bag, Mapping) else None
        foreign = parse(
            presentment.get("amount") if isinstance(presentment, Mapping) else None,
            f"{key}_set.presentment_money.amount",
            as_money,
            "a decimal string",
        )
        own = shop.money(payload, key)
        if foreign and own:
            return (own / foreign).quantize(_RATE, ROUND_HALF_UP)
    raise InvalidPayload("total_price_set", "needs both amounts to give an exchange rate")


def _shop_total(payload: Mapping[str, Any]) -> Decimal | None:
    return _Reader(MoneySide.shop, plain_ok=True).money(payload, "total_price")


def _customer(raw: Any) -> OrderCustomer | None:
    customer_id = identifier(raw.get("id")) if isinstance(raw, Mapping) else None
    if customer_id is None:
        return None
    first, last = text(raw.get("first_name")), text(raw.get("last_name"))
    return OrderCustomer(customer_id, text(raw.get("email")), first, last)


def _address(raw: Any) -> Address | None:
    if not isinstance(raw, Mapping):
        return None
    return Address(**{k: text(raw.get(k)) for k in Address.__dataclass_fields__})

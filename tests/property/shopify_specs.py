"""What a generated order is made of, before any figure is worked out: its lines, discounts,
taxes, shipping, tip, cash rounding, second currency and tenders, in shop money."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TaxSpec:
    title: str
    rate: Decimal  # a fraction, as Shopify sends it (0.0575)


@dataclass(frozen=True)
class Discount:
    value_type: str  # "percentage" (value in percent) or "fixed_amount" (shop money)
    value: Decimal
    allocation: str  # "each" (per unit), "one" (once) or "across" (over the order)


@dataclass(frozen=True)
class LineSpec:
    price: Decimal
    quantity: int
    gift_card: bool
    taxes: tuple[TaxSpec, ...]
    discount: Discount | None  # a discount on this line alone


@dataclass(frozen=True)
class ShippingSpec:
    price: Decimal
    taxes: tuple[TaxSpec, ...]
    discount: Discount | None


@dataclass(frozen=True)
class Presentment:
    """The buyer's currency: `rate` presentment units per shop unit."""

    currency: str
    rate: Decimal


@dataclass(frozen=True)
class OrderSpec:
    country: str  # the shop's (and QBO company's) country: US or GB
    currency: str  # the shop's currency
    lines: tuple[LineSpec, ...]
    order_discount: Discount | None
    shipping: ShippingSpec | None
    taxes_included: bool
    tip: Decimal
    cash_rounding_to: Decimal | None  # POS cash: the increment the total is rounded to
    presentment: Presentment | None
    gateways: tuple[str, ...]  # as payment_gateway_names; "gift_card" first when present
    weights: tuple[int, ...]  # each gateway's share of what was paid

    def line_discount_index(self, line: int) -> int:
        """The `discount_application_index` of line `line`'s own discount."""
        return sum(1 for ln in self.lines[:line] if ln.discount is not None)

    @property
    def order_discount_index(self) -> int:
        return sum(1 for ln in self.lines if ln.discount is not None)

    @property
    def shipping_discount_index(self) -> int:
        return self.order_discount_index + (self.order_discount is not None)

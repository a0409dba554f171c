"""What an order books, line by line, before any QBO id is chosen: the figures of the sale.

One line per thing the buyer paid for, each in the currency the order was read in and net of
any tax the price included:
- an item line per product line, less the discounts on that line alone;
- a gift-card line per gift card sold: a liability, never income, never taxed;
- a shipping line per charged shipping line, at its discounted price;
- one discount line for order-level discounts ("across" the order), as QBO shows a discount
  at the subtotal; where each line needs its own tax base (outside the US) those discounts
  stay on the lines instead;
- a tip line and a cash-rounding line, untaxed, when the order has them;
- a negative gift-card line for the part a gift card paid: it takes that part off what the
  document leaves to be deposited, against the same liability the card was sold on.

`check_total` holds the document to Shopify's figure: the sale (everything but the gift-card
redemption) must equal `total_price` plus cash rounding to the cent; a difference is an error
naming both totals, never absorbed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.domain.errors import ErrorCode, SyncError
from app.domain.models import ZERO, Order, OrderLine, ShippingLine, TaxLine
from app.domain.tenders import Tender


class LineKind(StrEnum):
    item = "item"
    gift_card = "gift_card"  # a gift card sold
    shipping = "shipping"
    tip = "tip"
    rounding = "rounding"
    redeemed = "gift_card_redeemed"  # the part of the order a gift card paid (negative)


UNTAXED_KINDS = frozenset({LineKind.gift_card, LineKind.tip, LineKind.rounding, LineKind.redeemed})


@dataclass(frozen=True)
class BookedLine:
    kind: LineKind
    description: str
    amount: Decimal
    taxes: tuple[TaxLine, ...] = ()
    quantity: int | None = None
    line_id: str | None = None  # the Shopify line it books (items and gift cards)

    @property
    def taxed(self) -> bool:
        return any(t.amount > 0 for t in self.taxes)


@dataclass(frozen=True)
class Booking:
    lines: tuple[BookedLine, ...]
    discount: Decimal  # order-level discounts, on one discount line
    tax: Decimal

    @property
    def sale_total(self) -> Decimal:
        """The document's total before any gift card paid part of it."""
        sale = sum((ln.amount for ln in self.lines if ln.kind != LineKind.redeemed), ZERO)
        return sale - self.discount + self.tax

    @property
    def redeemed(self) -> Decimal:
        """What gift cards paid, as a positive amount."""
        return -sum((ln.amount for ln in self.lines if ln.kind == LineKind.redeemed), ZERO)

    @property
    def total(self) -> Decimal:
        """The document's total: what the other tenders paid."""
        return self.sale_total - self.redeemed

    def of(self, kind: LineKind) -> list[BookedLine]:
        return [line for line in self.lines if line.kind == kind]


def book(order: Order, tenders: Sequence[Tender] = (), *, discount_line: bool = True) -> Booking:
    """The order's lines as the books take them (see the module docstring).

    `discount_line` False leaves order-level discounts on the lines they were allocated to,
    so that each line's amount is its own tax base."""
    lines = [_product(order, line, discount_line) for line in order.lines]
    lines += [_shipping(order, s) for s in charged_shipping(order)]
    if order.tip:
        lines.append(BookedLine(LineKind.tip, "Tip", order.tip))
    if order.cash_rounding:
        lines.append(BookedLine(LineKind.rounding, "Cash rounding", order.cash_rounding))
    if redeemed := sum((t.amount for t in tenders if t.gift_card), ZERO):
        lines.append(BookedLine(LineKind.redeemed, "Paid by gift card", -redeemed))
    order_level = sum((ln.order_discount for ln in order.lines), ZERO) if discount_line else ZERO
    return Booking(tuple(lines), order_level, order.total_tax)


def check_total(order: Order, booking: Booking) -> None:
    """Raises missing_field when the document would not total what Shopify charged."""
    expected = order.sale_total
    if booking.sale_total == expected:
        if booking.redeemed <= expected:
            return
        message = (
            f"Order {order.name}: gift cards paid {booking.redeemed:.2f} {order.currency}, more "
            f"than the order's total of {expected:.2f}; the order's transactions in Shopify "
            "do not match it."
        )
        raise SyncError(ErrorCode.missing_field, message, detail={"field": "transactions"})
    difference = booking.sale_total - expected
    rounding = f" plus cash rounding {order.cash_rounding:.2f}" if order.cash_rounding else ""
    message = (
        f"Order {order.name}: the QuickBooks document would total {booking.sale_total:.2f} "
        f"{order.currency}, but Shopify's total is {order.total_price:.2f}{rounding} "
        f"(a difference of {difference:+.2f}). Something in the order is not booked (such as "
        "duties or an adjustment Shopify added); it was not posted, so the books do not drift."
    )
    detail = {
        "field": "total_price",
        "document_total": f"{booking.sale_total:.2f}",
        "shopify_total": f"{order.total_price:.2f}",
        "cash_rounding": f"{order.cash_rounding:.2f}",
        "currency": order.currency,
    }
    raise SyncError(ErrorCode.missing_field, message, detail=detail)


def charged_shipping(order: Order) -> list[ShippingLine]:
    """The shipping lines the document carries: those with an amount or a tax."""
    return [s for s in order.shipping_lines if _shipping_amount(order, s) or _tax(s.tax_lines)]


def discount_total(order: Order) -> Decimal:
    """Every discount on the order's lines (line-level and order-level)."""
    return sum((line.discount for line in order.lines), ZERO)


def all_taxes(order: Order) -> Iterable[TaxLine]:
    for line in order.lines:
        yield from line.tax_lines
    for shipping in order.shipping_lines:
        yield from shipping.tax_lines


def _product(order: Order, line: OrderLine, discount_line: bool) -> BookedLine:
    discounts = line.discount - line.order_discount if discount_line else line.discount
    amount = (line.price or ZERO) * line.quantity - discounts
    if order.taxes_included:
        amount -= _tax(line.tax_lines)
    kind = LineKind.gift_card if line.gift_card else LineKind.item
    taxes = () if line.gift_card else line.tax_lines
    return BookedLine(kind, line.name, amount, taxes, line.quantity, line.id)


def _shipping(order: Order, shipping: ShippingLine) -> BookedLine:
    amount = _shipping_amount(order, shipping)
    return BookedLine(LineKind.shipping, shipping.title, amount, shipping.tax_lines)


def _shipping_amount(order: Order, shipping: ShippingLine) -> Decimal:
    amount = shipping.discounted_price
    return amount - _tax(shipping.tax_lines) if order.taxes_included else amount


def _tax(taxes: Iterable[TaxLine]) -> Decimal:
    return sum((t.amount for t in taxes), ZERO)

"""An order's figures in one money side, worked out the way Shopify works them out.

Nothing here comes from app code: this is the independent arithmetic the property test
holds the books to. The rules:
- a line-level discount ("each": per unit, "one": once) comes off its line first; an
  order-level discount ("across") is spread over the product lines (never gift cards) in
  proportion to what is left of each, the cent remainder on the largest;
- tax is charged per line and per title on what the line costs after every discount, and
  rounded per line (order tax lines are the per-title sums); when prices include tax the tax
  is the part of that amount a rate makes up: amount × rate / (1 + Σ rates);
- shipping is taxed on its discounted price the same way;
- total_price = subtotal + discounted shipping + tax (not when included) + tip;
- cash rounding (POS, shop currency only) moves what was paid to the nearest increment.

Fixed amounts are given in shop money; `money` turns one into the side's money, so each side
is consistent on its own: presentment figures are not shop totals times a rate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tests.property.shopify_specs import Discount, LineSpec, OrderSpec, TaxSpec

ZERO = Decimal("0.00")
_CENT = Decimal("0.01")

Money = Callable[[Decimal], Decimal]


def cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Taxed:
    """A tax charged on one line: title, rate, amount."""

    title: str
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class LineFigures:
    price: Decimal
    quantity: int
    gift_card: bool
    discounts: tuple[tuple[int, Decimal], ...]  # (discount application index, amount)
    taxes: tuple[Taxed, ...]

    @property
    def discount(self) -> Decimal:
        return sum((amount for _, amount in self.discounts), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((t.amount for t in self.taxes), ZERO)


@dataclass(frozen=True)
class ShippingFigures:
    price: Decimal
    discount: Decimal
    taxes: tuple[Taxed, ...]

    @property
    def discounted(self) -> Decimal:
        return self.price - self.discount


@dataclass(frozen=True)
class Figures:
    """One money side of an order, with the totals Shopify sends and the net amounts the
    books must show."""

    lines: tuple[LineFigures, ...]
    shipping: ShippingFigures | None
    taxes_included: bool
    tip: Decimal
    cash_rounding: Decimal

    @property
    def total_line_items_price(self) -> Decimal:
        return sum((ln.price * ln.quantity for ln in self.lines), ZERO)

    @property
    def total_discounts(self) -> Decimal:
        return sum((ln.discount for ln in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return self.total_line_items_price - self.total_discounts

    @property
    def all_taxes(self) -> tuple[Taxed, ...]:
        shipping = self.shipping.taxes if self.shipping else ()
        return tuple(t for ln in self.lines for t in ln.taxes) + shipping

    @property
    def tax_lines(self) -> dict[tuple[str, Decimal], Decimal]:
        """The order's tax lines: per title (and rate), the sum over lines and shipping."""
        found: dict[tuple[str, Decimal], Decimal] = {}
        for tax in self.all_taxes:
            found[tax.title, tax.rate] = found.get((tax.title, tax.rate), ZERO) + tax.amount
        return found

    @property
    def total_tax(self) -> Decimal:
        return sum((t.amount for t in self.all_taxes), ZERO)

    @property
    def shipping_price(self) -> Decimal:
        return self.shipping.discounted if self.shipping else ZERO

    @property
    def total_price(self) -> Decimal:
        tax = ZERO if self.taxes_included else self.total_tax
        return self.subtotal + self.shipping_price + tax + self.tip

    @property
    def paid(self) -> Decimal:
        """What the buyer handed over: the total, moved by any cash rounding."""
        return self.total_price + self.cash_rounding

    @property
    def gift_cards_sold(self) -> Decimal:
        return sum((ln.price * ln.quantity for ln in self.lines if ln.gift_card), ZERO)

    @property
    def product_net(self) -> Decimal:
        """Σ over product lines (not gift cards) of price × quantity − every discount on the
        line − the tax inside the price when prices include tax."""
        return sum(
            (
                self._net(ln.price * ln.quantity - ln.discount, ln.tax)
                for ln in self.lines
                if not ln.gift_card
            ),
            ZERO,
        )

    @property
    def shipping_net(self) -> Decimal:
        """The discounted shipping price, less the tax inside it when prices include tax."""
        if self.shipping is None:
            return ZERO
        return self._net(
            self.shipping.discounted, sum((t.amount for t in self.shipping.taxes), ZERO)
        )

    def _net(self, amount: Decimal, tax: Decimal) -> Decimal:
        return amount - tax if self.taxes_included else amount


def figures(spec: OrderSpec, money: Money) -> Figures:
    """The order's figures in the side whose money `money` converts shop money into."""
    lines = [
        _line_base(spec.line_discount_index(i), line, money) for i, line in enumerate(spec.lines)
    ]
    if spec.order_discount is not None:
        lines = _across(lines, spec.order_discount, money, spec.order_discount_index)
    taxed = tuple(
        LineFigures(
            base.price,
            base.spec.quantity,
            base.spec.gift_card,
            base.discounts,
            _taxes(base.price * base.spec.quantity - base.discount, base.spec.taxes, spec),
        )
        for base in lines
    )
    shipping = _shipping(spec, money)
    tip = money(spec.tip)
    no_rounding = Figures(taxed, shipping, spec.taxes_included, tip, ZERO)
    rounding = _cash_rounding(no_rounding.total_price, spec.cash_rounding_to)
    return Figures(taxed, shipping, spec.taxes_included, tip, rounding)


@dataclass(frozen=True)
class _Base:
    spec: LineSpec
    price: Decimal
    discounts: tuple[tuple[int, Decimal], ...]

    @property
    def discount(self) -> Decimal:
        return sum((amount for _, amount in self.discounts), ZERO)

    @property
    def left(self) -> Decimal:
        return self.price * self.spec.quantity - self.discount


def _line_base(index: int, line: LineSpec, money: Money) -> _Base:
    price = money(line.price)
    if line.discount is None:
        return _Base(line, price, ())
    units = line.quantity if line.discount.allocation == "each" else 1
    if line.discount.value_type == "percentage":
        per_unit = cents(price * line.discount.value / 100)
    else:
        per_unit = min(money(line.discount.value), price)
    return _Base(line, price, ((index, per_unit * units),))


def _across(lines: list[_Base], discount: Discount, money: Money, index: int) -> list[_Base]:
    # Every product line takes an allocation (0.00 where nothing is left of it), so that both
    # currencies, rounded apart, list the same allocations.
    eligible = [i for i, ln in enumerate(lines) if not ln.spec.gift_card]
    base = sum((max(lines[i].left, ZERO) for i in eligible), ZERO)
    if not eligible:
        return lines
    if base <= 0:
        total = ZERO
    elif discount.value_type == "percentage":
        total = cents(base * discount.value / 100)
    else:
        total = min(money(discount.value), base)
    shares = {i: cents(total * max(lines[i].left, ZERO) / base) if base else ZERO for i in eligible}
    largest = max(eligible, key=lambda i: lines[i].left)
    shares[largest] = total - sum((s for i, s in shares.items() if i != largest), ZERO)
    return [
        _Base(ln.spec, ln.price, ln.discounts + ((index, shares[i]),)) if i in shares else ln
        for i, ln in enumerate(lines)
    ]


def _taxes(amount: Decimal, taxes: tuple[TaxSpec, ...], spec: OrderSpec) -> tuple[Taxed, ...]:
    rates = sum((t.rate for t in taxes), Decimal(0))
    divisor = 1 + rates if spec.taxes_included else Decimal(1)
    return tuple(Taxed(t.title, t.rate, cents(amount * t.rate / divisor)) for t in taxes)


def _shipping(spec: OrderSpec, money: Money) -> ShippingFigures | None:
    if spec.shipping is None:
        return None
    price = money(spec.shipping.price)
    discount = ZERO
    if (off := spec.shipping.discount) is not None:
        if off.value_type == "percentage":
            discount = cents(price * off.value / 100)
        else:
            discount = min(money(off.value), price)
    return ShippingFigures(price, discount, _taxes(price - discount, spec.shipping.taxes, spec))


def _cash_rounding(total: Decimal, increment: Decimal | None) -> Decimal:
    if increment is None:
        return ZERO
    return (total / increment).quantize(Decimal(1), ROUND_HALF_UP) * increment - total

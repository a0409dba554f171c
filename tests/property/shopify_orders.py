"""Hypothesis strategies for valid Shopify orders, and the REST webhook payload of each.

`orders(country)` draws an `OrderSpec` (shopify_specs), works out its figures in shop and, for
a second currency, presentment money (shopify_figures), and renders the payload with every
amount in both money bags, plus the order's transactions in the GraphQL shape a split tender
is read from. Nothing is computed by app code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.property.shopify_figures import ZERO, Figures, cents, figures
from tests.property.shopify_payload import order_payload
from tests.property.shopify_specs import (
    Discount,
    LineSpec,
    OrderSpec,
    Presentment,
    ShippingSpec,
    TaxSpec,
)

GIFT_CARD = "gift_card"
GATEWAYS = ("shopify_payments", "paypal", "cash", GIFT_CARD)
US_TAXES = (
    TaxSpec("Ohio State Tax", Decimal("0.0575")),
    TaxSpec("Franklin County Tax", Decimal("0.0175")),
    TaxSpec("Columbus Special District Tax", Decimal("0.0025")),
)
GB_STANDARD, GB_REDUCED = TaxSpec("GB VAT", Decimal("0.2")), TaxSpec("GB VAT 5%", Decimal("0.05"))
CURRENCY = {"US": "USD", "GB": "GBP"}
FOREIGN = {"US": ("CAD", "EUR"), "GB": ("EUR", "USD")}


@dataclass(frozen=True)
class GeneratedOrder:
    """An order as drawn (its spec, which is all a failing example needs to print) and as
    Shopify shows it."""

    spec: OrderSpec
    shop: Figures = field(repr=False)
    # The shop figures again when the buyer paid in the shop's currency.
    presentment: Figures = field(repr=False)
    payload: dict[str, Any] = field(repr=False)
    transactions: tuple[dict[str, Any], ...] = field(repr=False)  # GraphQL OrderTransaction

    def side(self, presentment: bool) -> Figures:
        return self.presentment if presentment else self.shop

    def currency(self, presentment: bool) -> str:
        foreign = self.spec.presentment
        return foreign.currency if presentment and foreign else self.spec.currency

    def paid_by_gift_card(self, presentment: bool) -> Decimal:
        """What gift cards paid, in the side's money."""
        if self.spec.gateways == (GIFT_CARD,):
            return self.side(presentment).paid
        key = "presentmentMoney" if presentment else "shopMoney"
        return sum(
            (
                Decimal(t["amountSet"][key]["amount"])
                for t in self.transactions
                if t["gateway"] == GIFT_CARD
            ),
            ZERO,
        )


def amounts(low: str, high: str) -> st.SearchStrategy[Decimal]:
    """Money from `low` to `high`, to the cent."""
    cent = Decimal("0.01")
    return st.integers(int(Decimal(low) / cent), int(Decimal(high) / cent)).map(lambda n: n * cent)


def percents() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 50).map(Decimal)


def taxes(country: str) -> st.SearchStrategy[tuple[TaxSpec, ...]]:
    """The titles charged on one line: in the US any of the state, county and district taxes;
    in the UK one VAT rate (a line is standard or reduced rated), or none."""
    if country == "GB":
        return st.sampled_from([(GB_STANDARD,), (GB_REDUCED,), ()])
    return st.sets(st.sampled_from(US_TAXES)).map(lambda s: tuple(t for t in US_TAXES if t in s))


def discounts(allocations: tuple[str, ...]) -> st.SearchStrategy[Discount | None]:
    fixed = st.builds(
        Discount, st.just("fixed_amount"), amounts("0.01", "40.00"), st.sampled_from(allocations)
    )
    percentage = st.builds(
        Discount, st.just("percentage"), percents(), st.sampled_from(allocations)
    )
    return st.none() | percentage | fixed


def products(country: str) -> st.SearchStrategy[LineSpec]:
    price = amounts("0.01", "2.00") | amounts("1.00", "500.00")
    return st.builds(
        LineSpec,
        price,
        st.integers(1, 5),
        st.just(False),
        taxes(country),
        discounts(("each", "one")),
    )


def gift_cards() -> st.SearchStrategy[LineSpec]:
    """A gift card sold: untaxed, undiscounted (Shopify discounts never apply to them)."""
    return st.builds(
        LineSpec, amounts("5.00", "200.00"), st.just(1), st.just(True), st.just(()), st.none()
    )


def shipping(country: str) -> st.SearchStrategy[ShippingSpec | None]:
    taxed = st.sampled_from([(GB_STANDARD,), ()]) if country == "GB" else taxes(country)
    free = st.just(Discount("percentage", Decimal(100), "each"))
    return st.none() | st.builds(
        ShippingSpec, amounts("0.00", "30.00"), taxed, discounts(("each",)) | free
    )


@st.composite
def specs(draw: st.DrawFn, country: str) -> OrderSpec:
    lines = draw(st.lists(products(country), min_size=1, max_size=4))
    lines += draw(st.lists(gift_cards(), max_size=1))
    gateways = draw(st.lists(st.sampled_from(GATEWAYS), min_size=1, max_size=3, unique=True))
    if gateways == [GIFT_CARD] and any(line.gift_card for line in lines):
        gateways.append("shopify_payments")  # a gift card does not pay for gift cards
    gateways.sort(key=lambda g: g != GIFT_CARD)
    presentment = draw(
        st.none()
        | st.builds(
            Presentment,
            st.sampled_from(FOREIGN[country]),
            st.integers(5000, 20000).map(lambda n: Decimal(n) / 10000),
        )
    )
    cash = "cash" in gateways and presentment is None  # POS cash is in the shop's currency
    return OrderSpec(
        country=country,
        currency=CURRENCY[country],
        lines=tuple(draw(st.permutations(lines))),
        order_discount=draw(discounts(("across",))),
        shipping=draw(shipping(country)),
        taxes_included=draw(st.booleans()),
        tip=draw(st.just(ZERO) | amounts("0.50", "20.00")),
        cash_rounding_to=draw(st.sampled_from([None, Decimal("0.05"), Decimal("0.10")]))
        if cash
        else None,
        presentment=presentment,
        gateways=tuple(gateways),
        weights=tuple(draw(st.integers(1, 5)) for _ in gateways),
    )


def generate(spec: OrderSpec) -> GeneratedOrder:
    shop = figures(spec, lambda amount: amount)
    presentment = shop
    if spec.presentment is not None:
        rate = spec.presentment.rate
        presentment = figures(spec, lambda amount: cents(amount * rate))
    parts = _split(spec, shop)
    converted = _in_side(parts, shop.paid, presentment.paid)
    transactions = tuple(
        _transaction(gateway, part, other, spec)
        for gateway, part, other in zip(spec.gateways, parts, converted, strict=True)
        if part
    )
    payload = order_payload(spec, shop, presentment)
    return GeneratedOrder(spec, shop, presentment, payload, transactions)


def orders(country: str) -> st.SearchStrategy[GeneratedOrder]:
    return specs(country).map(generate)


def _split(spec: OrderSpec, shop: Figures) -> list[Decimal]:
    """Each gateway's part of what was paid, by weight, the last taking the remainder; a gift
    card pays at most what is not itself a gift card sold."""
    whole, parts = sum(spec.weights), []
    for gateway, weight in zip(spec.gateways[:-1], spec.weights, strict=False):
        part = cents(shop.paid * weight / whole)
        if gateway == GIFT_CARD:
            part = max(ZERO, min(part, shop.paid - shop.gift_cards_sold))
        parts.append(part)
    return [*parts, shop.paid - sum(parts, ZERO)]


def _in_side(parts: list[Decimal], shop_paid: Decimal, paid: Decimal) -> list[Decimal]:
    """The shop-money parts in the other money side: in proportion, the last part taking what
    is left, so that both sides add up to what was paid."""
    if shop_paid == paid or not shop_paid:
        return parts
    head = [cents(paid * part / shop_paid) for part in parts[:-1]]
    return [*head, paid - sum(head, ZERO)]


def _transaction(
    gateway: str, shop: Decimal, presentment: Decimal, spec: OrderSpec
) -> dict[str, Any]:
    other = spec.presentment.currency if spec.presentment else spec.currency
    return {
        "kind": "SALE",
        "status": "SUCCESS",
        "gateway": gateway,
        "amountSet": {
            "shopMoney": {"amount": f"{shop:.2f}", "currencyCode": spec.currency},
            "presentmentMoney": {"amount": f"{presentment:.2f}", "currencyCode": other},
        },
    }

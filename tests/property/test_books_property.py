"""Every generated Shopify order, run through the app's pure path and recomputed by the QBO
sandbox as QBO would store it, books what the buyer paid, to the cent, where config puts it.

The path is the sync's own (app.services.receipts.prepare_documents) without its I/O:
parse_order → tenders (app.services.tenders.tenders_of) → book → check_total → plan_taxes →
form_for → build_sales_form, then `qbo_ledger.recompute` on a sandbox company of the shop's
country with multicurrency on. Expected figures come from tests.property.shopify_figures,
never from app code.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.booking import book, check_total
from app.domain.config import SyncConfig
from app.domain.models import Order
from app.domain.order_payload import MoneySide, parse_order
from app.domain.ports.external import QboTaxRate
from app.domain.taxes import plan_taxes
from app.domain.tenders import Tender, needs_lookup, single_tender, tenders_from_transactions
from app.domain.translate import INVOICE, LineItems, build_sales_form, form_for, payment_body
from ledgerport_sandbox import qbo_ledger
from ledgerport_sandbox.qbo_countries import GB_NO_VAT, GB_REDUCED, GB_STANDARD, TAX_TABLES
from ledgerport_sandbox.qbo_countries import US_OHIO_FRANKLIN as US_COMBINED_CODE
from ledgerport_sandbox.qbo_seed import (
    GIFT_CARD_ITEM,
    GIFT_CARD_LIABILITY_ID,
    PAYPAL_CLEARING_ID,
    ROUNDING_ITEM,
    SHIPPING_INCOME_ID,
    SHIPPING_ITEM,
    SHOPIFY_CLEARING_ID,
    TIP_ITEM,
    TIPS_PAYABLE_ID,
    UNDEPOSITED_FUNDS_ID,
    seed_realm,
)
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_txns import apply_payment, build_payment
from tests.property.shopify_figures import ZERO
from tests.property.shopify_orders import CURRENCY, FOREIGN, GIFT_CARD, GeneratedOrder, orders

PRODUCT_ITEM = "1"  # the seeded "Services" item, on an Income account
DEPOSITS = {"shopify_payments": SHOPIFY_CLEARING_ID, "paypal": PAYPAL_CLEARING_ID}
# Shopify's tax title and rate → QBO tax code: in the US one combined code for every rate
# on the order; in the UK a code per VAT rate, and "No VAT" for what Shopify did not tax.
MAPPINGS = {
    "US": {
        "Ohio State Tax|0.0575": US_COMBINED_CODE,
        "Franklin County Tax|0.0175": US_COMBINED_CODE,
        "Columbus Special District Tax|0.0025": US_COMBINED_CODE,
    },
    "GB": {"GB VAT|0.2": GB_STANDARD, "GB VAT 5%|0.05": GB_REDUCED},
}


@dataclass(frozen=True)
class Case:
    order: GeneratedOrder
    presentment: bool  # the books kept in the buyer's currency (orders.currency presentment)
    transaction_type: str
    shipping_item_id: str | None

    @property
    def country(self) -> str:
        return self.order.spec.country

    def config(self) -> SyncConfig:
        accounting: dict[str, Any] = {
            "gift_card_item_id": GIFT_CARD_ITEM,
            "tip_item_id": TIP_ITEM,
            "rounding_item_id": ROUNDING_ITEM,
            "shipping_item_id": self.shipping_item_id,
        }
        if self.country != "US":
            accounting["untaxed_tax_code_id"] = GB_NO_VAT
        return SyncConfig.from_dict(
            {
                "accounting": accounting,
                "payments": {"deposit_accounts": DEPOSITS},
                "orders": {
                    "transaction_type": self.transaction_type,
                    "currency": "presentment" if self.presentment else "shop",
                },
            }
        )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    order = draw(st.sampled_from(["US", "GB"]).flatmap(orders))
    return Case(
        order,
        presentment=draw(st.booleans()),
        transaction_type=draw(st.sampled_from(["sales_receipt", "invoice_payment"])),
        shipping_item_id=draw(st.sampled_from([None, SHIPPING_ITEM])),
    )


@functools.cache
def company(country: str) -> tuple[Realm, dict[str, str]]:
    """A sandbox company made as QboSandbox.add_realm makes one, with multicurrency on, and a
    customer in each currency an order may be booked in (a customer's currency is fixed)."""
    realm = Realm(
        f"prop-{country}", home_currency=CURRENCY[country], country=country, multicurrency=True
    )
    seed_realm(realm)
    customers = {}
    for currency in (CURRENCY[country], *FOREIGN[country]):
        body = {"DisplayName": f"Buyer {currency}", "CurrencyRef": {"value": currency}}
        customers[currency] = realm.insert("Customer", body)["Id"]
    return realm, customers


@functools.cache
def code_rates(country: str) -> dict[str, tuple[QboTaxRate, ...]]:
    """Each QBO tax code's rates, as the QBO adapter reads them for a non-US company."""
    table = TAX_TABLES[country]
    rates = {r.rate_id: QboTaxRate(r.rate_id, r.name, Decimal(r.percent)) for r in table.rates}
    return {code.code_id: tuple(rates[i] for i in code.rate_ids) for code in table.codes}


def tenders(case: Case, order: Order) -> tuple[Tender, ...]:
    """As app.services.tenders.tenders_of: the webhook's one gateway, else the transactions."""
    if not needs_lookup(order.payment_gateway_names):
        return single_tender(order.sale_total, order.payment_gateway_names)
    presentment = order.exchange_rate is not None
    return tenders_from_transactions(case.order.transactions, presentment=presentment)


@dataclass(frozen=True)
class Posted:
    entity: str
    ledger: dict[str, Any]
    payments: tuple[dict[str, Any], ...]  # an invoice's payments, as the sandbox books them


def post(case: Case) -> Posted:
    """The app's documents for the case, as the sandbox books them."""
    config = case.config()
    side = MoneySide.presentment if case.presentment else MoneySide.shop
    order = parse_order(case.order.payload, side)
    paid = tenders(case, order)
    us = case.country == "US"
    booking = book(order, paid, discount_line=us)
    check_total(order, booking)
    taxes = plan_taxes(
        order,
        booking,
        mappings=MAPPINGS[case.country],
        accounting=config.accounting,
        country=case.country,
        code_rates=None if us else code_rates(case.country),
    )
    entity = form_for(order, config, paid)
    realm, customers = company(case.country)
    products = {line.id: PRODUCT_ITEM for line in order.lines if not line.gift_card}
    body = build_sales_form(
        order,
        entity=entity,
        booking=booking,
        taxes=taxes,
        items=LineItems(products, GIFT_CARD_ITEM, TIP_ITEM, ROUNDING_ITEM),
        customer_id=customers[order.currency],
        config=config,
        tenders=paid,
    )
    record, ledger = qbo_ledger.recompute(realm, entity, body)
    if entity != INVOICE:
        return Posted(entity, ledger, ())
    return Posted(entity, ledger, pay(order, record, paid, config, realm))


def pay(
    order: Order,
    invoice: dict[str, Any],
    paid: tuple[Tender, ...],
    config: SyncConfig,
    realm: Realm,
) -> tuple[dict[str, Any], ...]:
    """Each tender's Payment (as app.services.posting.post_payments makes them) applied, in
    turn, to the invoice stored in a copy of the company, and the ledger of each."""
    realm = copy.deepcopy(realm)
    invoice_id = realm.insert(INVOICE, invoice)["Id"]
    customer_id = invoice["CustomerRef"]["value"]
    ledgers = []
    took = [t for t in paid if not t.gift_card and t.amount > 0]
    for number, tender in enumerate(took, start=1):
        body = payment_body(
            order,
            tender,
            invoice_id=invoice_id,
            customer_id=customer_id,
            number=number,
            config=config,
        )
        record, applications = build_payment(realm, body)
        apply_payment(realm, realm.insert("Payment", record), applications)
        ledgers.append(qbo_ledger.ledger(realm, "Payment", record))
    balance = (realm.get(INVOICE, invoice_id) or {})["Balance"]
    assert Decimal(str(balance)) == 0, "the payments leave the invoice open"
    return tuple(ledgers)


def amount(ledger: dict[str, Any], group: str, key: str) -> Decimal:
    return Decimal(ledger[group].get(key, "0.00"))


def liability_lines(ledger: dict[str, Any], account: str) -> list[Decimal]:
    return [Decimal(e["amount"]) for e in ledger["lines"] if e["account_id"] == account]


@given(case=cases())
@settings(max_examples=200, deadline=None)
def test_the_sandbox_books_every_order_as_shopify_charged_it(case: Case) -> None:
    """As the sandbox recomputes the document, in the money side config picks:
    - its total plus what gift cards paid is Shopify's total_price plus cash rounding;
    - its tax is Shopify's total_tax;
    - income (items + shipping − discount) is Σ over product lines of price × quantity − all
      their discounts (line and order-level) − the tax inside the price when prices include
      tax, plus the discounted shipping price less the tax inside it;
    - shipping sits on Shipping Income and the tip on Tips Payable, as their items say;
    - gift cards sold sit on the gift-card liability, and what gift cards paid comes off it;
    - the rounding classification is the cash rounding, zero when the order has none.
    """
    posted = post(case)
    ledger = posted.ledger
    figures = case.order.side(case.presentment)
    gift = case.order.paid_by_gift_card(case.presentment)
    assert ledger["currency"] == case.order.currency(case.presentment)
    assert Decimal(ledger["total"]) + gift == figures.total_price + figures.cash_rounding
    assert Decimal(ledger["tax"]) == figures.total_tax
    assert amount(ledger, "by_classification", "income") == (
        figures.product_net + figures.shipping_net
    )
    assert amount(ledger, "by_account", SHIPPING_INCOME_ID) == figures.shipping_net
    assert liability_lines(ledger, TIPS_PAYABLE_ID) == ([figures.tip] if figures.tip else [])
    gift_cards = liability_lines(ledger, GIFT_CARD_LIABILITY_ID)
    assert sum((a for a in gift_cards if a > 0), ZERO) == figures.gift_cards_sold
    assert sum((a for a in gift_cards if a < 0), ZERO) == -gift
    assert amount(ledger, "by_classification", "rounding") == figures.cash_rounding
    if posted.entity != INVOICE:
        assert ledger["deposit_account"] == deposit_account(case)
    else:
        assert deposits(posted.payments) == tendered(case)


def deposits(payments: tuple[dict[str, Any], ...]) -> list[tuple[str, Decimal]]:
    return [(p["deposit_account"], Decimal(p["total"])) for p in payments]


def tendered(case: Case) -> list[tuple[str, Decimal]]:
    """Each gateway that took money (not a gift card), in order: its deposit account
    (Undeposited Funds without one) and what it took, in the side's money."""
    spec = case.order.spec
    if len(spec.gateways) == 1:
        figures = case.order.side(case.presentment)
        took = [(spec.gateways[0], figures.paid)]
    else:
        key = "presentmentMoney" if case.presentment else "shopMoney"
        took = [
            (t["gateway"], Decimal(t["amountSet"][key]["amount"])) for t in case.order.transactions
        ]
    return [(DEPOSITS.get(g, UNDEPOSITED_FUNDS_ID), a) for g, a in took if g != GIFT_CARD and a > 0]


def deposit_account(case: Case) -> str:
    """Where a sales receipt deposits: the account of the gateway (not a gift card) that
    took money, else of the order's first gateway with one (a receipt gift cards paid in
    full deposits nothing); QBO's Undeposited Funds when none has an account set."""
    spec = case.order.spec
    took = [t["gateway"] for t in case.order.transactions] if len(spec.gateways) > 1 else []
    named = [g for g in spec.gateways if g != GIFT_CARD]
    gateways = [g for g in took if g != GIFT_CARD] or named
    return next((DEPOSITS[g] for g in gateways if g in DEPOSITS), UNDEPOSITED_FUNDS_ID)

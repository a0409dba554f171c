"""The QBO documents an order becomes, once its mappings, settings and tenders are resolved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.booking import Booking, book, check_total
from app.domain.config import BookCurrency, SyncConfig
from app.domain.errors import ErrorCode, SyncError
from app.domain.lines import check_lines, resolve_lines
from app.domain.models import Order
from app.domain.order_payload import MoneySide
from app.domain.ports import CompanyProfile, QboDocument, QboSession, QuickBooksPort
from app.domain.taxes import US, TaxPlan, plan_taxes
from app.domain.tenders import Tender
from app.domain.translate import (
    INVOICE,
    LineItems,
    build_sales_form,
    document_number,
    form_for,
    payment_body,
)
from app.services.customers import resolve_customer
from app.services.special_items import special_items


@dataclass(frozen=True)
class Prepared:
    """The sales form to post and what it was built from."""

    entity: str  # SalesReceipt or Invoice
    body: dict[str, Any]
    booking: Booking
    taxes: TaxPlan
    tenders: tuple[Tender, ...]
    customer_id: str | None
    notes: dict[str, str] = field(default_factory=dict)  # for the audit entry

    @property
    def label(self) -> str:
        return "invoice" if self.entity == INVOICE else "sales receipt"

    @property
    def payment_tenders(self) -> list[Tender]:
        """An invoice's payments, in the order they are posted: one per tender that took
        money, gift cards aside (they are a line on the invoice)."""
        if self.entity != INVOICE or self.customer_id is None:
            return []
        return [t for t in self.tenders if not t.gift_card and t.amount > 0]


def payment_bodies(
    order: Order, prepared: Prepared, invoice_id: str, config: SyncConfig
) -> list[dict[str, Any]]:
    """An invoice's Payments, in the order they are posted (see `payment_tenders`)."""
    return [
        payment_body(
            order,
            tender,
            invoice_id=invoice_id,
            customer_id=prepared.customer_id or "",
            number=number,
            config=config,
        )
        for number, tender in enumerate(prepared.payment_tenders, start=1)
    ]


def money_side(config: SyncConfig) -> MoneySide:
    """Which of Shopify's money bags the books are kept in."""
    if config.orders.currency is BookCurrency.presentment:
        return MoneySide.presentment
    return MoneySide.shop


async def prepare_documents(
    qbo: QuickBooksPort,
    session: QboSession,
    order: Order,
    config: SyncConfig,
    *,
    products: Mapping[str, str],
    customers: dict[str, str],
    tax_rates: Mapping[str, str],
    tenders: Sequence[Tender],
    created: list[str] | None = None,
) -> Prepared:
    """The form to post. Raises the SyncError of the first thing in the way: the order's own
    figures, products and tax rates (known here) before the customer (which may ask QBO)."""
    check_lines(order)
    item_ids = resolve_lines(order, products, config)
    company = await qbo.company_profile(session)
    if _currency_problem(order, company) is not None:
        # The company may have turned multicurrency on since its profile was read.
        company = await qbo.company_profile(session, fresh=True)
        if (problem := _currency_problem(order, company)) is not None:
            raise problem
    us = company.country.upper() == US
    booking = book(order, tenders, discount_line=us)
    check_total(order, booking)
    code_rates = None if us else await qbo.tax_code_rates(session)
    taxes = plan_taxes(
        order,
        booking,
        mappings=tax_rates,
        accounting=config.accounting,
        country=company.country,
        code_rates=code_rates,
    )
    currency = order.currency if company.multicurrency else None
    customer_id = await resolve_customer(
        qbo, session, order, config, customers, created, currency=currency
    )
    if customer_id is not None and company.multicurrency:
        await _check_customer_currency(qbo, session, order, customer_id, company.home_currency)
    entity = form_for(order, config, tenders)
    extra = await special_items(qbo, session, booking, config.accounting)
    body = build_sales_form(
        order,
        entity=entity,
        booking=booking,
        taxes=taxes,
        items=LineItems(item_ids, *extra),
        customer_id=customer_id,
        config=config,
        tenders=tenders,
    )
    number = document_number(order, config.orders.doc_number_prefix)
    notes = {}
    if number.shortened:
        notes["doc_number"] = (
            f"The document number was shortened to {number.value}: QuickBooks allows 21 characters."
        )
    return Prepared(entity, body, booking, taxes, tuple(tenders), customer_id, notes)


def _currency_problem(order: Order, company: CompanyProfile) -> SyncError | None:
    """Shop money must be the company's home currency; another currency needs multicurrency."""
    if order.currency == company.home_currency or not order.currency:
        return None
    if company.multicurrency and order.exchange_rate is not None:
        return None
    if order.exchange_rate is None:
        message = (
            f"Order {order.name} is in {order.currency} but the QuickBooks company keeps its "
            f"books in {company.home_currency}; connect a company whose home currency is "
            f"{order.currency}."
        )
    else:
        message = (
            f"Order {order.name} is to be posted in the buyer's currency, {order.currency}, "
            "but the QuickBooks company has multicurrency off; turn it on in QuickBooks, or "
            "set orders.currency to shop."
        )
    detail = {"field": "orders.currency", "section": "orders", "currency": order.currency}
    return SyncError(ErrorCode.invalid_account, message, detail=detail)


def qbo_own_tax(prepared: Prepared, document: QboDocument) -> Decimal | None:
    """Under automated sales tax, the tax QBO's engine would have charged: each rate of the
    code it assigned on the net amount it taxed (the answer's TxnTaxDetail.TaxLine), while
    the document books Shopify's figure as the override."""
    if not prepared.taxes.automated:
        return None
    detail = document.raw.get("TxnTaxDetail")
    lines = detail.get("TaxLine") if isinstance(detail, dict) else None
    if not isinstance(lines, list):
        return None
    total = Decimal(0)
    for line in lines:
        rate = line.get("TaxLineDetail") if isinstance(line, dict) else None
        if not isinstance(rate, dict) or "NetAmountTaxable" not in rate:
            return None
        base = Decimal(str(rate["NetAmountTaxable"])) * Decimal(str(rate.get("TaxPercent", 0)))
        total += (base / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return total


async def _check_customer_currency(
    qbo: QuickBooksPort, session: QboSession, order: Order, customer_id: str, home: str
) -> None:
    """A QBO customer's currency is fixed once set (none stated: the home currency), and QBO
    takes only documents in it: a buyer kept in another currency is customer_not_found,
    naming both."""
    customers = await qbo.list_entities(session, "Customer", active_only=False)
    found = next((c for c in customers if c.id == customer_id), None)
    if found is None or (found.currency or home) == order.currency:
        return
    message = (
        f"Order {order.name} is posted in {order.currency}, but QuickBooks customer "
        f"{found.name} (id {found.id}) is kept in {found.currency or home}, and QuickBooks "
        "takes only documents in a customer's own currency. Map the buyer to a customer kept in "
        f"{order.currency} (or create one in that currency in QuickBooks and map it)."
    )
    detail = {
        "customer_id": found.id,
        "customer_currency": found.currency or home,
        "document_currency": order.currency,
    }
    raise SyncError(ErrorCode.customer_not_found, message, detail=detail)

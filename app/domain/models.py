"""Entities and value objects: statuses, actors and a Shopify order as the sync reads it
(app.domain.order_payload reads one from Shopify's payload)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


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
    # The part of `discount` from order-level discounts (allocation_method "across"); the
    # rest came from discounts on this line alone.
    order_discount: Decimal = ZERO


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
    shipping_address: Address | None = None
    # Tips (`total_tip_received`, or the tip line items) and POS cash rounding
    # (`total_cash_rounding_payment_adjustment_set`): both sit outside `lines` and `total_price`
    # holds the tip but not the rounding.
    tip: Decimal = ZERO
    cash_rounding: Decimal = ZERO
    # The shop's currency; `currency` is the one the amounts are read in (shop money unless the
    # order was read in presentment money), and `exchange_rate` converts it to the shop's.
    shop_currency: str = ""
    exchange_rate: Decimal | None = None

    @property
    def sale_total(self) -> Decimal:
        """What the buyer was charged: Shopify's total plus any cash rounding."""
        return self.total_price + self.cash_rounding

"""A shop's sync configuration, in the sections the settings screens and the API use.

`SyncConfig.from_dict` accepts plain JSON types and refuses unknown sections, fields and
values with a `ConfigError` naming the section and field. Whether a referenced QBO id exists
is checked against QBO by the service layer, not here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from app.domain.config_values import ConfigError as ConfigError  # re-exported
from app.domain.config_values import (
    as_mapping,
    check_keys,
    default_only,
    enum_value,
    opt_id,
    statuses,
)

FINANCIAL_STATUSES = frozenset(
    {
        "pending",
        "authorized",
        "partially_paid",
        "paid",
        "partially_refunded",
        "refunded",
        "voided",
        "expired",
    }
)
# Shopify sends fulfillment_status null for an unfulfilled order; we name it.
FULFILLMENT_STATUSES = frozenset({"unfulfilled", "partial", "fulfilled", "restocked"})
_PREFIX = re.compile(r"[A-Za-z0-9._/-]{0,8}")


class CustomerStrategy(StrEnum):
    match = "match"
    create = "create"
    generic = "generic"


class UnmatchedProducts(StrEnum):
    fail = "fail"
    use_default = "use_default"
    create = "create"


class TaxMode(StrEnum):
    line_item = "line_item"
    automated_sales_tax = "automated_sales_tax"


class TransactionType(StrEnum):
    sales_receipt = "sales_receipt"
    invoice_payment = "invoice_payment"


class BookCurrency(StrEnum):
    shop = "shop"  # Shopify's shop_money, in the QBO company's home currency
    presentment = "presentment"  # the buyer's currency, with Shopify's exchange rate


@dataclass(frozen=True)
class CustomersConfig:
    strategy: CustomerStrategy = CustomerStrategy.match
    generic_customer_id: str | None = None
    require_billing_address: bool = False  # hold back orders without one (missing_field)


@dataclass(frozen=True)
class ProductsConfig:
    unmatched: UnmatchedProducts = UnmatchedProducts.fail
    default_item_id: str | None = None
    # For items LedgerPort creates in QBO (unmatched: create); COGS and asset for inventory.
    income_account_id: str | None = None
    cogs_account_id: str | None = None
    asset_account_id: str | None = None


@dataclass(frozen=True)
class AccountingConfig:
    tax_mode: TaxMode = TaxMode.line_item
    income_account_id: str | None = None
    cogs_account_id: str | None = None
    shipping_item_id: str | None = None
    discount_account_id: str | None = None
    # Gift cards sold and redeemed book to a liability: an item whose income account is one,
    # or the account itself (LedgerPort then books through an item of its own on it).
    gift_card_item_id: str | None = None
    gift_card_account_id: str | None = None
    tip_item_id: str | None = None  # tips, untaxed
    # POS cash rounding: an item, or the account LedgerPort's own rounding item books to.
    rounding_item_id: str | None = None
    rounding_account_id: str | None = None
    # Outside the US every line needs a tax code: the one for lines Shopify did not tax.
    untaxed_tax_code_id: str | None = None


@dataclass(frozen=True)
class PaymentsConfig:
    deposit_accounts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    default_deposit_account_id: str | None = None
    # Payment gateway -> QBO PaymentMethod id.
    payment_methods: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class OrdersConfig:
    trigger_financial_statuses: frozenset[str] = frozenset({"paid"})
    # Empty means any fulfillment status.
    trigger_fulfillment_statuses: frozenset[str] = frozenset()
    transaction_type: TransactionType = TransactionType.sales_receipt
    doc_number_prefix: str = "SH"
    cancellation_policy: str = "skip"  # a cancelled order is not posted
    currency: BookCurrency = BookCurrency.shop


SECTIONS = ("customers", "products", "accounting", "payments", "orders")


@dataclass(frozen=True)
class SyncConfig:
    customers: CustomersConfig = field(default_factory=CustomersConfig)
    products: ProductsConfig = field(default_factory=ProductsConfig)
    accounting: AccountingConfig = field(default_factory=AccountingConfig)
    payments: PaymentsConfig = field(default_factory=PaymentsConfig)
    orders: OrdersConfig = field(default_factory=OrdersConfig)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {name: _section_to_dict(getattr(self, name)) for name in SECTIONS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SyncConfig:
        check_keys("config", data, SECTIONS)
        parsed = {name: _PARSERS[name](as_mapping(name, data.get(name, {}))) for name in SECTIONS}
        return cls(**parsed)

    def with_section(self, section: str, changes: Mapping[str, Any]) -> SyncConfig:
        """This config with one section's fields changed (a PATCH); other fields stay."""
        if section not in SECTIONS:
            raise ConfigError(section, "", f"unknown section; use one of {', '.join(SECTIONS)}")
        merged = {**self.to_dict()[section], **as_mapping(section, changes)}
        changed = replace(self, **{section: _PARSERS[section](merged)})
        changed.check_saving(section)
        return changed

    def check_saving(self, section: str) -> None:
        """Rules for a section being saved, beyond what any stored config must meet."""
        if section == "products":
            _creatable(self.item_accounts)

    @property
    def item_accounts(self) -> ProductsConfig:
        """The products settings as items LedgerPort creates use them: an income (and COGS)
        account left unset there falls back to the accounting section's."""
        products, accounting = self.products, self.accounting
        return replace(
            products,
            income_account_id=products.income_account_id or accounting.income_account_id,
            cogs_account_id=products.cogs_account_id or accounting.cogs_account_id,
        )


def _section_to_dict(section: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(section):  # type: ignore[arg-type]
        value = getattr(section, f.name)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, StrEnum):
            value = value.value
        out[f.name] = value
    return out


def _customers(data: Mapping[str, Any]) -> CustomersConfig:
    s = "customers"
    check_keys(s, data, ("strategy", "generic_customer_id", "require_billing_address"))
    require = data.get("require_billing_address", False)
    if not isinstance(require, bool):
        raise ConfigError(s, "require_billing_address", "must be true or false")
    cfg = CustomersConfig(
        strategy=enum_value(s, "strategy", data.get("strategy", "match"), CustomerStrategy),
        generic_customer_id=opt_id(s, "generic_customer_id", data.get("generic_customer_id")),
        require_billing_address=require,
    )
    if cfg.strategy is CustomerStrategy.generic and cfg.generic_customer_id is None:
        raise ConfigError(s, "generic_customer_id", "required when strategy is generic")
    return cfg


def _products(data: Mapping[str, Any]) -> ProductsConfig:
    s = "products"
    accounts = ("income_account_id", "cogs_account_id", "asset_account_id")
    check_keys(s, data, ("unmatched", "default_item_id", *accounts))
    cfg = ProductsConfig(
        unmatched=enum_value(s, "unmatched", data.get("unmatched", "fail"), UnmatchedProducts),
        default_item_id=opt_id(s, "default_item_id", data.get("default_item_id")),
        **{name: opt_id(s, name, data.get(name)) for name in accounts},
    )
    if cfg.unmatched is UnmatchedProducts.use_default and cfg.default_item_id is None:
        raise ConfigError(s, "default_item_id", "required when unmatched is use_default")
    return cfg


def _creatable(cfg: ProductsConfig) -> None:
    """Checked when the section is saved, not when a stored config is read: a config saved
    before this rule still loads, and its orders wait with invalid_account instead."""
    if cfg.unmatched is UnmatchedProducts.create and cfg.income_account_id is None:
        raise ConfigError(
            "products",
            "income_account_id",
            "required when unmatched is create (or set accounting.income_account_id)",
        )


def _accounting(data: Mapping[str, Any]) -> AccountingConfig:
    s = "accounting"
    ids = tuple(f.name for f in fields(AccountingConfig) if f.name != "tax_mode")
    check_keys(s, data, ("tax_mode", *ids))
    return AccountingConfig(
        tax_mode=enum_value(s, "tax_mode", data.get("tax_mode", "line_item"), TaxMode),
        **{name: opt_id(s, name, data.get(name)) for name in ids},
    )


def _payments(data: Mapping[str, Any]) -> PaymentsConfig:
    s = "payments"
    check_keys(s, data, ("deposit_accounts", "default_deposit_account_id", "payment_methods"))
    return PaymentsConfig(
        deposit_accounts=_per_gateway(s, "deposit_accounts", data),
        default_deposit_account_id=opt_id(
            s, "default_deposit_account_id", data.get("default_deposit_account_id")
        ),
        payment_methods=_per_gateway(s, "payment_methods", data),
    )


def _per_gateway(section: str, name: str, data: Mapping[str, Any]) -> Mapping[str, str]:
    """A QBO id per payment gateway name (as Shopify's payment_gateway_names spell it)."""
    ids = as_mapping(section, data.get(name) or {}, name)
    for gateway, qbo_id in ids.items():
        if not isinstance(gateway, str) or not gateway.strip():
            raise ConfigError(section, name, "gateway names must be non-empty strings")
        opt_id(section, f"{name}.{gateway}", qbo_id, required=True)
    return MappingProxyType({g.strip(): str(i).strip() for g, i in ids.items()})


def _orders(data: Mapping[str, Any]) -> OrdersConfig:
    s = "orders"
    keys = ("trigger_financial_statuses", "trigger_fulfillment_statuses")
    others = ("transaction_type", "doc_number_prefix", "cancellation_policy", "currency")
    check_keys(s, data, (*keys, *others))
    default_only(s, "cancellation_policy", data.get("cancellation_policy"), "skip")
    prefix = data.get("doc_number_prefix", "SH")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise ConfigError(s, "doc_number_prefix", "up to 8 letters, digits or . _ / -")
    kind = data.get("transaction_type") or "sales_receipt"
    return OrdersConfig(
        trigger_financial_statuses=statuses(
            s, keys[0], data.get(keys[0], ["paid"]), FINANCIAL_STATUSES
        ),
        trigger_fulfillment_statuses=statuses(
            s, keys[1], data.get(keys[1], []), FULFILLMENT_STATUSES
        ),
        transaction_type=enum_value(s, "transaction_type", kind, TransactionType),
        doc_number_prefix=prefix,
        currency=enum_value(s, "currency", data.get("currency") or "shop", BookCurrency),
    )


_PARSERS: Mapping[str, Any] = {
    "customers": _customers,
    "products": _products,
    "accounting": _accounting,
    "payments": _payments,
    "orders": _orders,
}

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
from typing import Any, TypeVar

from app.domain.signals import Refused

E = TypeVar("E", bound=StrEnum)

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


class ConfigError(Refused):
    """A configuration value we refuse, in `section`, at `field` (`param` joins both)."""

    def __init__(self, section: str, field: str, message: str) -> None:
        super().__init__(message, field)
        self.section = section
        self.message = message

    @property
    def param(self) -> str:
        return f"{self.section}.{self.field}" if self.field else self.section

    def __str__(self) -> str:
        return f"{self.param}: {self.message}"


@dataclass(frozen=True)
class CustomersConfig:
    strategy: CustomerStrategy = CustomerStrategy.match
    generic_customer_id: str | None = None


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
    rounding_account_id: str | None = None  # only the default (none) until cash rounding


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
        _check_keys("config", data, SECTIONS)
        parsed = {name: _PARSERS[name](_mapping(name, data.get(name, {}))) for name in SECTIONS}
        return cls(**parsed)

    def with_section(self, section: str, changes: Mapping[str, Any]) -> SyncConfig:
        """This config with one section's fields changed (a PATCH); other fields stay."""
        if section not in SECTIONS:
            raise ConfigError(section, "", f"unknown section; use one of {', '.join(SECTIONS)}")
        merged = {**self.to_dict()[section], **_mapping(section, changes)}
        return replace(self, **{section: _PARSERS[section](merged)})


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
    _check_keys(s, data, ("strategy", "generic_customer_id"))
    cfg = CustomersConfig(
        strategy=_enum(s, "strategy", data.get("strategy", "match"), CustomerStrategy),
        generic_customer_id=_opt_id(s, "generic_customer_id", data.get("generic_customer_id")),
    )
    if cfg.strategy is CustomerStrategy.generic and cfg.generic_customer_id is None:
        raise ConfigError(s, "generic_customer_id", "required when strategy is generic")
    return cfg


def _products(data: Mapping[str, Any]) -> ProductsConfig:
    s = "products"
    accounts = ("income_account_id", "cogs_account_id", "asset_account_id")
    _check_keys(s, data, ("unmatched", "default_item_id", *accounts))
    cfg = ProductsConfig(
        unmatched=_enum(s, "unmatched", data.get("unmatched", "fail"), UnmatchedProducts),
        default_item_id=_opt_id(s, "default_item_id", data.get("default_item_id")),
        **{name: _opt_id(s, name, data.get(name)) for name in accounts},
    )
    if cfg.unmatched is UnmatchedProducts.use_default and cfg.default_item_id is None:
        raise ConfigError(s, "default_item_id", "required when unmatched is use_default")
    return cfg


def _accounting(data: Mapping[str, Any]) -> AccountingConfig:
    s = "accounting"
    ids = ("income_account_id", "cogs_account_id", "shipping_item_id", "discount_account_id")
    _check_keys(s, data, ("tax_mode", "rounding_account_id", *ids))
    _default_only(s, "rounding_account_id", data.get("rounding_account_id"), None)
    return AccountingConfig(
        tax_mode=_enum(s, "tax_mode", data.get("tax_mode", "line_item"), TaxMode),
        **{name: _opt_id(s, name, data.get(name)) for name in ids},
    )


def _payments(data: Mapping[str, Any]) -> PaymentsConfig:
    s = "payments"
    _check_keys(s, data, ("deposit_accounts", "default_deposit_account_id", "payment_methods"))
    return PaymentsConfig(
        deposit_accounts=_per_gateway(s, "deposit_accounts", data),
        default_deposit_account_id=_opt_id(
            s, "default_deposit_account_id", data.get("default_deposit_account_id")
        ),
        payment_methods=_per_gateway(s, "payment_methods", data),
    )


def _per_gateway(section: str, name: str, data: Mapping[str, Any]) -> Mapping[str, str]:
    """A QBO id per payment gateway name (as Shopify's payment_gateway_names spell it)."""
    ids = _mapping(section, data.get(name) or {}, name)
    for gateway, qbo_id in ids.items():
        if not isinstance(gateway, str) or not gateway.strip():
            raise ConfigError(section, name, "gateway names must be non-empty strings")
        _opt_id(section, f"{name}.{gateway}", qbo_id, required=True)
    return MappingProxyType({g.strip(): str(i).strip() for g, i in ids.items()})


def _orders(data: Mapping[str, Any]) -> OrdersConfig:
    s = "orders"
    keys = ("trigger_financial_statuses", "trigger_fulfillment_statuses")
    _check_keys(s, data, (*keys, "transaction_type", "doc_number_prefix", "cancellation_policy"))
    _default_only(s, "transaction_type", data.get("transaction_type"), "sales_receipt")
    _default_only(s, "cancellation_policy", data.get("cancellation_policy"), "skip")
    prefix = data.get("doc_number_prefix", "SH")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise ConfigError(s, "doc_number_prefix", "up to 8 letters, digits or . _ / -")
    kind = data.get("transaction_type") or "sales_receipt"
    return OrdersConfig(
        trigger_financial_statuses=_statuses(
            s, keys[0], data.get(keys[0], ["paid"]), FINANCIAL_STATUSES
        ),
        trigger_fulfillment_statuses=_statuses(
            s, keys[1], data.get(keys[1], []), FULFILLMENT_STATUSES
        ),
        transaction_type=_enum(s, "transaction_type", kind, TransactionType),
        doc_number_prefix=prefix,
    )


_PARSERS: Mapping[str, Any] = {
    "customers": _customers,
    "products": _products,
    "accounting": _accounting,
    "payments": _payments,
    "orders": _orders,
}


def _default_only(section: str, name: str, value: Any, default: str | None) -> None:
    """Settings whose other values the books do not handle yet take their default only."""
    if value is not None and value != default:
        raise ConfigError(
            section, name, f"only {default!r} is supported for now; other values are refused"
        )


def _check_keys(section: str, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(section, unknown[0], f"unknown field; known: {', '.join(allowed)}")


def _mapping(section: str, value: Any, field_name: str = "") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(section, field_name, "must be an object")
    return value


def _enum(section: str, name: str, value: Any, enum: type[E]) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ConfigError(section, name, f"{value!r} is not one of: {allowed}") from None


def _opt_id(section: str, name: str, value: Any, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ConfigError(section, name, "must be a QuickBooks id")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(section, name, "must be a QuickBooks id (string)")
    return str(value).strip() or None


def _statuses(section: str, name: str, value: Any, known: frozenset[str]) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ConfigError(section, name, "must be a list of statuses")
    unknown = sorted(str(v) for v in value if v not in known)
    if unknown:
        raise ConfigError(section, name, f"unknown status {unknown[0]!r}; known: {sorted(known)}")
    return frozenset(value)

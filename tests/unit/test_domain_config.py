"""SyncConfig defaults, JSON round trip, section patches and ConfigError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.domain.config import (
    ConfigError,
    CustomerStrategy,
    SyncConfig,
    TaxMode,
    TransactionType,
    UnmatchedProducts,
)

FULL: dict[str, dict[str, Any]] = {
    "customers": {
        "strategy": "generic",
        "generic_customer_id": "58",
        "require_billing_address": True,
    },
    "products": {
        "unmatched": "use_default",
        "default_item_id": "19",
        "income_account_id": "79",
        "cogs_account_id": "80",
        "asset_account_id": "81",
    },
    "accounting": {
        "tax_mode": "automated_sales_tax",
        "income_account_id": "79",
        "cogs_account_id": "80",
        "shipping_item_id": None,
        "discount_account_id": "86",
        "gift_card_item_id": "41",
        "gift_card_account_id": None,
        "tip_item_id": "42",
        "rounding_item_id": None,
        "rounding_account_id": "90",
        "untaxed_tax_code_id": None,
    },
    "payments": {
        "deposit_accounts": {"shopify_payments": "4", "cash": "35"},
        "default_deposit_account_id": "4",
        "payment_methods": {"shopify_payments": "3", "cash": "1"},
    },
    "orders": {
        "trigger_financial_statuses": ["authorized", "paid"],
        "trigger_fulfillment_statuses": ["fulfilled"],
        "transaction_type": "invoice_payment",
        "doc_number_prefix": "WEB-",
        "cancellation_policy": "skip",
        "currency": "presentment",
    },
}


def test_defaults() -> None:
    config = SyncConfig()
    assert config.customers.strategy is CustomerStrategy.match
    assert config.products.unmatched is UnmatchedProducts.fail
    assert config.accounting.tax_mode is TaxMode.line_item
    assert config.orders.trigger_financial_statuses == {"paid"}
    assert config.orders.trigger_fulfillment_statuses == frozenset()
    assert config.orders.transaction_type is TransactionType.sales_receipt
    assert config.orders.doc_number_prefix == "SH"
    assert SyncConfig.from_dict({}) == config


def test_round_trip_through_json() -> None:
    config = SyncConfig.from_dict(FULL)
    data = json.loads(json.dumps(config.to_dict()))
    assert data == FULL
    assert SyncConfig.from_dict(data) == config
    assert SyncConfig.from_dict(SyncConfig().to_dict()) == SyncConfig()


def test_with_section_changes_only_the_given_fields() -> None:
    config = SyncConfig.from_dict(FULL)
    changed = config.with_section("orders", {"doc_number_prefix": "X"})
    assert changed.orders.doc_number_prefix == "X"
    assert changed.orders.trigger_fulfillment_statuses == {"fulfilled"}
    assert changed.customers == config.customers and config.orders.doc_number_prefix == "WEB-"


@pytest.mark.parametrize(
    ("data", "section", "field"),
    [
        ({"shipping": {}}, "config", "shipping"),
        ({"customers": {"strategy": "guess"}}, "customers", "strategy"),
        ({"customers": {"strategy": "generic"}}, "customers", "generic_customer_id"),
        ({"customers": {"colour": "red"}}, "customers", "colour"),
        ({"products": {"unmatched": "use_default"}}, "products", "default_item_id"),
        ({"accounting": {"tax_mode": "vat"}}, "accounting", "tax_mode"),
        ({"accounting": {"income_account_id": 1.5}}, "accounting", "income_account_id"),
        ({"payments": {"deposit_accounts": ["4"]}}, "payments", "deposit_accounts"),
        ({"payments": {"deposit_accounts": {"cash": None}}}, "payments", "deposit_accounts.cash"),
        (
            {"orders": {"trigger_financial_statuses": ["settled"]}},
            "orders",
            "trigger_financial_statuses",
        ),
        (
            {"orders": {"trigger_financial_statuses": "paid"}},
            "orders",
            "trigger_financial_statuses",
        ),
        (
            {"orders": {"trigger_fulfillment_statuses": ["shipped"]}},
            "orders",
            "trigger_fulfillment_statuses",
        ),
        ({"orders": {"transaction_type": "invoice"}}, "orders", "transaction_type"),
        ({"orders": {"currency": "CAD"}}, "orders", "currency"),
        ({"accounting": {"tip_item_id": ["3"]}}, "accounting", "tip_item_id"),
        ({"orders": {"doc_number_prefix": "TOO-LONG-1"}}, "orders", "doc_number_prefix"),
        ({"orders": {"doc_number_prefix": "A B"}}, "orders", "doc_number_prefix"),
        ({"orders": []}, "orders", ""),
    ],
)
def test_bad_values_raise_config_error(data: dict[str, Any], section: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SyncConfig.from_dict(data)
    assert (caught.value.section, caught.value.field) == (section, field)
    assert caught.value.message


def test_patching_an_unknown_section_or_value_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown section"):
        SyncConfig().with_section("shipping", {})
    with pytest.raises(ConfigError) as caught:
        SyncConfig().with_section("products", {"unmatched": "skip"})
    assert (caught.value.section, caught.value.field) == ("products", "unmatched")


def test_config_is_immutable() -> None:
    config = SyncConfig.from_dict(FULL)
    with pytest.raises(TypeError):
        config.payments.deposit_accounts["cash"] = "1"  # type: ignore[index]


@pytest.mark.parametrize(
    ("section", "values", "field"),
    [
        ("orders", {"cancellation_policy": "void"}, "cancellation_policy"),
    ],
)
def test_settings_the_books_do_not_handle_yet_take_their_default_only(
    section: str, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError, match="only") as caught:
        SyncConfig().with_section(section, values)
    assert (caught.value.section, caught.value.field) == (section, field)
    assert caught.value.param == f"{section}.{field}"
    assert SyncConfig().with_section(section, {field: None}) == SyncConfig()

"""The closed taxonomy: ten codes, each with texts, fix steps and API actions."""

from __future__ import annotations

import re

import pytest

from app.api.main import create_app
from app.domain.errors import ACTIONS, CATALOGUE, ErrorCode, SyncError
from app.domain.faults import QboFault


def _served_routes() -> list[tuple[str, re.Pattern[str]]]:
    """Every method and path the app documents, each path as a pattern its parameters match."""
    paths = create_app(docs_only=True).openapi()["paths"]
    return [
        (method.upper(), re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))))
        for path, operations in paths.items()
        for method in operations
    ]


def test_the_catalogue_has_exactly_the_ten_codes() -> None:
    assert len(ErrorCode) == 10
    assert set(CATALOGUE) == set(ErrorCode)
    assert all(info.code is code for code, info in CATALOGUE.items())


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_entry_is_complete(code: ErrorCode) -> None:
    info = CATALOGUE[code]
    assert info.title and info.meaning and info.auto_behaviour
    assert info.fix_steps and all(step.strip() for step in info.fix_steps)
    assert info.actions
    assert all("…" not in step for step in info.fix_steps)
    # Every entry tells the user which endpoint carries out at least one step.
    assert any("/v1/shops/{shop}/" in step for step in info.fix_steps)


def test_every_action_is_one_of_our_routes() -> None:
    served = _served_routes()
    for action in ACTIONS.values():
        assert action.path.startswith("/v1/")
        assert re.fullmatch(r"[a-z][a-z0-9_]*", action.name)
        assert action.label and action.description
        path = re.sub(r"\{[a-z_]+\}", "x", action.path.split("?")[0])
        assert any(
            method == action.method and pattern.fullmatch(path) for method, pattern in served
        ), action


def test_only_timeouts_and_rate_limits_retry_by_themselves() -> None:
    automatic = {code for code, info in CATALOGUE.items() if info.retries_automatically}
    assert automatic == {ErrorCode.qbo_timeout, ErrorCode.rate_limited}


# Each option of the help page, as the actions that carry it out.
HELP_PAGE_OPTIONS = {
    ErrorCode.customer_not_found: {"map_customer", "update_customers_config", "sync_orders"},
    ErrorCode.product_not_mapped: {"auto_map_products", "map_product", "update_products_config"},
    ErrorCode.qbo_auth: {"reconnect_quickbooks", "sync_orders"},
    ErrorCode.duplicate: {"resolve_record", "sync_orders"},
    ErrorCode.tax_not_mapped: {"map_tax_rate", "update_accounting_config", "sync_orders"},
    ErrorCode.invalid_account: {
        "list_qbo_accounts",
        "update_accounting_config",
        "update_payments_config",
        "update_products_config",
        "sync_orders",
    },
    ErrorCode.qbo_timeout: {"sync_orders"},
    ErrorCode.rate_limited: {"view_run"},
    ErrorCode.on_hold: {"update_orders_config", "sync_orders"},
    ErrorCode.missing_field: {"sync_orders"},
}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_the_help_page_options_are_all_offered(code: ErrorCode) -> None:
    names = {action.name for action in CATALOGUE[code].actions}
    assert HELP_PAGE_OPTIONS[code] <= names


def test_steps_name_the_alternatives() -> None:
    def text(code: ErrorCode) -> str:
        return " ".join(CATALOGUE[code].fix_steps)

    assert "generic" in text(ErrorCode.customer_not_found)
    assert "use_default" in text(ErrorCode.product_not_mapped)
    assert "automated_sales_tax" in text(ErrorCode.tax_not_mapped)
    assert "delete" in text(ErrorCode.duplicate) and "resolve" in text(ErrorCode.duplicate)
    assert "status page" in text(ErrorCode.qbo_timeout)


def test_sync_error_carries_code_message_detail_and_fault() -> None:
    fault = QboFault(code="6140", message="Duplicate Document Number Error")
    error = SyncError(ErrorCode.duplicate, "SH1001 exists", detail={"doc": "SH1001"}, fault=fault)
    assert (error.code, error.message, str(error)) == (
        ErrorCode.duplicate,
        "SH1001 exists",
        "SH1001 exists",
    )
    assert error.detail == {"doc": "SH1001"} and error.fault is fault
    assert error.info is CATALOGUE[ErrorCode.duplicate]
    assert SyncError(ErrorCode.on_hold, "x").detail == {}


def test_an_entry_handed_out_for_a_record_names_that_record() -> None:
    info = CATALOGUE[ErrorCode.duplicate].for_record("order", "5910002001001")
    resolve = next(a for a in info.actions if a.name == "resolve_record")
    assert resolve.path == "/v1/shops/{shop}/records/order/5910002001001/resolve"
    assert {p.name for p in resolve.placeholders} == set()
    sync = next(a for a in info.actions if a.name == "sync_orders")
    assert sync.example.body == {"order_ids": ["5910002001001"]}
    assert "{id}" not in " ".join(info.fix_steps)
    assert "/records/order/5910002001001/resolve" in " ".join(info.fix_steps)


def test_every_action_has_an_example_and_documents_each_placeholder() -> None:
    for action in ACTIONS.values():
        assert 200 <= action.example.status < 300, action.name
        named = set(re.findall(r"\{([a-z_]+)\}", action.path + str(action.example.body)))
        assert named - {"shop"} == {p.name for p in action.placeholders}, action.name

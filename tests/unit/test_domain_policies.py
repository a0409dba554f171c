"""Sync triggers, the mapping of adapter failures to codes, and the retry policy."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.domain.config import OrdersConfig, PaymentsConfig
from app.domain.errors import ErrorCode, SyncError
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalError,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
    QboFault,
)
from app.domain.models import Order
from app.domain.order_payload import parse_order
from app.domain.policies import (
    MAX_TIMEOUT_ATTEMPTS,
    adopt_existing,
    classify_external,
    compute_backoff,
    counts_as_attempt,
    deposit_account_for,
    hold_reason,
    meets_triggers,
    on_hold_error,
    retry_delay,
)
from app.domain.ports import QboDocument

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def order(prefix: str) -> Order:
    (path,) = FIXTURES.glob(f"{prefix}_*.json")
    return parse_order(json.loads(path.read_text()))


# --- triggers ---------------------------------------------------------------------------


def test_paid_orders_meet_the_default_trigger() -> None:
    assert meets_triggers(order("01"), OrdersConfig())
    assert on_hold_error(order("01"), OrdersConfig()) is None


def test_pending_payment_is_on_hold_with_a_reason() -> None:
    pending = order("05")
    assert not meets_triggers(pending, OrdersConfig())
    error = on_hold_error(pending, OrdersConfig())
    assert error is not None and error.code is ErrorCode.on_hold
    assert "pending" in error.message and "#1005" in error.message
    assert meets_triggers(pending, OrdersConfig(trigger_financial_statuses=frozenset()))


def test_a_paid_trigger_is_met_by_an_order_refunded_since() -> None:
    """Reference order 06 was paid, then partly refunded: its sale is booked as placed."""
    refunded = order("06")
    assert refunded.financial_status == "partially_refunded"
    assert meets_triggers(refunded, OrdersConfig())
    assert meets_triggers(replace(refunded, financial_status="refunded"), OrdersConfig())
    only_pending = OrdersConfig(trigger_financial_statuses=frozenset({"pending"}))
    assert not meets_triggers(refunded, only_pending)


def test_fulfillment_triggers_treat_null_as_unfulfilled() -> None:
    fulfilled_only = OrdersConfig(trigger_fulfillment_statuses=frozenset({"fulfilled"}))
    assert not meets_triggers(order("01"), fulfilled_only)
    assert meets_triggers(order("04"), fulfilled_only)
    unfulfilled = OrdersConfig(trigger_fulfillment_statuses=frozenset({"unfulfilled"}))
    assert meets_triggers(order("01"), unfulfilled)


def test_cancelled_and_test_orders_never_meet_the_triggers() -> None:
    paid = order("01")
    cancelled = replace(paid, cancelled_at=paid.created_at)
    assert hold_reason(cancelled, OrdersConfig()) == "the order was cancelled in Shopify"
    assert not meets_triggers(replace(paid, test=True), OrdersConfig())


def test_deposit_account_by_gateway_then_default() -> None:
    payments = PaymentsConfig(deposit_accounts={"cash": "35"}, default_deposit_account_id="4")
    assert deposit_account_for(order("04"), payments) == "35"
    assert deposit_account_for(order("01"), payments) == "4"
    assert deposit_account_for(order("01"), PaymentsConfig()) is None


# --- classify_external ------------------------------------------------------------------


def rejected(code: str, message: str = "", detail: str = "", element: str = "") -> ExternalError:
    fault = QboFault(code=code, message=message, detail=detail, element=element)
    return ExternalRejected(message or "rejected", status=400, faults=[fault])


INACTIVE = (
    "Something you're trying to use has been made inactive. Check the fields with accounts, "
    "customers, items, vendors or employees."
)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ExternalRateLimited("429", status=429, retry_after=12), ErrorCode.rate_limited),
        (ExternalUnavailable("timed out"), ErrorCode.qbo_timeout),
        (ExternalUnavailable("bad gateway", status=502), ErrorCode.qbo_timeout),
        (ExternalAuthExpired("invalid_grant", status=401), ErrorCode.qbo_auth),
        (rejected("6140", "Duplicate Document Number Error"), ErrorCode.duplicate),
        (
            rejected(
                "2500",
                "Invalid Reference Id",
                "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",
                "Line.SalesItemLineDetail.ItemRef",
            ),
            ErrorCode.product_not_mapped,
        ),
        (
            rejected("2500", "Invalid Reference Id", element="CustomerRef"),
            ErrorCode.customer_not_found,
        ),
        (
            rejected("2500", "Invalid Reference Id", element="DepositToAccountRef"),
            ErrorCode.invalid_account,
        ),
        (
            rejected("2500", "Invalid Reference Id", "Accounts element id 7 not found"),
            ErrorCode.invalid_account,
        ),
        (
            rejected("2500", "Invalid Reference Id", "Invalid Reference Id : TaxRate"),
            ErrorCode.tax_not_mapped,
        ),
        (
            rejected("2500", "Invalid Reference Id", element="Line.SalesItemLineDetail.TaxCodeRef"),
            ErrorCode.tax_not_mapped,
        ),
        # QBO names no record here; accounts are re-checked by the sync itself, and customers
        # are only ever matched active, so a retired mapped item is the likeliest cause.
        (rejected("610", "Object Not Found", INACTIVE), ErrorCode.product_not_mapped),
        (rejected("610", "Object Not Found", INACTIVE, "ItemRef"), ErrorCode.product_not_mapped),
        (
            rejected(
                "2020",
                "Required param missing",
                "Required parameter Line is missing in the request",
            ),
            ErrorCode.missing_field,
        ),
        (
            rejected(
                "2050",
                "String length",
                "String length is either shorter or longer "
                "than supported by specification. Min:0 Max:21",
            ),
            ErrorCode.missing_field,
        ),
        (
            rejected(
                "6000",
                "A business validation error has occurred",
                "Make sure all your transactions have a GST/HST rate before you save.",
            ),
            ErrorCode.tax_not_mapped,
        ),
        (
            rejected(
                "6000",
                "A business validation error has occurred",
                "One or more transaction lines do not have a tax code associated with it",
            ),
            ErrorCode.tax_not_mapped,
        ),
        (
            rejected("6000", "QuickBooks encountered an error while calculating tax"),
            ErrorCode.tax_not_mapped,
        ),
        (
            rejected(
                "6000",
                "A business validation error has occurred",
                "You must set a transaction amount.",
            ),
            ErrorCode.missing_field,
        ),
        (
            rejected(
                "6000", "An unexpected error occurred. Please wait a few minutes and try again"
            ),
            ErrorCode.qbo_timeout,
        ),
        (rejected("6240", "Duplicate Name Exists Error"), ErrorCode.customer_not_found),
        (rejected("6190", "Invalid Company Status"), ErrorCode.qbo_auth),
        (rejected("6210", "Account Period Closed"), ErrorCode.missing_field),
        (rejected("4000", "Error parsing query"), ErrorCode.missing_field),
        (ExternalRejected("Bad Request", status=400), ErrorCode.missing_field),
    ],
)
def test_classify_external(exc: ExternalError, code: ErrorCode) -> None:
    error = classify_external(exc)
    assert error.code is code
    assert error.message
    if isinstance(exc, ExternalRejected) and exc.faults:
        assert error.fault is exc.faults[0]
        assert error.detail["faults"][0]["code"] == exc.faults[0].code


def test_the_most_specific_fault_wins() -> None:
    faults = [
        QboFault(code="2020", message="Required param missing"),
        QboFault(code="2500", message="Invalid Reference Id", element="CustomerRef"),
    ]
    error = classify_external(ExternalRejected("rejected", status=400, faults=faults))
    assert error.code is ErrorCode.customer_not_found and error.fault is faults[1]
    assert len(error.detail["faults"]) == 2 and "2500" in error.message


def test_rate_limit_keeps_retry_after() -> None:
    error = classify_external(ExternalRateLimited("slow down", status=429, retry_after=12.5))
    assert error.detail["retry_after"] == 12.5
    assert retry_delay(error, 3) == 12.5


# --- retries ----------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8, 20, 10_000])
def test_backoff_stays_within_the_exponential_envelope(attempt: int) -> None:
    ceiling = min(3600.0, 30.0 * 2.0 ** min(attempt - 1, 64))
    assert compute_backoff(attempt, jitter=lambda: 1.0) == ceiling
    assert compute_backoff(attempt, jitter=lambda: 0.0) == 0.0
    assert 0.0 <= compute_backoff(attempt) <= ceiling


def test_backoff_honours_base_cap_and_clamps_jitter() -> None:
    assert compute_backoff(3, base=1.0, cap=100.0, jitter=lambda: 0.5) == 2.0
    assert compute_backoff(30, base=1.0, cap=100.0, jitter=lambda: 7.0) == 100.0
    assert compute_backoff(0, jitter=lambda: 1.0) == 30.0


def test_retry_delay_per_code() -> None:
    timeout = SyncError(ErrorCode.qbo_timeout, "timed out")
    assert retry_delay(timeout, 1, jitter=lambda: 1.0) == 30.0
    assert retry_delay(timeout, MAX_TIMEOUT_ATTEMPTS, jitter=lambda: 1.0) is None
    assert retry_delay(SyncError(ErrorCode.rate_limited, "429"), 1) == 60.0
    for code in set(ErrorCode) - {ErrorCode.qbo_timeout, ErrorCode.rate_limited}:
        assert retry_delay(SyncError(code, "x"), 1) is None


def test_waiting_does_not_count_as_an_attempt() -> None:
    assert not counts_as_attempt(ErrorCode.rate_limited)
    assert not counts_as_attempt(ErrorCode.on_hold)
    assert counts_as_attempt(ErrorCode.qbo_timeout) and counts_as_attempt(ErrorCode.duplicate)


# --- an existing receipt with our number ---------------------------------------------------


def _existing(total: str, customer: str = "58", date: str = "2025-03-14") -> QboDocument:
    return QboDocument("912", "1001", total, customer, date, {})


def test_a_receipt_with_our_number_and_the_same_sale_is_adopted() -> None:
    paid = order("01")
    payload = {"CustomerRef": {"value": "58"}, "TxnDate": "2025-03-14"}
    existing = _existing(str(paid.total_price))
    assert adopt_existing(existing, payload, paid.total_price) is existing


@pytest.mark.parametrize(
    ("total", "customer", "date"),
    [("0.01", "58", "2025-03-14"), (None, "58", "2025-03-14"), ("same", "59", "2025-03-14"),
     ("same", "58", "2025-03-15")],
)  # fmt: skip
def test_a_receipt_with_our_number_but_another_sale_is_a_duplicate_error(
    total: str | None, customer: str, date: str
) -> None:
    paid = order("01")
    payload = {"CustomerRef": {"value": "58"}, "TxnDate": "2025-03-14"}
    existing = QboDocument("912", "1001", str(paid.total_price) if total == "same" else total,
                           customer, date, {})  # fmt: skip
    with pytest.raises(SyncError) as raised:
        adopt_existing(existing, payload, paid.total_price)
    assert raised.value.code == ErrorCode.duplicate
    assert raised.value.detail["qbo_id"] == "912"

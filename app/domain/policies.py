"""When an order syncs, what an adapter failure means in the taxonomy, when to retry, and when a
receipt QBO already has is ours."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from app.domain.config import CustomersConfig, OrdersConfig, PaymentsConfig
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
from app.domain.ports import QboDocument
from app.domain.qbo_fault_subjects import document
from app.domain.qbo_faults import read_fault

RATE_LIMIT_WAIT = 60.0  # QBO's throttle window is a minute when no Retry-After comes back.
MAX_TIMEOUT_ATTEMPTS = 10  # with base 30 s and cap 1 h, about five hours of retrying

# --- triggers ---------------------------------------------------------------------------

# Payment statuses an order reaches only once it was paid. A "paid" trigger is met by them
# too: webhooks come out of order and a backfill reads an order as it is now, so the first
# state LedgerPort sees of a paid sale may already carry a refund, and the sale as placed
# still belongs in the books (the refund is booked on its own).
PAID_THEN_REFUNDED = frozenset({"partially_refunded", "refunded"})


def hold_reason(order: Order, orders: OrdersConfig) -> str | None:
    """Why the order must wait, or None when it meets the shop's sync triggers.

    Cancelled and test orders never meet them: a cancelled order has nothing to book, and
    a test-gateway order moved no money. A manual sync may still force either through.
    """
    if order.cancelled_at is not None:
        return "the order was cancelled in Shopify"
    if order.test:
        return "the order is a test order"
    financial = order.financial_status or "unknown"
    if not _meets_financial(financial, orders.trigger_financial_statuses):
        wanted = ", ".join(sorted(orders.trigger_financial_statuses))
        return f"payment status is {financial}; the shop syncs orders that are {wanted}"
    fulfillment = order.fulfillment_status or "unfulfilled"
    wanted_f = orders.trigger_fulfillment_statuses
    if wanted_f and fulfillment not in wanted_f:
        return f"fulfillment status is {fulfillment}; the shop syncs {', '.join(sorted(wanted_f))}"
    return None


def _meets_financial(status: str, wanted: frozenset[str]) -> bool:
    """Whether a payment status meets the triggers (none set: any status does)."""
    if not wanted or status in wanted:
        return True
    return "paid" in wanted and status in PAID_THEN_REFUNDED


def meets_triggers(order: Order, orders: OrdersConfig) -> bool:
    return hold_reason(order, orders) is None


def on_hold_error(order: Order, orders: OrdersConfig) -> SyncError | None:
    reason = hold_reason(order, orders)
    if reason is None:
        return None
    return SyncError(ErrorCode.on_hold, f"Order {order.name} is on hold: {reason}.")


def missing_billing_address(order: Order, customers: CustomersConfig) -> SyncError | None:
    """The shop asks for a billing address and the order has none (or an empty one)."""
    address = order.billing_address
    if not customers.require_billing_address or (address and (address.address1 or address.zip)):
        return None
    message = (
        f"Order {order.name} has no billing address, and the customer settings ask for one. "
        "Add it to the order in Shopify, or turn require_billing_address off."
    )
    return SyncError(ErrorCode.missing_field, message, detail={"field": "billing_address"})


def deposit_account_for(order: Order, payments: PaymentsConfig) -> str | None:
    """The first gateway with a mapped account, else the default (None: QBO's own default)."""
    for gateway in order.payment_gateway_names:
        if gateway in payments.deposit_accounts:
            return payments.deposit_accounts[gateway]
    return payments.default_deposit_account_id


def payment_method_for(order: Order, payments: PaymentsConfig) -> str | None:
    """The QBO payment method of the order's first gateway that has one."""
    gateway = next((g for g in order.payment_gateway_names if g in payments.payment_methods), None)
    return payments.payment_methods[gateway] if gateway is not None else None


# --- classifying adapter failures -------------------------------------------------------


def classify_external(exc: ExternalError) -> SyncError:
    """Map an adapter exception onto the taxonomy through the fault table (qbo_faults), naming
    the document the request was writing; keeps the first telling QBO fault."""
    if isinstance(exc, ExternalRateLimited):
        return _simple(ErrorCode.rate_limited, exc, retry_after=exc.retry_after)
    if isinstance(exc, ExternalUnavailable):
        return _simple(ErrorCode.qbo_timeout, exc, retry_after=exc.retry_after)
    if isinstance(exc, ExternalAuthExpired):
        return _auth(exc)
    if isinstance(exc, ExternalRejected):
        return _classify_rejection(exc)
    # Adapters raise subclasses only; a bare ExternalError is an unclassified failure of the
    # call, so treat it as unavailable and let the bounded backoff decide.
    return _simple(ErrorCode.qbo_timeout, exc)


def classify_fault(fault: QboFault) -> ErrorCode:
    """The code for one QBO fault (see qbo_fault_rules for each choice and its source).

    Unknown permanent rejections fall back to missing_field, the honest catch-all: the
    request lacked or carried a value QBO would not take, and its fix starts with QBO's own
    message, which the SyncError keeps.
    """
    return read_fault(fault).code


def _classify_rejection(exc: ExternalRejected) -> SyncError:
    faults = exc.faults or [QboFault(code="", message=exc.message)]
    readings = [read_fault(f, exc.write) for f in faults]
    # The first fault that is not the catch-all says the most about the cause.
    index = next((i for i, r in enumerate(readings) if r.code is not ErrorCode.missing_field), 0)
    reading = readings[index]
    detail = {"faults": [asdict(f) for f in faults], "status": exc.status, **reading.detail}
    fault = faults[index] if exc.faults else None
    return SyncError(reading.code, reading.message, detail=detail, fault=fault)


def _auth(exc: ExternalAuthExpired) -> SyncError:
    """A refused credential; the fault code (120: the connecting user lost access) says why."""
    for code in exc.fault_codes:
        reading = read_fault(QboFault(code=code, message=""), exc.write)
        if reading.code is ErrorCode.qbo_auth:
            detail = {"status": exc.status, **reading.detail}
            return SyncError(ErrorCode.qbo_auth, reading.message, detail=detail)
    return _simple(ErrorCode.qbo_auth, exc)


def _simple(code: ErrorCode, exc: ExternalError, **extra: object) -> SyncError:
    detail = {"status": exc.status, **{k: v for k, v in extra.items() if v is not None}}
    message = exc.message
    if exc.write is not None:
        message = f"{message} (writing {document(exc.write)})"
        detail["qbo_entity"] = exc.write.entity
    return SyncError(code, message, detail=detail)


# --- retries ----------------------------------------------------------------------------


def counts_as_attempt(code: ErrorCode) -> bool:
    """Waiting out a rate limit or a trigger is not a failed attempt."""
    return code not in {ErrorCode.rate_limited, ErrorCode.on_hold}


def compute_backoff(
    attempt: int,
    *,
    base: float = 30.0,
    cap: float = 3600.0,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
    exponent = min(max(attempt, 1) - 1, 32)  # bounded so huge attempts cannot overflow
    return min(cap, base * 2.0**exponent) * min(max(jitter(), 0.0), 1.0)


def retry_delay(
    error: SyncError,
    attempt: int,
    *,
    base: float = 30.0,
    jitter: Callable[[], float] = random.random,
) -> float | None:
    """Seconds until the next automatic try, or None when only a person or an event helps.

    Errors fixed by a mapping, the config or a reconnect are re-queued by those events, not
    by a timer. `attempt` counts attempts that failed (see `counts_as_attempt`); `base` bounds
    the first wait after a timeout. A throttle waits its Retry-After, which the QBO adapter
    sets to the configured rate window when QuickBooks gives none.
    """
    if error.code is ErrorCode.rate_limited:
        retry_after = error.detail.get("retry_after")
        return float(retry_after) if retry_after else RATE_LIMIT_WAIT
    if error.code is ErrorCode.qbo_timeout and attempt < MAX_TIMEOUT_ATTEMPTS:
        return compute_backoff(attempt, base=base, jitter=jitter)
    return None


# --- an existing document with our number ------------------------------------------------


def adopt_existing(
    existing: QboDocument, payload: dict[str, Any], total: Decimal, what: str = "sales receipt"
) -> QboDocument:
    """An existing document with our number counts as ours only if it is the same sale: same
    customer, date and `total` (what the document we would post totals)."""
    same_customer = existing.customer_id == (payload.get("CustomerRef") or {}).get("value")
    same_date = existing.txn_date == payload.get("TxnDate")
    same_total = existing.total is not None and Decimal(existing.total) == total
    if same_customer and same_date and same_total:
        return existing
    raise SyncError(
        ErrorCode.duplicate,
        f"QuickBooks already has {what} {existing.doc_number} (id {existing.id}) "
        "and it differs from this order",
        detail={
            "qbo_id": existing.id,
            "doc_number": existing.doc_number,
            "qbo_total": existing.total,
        },
    )

"""What a manual sync or an ops re-sync selects, and why it leaves a record out.

A manual sync overrides the sync triggers (the guide's fix for an order on hold), but posts a
cancelled or voided order only when asked to (`include_cancelled`), posts nothing twice, and
syncs a record a person resolved only when it is named by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.models import Entity, Order, SyncStatus

MAX_IDS = 1000  # ids in one request
MAX_SELECTED = 5000  # records one run queues when selected by status or error code


class Skip(StrEnum):
    already_synced = "already_synced"  # in QuickBooks already: posted once, never again
    cancelled = "cancelled"  # cancelled or voided in Shopify; include_cancelled posts it
    resolved = "resolved"  # a person closed it; name it by id to sync it again
    unknown = "unknown"  # LedgerPort holds no such record
    nothing_waits = "nothing_waits"  # a product no order in error waits for


@dataclass(frozen=True)
class Selection:
    """Which records a run syncs: by ids, or by status and error code, or (orders only) by the
    date range Shopify changed them in. `include_cancelled` lets cancelled orders post."""

    entity: str = Entity.order
    ids: tuple[str, ...] = ()
    status: str | None = None
    error_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_cancelled: bool = False

    @property
    def by_range(self) -> bool:
        return self.since is not None


def is_cancelled(order: Order) -> bool:
    """Cancelled in Shopify, or its payment voided: nothing to book unless asked."""
    return order.cancelled_at is not None or order.financial_status == "voided"


def skip_reason(status: str, *, cancelled: bool, selection: Selection, by_id: bool) -> Skip | None:
    """Why the record is left out of the run, or None to queue it."""
    if status == SyncStatus.synced:
        return Skip.already_synced
    if status == SyncStatus.resolved and not by_id:
        return Skip.resolved
    if cancelled and not selection.include_cancelled:
        return Skip.cancelled
    return None

"""What a shop's plan shows of its history: the audit log and a record's entries, with the
plan's retention applied and said. Nothing is deleted here: hidden entries show again under a
plan that keeps more."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from app.domain.entities import AuditEntry, AuditFilter, Shop
from app.domain.plans import Retention
from app.domain.ports import UnitOfWork


@dataclass(frozen=True)
class Shown:
    """What a plan lets a request see: its retention and whether it hid any matching entry."""

    retention: Retention
    older_hidden: bool


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]  # newest first
    more: bool
    shown: Shown


def within(where: AuditFilter, retention: Retention) -> AuditFilter:
    """`where` narrowed to the entries the plan shows."""
    horizon = retention.hidden_before
    if horizon is None:
        return where
    since = max(where.since, horizon) if where.since is not None else horizon
    return replace(where, since=since)


async def older_hidden(uow: UnitOfWork, shop_id: int, where: AuditFilter, r: Retention) -> bool:
    """Whether an entry `where` matches is hidden by the plan (older than it shows)."""
    horizon = r.hidden_before
    if horizon is None or (where.since is not None and where.since >= horizon):
        return False
    until = min(where.until, horizon) if where.until is not None else horizon
    older = replace(where, until=until, before_id=None)
    return bool(await uow.audit.list(shop_id, older, 1))


async def audit_page(
    uow: UnitOfWork, shop: Shop, where: AuditFilter, limit: int, now: datetime
) -> AuditPage:
    """One page of the audit log, newest first, as the shop's plan shows it at `now`."""
    retention = Retention.of(shop.plan, now)
    async with uow:
        entries = await uow.audit.list(shop.id, within(where, retention), limit + 1)
        hidden = await older_hidden(uow, shop.id, where, retention)
    return AuditPage(entries[:limit], len(entries) > limit, Shown(retention, hidden))


async def record_history_shown(
    uow: UnitOfWork, shop: Shop, entity: str, shopify_id: str, now: datetime
) -> Shown:
    """The plan's retention for a record's history, and whether it hides any of its entries."""
    retention = Retention.of(shop.plan, now)
    where = AuditFilter(entity=entity, shopify_id=shopify_id)
    async with uow:
        return Shown(retention, await older_hidden(uow, shop.id, where, retention))


async def every_entry(
    uows: Callable[[], UnitOfWork], shop: Shop, where: AuditFilter, now: datetime, batch: int
) -> AsyncIterator[list[AuditEntry]]:
    """Every entry `where` matches that the plan shows, newest first, `batch` at a time, each
    batch read in its own unit of work. Entries written meanwhile are newer than the first
    batch and left out, so the export is the log as it stood when it began."""
    where = within(replace(where, before_id=None), Retention.of(shop.plan, now))
    while True:
        async with uows() as uow:
            entries = await uow.audit.list(shop.id, where, batch)
        if entries:
            yield entries
        if len(entries) < batch:
            return
        where = replace(where, before_id=entries[-1].id)

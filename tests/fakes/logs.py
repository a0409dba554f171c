"""Fake repositories of what happened: the audit log, sync runs and privacy requests."""

from __future__ import annotations

import builtins
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.domain.entities import AuditEntry, AuditFilter, PrivacyRequest, SyncRun
from app.domain.privacy import ReceivedPrivacyRequest
from tests.fakes.base import Repository, copied
from tests.fakes.store import PrivacyRow, stored

EXACT = ("status", "error_code", "entity", "actor", "label", "run_id", "shopify_id")
# What privacy.scrub looks through: (table, columns), as listed in its docstring.
PERSONAL_COLUMNS = {
    "inbox": ("body",),
    "orders": ("payload",),
    "audit": ("message", "detail"),
    "records": ("message",),
    "sources": ("label", "detail"),
    "mappings": ("source_label", "qbo_name"),
    "privacy": ("report",),
}


class AuditRepository(Repository):
    async def add(self, entry: AuditEntry) -> AuditEntry:
        entry_id = self._next_id("audit")
        entry = replace(entry, id=entry_id, created_at=entry.created_at or self._now())
        await self._lock("audit", entry_id)
        self._table("audit")[entry_id] = entry = stored(entry)
        return copied(entry)

    async def get(self, shop_id: int, entry_id: int) -> AuditEntry | None:
        entry = self._table("audit").get(entry_id)
        return copied(entry) if entry is not None and entry.shop_id == shop_id else None

    async def list(self, shop_id: int, where: AuditFilter, limit: int) -> builtins.list[AuditEntry]:
        """Newest first."""
        rows = [e for e in self._rows("audit") if e.shop_id == shop_id and _matches(e, where)]
        rows.sort(key=lambda e: e.id, reverse=True)
        return [copied(e) for e in rows[:limit]]

    async def count_by_status(self, shop_id: int, run_id: str) -> dict[str, int]:
        rows = self._rows("audit")
        return dict(Counter(e.status for e in rows if (e.shop_id, e.run_id) == (shop_id, run_id)))


def _matches(entry: AuditEntry, where: AuditFilter) -> bool:
    for name in EXACT:
        wanted = getattr(where, name)
        if isinstance(wanted, tuple):
            if getattr(entry, name) not in wanted:
                return False
        elif wanted is not None and getattr(entry, name) != wanted:
            return False
    created, since, until = entry.created_at, where.since, where.until
    assert created is not None
    return (
        (since is None or created >= since)
        and (until is None or created < until)
        and (where.before_id is None or (entry.id or 0) < where.before_id)
    )


class RunRepository(Repository):
    async def add(self, run: SyncRun) -> None:
        await self._lock("runs", run.id)
        self._table("runs")[run.id] = stored(replace(run, created_at=run.created_at or self._now()))

    async def get(self, shop_id: int, run_id: str) -> SyncRun | None:
        run = self._table("runs").get(run_id)
        return self._out(run) if run is not None and run.shop_id == shop_id else None

    async def last_done(self, shop_id: int, kind: str) -> SyncRun | None:
        done = [
            r
            for r in self._rows("runs")
            if (r.shop_id, r.kind, r.status) == (shop_id, kind, "done")
        ]
        return self._out(max(done, key=lambda r: r.created_at)) if done else None

    async def save(self, run: SyncRun) -> None:
        await self._save("runs", run.id, run)


class PrivacyRepository(Repository):
    async def add(self, request: PrivacyRequest) -> None:
        row_id = self._next_id("privacy")
        await self._lock("privacy", row_id)
        self._table("privacy")[row_id] = PrivacyRow(row_id, stored(request), self._now())

    async def list(self, shop_id: int, limit: int) -> builtins.list[ReceivedPrivacyRequest]:
        rows = [r for r in self._table("privacy").values() if r.request.shop_id == shop_id]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return [_received(r) for r in rows[:limit]]

    async def get(self, shop_id: int, request_id: int) -> ReceivedPrivacyRequest | None:
        row = self._table("privacy").get(request_id)
        return _received(row) if row is not None and row.request.shop_id == shop_id else None

    async def scrub(
        self, shop_id: int, shop_domain: str, needles: set[str], clean: Callable[[Any], Any]
    ) -> int:
        """Applies `clean` to the personal columns of the shop's rows holding a needle."""
        lowered = [n.lower() for n in needles]
        changed = 0
        for table, columns in PERSONAL_COLUMNS.items():
            for key, row in builtins.list(self._table(table).items()):
                holder = row.request if table == "privacy" else row
                if _of_shop(table, holder, shop_id, shop_domain) and any(
                    _holds(getattr(holder, c), lowered) for c in columns
                ):
                    changed += await self._clean(table, key, columns, clean)
        return changed

    async def _clean(
        self, table: str, key: Any, columns: tuple[str, ...], clean: Callable[[Any], Any]
    ) -> int:
        await self._lock(table, key)
        row = self._table(table)[key]
        holder = row.request if table == "privacy" else row
        values = {c: getattr(holder, c) for c in columns}
        cleaned = {c: _cleaned(v, clean) for c, v in values.items()}
        if cleaned == values:
            return 0
        self._table(table)[key] = _replaced(table, row, cleaned)
        return 1


def _received(row: PrivacyRow) -> ReceivedPrivacyRequest:
    return ReceivedPrivacyRequest(row.id, copied(row.request), row.created_at)


def _of_shop(table: str, row: Any, shop_id: int, shop_domain: str) -> bool:
    return bool(row.shop_domain == shop_domain if table == "inbox" else row.shop_id == shop_id)


def _holds(value: Any, needles: builtins.list[str]) -> bool:
    """Whether the value's text (a JSON value's serialised form) holds a needle, in any case."""
    if value is None:
        return False
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return any(needle in text.lower() for needle in needles)


def _cleaned(value: Any, clean: Callable[[Any], Any]) -> Any:
    """Text that holds JSON (an inbox body) is cleaned as JSON and kept compact, as by the
    SQL adapter."""
    if isinstance(value, str) and value.startswith(("{", "[")):
        try:
            return json.dumps(clean(json.loads(value)), separators=(",", ":"))
        except ValueError:
            pass
    return clean(value)


def _replaced(table: str, row: Any, values: dict[str, Any]) -> Any:
    if table == "privacy":
        return replace(row, request=stored(replace(row.request, **values)))
    return stored(replace(row, **values))

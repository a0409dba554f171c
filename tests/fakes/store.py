"""The in-memory store shared by the fake units of work of one test.

It behaves like the database where the services can tell: rows are values (a read hands out
a copy), ids come from sequences that no rollback takes back, unique keys hold, and a row
written or locked by one unit of work is locked for the others until that one ends.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.domain.entities import (
    ApiKey,
    AuditEntry,
    Connection,
    Delivery,
    OAuthState,
    PrivacyRequest,
    Shop,
    Source,
    StoredOrder,
    SyncRecord,
    SyncRun,
)
from app.domain.entities import Mapping as MappingEntry
from app.domain.ports import Clock
from app.domain.signals import AlreadyExists

T = TypeVar("T")
RowKey = tuple[str, Hashable]  # (table, primary key)


@dataclass
class KeyRow:
    key: ApiKey
    key_hash: str


@dataclass
class PrivacyRow:
    id: int
    request: PrivacyRequest
    created_at: datetime


@dataclass
class Tables:
    """One field per table, each a dict from primary key to row."""

    shops: dict[int, Shop] = field(default_factory=dict)
    api_keys: dict[int, KeyRow] = field(default_factory=dict)
    inbox: dict[int, Delivery] = field(default_factory=dict)
    orders: dict[int, StoredOrder] = field(default_factory=dict)
    records: dict[int, SyncRecord] = field(default_factory=dict)
    audit: dict[int, AuditEntry] = field(default_factory=dict)
    mappings: dict[tuple[int, str, str], MappingEntry] = field(default_factory=dict)
    configs: dict[int, dict[str, Any]] = field(default_factory=dict)
    connections: dict[int, Connection] = field(default_factory=dict)
    runs: dict[str, SyncRun] = field(default_factory=dict)
    privacy: dict[int, PrivacyRow] = field(default_factory=dict)
    # (record id, key) -> shop id: what an errored record waits for.
    blockers: dict[tuple[int, str], int] = field(default_factory=dict)
    sources: dict[tuple[int, str, str], Source] = field(default_factory=dict)
    oauth_states: dict[int, OAuthState] = field(default_factory=dict)

    def table(self, name: str) -> dict[Any, Any]:
        table: dict[Any, Any] = getattr(self, name)
        return table


TABLES = [f.name for f in fields(Tables)]
# The unique keys of app/adapters/db/tables.py, besides the primary keys.
UNIQUE: dict[str, Callable[[Any], Hashable]] = {
    "shops": lambda row: row.domain,
    "api_keys": lambda row: row.key_hash,
    "connections": lambda row: (row.shop_id, row.provider),
    "inbox": lambda row: (row.shop_domain, row.topic, row.event_id),
    "orders": lambda row: (row.shop_id, row.shopify_id),
    "records": lambda row: (row.shop_id, row.entity, row.shopify_id),
    "oauth_states": lambda row: row.nonce_hash,
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class FakeDatabase:
    """The committed state, the id sequences and the row locks."""

    def __init__(self, clock: Clock = utcnow) -> None:
        self.clock = clock
        self.tables = Tables()
        self._sequences: dict[str, int] = {}
        self._locks: dict[RowKey, object] = {}
        self._released: dict[RowKey, asyncio.Event] = {}

    def next_id(self, table: str) -> int:
        """Like a database sequence: never reused, even when the insert is rolled back."""
        self._sequences[table] = self._sequences.get(table, 0) + 1
        return self._sequences[table]

    def find(self, table: str, unique_key: Hashable) -> Hashable | None:
        """The primary key of the committed row of `table` whose unique key is `unique_key`."""
        unique = UNIQUE[table]
        rows = self.tables.table(table).items()
        return next((key for key, row in rows if unique(row) == unique_key), None)

    async def lock(self, owner: object, row: RowKey, *, wait: bool) -> bool:
        """Takes the row lock for `owner`; False when another holds it and `wait` is off."""
        while (holder := self._locks.get(row)) is not None and holder is not owner:
            if not wait:
                return False
            await self._released.setdefault(row, asyncio.Event()).wait()
        self._locks[row] = owner
        return True

    def holds(self, owner: object, row: RowKey) -> bool:
        return self._locks.get(row) is owner

    def release(self, owner: object) -> None:
        for row in [row for row, holder in self._locks.items() if holder is owner]:
            del self._locks[row]
            if (released := self._released.pop(row, None)) is not None:
                released.set()

    def publish(self, base: Tables, work: Tables) -> None:
        """Applies what a unit of work changed since `base` (its snapshot) to the committed
        state, row by row, so that units of work touching other rows do not undo each other."""
        changes = [(name, *change) for name in TABLES for change in _changes(base, work, name)]
        self._check_unique(changes)
        for name, key, row in changes:
            committed = self.tables.table(name)
            if row is None:
                committed.pop(key, None)
            elif key in committed or key not in base.table(name):
                committed[key] = row  # an update of a row deleted meanwhile changes nothing

    def _check_unique(self, changes: list[tuple[str, Hashable, Any]]) -> None:
        deleted = {(name, key) for name, key, row in changes if row is None}
        for name, key, row in changes:
            if row is None or name not in UNIQUE:
                continue
            twin = self.find(name, UNIQUE[name](row))
            if twin is not None and twin != key and (name, twin) not in deleted:
                raise AlreadyExists(f"{name}: {UNIQUE[name](row)!r} is taken")


def _changes(base: Tables, work: Tables, name: str) -> list[tuple[Hashable, Any]]:
    before, after = base.table(name), work.table(name)
    changed = [(key, row) for key, row in after.items() if before.get(key) != row]
    return changed + [(key, None) for key in before if key not in after]


def stored(entity: T) -> T:
    """A copy of `entity` as a database would hand it back: JSON values through JSON, times in
    UTC (a naive one is refused, as by the UTC column type), enum members as plain strings."""
    values = {f.name: _column(getattr(entity, f.name)) for f in fields(entity)}  # type: ignore[arg-type]
    return replace(entity, **values)  # type: ignore[type-var]


def _column(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value))
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    return value


def json_value(value: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(value))
    return copied


def snapshot(tables: Tables) -> Tables:
    return copy.deepcopy(tables)

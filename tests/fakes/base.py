"""What every fake repository does with its unit of work's working copy."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from tests.fakes.store import UNIQUE, stored

if TYPE_CHECKING:
    from tests.fakes.uow import FakeUnitOfWork

T = TypeVar("T")


class Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _table(self, name: str) -> dict[Any, Any]:
        return self._uow.work.table(name)

    def _now(self) -> datetime:
        return self._uow.db.clock()

    def _next_id(self, table: str) -> int:
        return self._uow.db.next_id(table)

    async def _lock(self, table: str, key: Hashable, *, wait: bool = True) -> bool:
        """The row lock a write or a locking read takes, held until the unit of work ends."""
        return await self._uow.lock_row(table, key, wait=wait)

    def _find(self, table: str, unique_key: Hashable) -> Hashable | None:
        """The primary key of the row with this unique key: one this unit of work sees, or one
        another committed since (an insert would collide with it)."""
        unique = UNIQUE[table]
        rows = self._table(table).items()
        key: Hashable | None = next((k for k, row in rows if unique(row) == unique_key), None)
        if key is None and (key := self._uow.db.find(table, unique_key)) is not None:
            if not self._uow.deleted(table, key):
                self._uow.refresh(table, key)
                return key
            return None
        return key

    async def _find_or_reserve(self, table: str, unique_key: Hashable) -> Hashable | None:
        """The row with this unique key; when there is none, reserves the key for an insert.
        A twin another unit of work has inserted but not committed makes this one wait and
        then find it, as an insert into a unique index does."""
        key = self._find(table, unique_key)
        if key is None:
            await self._uow.db.lock(self._uow, (f"{table} unique", unique_key), wait=True)
            key = self._find(table, unique_key)
        return key

    def _rows(self, table: str) -> list[Any]:
        return list(self._table(table).values())

    def _out(self, row: T) -> T:
        """A copy of a row for a service to change and `save`: remembered with its values, so
        that `save` writes only the fields changed since (as the SQL adapter does)."""
        entity = copy.deepcopy(row)
        self._uow.tracked[id(entity)] = (entity, _values(entity))
        return entity

    async def _save(self, table: str, key: Hashable, entity: Any) -> None:
        """Writes the fields changed since the entity was read (all of them if it was not read
        in this unit of work); nothing when the row is gone."""
        await self._lock(table, key)
        now = _values(entity)
        seen = self._uow.tracked.get(id(entity))
        before = seen[1] if seen is not None and seen[0] is entity else {}
        self._uow.tracked[id(entity)] = (entity, now)
        changes = {
            k: v for k, v in now.items() if k != "id" and (k not in before or before[k] != v)
        }
        if key in self._table(table) and changes:
            self._table(table)[key] = stored(
                dataclasses.replace(self._table(table)[key], **changes)
            )


def _values(entity: Any) -> dict[str, Any]:
    return {f.name: copy.deepcopy(getattr(entity, f.name)) for f in dataclasses.fields(entity)}


def copied(row: T) -> T:
    """What a read hands out: changing it changes nothing stored."""
    return copy.deepcopy(row)

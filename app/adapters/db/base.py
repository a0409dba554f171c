"""What every repository shares: the session, rows turned into entities, and saving only the
fields a service changed.

Reads and writes are SQLAlchemy Core statements on the tables, never ORM instances: a
repository hands out plain dataclasses, and an identity map would hand back stale values
after an UPDATE issued in the same transaction.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # id(entity) -> (entity, the field values it was read with): `save` writes the
        # difference, so two units of work that change different fields do not undo each other.
        self._read: dict[int, tuple[Any, dict[str, Any]]] = {}

    def _insert(self, table: Table) -> Any:
        """INSERT with the dialect's ON CONFLICT support."""
        dialect = self._session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    def _entity(self, cls: type[E], row: Any, *, track: bool = True) -> E:
        """The entity of a Core row whose columns include the entity's fields; remembered for
        `_save` unless `track` is off (entities saved another way, such as order payloads)."""
        mapping = row._mapping
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        entity = cls(**{name: mapping[name] for name in names})
        if track:
            self._read[id(entity)] = (entity, _values(entity))
        return entity

    async def _save(
        self, table: Table, entity: Any, key: str = "id", *, readonly: Collection[str] = ()
    ) -> None:
        """Writes the fields changed since the entity was read (all of them if it was not),
        never those in `readonly` (the table keeps them, such as an `updated_at`)."""
        now = _values(entity)
        seen = self._read.get(id(entity))
        before = seen[1] if seen is not None and seen[0] is entity else {}
        skip = {key, *readonly}
        changes = {
            k: v for k, v in now.items() if k not in skip and (k not in before or before[k] != v)
        }
        if changes:
            column = table.c[key]
            await self._session.execute(update(table).where(column == now[key]).values(**changes))
        self._read[id(entity)] = (entity, now)


def table_of(model: Any) -> Table:
    """The Core table of a declarative class."""
    table: Table = model.__table__
    return table


def _values(entity: Any) -> dict[str, Any]:
    # Copies of dicts and lists, so that a change made in place is seen as a change.
    return {
        f.name: copy.deepcopy(value) if isinstance(value, dict | list) else value
        for f in dataclasses.fields(entity)
        for value in (getattr(entity, f.name),)
    }

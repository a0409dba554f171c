"""Group commit for the webhook inbox.

Each delivery must be committed before Shopify gets its 200, and a commit per delivery makes
the intake's rate the database's commit rate. Deliveries that arrive while a write is in
flight wait for the next write and go in together: one statement, one commit, however many
of them there are. An idle intake writes each delivery alone, at once, so nothing waits for a
batch to fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Insert, Row, bindparam, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.tables import Shop, WebhookDelivery
from app.domain.entities import NewDelivery, Stored
from app.domain.signals import InboxUnavailable
from app.metrics import INBOX_BATCH

log = logging.getLogger(__name__)

COLUMNS = tuple(field.name for field in dataclasses.fields(NewDelivery))
Key = tuple[str, str, str]  # (shop_domain, topic, event_id): the inbox's unique key


AfterCommit = Callable[[list[Stored]], Awaitable[None]]
Waiting = tuple[NewDelivery, asyncio.Future[int | None]]


class InboxFull(InboxUnavailable):
    """More deliveries are waiting to be written than the writer takes on (a stalled
    database): refuse, so the sender retries later, rather than hold them all in memory."""


class InboxWriter:
    """Stores deliveries, many per transaction under load; one at a time when idle."""

    def __init__(
        self,
        engine: AsyncEngine,
        after_commit: AfterCommit,
        *,
        max_batch: int = 100,
        max_waiting: int = 5000,
    ) -> None:
        # The one statement commits by itself: no BEGIN and COMMIT round trips around it.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._after_commit = after_commit
        self._max_batch = max_batch  # SQLite allows 500 terms in a compound SELECT
        self._max_waiting = max_waiting
        self._waiting: list[Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._queueing: set[asyncio.Task[None]] = set()
        self._statements: dict[int, Insert] = {}

    async def add(self, delivery: NewDelivery) -> int | None:
        """The new row's id once committed, or None when nothing was stored: the shop is not
        installed, or (shop, topic, event id) is already in the inbox."""
        if len(self._waiting) >= self._max_waiting:
            raise InboxFull(f"{len(self._waiting)} deliveries are waiting to be stored")
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_while_waiting())
        return await future

    async def drain(self) -> None:
        """Waits until every delivery handed over is written, answered and queued (shutdown,
        and tests that look at the queue)."""
        while (self._writer is not None and not self._writer.done()) or self._queueing:
            if self._writer is not None:
                with contextlib.suppress(Exception):
                    await self._writer
            await asyncio.gather(*self._queueing, return_exceptions=True)

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            INBOX_BATCH.observe(len(batch))
            await self._write(batch)

    async def _write(self, batch: list[Waiting]) -> None:
        try:
            rows = await self._insert(batch)
        except Exception as exc:
            if _is_outage(exc):
                log.error("inbox unavailable: %s", exc)
                _settle(batch, InboxUnavailable(f"the database is unavailable ({exc})"))
            elif len(batch) > 1:
                # One bad row must not fail its neighbours: store them one by one.
                log.warning("inbox batch of %d failed (%s); one by one", len(batch), exc)
                for single in batch:
                    await self._write([single])
            else:
                _settle(batch, exc)
            return
        self._written(batch, rows)

    def _written(self, batch: list[Waiting], rows: list[Row[Any]]) -> None:
        """Queues the processing of what was stored and answers the batch's requests. The
        answers do not wait for the queue: a queue that is down or slow must not fail or delay
        deliveries that are safely stored (the sweep queues what is left unprocessed). The
        queueing task is started first, so an in-process queue holds the jobs before any
        request resumes."""
        try:
            if rows:
                stored = [Stored(row.id, row.topic, row.status) for row in rows]
                task = asyncio.create_task(self.queue_stored(stored))
                self._queueing.add(task)
                task.add_done_callback(self._queueing.discard)
            ids = {(row.shop_domain, row.topic, row.event_id): row.id for row in rows}
            # A key twice in one batch: the first delivery stored it, the second is a repeat.
            _settle(batch, [ids.pop(_key(delivery), None) for delivery, _ in batch])
        except Exception as exc:  # a bug here must not leave requests waiting forever
            log.exception("answering an inbox batch failed")
            _settle(batch, exc)

    async def _insert(self, batch: list[Waiting]) -> list[Row[Any]]:
        try:
            return await self._insert_once(batch)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # The connection had died (a database restart, a failover, a cut idle link) and
            # the pool has dropped it and its siblings: once more, on a new one.
            log.warning("inbox connection lost (%s); writing again", type(exc.orig).__name__)
            return await self._insert_once(batch)

    async def _insert_once(self, batch: list[Waiting]) -> list[Row[Any]]:
        params = {
            f"{column}_{n}": getattr(delivery, column)
            for n, (delivery, _) in enumerate(batch)
            for column in COLUMNS
        }
        async with self._engine.connect() as connection:
            return list(await connection.execute(self._statement(len(batch)), params))

    async def queue_stored(self, stored: list[Stored]) -> None:
        """Runs the after-commit hook; a failure is logged, not raised."""
        if not stored:
            return
        try:
            await self._after_commit(stored)
        except Exception:
            log.exception("queueing %d stored deliveries failed", len(stored))

    def _statement(self, size: int) -> Insert:
        """INSERT … SELECT each row WHERE its shop is installed … ON CONFLICT DO NOTHING, so the
        shop check is as fresh as the insert; built once per batch size."""
        if size not in self._statements:
            table = WebhookDelivery.__table__
            rows = []
            for n in range(size):
                columns = (bindparam(f"{c}_{n}", type_=table.c[c].type).label(c) for c in COLUMNS)
                row = select(*columns)
                installed = select(Shop.id).where(Shop.domain == bindparam(f"shop_domain_{n}"))
                rows.append(row.where(installed.exists()))
            dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
            self._statements[size] = (
                dialect.insert(table)
                .from_select(list(COLUMNS), rows[0] if size == 1 else union_all(*rows))
                .on_conflict_do_nothing(index_elements=["shop_domain", "topic", "event_id"])
                .returning(
                    table.c.id, table.c.shop_domain, table.c.topic, table.c.event_id, table.c.status
                )
            )
        return self._statements[size]


def _is_outage(exc: Exception) -> bool:
    """The database is down or unreachable, as opposed to refusing these rows."""
    if isinstance(exc, OSError):  # asyncpg: connection refused, no route, reset
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    )


def _key(delivery: NewDelivery) -> Key:
    return delivery.shop_domain, delivery.topic, delivery.event_id


def _settle(batch: list[Waiting], outcome: list[int | None] | Exception) -> None:
    for n, (_, future) in enumerate(batch):
        if future.done():  # the request was cancelled (client gone); its row stands
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome[n])

"""The database engine and the sessions units of work are made of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_engine(url: str) -> AsyncEngine:
    """An engine whose errors and statement logs never show bound parameters: they are
    orders' payloads, buyers' names and addresses, tokens."""
    if url.startswith("sqlite"):
        # One writer at a time: wait for the lock instead of failing with "database is locked".
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _write_ahead_log)
        return engine
    # Twenty connections, none beyond: an overflow connection is closed when returned, so a
    # busy process would reconnect per request. No pre-ping, which costs a round trip per
    # checkout; a dead connection fails one statement and invalidates the pool, and recycling
    # retires connections before a server or proxy idle timeout can cut them.
    return create_async_engine(
        url, pool_size=20, max_overflow=0, pool_recycle=1800, hide_parameters=True
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Raises unless the database answers."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _write_ahead_log(connection: Any, _: Any) -> None:
    """Readers and the writer no longer block each other (in the default rollback journal a
    reader holds off a commit, and the waiting is done in sleeps of up to 100 ms); FULL keeps
    a commit durable when the 200 for a webhook goes out."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()

"""The Idempotency-Key store on SQLite and PostgreSQL: a claim, a replay, a mismatch, a
release, callers apart, and expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.db.engine import make_engine, session_factory
from app.adapters.db.idempotency import SqlIdempotencyStore
from app.domain.ports.idempotency import KeyState, StoredAnswer
from tests.conftest import truncate_all

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
ANSWER = StoredAnswer(202, "application/json", b'{"run_id": "r1"}')


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlIdempotencyStore]:
    engine = make_engine(database_url)
    await truncate_all(engine)
    yield SqlIdempotencyStore(session_factory(engine))
    await engine.dispose()


async def test_a_key_is_claimed_once_then_replayed(store: SqlIdempotencyStore) -> None:
    first = await store.claim("shop:1", "k", "f1", T0, T0 + DAY)
    running = await store.claim("shop:1", "k", "f1", T0, T0 + DAY)
    await store.finish("shop:1", "k", ANSWER)
    done = await store.claim("shop:1", "k", "f1", T0, T0 + DAY)
    other = await store.claim("shop:1", "k", "f2", T0, T0 + DAY)

    assert (first.state, running.state) == (KeyState.new, KeyState.running)
    assert (done.state, done.answer) == (KeyState.done, ANSWER)
    assert other.state == KeyState.mismatch


async def test_callers_do_not_share_keys_and_a_release_frees_one(
    store: SqlIdempotencyStore,
) -> None:
    await store.claim("shop:1", "k", "f1", T0, T0 + DAY)
    theirs = await store.claim("shop:2", "k", "f9", T0, T0 + DAY)
    await store.release("shop:1", "k")
    again = await store.claim("shop:1", "k", "f3", T0, T0 + DAY)
    assert (theirs.state, again.state) == (KeyState.new, KeyState.new)


async def test_an_expired_key_is_forgotten(store: SqlIdempotencyStore) -> None:
    await store.claim("shop:1", "k", "f1", T0, T0 + DAY)
    await store.finish("shop:1", "k", ANSWER)
    later = T0 + DAY + timedelta(seconds=1)
    fresh = await store.claim("shop:1", "k", "f2", later, later + DAY)
    assert fresh.state == KeyState.new

"""Single-use OAuth states: found by hash once, then never again, even by a racing use."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.domain.signals import AlreadyExists
from tests.contract.conftest import T0, Backend

HASH = "a" * 64


async def test_a_state_round_trips_and_is_used_once(backend: Backend) -> None:
    async with backend.uow() as uow:
        added = await uow.oauth_states.add(HASH, "qbo-connect", "n.myshopify.com", "b" * 64, T0)
        await uow.commit()
    assert (added.purpose, added.shop, added.binding_hash) == (
        "qbo-connect",
        "n.myshopify.com",
        "b" * 64,
    )
    assert added.created_at == T0 and added.used_at is None
    later = T0 + timedelta(seconds=5)

    async with backend.uow() as uow:
        used = await uow.oauth_states.use(HASH, later)
        await uow.commit()
    async with backend.uow() as uow:
        again = await uow.oauth_states.use(HASH, later)
        unknown = await uow.oauth_states.use("c" * 64, later)

    assert used is not None and used.id == added.id and used.used_at == later
    assert used.binding_hash == "b" * 64
    assert again is None and unknown is None


async def test_a_use_rolled_back_leaves_the_state_usable(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.oauth_states.add(HASH, "qbo-start", "n.myshopify.com", None, T0)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.oauth_states.use(HASH, T0) is not None
    async with backend.uow() as uow:
        assert await uow.oauth_states.use(HASH, T0) is not None


async def test_a_hash_is_unique(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.oauth_states.add(HASH, "qbo-start", "n.myshopify.com", None, T0)
        await uow.commit()
    with pytest.raises(AlreadyExists):
        async with backend.uow() as uow:
            await uow.oauth_states.add(HASH, "qbo-start", "n.myshopify.com", None, T0)
            await uow.commit()


async def test_two_racing_uses_get_the_state_once(locking: Backend) -> None:
    async with locking.uow() as uow:
        await uow.oauth_states.add(HASH, "qbo-connect", "n.myshopify.com", None, T0)
        await uow.commit()
    held, got = asyncio.Event(), []

    async def first() -> None:
        async with locking.uow() as uow:
            got.append(await uow.oauth_states.use(HASH, T0))
            held.set()
            await asyncio.sleep(0.2)
            await uow.commit()

    async def second() -> None:
        await held.wait()
        async with locking.uow() as uow:
            got.append(await uow.oauth_states.use(HASH, T0))
            await uow.commit()

    await asyncio.wait_for(asyncio.gather(first(), second()), 5)
    assert got[0] is not None and got[1] is None


async def test_purging_forgets_states_created_before_the_cutoff(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.oauth_states.add("o" * 64, "qbo-start", "n.myshopify.com", None, T0)
        await uow.oauth_states.add(
            HASH, "qbo-start", "n.myshopify.com", None, T0 + timedelta(minutes=11)
        )
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.oauth_states.purge(T0 + timedelta(minutes=1)) == 1
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.oauth_states.use("o" * 64, T0) is None
        assert await uow.oauth_states.use(HASH, T0) is not None

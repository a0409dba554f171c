"""Keeping a Shopify offline token live: refresh ahead of expiry, one refresh under
concurrency (in one process and across two), and a refused refresh made visible."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from app.adapters.db.tables import Connection
from app.bootstrap import bootstrap
from app.domain.faults import ExternalAuthExpired
from tests.harness import SHOP, Harness, SlowTokenEndpoint
from tests.integration.test_shopify_install import callback, consent, shop_id, wired


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with wired(database_url) as harness:
        done = await callback(harness, await consent(harness))
        assert done.status_code == 200, done.text
        harness.api.headers["Authorization"] = f"Bearer {done.json()['api_key']}"
        yield harness


async def shopify_connection(h: Harness) -> Connection:
    async with h.container.sessions() as session:
        found = await session.scalar(select(Connection).where(Connection.provider == "shopify"))
    assert found is not None
    return found


async def expire_stored_access_token(h: Harness) -> None:
    async with h.container.sessions() as session:
        stored = await session.scalar(select(Connection))
        assert stored is not None
        stored.access_expires_at = h.container.clock()
        await session.commit()


async def test_a_live_token_is_used_without_refreshing(h: Harness) -> None:
    await h.container.shopify_tokens.session(await shop_id(h))
    assert h.shopify.tokens.refresh_calls(SHOP) == 0


async def test_a_token_near_expiry_is_refreshed_and_the_rotation_stored(h: Harness) -> None:
    before = await shopify_connection(h)
    await expire_stored_access_token(h)

    live = await h.container.shopify_tokens.session(await shop_id(h))

    after = await shopify_connection(h)
    assert h.shopify.tokens.refresh_calls(SHOP) == 1
    assert after.refresh_token != before.refresh_token
    assert after.access_expires_at is not None and after.access_expires_at > h.container.clock()
    assert h.shopify.valid_token(SHOP, live.access_token)


async def test_concurrent_sessions_refresh_once(h: Harness) -> None:
    await expire_stored_access_token(h)
    sid = await shop_id(h)

    sessions = await asyncio.gather(*(h.container.shopify_tokens.session(sid) for _ in range(8)))

    assert h.shopify.tokens.refresh_calls(SHOP) == 1
    assert len({s.access_token for s in sessions}) == 1
    assert h.shopify.valid_token(SHOP, sessions[0].access_token)
    assert (await shopify_connection(h)).status == "healthy"


async def test_a_refused_refresh_marks_the_connection_unhealthy_with_a_reason(h: Harness) -> None:
    h.shopify.tokens.revoke(SHOP)
    await expire_stored_access_token(h)

    with pytest.raises(ExternalAuthExpired):
        await h.container.shopify_tokens.session(await shop_id(h))
    with pytest.raises(ExternalAuthExpired):  # and no second call to Shopify
        await h.container.shopify_tokens.session(await shop_id(h))

    assert h.shopify.tokens.refresh_calls(SHOP) == 1
    items = (await h.api.get(f"/v1/shops/{SHOP}/connections")).json()["items"]
    shopify = next(i for i in items if i["provider"] == "shopify")
    assert shopify["status"] == "unhealthy"
    assert "refused the refresh token" in shopify["reason"]


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Harness]:
    async with wired(postgres_url) as harness:
        assert (await callback(harness, await consent(harness))).status_code == 200
        yield harness


async def test_two_processes_refresh_once_and_keep_the_connection_usable(pg: Harness) -> None:
    # Two containers = two worker processes: only PostgreSQL's row lock stands between them.
    h = pg
    await expire_stored_access_token(h)
    slow = SlowTokenEndpoint(httpx.ASGITransport(app=h.shopify.app), "/oauth/access_token")
    settings = h.container.settings
    containers = [bootstrap(settings, h.queue, shopify_transport=slow) for _ in range(2)]
    sid = await shop_id(h)
    try:
        tasks = [c.shopify_tokens.session(sid) for c in containers for _ in range(4)]
        sessions = await asyncio.gather(*tasks)
    finally:
        for container in containers:
            await container.aclose()

    assert h.shopify.tokens.refresh_calls(SHOP) == 1
    assert len({s.access_token for s in sessions}) == 1
    assert h.shopify.valid_token(SHOP, sessions[0].access_token)

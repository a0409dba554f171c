"""Connecting, reconnecting and disconnecting QuickBooks through the API, and token refresh
under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.adapters.db.tables import Connection, SyncRecord
from app.bootstrap import bootstrap
from app.domain.faults import ExternalAuthExpired
from app.services.shops import Installed, install_shop
from tests.harness import (
    FIXTURE_TAX,
    FIXTURE_TAX_CODE,
    REALM,
    SHOP,
    DeadlineTransport,
    Harness,
    SlowTokenEndpoint,
    make_settings,
    order_fixture,
    running,
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def consent(
    h: Harness,
    shop: Installed,
    browser: httpx.AsyncClient | None = None,
    realm: str | None = None,
) -> dict[str, str]:
    """What a person's browser does (h.api's cookie jar, unless another browser is given):
    the SPA asks us for the start link, the browser opens it (we set the nonce cookie and
    send it to Intuit), approves there (for `realm` when given) and comes back with Intuit's
    query, which it sends to the callback with its cookies."""
    started = await h.api.post(
        f"/v1/shops/{SHOP}/connections/quickbooks/authorize", headers=h.auth(shop)
    )
    assert started.status_code == 200
    opened = await (browser or h.api).get(started.json()["authorize_url"])
    assert opened.status_code == 302, opened.text
    url = opened.headers["location"] + (f"&realmId={realm}" if realm else "")
    transport = httpx.ASGITransport(app=h.qbo.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as intuit:
        approved = await intuit.get(url)
    assert approved.status_code in (302, 303), approved.text
    back = urlsplit(approved.headers["location"])
    return {k: v[0] for k, v in parse_qs(back.query).items()}


async def connection(h: Harness) -> Connection:
    async with h.container.sessions() as session:
        found = await session.scalar(select(Connection))
    assert found is not None
    return found


async def test_consent_flow_connects_the_shop_and_orders_sync(h: Harness) -> None:
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.map_tax(shop, *FIXTURE_TAX, h.tax_code(FIXTURE_TAX_CODE))
    before = (await h.api.get(f"/v1/shops/{SHOP}/connections", headers=h.auth(shop))).json()
    assert before["items"][0]["status"] == "not_connected"

    params = await consent(h, shop)
    done = await h.api.get("/v1/connections/quickbooks/callback", params=params)

    assert done.status_code == 200, done.text
    assert done.json() == {"shop": SHOP, "provider": "quickbooks", "status": "healthy",
                           "requeued": 0}  # fmt: skip
    status = (await h.api.get(f"/v1/shops/{SHOP}/connections", headers=h.auth(shop))).json()
    [qbo] = status["items"]
    assert (qbo["status"], qbo["external_id"]) == ("healthy", REALM)
    assert "token" not in str(status).replace("expires", "")
    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_a_tampered_or_expired_state_connects_nothing(h: Harness) -> None:
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    params = await consent(h, shop)
    url = "/v1/connections/quickbooks/callback"

    tampered = await h.api.get(url, params={**params, "state": params["state"][:-4] + "AAAA"})
    h.container.clock = lambda: datetime.now(UTC) + timedelta(minutes=11)
    expired = await h.api.get(url, params=params)

    for response in (tampered, expired):
        assert response.status_code == 400
        assert response.json()["invalid_params"][0]["name"] == "state"
    assert (await connection_or_none(h)) is None


async def connection_or_none(h: Harness) -> Connection | None:
    async with h.container.sessions() as session:
        return await session.scalar(select(Connection))


async def test_declined_consent_is_a_clear_400(h: Harness) -> None:
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    params = await consent(h, shop)
    response = await h.api.get(
        "/v1/connections/quickbooks/callback",
        params={"state": params["state"], "error": "access_denied"},
    )
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "error"


async def test_reconnecting_requeues_the_orders_that_failed_with_qbo_auth(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    h.qbo.revoke_refresh_tokens(REALM)
    async with h.container.sessions() as session:
        stale = await session.scalar(select(Connection))
        assert stale is not None
        stale.access_expires_at = h.container.clock()
        await session.commit()
    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]
    assert (await connection(h)).status == "unhealthy"

    params = await consent(h, shop)
    done = await h.api.get("/v1/connections/quickbooks/callback", params=params)
    await h.queue.join()  # type: ignore[attr-defined]

    assert done.json()["requeued"] == 1
    async with h.container.sessions() as session:
        record = await session.scalar(select(SyncRecord))
    assert record is not None and record.status == "synced"
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_disconnect_revokes_at_intuit_and_forgets_the_tokens(h: Harness) -> None:
    shop = await h.install()
    before = await connection(h)
    refresh = h.container.cipher.decrypt(before.refresh_token or b"")

    response = await h.api.delete(f"/v1/shops/{SHOP}/connections/quickbooks", headers=h.auth(shop))

    assert response.json() == {"status": "disconnected", "revoked_at_provider": True}
    after = await connection(h)
    assert (after.status, after.access_token, after.refresh_token) == ("disconnected", None, None)
    with pytest.raises(ExternalAuthExpired):
        await h.container.oauth.refresh(refresh)


async def expire_stored_access_token(h: Harness) -> None:
    async with h.container.sessions() as session:
        stored = await session.scalar(select(Connection))
        assert stored is not None
        stored.access_expires_at = h.container.clock()
        await session.commit()


def refresh_calls(h: Harness) -> int:
    return sum(1 for r in h.qbo.requests if r.path.endswith("/tokens/bearer"))


async def test_concurrent_refreshes_in_one_process_refresh_once(h: Harness) -> None:
    shop = await h.install()
    await expire_stored_access_token(h)
    calls_before = refresh_calls(h)

    sessions = await asyncio.gather(*(h.container.tokens.session(shop.shop_id) for _ in range(8)))

    assert refresh_calls(h) - calls_before == 1
    assert len({s.access_token for s in sessions}) == 1
    assert (await connection(h)).status == "healthy"


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(postgres_url)) as harness:
        yield harness


async def test_concurrent_refreshes_from_two_processes_keep_the_connection_usable(
    pg: Harness,
) -> None:
    # Two containers = two worker processes: separate engines, separate in-process locks;
    # only PostgreSQL's row lock stands between them (the production deployment).
    h = pg
    shop = await h.install()
    await expire_stored_access_token(h)
    slow = SlowTokenEndpoint(
        DeadlineTransport(httpx.ASGITransport(app=h.qbo.app), 2.0), "/tokens/bearer"
    )
    first = bootstrap(h.container.settings, h.queue, qbo_transport=slow)
    other = bootstrap(h.container.settings, h.queue, qbo_transport=slow)
    try:
        calls_before = refresh_calls(h)
        tasks = [first.tokens.session(shop.shop_id) for _ in range(4)]
        tasks += [other.tokens.session(shop.shop_id) for _ in range(4)]
        sessions = await asyncio.gather(*tasks)
    finally:
        await first.aclose()
        await other.aclose()

    assert refresh_calls(h) - calls_before == 1
    assert len({s.access_token for s in sessions}) == 1
    assert (await connection(h)).status == "healthy"
    accounts = await h.container.qbo.list_entities(sessions[0], "Account")
    assert any(a.name == "Undeposited Funds" for a in accounts)

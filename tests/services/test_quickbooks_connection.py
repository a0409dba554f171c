"""Connecting a shop to QBO, and keeping its access token alive."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.domain.entities import QUICKBOOKS
from app.domain.errors import ErrorCode, SyncError
from app.domain.signals import Conflict, ConnectionRefused
from app.services.company_switch import confirm_switch
from app.services.connections import RefreshLocks, TokenKeeper
from app.services.quickbooks_connection import QboConnector
from app.services.sync_order import sync_order
from tests.harness import SlowTokenEndpoint
from tests.services.conftest import REALM, REDIRECT, SHOP, World, paid_order


def connector(world: World) -> QboConnector:
    return QboConnector(
        world.uow,
        world.oauth,
        world.cipher,
        REDIRECT,
        world.clock,
        world.client,
        world.shop_currency,
    )


async def consent(world: World, url: str) -> dict[str, str]:
    """What Intuit's consent page sends back to the redirect URI."""
    transport = httpx.ASGITransport(app=world.qbo.app)
    async with httpx.AsyncClient(transport=transport) as browser:
        answer = await browser.get(url)
    assert answer.status_code in (302, 303, 307), answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return {name: values[0] for name, values in query.items()}


async def approve(world: World, realm: str = REALM) -> tuple[dict[str, str], str]:
    """The merchant's browser: opens the start link, approves at Intuit; Intuit's answer and
    the nonce of the browser's cookie."""
    link = await connector(world).authorize_url(SHOP)
    started = await connector(world).start(parse_qs(urlsplit(link).query)["token"][0])
    return await consent(world, started.consent_url + f"&realmId={realm}"), started.nonce


def worker(world: World, http: httpx.AsyncClient) -> TokenKeeper:
    """Another worker process's token keeper: its own in-process locks, the same database."""
    oauth = type(world.oauth)(
        http,
        token_url="http://qbo.test/oauth2/v1/tokens/bearer",
        revoke_url="http://qbo.test/v2/oauth2/tokens/revoke",
        auth_url="http://qbo.test/connect/oauth2",
        client_id="sandbox-client-id",
        client_secret="sandbox-client-secret",
        clock=world.clock,
    )
    return TokenKeeper(world.uow, oauth, world.cipher, world.clock, RefreshLocks())


async def test_a_token_not_due_is_used_as_stored(world: World) -> None:
    shop = await world.install()
    before = world.token_requests()

    session = await world.tokens.session(shop.shop_id)

    assert session.realm_id == REALM and world.token_requests() == before


async def test_a_token_due_is_refreshed_and_the_rotation_stored(world: World) -> None:
    shop = await world.install()
    stored = await world.connection(shop.shop_id)
    world.clock.advance(minutes=56)  # within the refresh margin of the hour's expiry

    session = await world.tokens.session(shop.shop_id)

    rotated = await world.connection(shop.shop_id)
    assert rotated.refresh_token != stored.refresh_token
    assert rotated.access_token is not None and rotated.refresh_token is not None
    assert world.cipher.decrypt(rotated.access_token) == session.access_token
    assert b"refresh" not in rotated.refresh_token  # stored encrypted
    assert rotated.access_expires_at is not None and rotated.access_expires_at > world.clock()
    assert rotated.status == "healthy"
    assert session.access_token != world.cipher.decrypt(stored.access_token or b"")


async def test_a_refused_refresh_marks_the_connection_unhealthy(world: World) -> None:
    shop = await world.install()
    world.clock.advance(hours=2)
    world.qbo.revoke_refresh_tokens(REALM)

    with pytest.raises(SyncError) as failed:
        await world.tokens.session(shop.shop_id)

    assert failed.value.code == ErrorCode.qbo_auth
    connection = await world.connection(shop.shop_id)
    assert connection.status == "unhealthy" and connection.status_reason
    with pytest.raises(SyncError):  # no second refresh with a token Intuit refused
        await world.tokens.session(shop.shop_id)


async def test_two_workers_due_at_once_refresh_once(world: World) -> None:
    """The connection's row lock, not the in-process lock: each worker has its own locks."""
    shop = await world.install()
    world.clock.advance(hours=2)
    slow = SlowTokenEndpoint(httpx.ASGITransport(app=world.qbo.app), "/tokens/bearer")
    before = world.token_requests()
    async with httpx.AsyncClient(transport=slow) as http:
        workers = [worker(world, http) for _ in range(2)]
        first, second = await asyncio.gather(*(w.session(shop.shop_id) for w in workers))

    assert world.token_requests() == before + 1
    assert first == second


async def test_two_workers_refused_the_same_token_renew_it_once(world: World) -> None:
    """QBO refused a token both workers hold, long before its hour was up: the second to get
    the lock finds it replaced and uses the first one's, spending no refresh token."""
    shop = await world.install()
    refused = (await world.tokens.session(shop.shop_id)).access_token
    slow = SlowTokenEndpoint(httpx.ASGITransport(app=world.qbo.app), "/tokens/bearer")
    before = world.token_requests()
    async with httpx.AsyncClient(transport=slow) as http:
        workers = [worker(world, http) for _ in range(2)]
        renewed = [w.session(shop.shop_id, rejected=refused) for w in workers]
        first, second = await asyncio.gather(*renewed)

    assert world.token_requests() == before + 1
    assert first == second and first.access_token != refused
    assert await world.tokens.session(shop.shop_id, rejected=refused) == first


async def test_connecting_stores_the_tokens_and_requeues_auth_failures(world: World) -> None:
    shop = await world.ready()
    order_id = await world.receive(shop.shop_id, paid_order())
    await world.expire_access_token(shop.shop_id)
    world.qbo.revoke_refresh_tokens(REALM)
    await sync_order(world.deps, shop.shop_id, order_id)  # fails with qbo_auth
    world.queue.take()

    answer, nonce = await approve(world)
    done = await connector(world).complete(
        answer["state"], nonce, answer["code"], answer["realmId"]
    )

    assert (done.shop, done.status, done.requeued) == (SHOP, "healthy", 1)
    connection = await world.connection(shop.shop_id)
    assert (connection.status, connection.external_id) == ("healthy", REALM)
    assert (await world.record(shop.shop_id, order_id)).status == "pending"
    [(function, args, _)] = world.queue.jobs
    assert (function, args[:2]) == ("sync_order", (shop.shop_id, order_id))
    assert await sync_order(world.deps, shop.shop_id, order_id, "system") == "synced"


async def test_a_state_not_sealed_by_us_is_refused(world: World) -> None:
    await world.install()

    with pytest.raises(ConnectionRefused) as refused:
        await connector(world).complete("forged", "nonce", "code", REALM)

    assert refused.value.field == "state"


async def test_disconnecting_revokes_and_forgets_the_tokens(world: World) -> None:
    shop = await world.install()

    assert await connector(world).disconnect(shop.shop_id)

    connection = await world.connection(shop.shop_id)
    assert connection.status == "disconnected"
    assert (connection.access_token, connection.refresh_token) == (None, None)
    async with world.uow() as uow:
        assert await uow.connections.healthy_shop_ids(QUICKBOOKS) == []


async def test_a_reconnect_to_another_company_is_held_until_the_switch_is_confirmed(
    world: World,
) -> None:
    shop = await world.install()
    world.qbo.add_realm("9130350000000002")
    answer, nonce = await approve(world, "9130350000000002")

    done = await connector(world).complete(
        answer["state"], nonce, answer["code"], answer["realmId"]
    )

    assert (done.status, done.requeued) == ("company_mismatch", 0)
    held = await world.connection(shop.shop_id)
    assert (held.external_id, held.proposed_external_id) == (REALM, "9130350000000002")
    with pytest.raises(SyncError) as refused:
        await world.tokens.session(shop.shop_id)
    assert refused.value.code == ErrorCode.qbo_auth

    switched, requeued = await confirm_switch(world.uow(), shop.shop_id, None)

    assert requeued == 0  # nothing failed while it was held
    assert (switched.status, switched.external_id) == ("healthy", "9130350000000002")
    assert (await world.tokens.session(shop.shop_id)).realm_id == "9130350000000002"
    with pytest.raises(Conflict):
        await confirm_switch(world.uow(), shop.shop_id, None)

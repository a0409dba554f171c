"""The QuickBooks consent flow is single-use and bound to the browser that started it, and
the company is the one the new token proves: replays, foreign browsers and a tampered
`realmId` connect nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from app.adapters.db.tables import Connection
from app.api.main import create_app
from app.services.quickbooks_connection import COOKIE
from app.services.shops import Installed, install_shop
from tests.harness import API, REALM, SHOP, Harness, make_settings, running
from tests.integration.test_quickbooks_connection import consent

CALLBACK = "/v1/connections/quickbooks/callback"
OTHER_REALM = "9130350000000002"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        harness.qbo.add_realm(OTHER_REALM)
        yield harness


@pytest.fixture
async def shop(h: Harness) -> Installed:
    return await install_shop(h.container.uow(), SHOP, "Northwind")


def browser(h: Harness) -> httpx.AsyncClient:
    """Another browser: its own cookie jar."""
    transport = httpx.ASGITransport(app=create_app(h.container))
    return httpx.AsyncClient(transport=transport, base_url=API)


def refused(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["invalid_params"][0]["name"]


async def realms(h: Harness) -> list[str | None]:
    async with h.container.sessions() as session:
        return list((await session.scalars(select(Connection.external_id))).all())


async def test_a_state_replayed_with_a_second_valid_code_is_refused(
    h: Harness, shop: Installed
) -> None:
    params = await consent(h, shop)
    assert (await h.api.get(CALLBACK, params=params)).status_code == 200
    second = await consent(h, shop, realm=OTHER_REALM)  # a valid code for another company

    replayed = await h.api.get(CALLBACK, params={**params, "code": second["code"]})
    again = await h.api.get(CALLBACK, params=params)

    assert refused(replayed) == (400, "state") and refused(again) == (400, "state")
    assert await realms(h) == [REALM]


async def test_a_callback_without_the_cookie_is_refused(h: Harness, shop: Installed) -> None:
    params = await consent(h, shop)
    async with browser(h) as bare:
        response = await bare.get(CALLBACK, params=params)
    assert refused(response) == (400, COOKIE)
    assert await realms(h) == []


async def test_a_callback_with_another_browsers_cookie_is_refused(
    h: Harness, shop: Installed
) -> None:
    params = await consent(h, shop)  # the merchant's browser (h.api) started this one
    async with browser(h) as attacker:
        await consent(h, shop, browser=attacker)  # its own flow, its own nonce cookie
        assert attacker.cookies.get(COOKIE)
        response = await attacker.get(CALLBACK, params=params)
    assert refused(response) == (400, COOKIE)
    assert await realms(h) == []


@pytest.mark.parametrize("tampered", [OTHER_REALM, "9130359999999999", "not-a-realm"])
async def test_a_tampered_realm_id_is_refused_and_nothing_stored(
    h: Harness, shop: Installed, tampered: str
) -> None:
    params = await consent(h, shop)  # Intuit connected REALM

    response = await h.api.get(CALLBACK, params={**params, "realmId": tampered})

    assert refused(response) == (400, "realmId")
    assert "nothing" in response.json()["detail"]
    assert await realms(h) == []
    async with h.container.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Connection)) == 0


async def test_the_start_link_is_single_use_and_sets_a_browser_bound_cookie(
    h: Harness, shop: Installed
) -> None:
    started = await h.api.post(
        f"/v1/shops/{SHOP}/connections/quickbooks/authorize", headers=h.auth(shop)
    )
    link = started.json()["authorize_url"]
    assert link.startswith(f"{API}/v1/connections/quickbooks/start?token=")

    first = await h.api.get(link)
    second = await h.api.get(link)

    assert first.status_code == 302
    assert urlsplit(first.headers["location"]).path == "/connect/oauth2"
    state = parse_qs(urlsplit(first.headers["location"]).query)["state"][0]
    cookie = first.headers["set-cookie"].lower()
    assert COOKIE in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/v1/connections/quickbooks" in cookie
    assert h.api.cookies.get(COOKIE) not in state  # the nonce never travels with the state
    assert refused(second) == (400, "token")


async def test_the_cookie_is_secure_when_served_over_https(h: Harness, shop: Installed) -> None:
    started = await h.api.post(
        f"/v1/shops/{SHOP}/connections/quickbooks/authorize", headers=h.auth(shop)
    )
    path = started.json()["authorize_url"].removeprefix(API)
    async with browser(h) as secure:
        opened = await secure.get(f"https://api.test{path}")
    assert opened.status_code == 302
    assert "secure" in opened.headers["set-cookie"].lower()

"""Installing LedgerPort through Shopify's OAuth, end to end through the sandbox, on SQLite
and PostgreSQL: what a good install stores and what a forged or stale one does not."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, text

from app.adapters.db.tables import Connection, Shop
from app.api.main import create_app
from app.bootstrap import make_shopify_oauth
from app.services.shopify_connection import COOKIE
from tests.harness import API, SHOP, Harness, make_settings, running

SHOPIFY_BASE = "http://shopify.test/shops/{shop}/admin/api"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with wired(database_url) as harness:
        yield harness


@asynccontextmanager
async def wired(database_url: str) -> AsyncIterator[Harness]:
    """`running` with the container's Shopify OAuth pointed at the harness's sandbox."""
    settings = make_settings(database_url, SHOPIFY_API_BASE=SHOPIFY_BASE)
    async with running(settings) as h:
        transport = httpx.ASGITransport(app=h.shopify.app)
        oauth, http = make_shopify_oauth(settings, h.container.clock, transport)
        h.container.shopify_oauth = oauth
        h.container.http_clients.append(http)  # closed with the container
        yield h


async def consent(h: Harness, shop: str = SHOP) -> dict[str, str]:
    """What the merchant's browser does: Shopify opens our app URL, we send it to the consent
    page, Shopify redirects back. Returns the callback's query."""
    started = await h.api.get("/v1/shopify/install", params=h.shopify.tokens.install_query(shop))
    assert started.status_code == 302, started.text
    transport = httpx.ASGITransport(app=h.shopify.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shopify.test") as browser:
        approved = await browser.get(started.headers["location"])
    assert approved.status_code == 302, approved.text
    return dict(parse_qsl(urlsplit(approved.headers["location"]).query))


async def callback(h: Harness, params: dict[str, str]) -> httpx.Response:
    return await h.api.get("/v1/shopify/callback", params=params)


async def counts(h: Harness) -> tuple[int, int]:
    async with h.container.sessions() as session:
        shops = await session.scalar(select(func.count()).select_from(Shop))
        connections = await session.scalar(select(func.count()).select_from(Connection))
    return shops or 0, connections or 0


def problem_field(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["invalid_params"][0]["name"])


async def test_install_creates_the_shop_and_a_usable_encrypted_connection(h: Harness) -> None:
    done = await callback(h, await consent(h))

    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["shop"], body["status"]) == (SHOP, "healthy")
    auth = {"Authorization": f"Bearer {body['api_key']}"}
    listed = (await h.api.get(f"/v1/shops/{SHOP}/connections", headers=auth)).json()["items"]
    assert [(i["provider"], i["status"]) for i in listed] == [
        ("quickbooks", "not_connected"),
        ("shopify", "healthy"),
    ]
    [issued] = list(h.shopify.tokens.access)
    [refresh] = list(h.shopify.tokens.refresh_tokens)
    async with h.container.sessions() as session:
        raw = await session.execute(text("SELECT access_token, refresh_token FROM connections"))
        stored = b"".join(bytes(v) for v in raw.one())
    assert issued.encode() not in stored and refresh.encode() not in stored
    live = await h.container.shopify_tokens.session(await shop_id(h))
    assert (live.shop, live.access_token) == (SHOP, issued)
    assert h.shopify.valid_token(SHOP, live.access_token)


async def shop_id(h: Harness, domain: str = SHOP) -> int:
    async with h.container.uow() as uow:
        shop = await uow.shops.get_by_domain(domain)
    assert shop is not None
    return shop.id


async def test_installing_again_reuses_the_shop_and_shows_no_key(h: Harness) -> None:
    first = (await callback(h, await consent(h))).json()
    again = await callback(h, await consent(h))

    assert again.status_code == 200
    assert again.json() == {"shop": SHOP, "status": "healthy", "api_key": None}
    assert await counts(h) == (1, 1)
    auth = {"Authorization": f"Bearer {first['api_key']}"}
    assert (await h.api.get(f"/v1/shops/{SHOP}/connections", headers=auth)).status_code == 200


async def test_forged_or_foreign_install_requests_store_nothing(h: Harness) -> None:
    signed = h.shopify.tokens.install_query(SHOP)
    cases = {
        "hmac": (401, {**signed, "hmac": "0" * 64}),
        "shop": (400, h.shopify.tokens.install_query("northwind.example.com")),
        "timestamp": (400, h.shopify.tokens.install_query(SHOP, time.time() - 600)),
    }
    for field, (status, params) in cases.items():
        response = await h.api.get("/v1/shopify/install", params=params)
        assert (response.status_code, problem_field(response)) == (status, field)
    unsigned = await h.api.get("/v1/shopify/install", params={"shop": SHOP})
    assert unsigned.status_code == 422
    assert {p["name"] for p in unsigned.json()["invalid_params"]} == {"timestamp", "hmac"}


async def test_forged_or_replayed_callbacks_store_nothing(h: Harness) -> None:
    good = await consent(h)
    other = await consent(h, "other.myshopify.com")
    resign = h.shopify.tokens.signed_query
    cases = {
        "hmac": (401, {**good, "code": "attacker-code"}),
        "state": (400, resign({**good, "state": good["state"][:-4] + "AAAA"})),
        # a genuine state for one shop cannot complete another
        "shop": (400, resign({**other, "state": good["state"]})),
    }
    for field, (status, params) in cases.items():
        response = await callback(h, params)
        assert (response.status_code, problem_field(response)) == (status, field), field
    assert await counts(h) == (0, 0)


async def test_an_expired_or_used_state_is_refused_even_with_another_valid_code(
    h: Harness,
) -> None:
    params = await consent(h)
    assert (await callback(h, params)).status_code == 200
    replayed = await callback(h, params)
    assert (replayed.status_code, problem_field(replayed)) == (400, "state")
    fresh = await consent(h)  # a second valid code, from a second consent
    resign = h.shopify.tokens.signed_query
    second = await callback(h, resign({**params, "code": fresh["code"]}))
    assert (second.status_code, problem_field(second)) == (400, "state")

    later = datetime.now(UTC) + timedelta(minutes=11)
    h.container.clock = lambda: later
    late = h.shopify.tokens.signed_query({**params, "timestamp": str(int(later.timestamp()))})
    expired = await callback(h, late)
    assert (expired.status_code, problem_field(expired)) == (400, "state")


def other_browser(h: Harness) -> httpx.AsyncClient:
    """A browser with its own cookie jar."""
    transport = httpx.ASGITransport(app=create_app(h.container))
    return httpx.AsyncClient(transport=transport, base_url=API)


async def test_a_callback_without_the_cookie_or_with_another_browsers_is_refused(
    h: Harness,
) -> None:
    params = await consent(h)
    async with other_browser(h) as bare:
        missing = await bare.get("/v1/shopify/callback", params=params)
    assert (missing.status_code, problem_field(missing)) == (400, COOKIE)
    assert await counts(h) == (0, 0)

    params = await consent(h)
    async with other_browser(h) as elsewhere:
        await elsewhere.get("/v1/shopify/install", params=h.shopify.tokens.install_query(SHOP))
        assert elsewhere.cookies.get(COOKIE)  # its own flow, its own nonce
        foreign = await elsewhere.get("/v1/shopify/callback", params=params)
    assert (foreign.status_code, problem_field(foreign)) == (400, COOKIE)
    assert await counts(h) == (0, 0)


async def test_the_install_cookie_is_httponly_and_lax(h: Harness) -> None:
    started = await h.api.get("/v1/shopify/install", params=h.shopify.tokens.install_query(SHOP))
    cookie = started.headers["set-cookie"].lower()
    assert COOKIE in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/v1/shopify" in cookie and "secure" not in cookie  # served over http here

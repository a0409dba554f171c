"""The fake Shopify's OAuth through the real adapter: signed redirects, expiring offline
tokens, rotating refresh tokens, Shopify's error bodies, and GraphQL accepting what it issued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from app.adapters.shopify.oauth import ShopifyOAuth
from app.domain.faults import ExternalAuthExpired, ExternalRejected
from app.domain.ports import TokenSet
from ledgerport_sandbox.shopify import ShopifySandbox

SECRET = "oauth-test-secret"
CLIENT = "sandbox-shopify-client"
SHOP = "northwind.myshopify.com"
BASE = "http://shopify.test/shops/{shop}/admin/api"
QUERY = '{ order(id: "gid://shopify/Order/1") { id } }'


@pytest.fixture
def sandbox() -> ShopifySandbox:
    return ShopifySandbox(client_secret=SECRET)


@pytest.fixture
async def http(sandbox: ShopifySandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shopify.test") as client:
        yield client


@pytest.fixture
def oauth(http: httpx.AsyncClient) -> ShopifyOAuth:
    return ShopifyOAuth(
        http, api_base_template=BASE, client_id=CLIENT, client_secret=SECRET,
        clock=lambda: datetime.now(UTC),
    )  # fmt: skip


async def consent(http: httpx.AsyncClient, oauth: ShopifyOAuth) -> dict[str, str]:
    url = oauth.authorize_url(SHOP, "read_orders", "https://app.test/cb?x=1", "the-state")
    answer = await http.get(url)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["location"])
    assert back.netloc == "app.test"
    return dict(parse_qsl(back.query))


async def graphql(http: httpx.AsyncClient, token: str) -> int:
    url = f"/shops/{SHOP}/admin/api/2025-07/graphql.json"
    answer = await http.post(url, json={"query": QUERY}, headers={"X-Shopify-Access-Token": token})
    return answer.status_code


async def test_consent_redirect_is_signed_the_way_shopify_signs_it(
    http: httpx.AsyncClient, oauth: ShopifyOAuth
) -> None:
    back = await consent(http, oauth)

    assert set(back) == {"x", "code", "hmac", "host", "shop", "state", "timestamp"}
    assert (back["shop"], back["state"]) == (SHOP, "the-state")
    # x=1 came from our redirect_uri and is signed too: Shopify signs the whole query.
    assert oauth.verify_query_hmac(back)
    assert not oauth.verify_query_hmac({**back, "state": "other"})
    assert not oauth.verify_query_hmac({k: v for k, v in back.items() if k != "hmac"})


async def test_code_gives_an_expiring_token_that_graphql_accepts_once(
    http: httpx.AsyncClient, oauth: ShopifyOAuth, sandbox: ShopifySandbox
) -> None:
    code = (await consent(http, oauth))["code"]
    tokens = await oauth.exchange_code(SHOP, code)

    assert tokens.refresh_expires_at is not None
    lifetime = tokens.access_expires_at - datetime.now(UTC)
    assert 3500 < lifetime.total_seconds() <= 3600
    assert await graphql(http, tokens.access_token) == 200
    with pytest.raises(ExternalRejected, match="invalid_request"):
        await oauth.exchange_code(SHOP, code)  # a code is single-use
    sandbox.tokens.expire_access_tokens(SHOP)
    assert await graphql(http, tokens.access_token) == 401


async def test_a_token_is_accepted_only_on_its_own_shop(
    http: httpx.AsyncClient, oauth: ShopifyOAuth, sandbox: ShopifySandbox
) -> None:
    tokens = await oauth.exchange_code(SHOP, (await consent(http, oauth))["code"])
    assert sandbox.valid_token(SHOP, tokens.access_token)
    assert not sandbox.valid_token("other.myshopify.com", tokens.access_token)


async def test_refresh_rotates_and_the_old_token_works_until_the_new_one_is_used(
    http: httpx.AsyncClient, oauth: ShopifyOAuth
) -> None:
    first = await oauth.exchange_code(SHOP, (await consent(http, oauth))["code"])

    second = await oauth.refresh(SHOP, first.refresh_token)
    retried = await oauth.refresh(SHOP, first.refresh_token)  # e.g. the answer was lost
    third = await oauth.refresh(SHOP, retried.refresh_token)

    assert len({first.refresh_token, second.refresh_token, retried.refresh_token}) == 3
    assert await graphql(http, third.access_token) == 200
    for spent in (first.refresh_token, second.refresh_token):
        with pytest.raises(ExternalAuthExpired, match="invalid_grant"):
            await oauth.refresh(SHOP, spent)


async def test_refresh_after_revocation_is_invalid_grant_with_shopifys_body(
    http: httpx.AsyncClient, oauth: ShopifyOAuth, sandbox: ShopifySandbox
) -> None:
    tokens: TokenSet = await oauth.exchange_code(SHOP, (await consent(http, oauth))["code"])
    sandbox.tokens.revoke(SHOP)

    raw = await http.post(
        f"/shops/{SHOP}/admin/oauth/access_token",
        data={"client_id": CLIENT, "client_secret": SECRET, "grant_type": "refresh_token",
              "refresh_token": tokens.refresh_token},
    )  # fmt: skip
    with pytest.raises(ExternalAuthExpired) as caught:
        await oauth.refresh(SHOP, tokens.refresh_token)

    assert raw.status_code == 400
    assert raw.json()["error"] == "invalid_grant" and raw.json()["error_description"]
    assert tokens.refresh_token not in str(caught.value)


async def test_wrong_client_secret_is_refused(http: httpx.AsyncClient) -> None:
    stranger = ShopifyOAuth(
        http, api_base_template=BASE, client_id=CLIENT, client_secret="not-ours",
        clock=lambda: datetime.now(UTC),
    )  # fmt: skip
    with pytest.raises(ExternalAuthExpired, match="invalid_client"):
        await stranger.refresh(SHOP, "shprt_whatever")


def test_only_myshopify_domains_are_shops(oauth: ShopifyOAuth) -> None:
    assert oauth.valid_shop_domain("north-wind2.myshopify.com")
    bad = ["evil.com", "northwind.myshopify.com.evil.com", "a.b.myshopify.com",
           "northwind.myshopify.com/", "", "-x.myshopify.com", "NORTH.myshopify.com"]  # fmt: skip
    for shop in bad:
        assert not oauth.valid_shop_domain(shop), shop
    with pytest.raises(ValueError):
        oauth.authorize_url("evil.com", "read_orders", "https://app.test/cb", "s")

"""The edges every answer passes: security headers on a 200, a 404, a problem and a 431; a
header size limit; refused API keys rate-limited per client while a right key keeps working;
an access line per request that never holds the query string."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.adapters.attempts import InProcessFailures, RedisFailures
from app.api.main import create_app
from tests.conftest import REDIS_URL
from tests.harness import API, SHOP, Harness, make_settings, running

PROBLEM = "application/problem+json"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


def client(h: Harness, host: str = "127.0.0.1", base_url: str = API) -> httpx.AsyncClient:
    """Another client of the harness's app, from `host`."""
    app = create_app(h.container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(host, 4711))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def secured(response: httpx.Response, *, hsts: bool = False) -> None:
    headers = response.headers
    assert headers["cache-control"] == "no-store", headers
    assert headers["x-content-type-options"] == "nosniff", headers
    assert ("strict-transport-security" in headers) is hsts, headers
    assert "server" not in headers


async def test_security_headers_on_a_200_a_404_and_a_problem(h: Harness) -> None:
    key = (await h.install()).api_key
    auth = {"Authorization": f"Bearer {key}"}
    ok = await h.api.get(f"/v1/shops/{SHOP}/records", headers=auth)
    missing_route = await h.api.get("/v1/nothing-here")
    other_shop = await h.api.get("/v1/shops/other.myshopify.com/records", headers=auth)
    unauthorized = await h.api.get(f"/v1/shops/{SHOP}/records")
    invalid = await h.api.get(f"/v1/shops/{SHOP}/records", params={"limit": "x"}, headers=auth)
    statuses = [r.status_code for r in (ok, missing_route, other_shop, unauthorized, invalid)]
    assert statuses == [200, 404, 404, 401, 422]
    for response in (ok, missing_route, other_shop, unauthorized, invalid):
        secured(response)
    assert other_shop.headers["content-type"] == PROBLEM


async def test_hsts_only_over_tls_or_from_a_trusted_proxy(database_url: str) -> None:
    settings = make_settings(database_url, LEDGERPORT_TRUSTED_PROXIES="10.0.0.1, 10.0.0.2")
    async with running(settings) as h:
        forwarded = {"X-Forwarded-Proto": "https"}
        async with client(h, base_url="https://ledgerport.test") as tls:
            secured(await tls.get("/v1/errors"), hsts=True)
        async with client(h, host="10.0.0.2") as proxy:
            secured(await proxy.get("/v1/errors", headers=forwarded), hsts=True)
            secured(await proxy.get("/v1/errors"), hsts=False)
        async with client(h, host="10.0.0.9") as stranger:
            secured(await stranger.get("/v1/errors", headers=forwarded), hsts=False)


async def test_headers_over_16_kib_are_a_431_problem(h: Harness) -> None:
    under = await h.api.get("/healthz", headers={"X-Filler": "a" * 15_000})
    assert under.status_code == 200
    over = await h.api.get("/healthz", headers={"X-Filler": "a" * 16_400})
    assert over.status_code == 431, over.text
    assert over.headers["content-type"] == PROBLEM
    assert over.json()["code"] == "headers_too_large"
    secured(over)
    many = {f"X-Filler-{i}": "b" * 100 for i in range(200)}  # 20 kB in small headers
    assert (await h.api.get("/healthz", headers=many)).status_code == 431


async def test_a_thousand_wrong_keys_get_429_while_the_right_key_works(h: Harness) -> None:
    key = (await h.install()).api_key
    url = f"/v1/shops/{SHOP}/records"
    limit = h.container.settings.auth_failure_limit
    async with client(h, host="203.0.113.7") as attacker:
        answers = [
            await attacker.get(url, headers={"Authorization": f"Bearer lp_wrong{i}"})
            for i in range(1000)
        ]
        right = await attacker.get(url, headers={"Authorization": f"Bearer {key}"})
        no_key = await attacker.get(url)
    statuses = [a.status_code for a in answers]
    assert statuses == [401] * limit + [429] * (1000 - limit)
    last = answers[-1]
    assert last.headers["content-type"] == PROBLEM
    assert last.json()["code"] == "too_many_failed_attempts"
    retry_after = int(last.headers["retry-after"])
    assert 0 < retry_after <= h.container.settings.auth_failure_window_s
    secured(last)
    assert right.status_code == 200, right.text
    assert no_key.status_code == 429
    async with client(h, host="198.51.100.4") as neighbour:
        assert (await neighbour.get(url, headers={"Authorization": "Bearer lp_x"})).status_code == (
            401
        )


async def test_the_in_process_window_ends() -> None:
    now = [0.0]
    failures = InProcessFailures(limit=2, window_s=60, clock=lambda: now[0])
    assert [await failures.failed("a") for _ in range(2)] == [None, None]
    now[0] = 45.0
    assert await failures.failed("a") == pytest.approx(15.0)
    assert await failures.failed("b") is None
    now[0] = 60.0
    assert await failures.failed("a") is None


async def test_api_processes_sharing_redis_count_into_one_window() -> None:
    redis: Redis = Redis.from_url(REDIS_URL)
    try:
        prefix = f"test-auth-failures:{uuid.uuid4().hex}:"
        one, two = (RedisFailures(redis, limit=3, window_s=30, prefix=prefix) for _ in range(2))
        waits = [await counter.failed("203.0.113.7") for counter in (one, two, one, two, one)]
        assert waits[:3] == [None, None, None]
        assert all(w is not None and 29 < w <= 30 for w in waits[3:]), waits
        assert await two.failed("198.51.100.4") is None
    finally:
        await redis.aclose()


async def test_the_access_line_never_holds_the_query_string(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    secret: dict[str, Any] = {"code": "AB11-code-7Qx", "state": "st-9f3c", "realmId": "1"}
    with caplog.at_level(logging.INFO, logger="app.access"):
        await h.api.get("/v1/connections/quickbooks/callback", params=secret)
        await h.api.get(f"/v1/shops/{SHOP}/records", params={"q": "Maya Okafor"})
        await h.api.get("/v1/forged%0A2025-01-01 INFO app.access: GET /admin 200")
    lines = [r.getMessage() for r in caplog.records if r.name == "app.access"]
    assert len(lines) == 3, lines
    assert lines[0].startswith("GET /v1/connections/quickbooks/callback ")
    assert lines[1].startswith(f"GET /v1/shops/{SHOP}/records 401 ")
    assert lines[2].startswith("GET /v1/forged\\n2025-01-01 INFO app.access: GET /admin 200 404")
    text = "\n".join(lines)
    for value in ("AB11-code-7Qx", "st-9f3c", "Maya", "Okafor", "?"):
        assert value not in text

"""Configurable limits, per-realm stats, random faults and latency of the fake QBO."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from ledgerport_sandbox.__main__ import build_qbo, parse_args
from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"
RECEIPT = {
    "Line": [
        {
            "Amount": 10,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
        }
    ]
}


@pytest.fixture
def sandbox() -> QboSandbox:
    # A "minute" of 0.4 s and a limit of 3 per minute: the whole test runs in real time.
    return QboSandbox(
        seed_realms=[REALM], requests_per_minute=3, requests_per_second=100, minute_seconds=0.4
    )


@pytest.fixture
async def admin(sandbox: QboSandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as http:
        yield http


async def statuses(client: httpx.AsyncClient, count: int) -> list[int]:
    return [(await client.get(f"{API}/item/1")).status_code for _ in range(count)]


async def test_stats_count_requests_throttles_and_window_peaks(
    client: httpx.AsyncClient, sandbox: QboSandbox, admin: httpx.AsyncClient
) -> None:
    assert await statuses(client, 5) == [200, 200, 200, 429, 429]
    await asyncio.sleep(0.45)  # the short "minute" has passed
    assert await statuses(client, 2) == [200, 200]

    stats = (await admin.get("/_sandbox/stats", params={"realm": REALM})).json()
    assert stats == {
        "requests": 7,
        "throttled": 2,
        "max_per_minute": 5,  # the short "minute" saw at most 5 ...
        "max_per_second": 7,  # ... while the 1-second window stays 1 s and saw all 7
        "max_concurrent": 1,
        "batch_calls": 0,
        "max_batch_per_minute": 0,
    }
    assert sandbox.stats(REALM) == stats
    assert (await admin.get("/_sandbox/stats")).json() == {REALM: stats}

    assert (await admin.post("/_sandbox/stats/reset")).status_code == 204
    assert sandbox.stats(REALM)["requests"] == 0 and sandbox.stats("nobody")["requests"] == 0


async def test_concurrency_is_counted_and_can_be_capped() -> None:
    sandbox = QboSandbox(seed_realms=[REALM], max_concurrent=2, latency_ms=100)
    token = sandbox.issue_tokens(REALM)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://qbo.test", headers=headers
    ) as client:
        started = time.perf_counter()
        answers = await asyncio.gather(*(client.get(f"{API}/item/1") for _ in range(3)))
        elapsed = time.perf_counter() - started

    assert sorted(a.status_code for a in answers) == [200, 200, 429]
    assert elapsed >= 0.09  # the admitted ones waited for the added latency
    stats = sandbox.stats(REALM)
    assert (stats["max_concurrent"], stats["throttled"]) == (3, 1)


async def test_random_faults_repeat_with_the_same_seed() -> None:
    async def run(seed: int) -> list[int]:
        sandbox = QboSandbox(
            seed_realms=[REALM],
            requests_per_second=100,
            fault_rates={"server_error": 0.3},
            seed=seed,
        )
        token = sandbox.issue_tokens(REALM)["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://qbo.test", headers=headers
        ) as client:
            return await statuses(client, 40)

    first, again, other = await run(7), await run(7), await run(8)

    assert first == again and first != other
    assert set(first) == {200, 500} and 4 <= first.count(500) <= 24


async def test_timeout_before_write_hangs_and_writes_nothing(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.set_fault_rates({"timeout_before_write": 1.0}, seed=1, seconds=5)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.post(f"{API}/salesreceipt", json=RECEIPT), 0.2)
    assert sandbox.documents(REALM, "SalesReceipt") == []


async def test_timeout_after_write_commits_then_the_retry_replays(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.set_fault_rates({"timeout_after_write": 1.0}, seconds=5)
    params = {"requestid": "sr-random"}

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.post(f"{API}/salesreceipt", json=RECEIPT, params=params), 0.2)
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 1

    sandbox.set_fault_rates({})
    retry = await client.post(f"{API}/salesreceipt", json=RECEIPT, params=params)
    assert retry.json()["SalesReceipt"]["Id"] == sandbox.documents(REALM, "SalesReceipt")[0]["Id"]


async def test_admin_sets_rates_and_latency(
    client: httpx.AsyncClient, sandbox: QboSandbox, admin: httpx.AsyncClient
) -> None:
    answer = await admin.post(
        "/_sandbox/faults", json={"rates": {"server_error": 1.0}, "seed": 3, "latency_ms": 5}
    )

    assert answer.status_code == 201
    assert answer.json() == {"queued": 0, "rates": {"server_error": 1.0}, "latency_ms": 5.0}
    assert (await client.get(f"{API}/item/1")).status_code == 500
    assert (await client.get("/_sandbox/health")).status_code == 200  # only /v3 misbehaves
    for bad in ({"rates": {"meteor": 0.1}}, {"rates": {"auth": 0.6, "throttle": 0.6}}):
        assert (await admin.post("/_sandbox/faults", json=bad)).status_code == 400
    await admin.post("/_sandbox/faults", json={"rates": {}, "latency_ms": 0})
    assert (await client.get(f"{API}/item/1")).status_code == 200


def test_command_line_limits_reach_the_sandbox() -> None:
    args = parse_args(
        [
            "--requests-per-minute=7",
            "--requests-per-second=2",
            "--max-concurrent=3",
            "--batch-per-minute=4",
            "--minute-seconds=1.5",
            "--latency-ms=20",
            "--fault-rate=timeout_after_write=0.1",
            "--seed=9",
        ]
    )
    qbo = build_qbo(args)

    limiter = qbo.limiter
    assert (limiter.per_minute, limiter.per_second, limiter.max_concurrent) == (7, 2, 3)
    assert (limiter.batch_per_minute, limiter.minute_seconds) == (4, 1.5)
    assert qbo.latency_ms == 20 and qbo.faults.rates == {"commit_then_timeout": 0.1}
    with pytest.raises(SystemExit):
        parse_args(["--fault-rate=server_error=2"])

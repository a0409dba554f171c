"""Two worker processes share one realm's limits through RedisLimiter, against the fake QBO
served by uvicorn in its own process with the same (scaled-down) limits: QBO never throttles,
even when the workers' event loops stall between a grant and the request reaching QBO.

`running_sandbox` and `worker_main` also serve bench/qbo_throughput.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.adapters.quickbooks.client import QuickBooksClient
from app.adapters.quickbooks.limiter import LimitConfig, RedisLimiter
from app.adapters.quickbooks.limiter_scripts import FINISH, RESERVE
from app.domain.faults import ExternalError
from app.domain.ports import QboDocument, QboSession
from tests.integration.test_qbo_limiter_redis import REDIS_URL

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
REALM = "9130357000000002"
LIMITS = LimitConfig(
    per_minute=20, per_second=8, max_concurrent=3, batch_per_minute=2, minute_seconds=3.0
)
_WORKER = "from tests.integration.test_qbo_limiter_processes import worker_main; worker_main()"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def running_sandbox(
    realms: Sequence[str], limits: LimitConfig, *, latency_ms: float = 0.0
) -> AsyncIterator[str]:
    """`python -m ledgerport_sandbox` with QBO enforcing `limits`; yields the QBO base URL."""
    port = free_port()
    argv = ["--host", "127.0.0.1", "--qbo-port", str(port), "--shopify-port", str(free_port())]
    argv += ["--requests-per-minute", str(limits.per_minute)]
    argv += ["--requests-per-second", str(limits.per_second)]
    argv += ["--max-concurrent", str(limits.max_concurrent)]
    argv += ["--batch-per-minute", str(limits.batch_per_minute)]
    argv += ["--minute-seconds", str(limits.minute_seconds), "--latency-ms", str(latency_ms)]
    argv += ["--log-level", "warning", *itertools.chain(*(("--realm", r) for r in realms))]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ledgerport_sandbox",
        *argv,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(200):
                try:
                    if (await http.get("/_sandbox/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"the sandbox did not start (exit {process.returncode})")
        yield base
    finally:
        process.terminate()
        await process.wait()


async def sandbox_token(base: str, realm: str) -> str:
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post(f"/_sandbox/realms/{realm}/tokens")
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def sandbox_stats(base: str, realm: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base) as http:
        stats: dict[str, int] = (await http.get("/_sandbox/stats", params={"realm": realm})).json()
        return stats


async def run_workers(specs: Sequence[dict[str, Any]], limit_s: float) -> list[dict[str, int]]:
    """One OS process per spec (see `hammer`); each prints its counts as JSON."""
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            json.dumps(spec),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        for spec in specs
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(w.communicate() for w in workers)), limit_s)
    if any(w.returncode for w in workers):
        raise RuntimeError(f"a worker failed: {[w.returncode for w in workers]}")
    return [json.loads(out) for out, _ in outputs]


async def hammer(spec: dict[str, Any]) -> dict[str, int]:
    """Creates Customers in `spec["realm"]` from `tasks` coroutines until `calls` calls are
    made or `deadline` (epoch seconds) passes; every `batch_every`-th call is a batch
    create of `batch_size` (0: never). `stall_ms` > 0 blocks the event loop for up to that
    long at random moments, as a starved or busy process does."""
    redis = Redis.from_url(spec["redis_url"])
    limiter = RedisLimiter(redis, LimitConfig(**spec["limits"]), prefix=spec["prefix"])
    session = QboSession(realm_id=spec["realm"], access_token=spec["token"])
    counts = {"calls": 0, "created": 0, "errors": 0}
    numbers = itertools.count()
    tag, every = f"w{uuid.uuid4().hex[:8]}", spec.get("batch_every", 0)

    async def create(qbo: QuickBooksClient, n: int) -> int:
        if every and n % every == every - 1:
            names = [f"{tag} {n}.{i}" for i in range(spec["batch_size"])]
            payloads = [(f"b{i}", {"DisplayName": name}) for i, name in enumerate(names)]
            found = await qbo.batch_create(session, "Customer", payloads, request_id=f"{tag}:{n}")
            return sum(isinstance(item, QboDocument) for item in found.values())
        await qbo.create_customer(session, {"DisplayName": f"{tag} {n}"}, request_id=f"{tag}:{n}")
        return 1

    async def loop(qbo: QuickBooksClient) -> None:
        while (n := next(numbers)) < spec["calls"]:
            try:
                made = await create(qbo, n)  # not `+= await`: that reads the count too early
            except ExternalError:
                counts["errors"] += 1
            else:
                counts["created"] += made
            counts["calls"] += 1

    async with httpx.AsyncClient(base_url=spec["qbo"], timeout=10.0) as http:
        qbo = QuickBooksClient(http, limiter=limiter)
        # Ready before the common start, as a long-running worker is: a connection to Redis
        # and one to QBO for every coroutine, and the limiter's scripts loaded.
        await asyncio.gather(*(redis.ping() for _ in range(spec["tasks"])))
        await asyncio.gather(*(redis.script_load(script) for script in (RESERVE, FINISH)))
        await asyncio.gather(*(http.get("/_sandbox/health") for _ in range(spec["tasks"])))
        await asyncio.sleep(max(0.0, spec["start_at"] - time.time()))
        remaining = spec.get("deadline", float("inf")) - time.time()
        staller = asyncio.create_task(stall_loop(spec.get("stall_ms", 0) / 1000))
        try:
            # At the deadline, calls still waiting for a slot are cancelled unsent.
            await asyncio.wait_for(
                asyncio.gather(*(loop(qbo) for _ in range(spec["tasks"]))), remaining
            )
        except TimeoutError:
            pass
        staller.cancel()
    await redis.aclose()
    return counts


async def stall_loop(most: float) -> None:
    """Blocks the event loop now and then for up to `most` seconds (0: never)."""
    while most > 0:
        await asyncio.sleep(random.uniform(0, 4 * most))
        time.sleep(random.uniform(0, most))  # noqa: ASYNC251 - a stall is the point


def worker_main() -> None:
    print(json.dumps(asyncio.run(hammer(json.loads(sys.argv[1])))))  # noqa: T201


async def test_two_worker_processes_never_get_throttled() -> None:
    prefix = f"test-limiter:{uuid.uuid4().hex}"
    async with running_sandbox([REALM], LIMITS, latency_ms=30) as base:
        spec = {
            "qbo": base, "realm": REALM, "token": await sandbox_token(base, REALM),
            "redis_url": REDIS_URL, "prefix": prefix, "limits": asdict(LIMITS),
            "start_at": time.time() + 1.5, "tasks": 6, "calls": 18,
            "batch_every": 9, "batch_size": 5, "stall_ms": 100,
        }  # fmt: skip
        results = await run_workers([spec, spec], limit_s=30)
        stats = await sandbox_stats(base, REALM)

    redis = Redis.from_url(REDIS_URL)
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        await redis.delete(key)
    await redis.aclose()
    assert results == [{"calls": 18, "created": 16 + 2 * 5, "errors": 0}] * 2
    assert stats["throttled"] == 0
    assert (stats["requests"], stats["batch_calls"]) == (36, 4)
    assert stats["max_per_minute"] == LIMITS.per_minute  # pushed to the ceiling, not over
    assert stats["max_per_second"] <= LIMITS.per_second
    assert stats["max_concurrent"] <= LIMITS.max_concurrent
    assert stats["max_batch_per_minute"] <= LIMITS.batch_per_minute

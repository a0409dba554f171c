"""How close one QBO company (realm) gets to its rate ceiling when worker processes share
the Redis limiter. Prints its figures; asserts nothing.

The fake QBO runs under uvicorn in its own process, enforcing QBO's limits scaled down ten
times in a 6 s "minute": 50 requests per minute (QBO: 500), 10 per second, 10 in flight, 4
batch calls per minute (QBO: 40), with 100 ms of latency per request. Like QBO's, the
per-minute limit binds before the per-second one (50 < 6 x 10). 1 and then 4 worker
processes (QuickBooksClient + RedisLimiter, 10 coroutines each) create Customers for two
"minutes" with single creates, then two more with batch creates of 30, each phase on a fresh
realm. Needs Redis (db 14 by default; only this run's keys are touched) and loopback only.

    .venv/bin/python bench/qbo_throughput.py [redis-url]
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis  # noqa: E402

from app.adapters.quickbooks.limiter import LimitConfig  # noqa: E402
from tests.integration.test_qbo_limiter_processes import (  # noqa: E402
    run_workers,
    running_sandbox,
    sandbox_stats,
    sandbox_token,
)

LIMITS = LimitConfig(
    per_minute=50, per_second=10, max_concurrent=10, batch_per_minute=4, minute_seconds=6.0
)
MINUTES = 2  # per phase
BATCH_SIZE = 30
LATENCY_MS = 100.0
STARTUP_S = 2.0  # worker processes import the app before a common start time


async def phase(
    base: str, realm: str, processes: int, *, batch: bool, redis_url: str, prefix: str
) -> dict[str, float]:
    start_at = time.time() + STARTUP_S
    seconds = MINUTES * LIMITS.minute_seconds
    spec: dict[str, Any] = {
        "qbo": base, "realm": realm, "token": await sandbox_token(base, realm),
        "redis_url": redis_url, "prefix": prefix, "limits": asdict(LIMITS),
        "start_at": start_at, "deadline": start_at + seconds, "tasks": 10, "calls": 10**9,
        "batch_every": 1 if batch else 0, "batch_size": BATCH_SIZE,
    }  # fmt: skip
    results = await run_workers([spec] * processes, limit_s=STARTUP_S + seconds + 30)
    stats = await sandbox_stats(base, realm)
    ceiling = LIMITS.batch_per_minute if batch else LIMITS.per_minute
    return {
        "requests": stats["requests"],
        "per_minute": stats["requests"] / MINUTES,
        "ceiling_pct": 100 * stats["requests"] / (MINUTES * ceiling),
        "http_429": stats["throttled"],
        "writes_per_s": sum(r["created"] for r in results) / seconds,
        "errors": sum(r["errors"] for r in results),
        "max_concurrent": stats["max_concurrent"],
    }


def show(name: str, figures: dict[str, float], ceiling: int) -> None:
    print(
        f"  {name:<15} {figures['per_minute']:5.1f} requests per minute = "
        f"{figures['ceiling_pct']:5.1f}% of {ceiling}, {figures['http_429']:.0f} x 429, "
        f"{figures['writes_per_s']:5.1f} writes/s, peak {figures['max_concurrent']:.0f} "
        f"in flight, {figures['errors']:.0f} errors"
    )


async def main(redis_url: str) -> None:
    prefix = f"bench-limiter:{uuid.uuid4().hex}"
    realms = [f"91303580000000{n:02d}" for n in range(4)]
    print(
        f'limits per realm: {LIMITS.per_minute}/"minute" of {LIMITS.minute_seconds:g} s, '
        f"{LIMITS.per_second}/s, {LIMITS.max_concurrent} in flight, "
        f'{LIMITS.batch_per_minute} batch calls/"minute"; latency {LATENCY_MS:g} ms; '
        f"{MINUTES} minutes per phase"
    )
    last: dict[str, dict[str, float]] = {}
    try:
        async with running_sandbox(realms, LIMITS, latency_ms=LATENCY_MS) as base:
            for run, processes in enumerate((1, 4)):
                print(f"{processes} worker process{'es' if processes > 1 else ''}:")
                for kind, batch in (("single creates", False), ("batch creates", True)):
                    realm = realms[2 * run + batch]
                    last[kind] = await phase(
                        base, realm, processes, batch=batch, redis_url=redis_url, prefix=prefix
                    )
                    show(kind, last[kind], LIMITS.batch_per_minute if batch else LIMITS.per_minute)
    finally:
        redis = Redis.from_url(redis_url)
        async for key in redis.scan_iter(match=f"{prefix}:*"):
            await redis.delete(key)
        await redis.aclose()
    single, batched = last["single creates"], last["batch creates"]
    print(
        f"ceiling_pct={single['ceiling_pct']:.1f} "
        f"http_429={single['http_429'] + batched['http_429']:.0f} "
        f"single_writes_per_s={single['writes_per_s']:.1f} "
        f"batch_writes_per_s={batched['writes_per_s']:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/14"))

"""How close one QBO company (realm) gets to its rate ceiling when worker processes share
the Redis limiter. Prints its figures; asserts nothing.

The fake QBO runs under uvicorn in its own process, enforcing QBO's limits scaled down ten
times in a 6 s "minute": 50 requests per minute (QBO: 500), 10 per second, 10 in flight, 4
batch calls per minute (QBO: 40), with 100 ms of latency per request. Like QBO's, the
per-minute limit binds before the per-second one (50 < 6 x 10). 1 and then 4 worker
processes (QuickBooksClient + RedisLimiter, 10 coroutines each) create Customers for two
"minutes" with single creates, then two more with batch creates of 30, each phase on a fresh
realm. Needs Redis (db 14 by default; only this run's keys are touched) and loopback only.

`--busy` asks whether the limiter holds on a loaded machine: three runs idle, then three
beside the load that used to let 429s through (event-loop stalls of up to STALL_MS in every
worker, a Redis slowed by a proxy adding up to REDIS_DELAY_S per chunk, CPU hogs and an I/O
hog; see bench/qbo_load.py). Each run is 4 processes, single then batch creates; it passes
with 0 x 429 and at least 95% of the ceiling (requests QBO admitted over the requests its
windows allow in the same two "minutes"). PASS only if all six pass. `--load` picks loads.

    .venv/bin/python bench/qbo_throughput.py [--busy [--load stalls,slow-redis,hogs]] [redis-url]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis  # noqa: E402

from app.adapters.quickbooks.limiter import LimitConfig  # noqa: E402
from bench.qbo_load import hogs, slow_redis  # noqa: E402
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
STARTUP_S = 2.0  # worker processes import the app and connect before a common start time
BUSY_STARTUP_S = 6.0  # a loaded machine imports slowly: every worker is ready before the start
STALL_MS = 150.0
REDIS_DELAY_S = 0.03
FLOOR_PCT = 95.0
LOADS = ("stalls", "slow-redis", "hogs")


async def phase(
    base: str,
    realm: str,
    processes: int,
    *,
    batch: bool,
    redis_url: str,
    prefix: str,
    stall_ms: float = 0.0,
    startup_s: float = STARTUP_S,
) -> dict[str, float]:
    start_at = time.time() + startup_s
    seconds = MINUTES * LIMITS.minute_seconds
    spec: dict[str, Any] = {
        "qbo": base, "realm": realm, "token": await sandbox_token(base, realm),
        "redis_url": redis_url, "prefix": prefix, "limits": asdict(LIMITS),
        "start_at": start_at, "deadline": start_at + seconds, "tasks": 10, "calls": 10**9,
        "batch_every": 1 if batch else 0, "batch_size": BATCH_SIZE, "stall_ms": stall_ms,
    }  # fmt: skip
    results = await run_workers([spec] * processes, limit_s=startup_s + seconds + 30)
    stats = await sandbox_stats(base, realm)
    ceiling = LIMITS.batch_per_minute if batch else LIMITS.per_minute
    return {
        "requests": stats["requests"],
        "per_minute": stats["requests"] / MINUTES,
        "ceiling_pct": 100 * stats["requests"] / (MINUTES * ceiling),
        "admitted_pct": 100 * (stats["requests"] - stats["throttled"]) / (MINUTES * ceiling),
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


async def forget(redis_url: str, prefix: str) -> None:
    redis = Redis.from_url(redis_url)
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        await redis.delete(key)
    await redis.aclose()


def describe_limits() -> None:
    print(
        f'limits per realm: {LIMITS.per_minute}/"minute" of {LIMITS.minute_seconds:g} s, '
        f"{LIMITS.per_second}/s, {LIMITS.max_concurrent} in flight, "
        f'{LIMITS.batch_per_minute} batch calls/"minute"; latency {LATENCY_MS:g} ms; '
        f"{MINUTES} minutes per phase"
    )


async def figures(redis_url: str) -> None:
    prefix = f"bench-limiter:{uuid.uuid4().hex}"
    realms = [f"91303580000000{n:02d}" for n in range(4)]
    describe_limits()
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
        await forget(redis_url, prefix)
    single, batched = last["single creates"], last["batch creates"]
    print(
        f"ceiling_pct={single['ceiling_pct']:.1f} "
        f"http_429={single['http_429'] + batched['http_429']:.0f} "
        f"single_writes_per_s={single['writes_per_s']:.1f} "
        f"batch_writes_per_s={batched['writes_per_s']:.1f}"
    )


async def loaded_run(redis_url: str, loads: set[str]) -> bool:
    """One run of 4 processes, single then batch creates, beside `loads`; True if it passes."""
    prefix, realms = f"bench-limiter:{uuid.uuid4().hex}", ["9130358000000101", "9130358000000102"]
    stall_ms = STALL_MS if "stalls" in loads else 0.0
    cpu = (os.cpu_count() or 1) if "hogs" in loads else 0
    passed = True
    async with contextlib.AsyncExitStack() as stack:
        url = redis_url
        if "slow-redis" in loads:
            url = await stack.enter_async_context(slow_redis(redis_url, REDIS_DELAY_S))
        stack.enter_context(hogs(cpu, io="hogs" in loads))
        base = await stack.enter_async_context(
            running_sandbox(realms, LIMITS, latency_ms=LATENCY_MS)
        )
        try:
            for realm, (kind, batch) in zip(
                realms, (("single", False), ("batch", True)), strict=True
            ):
                got = await phase(
                    base,
                    realm,
                    4,
                    batch=batch,
                    redis_url=url,
                    prefix=prefix,
                    stall_ms=stall_ms,
                    startup_s=BUSY_STARTUP_S,
                )
                ok = got["http_429"] == 0 and got["admitted_pct"] >= FLOOR_PCT
                passed = passed and ok
                print(
                    f"    {kind:<6} {got['admitted_pct']:5.1f}% of the ceiling admitted, "
                    f"{got['http_429']:.0f} x 429, {got['errors']:.0f} errors, peak "
                    f"{got['max_concurrent']:.0f} in flight: {'ok' if ok else 'FAIL'}"
                )
        finally:
            await forget(redis_url, prefix)
    return passed


async def busy(redis_url: str, loads: set[str]) -> None:
    describe_limits()
    print(
        f"pass: 0 x 429 and >= {FLOOR_PCT:g}% of the ceiling in every run; load: "
        f"{', '.join(sorted(loads))} (stalls up to {STALL_MS:g} ms, Redis delayed up to "
        f"{1000 * REDIS_DELAY_S:g} ms per chunk, {os.cpu_count() or 1} CPU hogs + 1 I/O hog)"
    )
    verdicts = []
    for name, active in (("idle", set()), ("busy", loads)):
        for run in range(1, 4):
            print(f"  {name} run {run}:")
            verdicts.append(await loaded_run(redis_url, active))
    print("PASS" if all(verdicts) else f"FAIL ({verdicts.count(False)} of 6 runs failed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("redis_url", nargs="?", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--busy", action="store_true", help="idle and loaded runs, PASS/FAIL")
    parser.add_argument(
        "--load", default=",".join(LOADS), help="comma-separated: " + ", ".join(LOADS)
    )
    args = parser.parse_args()
    loads = {load for load in args.load.split(",") if load}
    if not loads <= set(LOADS):
        parser.error(f"--load takes {', '.join(LOADS)}")
    asyncio.run(busy(args.redis_url, loads) if args.busy else figures(args.redis_url))


if __name__ == "__main__":
    main()

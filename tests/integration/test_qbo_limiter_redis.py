"""RedisLimiter against the real Redis (db 14): atomic across coroutines and OS processes,
crashed leases reclaimed, cancelled requests release their slot, throttles hold back."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from redis.asyncio import Redis

from app.adapters.quickbooks.limiter import LimitConfig, RedisLimiter

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LEDGERPORT_TEST_LIMITER_REDIS", "redis://127.0.0.1:6379/14")
REALM = "9130357000000001"
# A scaled-down QBO: both windows bind (8/s bursts, 16 per 3 s "minute"), and 3 in flight.
SCALED = LimitConfig(
    per_minute=16, per_second=8, max_concurrent=3, batch_per_minute=4, minute_seconds=3.0
)
Span = tuple[float, float, bool]  # start, end, batch
_WORKER = "from tests.integration.test_qbo_limiter_redis import worker_main; worker_main()"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """Keys of this test only: a second run of the suite may share the Redis database."""
    prefix = f"test-limiter:{uuid.uuid4().hex}"
    yield prefix
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        await redis.delete(key)


def peak(starts: Sequence[float], span: float) -> int:
    """Most starts in any half-open window [t, t + span)."""
    ordered = sorted(starts)
    return max((sum(1 for s in ordered if t <= s < t + span) for t in ordered), default=0)


def max_overlap(spans: Sequence[Span]) -> int:
    events = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans])
    level = best = 0
    for _, step in events:  # at a tie an end sorts first: back-to-back is not overlap
        level += step
        best = max(best, level)
    return best


def assert_within(spans: Sequence[Span], config: LimitConfig) -> None:
    starts = [s for s, _, _ in spans]
    assert peak(starts, config.minute_seconds) <= config.per_minute
    assert peak(starts, 1.0) <= config.per_second
    assert peak([s for s, _, b in spans if b], config.minute_seconds) <= config.batch_per_minute
    assert max_overlap(spans) <= config.max_concurrent
    # Not trivially safe: the run reached the ceiling of every window it was held to.
    assert peak(starts, config.second_window) >= config.per_second
    assert peak(starts, config.minute_window) >= config.per_minute


async def hammer(limiter: RedisLimiter, count: int) -> list[Span]:
    """`count` concurrent requests to REALM, every fourth a batch call; local timestamps
    taken inside the slot, so they are within what the limiter granted."""
    spans: list[Span] = []

    async def call(n: int) -> None:
        async with limiter.slot(REALM, batch=n % 4 == 0):
            began = time.time()
            await asyncio.sleep(random.uniform(0.01, 0.06))
            spans.append((began, time.time(), n % 4 == 0))

    await asyncio.gather(*(call(n) for n in range(count)))
    return spans


def worker_main() -> None:
    """A worker process: argv = prefix, request count, start time; prints its spans."""
    prefix, count, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

    async def run() -> list[Span]:
        redis = Redis.from_url(REDIS_URL)
        try:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            return await hammer(RedisLimiter(redis, SCALED, prefix=prefix), count)
        finally:
            await redis.aclose()

    print(json.dumps(asyncio.run(run())))  # noqa: T201


async def spawn(script: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )


async def test_concurrent_coroutines_never_exceed_any_limit(redis: Redis, prefix: str) -> None:
    limiter = RedisLimiter(redis, SCALED, prefix=prefix)
    started = time.monotonic()

    spans = await hammer(limiter, 24)

    assert len(spans) == 24
    assert_within(spans, SCALED)
    # 8 + 8 in the first "minute", 8 more once it has slid on: 3.2 s at the ceiling, or one
    # "minute" more when the last batch calls lose every race for the batch window.
    assert time.monotonic() - started < 8.0
    assert await redis.zcard(limiter.keys(REALM)[2]) == 0


async def test_two_processes_share_one_realm_limit(prefix: str) -> None:
    start_at = f"{time.time() + 1.5:.3f}"  # both begin together, after their imports
    workers = [await spawn(_WORKER, prefix, "12", start_at) for _ in range(2)]
    outputs = await asyncio.wait_for(asyncio.gather(*(w.communicate() for w in workers)), 30)

    assert [w.returncode for w in workers] == [0, 0]
    per_process = [json.loads(out) for out, _ in outputs]
    spans = [tuple(span) for spans in per_process for span in spans]
    assert [len(spans) for spans in per_process] == [12, 12]
    assert_within(spans, SCALED)  # type: ignore[arg-type]


async def test_a_slow_answer_holds_the_window_from_when_it_was_read(
    redis: Redis, prefix: str
) -> None:
    # QBO may count a request as late as just before its answer: the next second's window
    # starts then, not at the grant (which would let this one in 0.6 s after the answer).
    limiter = RedisLimiter(redis, LimitConfig(per_second=1, guard_seconds=0.0), prefix=prefix)
    async with limiter.slot(REALM):
        await asyncio.sleep(0.5)
        answered_at = time.time()
    async with limiter.slot(REALM):
        granted_at = time.time()

    assert granted_at - answered_at >= 1.0 - 0.005  # Redis stamps after our own clock read


async def test_a_crashed_workers_slot_is_reclaimed(redis: Redis, prefix: str) -> None:
    config = LimitConfig(max_concurrent=1)
    holder = await spawn(_CRASHER, prefix)
    assert holder.stdout is not None
    assert await asyncio.wait_for(holder.stdout.readline(), 15) == b"held\n"
    held_at = time.monotonic()
    holder.kill()  # SIGKILL: no finally block runs, the lease stays behind
    await holder.wait()
    limiter = RedisLimiter(redis, config, prefix=prefix)
    assert await redis.zcard(limiter.keys(REALM)[2]) == 1

    async with asyncio.timeout(5), limiter.slot(REALM):
        waited = time.monotonic() - held_at

    assert 0.8 <= waited < 2.0  # the crashed worker's lease lasted 1 s


_CRASHER = f"""
import asyncio, sys
from redis.asyncio import Redis
from app.adapters.quickbooks.limiter import LimitConfig, RedisLimiter

async def main():
    redis = Redis.from_url({REDIS_URL!r})
    config = LimitConfig(max_concurrent=1)
    limiter = RedisLimiter(redis, config, prefix=sys.argv[1], lease_seconds=1.0)
    async with limiter.slot({REALM!r}):
        print("held", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_cancellation_releases_the_slot(redis: Redis, prefix: str) -> None:
    limiter = RedisLimiter(redis, LimitConfig(max_concurrent=1), prefix=prefix)
    entered = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot(REALM):
            entered.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0.1)  # the waiter polls the full realm
    waiter.cancel()
    holder.cancel()
    await asyncio.gather(holder, waiter, return_exceptions=True)

    assert await redis.zcard(limiter.keys(REALM)[2]) == 0
    async with asyncio.timeout(0.5), limiter.slot(REALM):
        pass


async def test_a_penalty_holds_every_start_back(redis: Redis, prefix: str) -> None:
    config = LimitConfig(minute_seconds=1.0)
    limiter = RedisLimiter(redis, config, prefix=prefix)
    other = RedisLimiter(redis, config, prefix=prefix)  # as in another worker process

    await limiter.penalize(REALM, 60.0)  # capped at one "minute"
    started = time.monotonic()
    async with other.slot(REALM):
        waited = time.monotonic() - started
    async with other.slot("another-realm"):
        pass

    assert 0.9 <= waited < 1.5
    assert await redis.pttl(limiter.keys(REALM)[3]) <= 0

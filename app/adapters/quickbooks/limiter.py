"""Per-realm QBO rate limiting: sliding windows of request starts plus a concurrency cap.

QBO (reference §2) allows 500 requests a minute per realm, 10 a second per realm+app and 40
batch calls a minute, and answers 429 / fault 3001 beyond that. A request may start only when
it fits every window; it holds a concurrency slot while in flight. `InProcessLimiter` serves
the embedded deployment, `RedisLimiter` every worker process of a production deployment.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis

LEASE_SECONDS = 120.0  # reference §2: QBO drops a request after 120 s, so no slot lives longer
CONCURRENCY_POLL = 0.02  # Redis cannot wake a waiter on release, so a full realm is polled
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class LimitConfig:
    """One realm's limits. The defaults are QBO's; tests scale `minute_seconds` down."""

    per_minute: int = 500
    per_second: int = 10
    max_concurrent: int = 10
    batch_per_minute: int = 40
    minute_seconds: float = 60.0
    # Our windows stay open this much longer than QBO's, so jitter between our reservation
    # and the request reaching QBO never squeezes one more start into QBO's window.
    guard_seconds: float = 0.1

    def __post_init__(self) -> None:
        limits = (self.per_minute, self.per_second, self.max_concurrent, self.batch_per_minute)
        if min(limits) < 1 or self.minute_seconds <= 0 or self.guard_seconds < 0:
            raise ValueError("limits must be at least 1 and windows positive")

    @property
    def minute_window(self) -> float:
        return self.minute_seconds + self.guard_seconds

    @property
    def second_window(self) -> float:
        return 1.0 + self.guard_seconds


class RealmLimiter(Protocol):
    """Admits requests to a realm within its limits; the QBO client's only view of limiting."""

    def slot(self, realm_id: str, *, batch: bool = False) -> AbstractAsyncContextManager[None]:
        """Wait until one more request may start, and hold a concurrency slot until exit."""
        ...

    async def penalize(self, realm_id: str, seconds: float) -> None:
        """QBO throttled the realm anyway: hold every start back for `seconds`."""
        ...


class NoLimiter:
    """A limiter that never waits (tests, single-process use with few orders)."""

    @asynccontextmanager
    async def slot(self, realm_id: str, *, batch: bool = False) -> AsyncIterator[None]:
        yield

    async def penalize(self, realm_id: str, seconds: float) -> None:
        return None


def window_wait(starts: Sequence[float], now: float, span: float, limit: int) -> float:
    """Seconds until one more start keeps every `span` window at or under `limit` starts.

    `starts` is ascending. The window is full exactly when the limit-th newest start is
    younger than `span`; one more may start once that one ages out.
    """
    if len(starts) < limit:
        return 0.0
    return max(0.0, starts[len(starts) - limit] + span - now)


@dataclass
class RealmWindows:
    """One realm's recent starts, batch starts, requests in flight and throttle penalty."""

    config: LimitConfig
    starts: deque[float] = field(default_factory=deque)
    batch_starts: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    penalty_until: float = 0.0

    def wait(self, now: float, batch: bool) -> float:
        """Seconds until the rate windows and any penalty allow one more start (0: now)."""
        config, minute = self.config, self.config.minute_window
        for starts in (self.starts, self.batch_starts):
            while starts and starts[0] <= now - minute:
                starts.popleft()
        waits = [
            self.penalty_until - now,
            window_wait(self.starts, now, minute, config.per_minute),
            window_wait(self.starts, now, config.second_window, config.per_second),
        ]
        if batch:
            waits.append(window_wait(self.batch_starts, now, minute, config.batch_per_minute))
        return max(0.0, *waits)

    @property
    def full(self) -> bool:
        return self.in_flight >= self.config.max_concurrent

    def start(self, now: float, batch: bool) -> None:
        self.starts.append(now)
        if batch:
            self.batch_starts.append(now)
        self.in_flight += 1

    def penalize(self, now: float, seconds: float) -> None:
        # A window clears in one minute_seconds, so a longer Retry-After adds nothing here;
        # the client hands long waits to the job layer anyway.
        until = now + min(seconds, self.config.minute_seconds)
        self.penalty_until = max(self.penalty_until, until)


class InProcessLimiter:
    """The embedded deployment's limiter: one process, so asyncio state is enough.

    Checking and reserving happen with no await in between, which makes them atomic.
    """

    def __init__(
        self,
        config: LimitConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self._clock, self._sleep = clock, sleep
        self._realms: dict[str, RealmWindows] = {}
        self._released: dict[str, asyncio.Event] = {}

    def realm(self, realm_id: str) -> RealmWindows:
        return self._realms.setdefault(realm_id, RealmWindows(self.config))

    @asynccontextmanager
    async def slot(self, realm_id: str, *, batch: bool = False) -> AsyncIterator[None]:
        state = self.realm(realm_id)
        while True:
            now = self._clock()
            wait = state.wait(now, batch)
            if wait > 0:
                await self._sleep(wait)
            elif state.full:
                await self._released.setdefault(realm_id, asyncio.Event()).wait()
            else:
                state.start(now, batch)
                break
        try:
            yield
        finally:
            state.in_flight -= 1
            # Wake every waiter of this realm; a fresh event catches the next release.
            self._released.pop(realm_id, asyncio.Event()).set()

    async def penalize(self, realm_id: str, seconds: float) -> None:
        self.realm(realm_id).penalize(self._clock(), seconds)


# KEYS: starts, batch starts, in-flight leases, penalty. ARGV: lease id, batch (0/1),
# per_minute, per_second, max_concurrent, batch_per_minute, minute window, second window,
# lease seconds, concurrency poll. Returns 0 when reserved, else microseconds to wait.
# Times are Redis's own (TIME), so workers with skewed clocks agree; scores are formatted
# with %.6f because Redis turns Lua numbers into 14-digit strings, losing the microseconds.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function fmt(x) return string.format('%.6f', x) end
local function wait_for(key, span, limit)
  local n = redis.call('ZCARD', key)
  if n < limit then return 0 end
  local row = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
  return tonumber(row[2]) + span - now
end
local lease, batch = ARGV[1], ARGV[2] == '1'
local minute, second = tonumber(ARGV[7]), tonumber(ARGV[8])
local lease_s, poll = tonumber(ARGV[9]), tonumber(ARGV[10])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - minute))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - minute))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', fmt(now))
local wait = math.max(0, tonumber(redis.call('GET', KEYS[4]) or 0) - now,
  wait_for(KEYS[1], minute, tonumber(ARGV[3])), wait_for(KEYS[1], second, tonumber(ARGV[4])))
if batch then wait = math.max(wait, wait_for(KEYS[2], minute, tonumber(ARGV[6]))) end
if wait == 0 and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then wait = poll end
if wait > 0 then return math.ceil(wait * 1000000) end
redis.call('ZADD', KEYS[1], fmt(now), lease)
redis.call('PEXPIRE', KEYS[1], math.ceil(minute * 1000))
if batch then
  redis.call('ZADD', KEYS[2], fmt(now), lease)
  redis.call('PEXPIRE', KEYS[2], math.ceil(minute * 1000))
end
redis.call('ZADD', KEYS[3], fmt(now + lease_s), lease)
redis.call('PEXPIRE', KEYS[3], math.ceil(lease_s * 1000))
return 0
"""

# KEYS: penalty. ARGV: seconds. Only ever extends the penalty, in Redis time.
_PENALIZE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
if now + seconds > tonumber(redis.call('GET', KEYS[1]) or 0) then
  redis.call('SET', KEYS[1], string.format('%.6f', now + seconds), 'PX', math.ceil(seconds * 1000))
end
return 0
"""


class RedisLimiter:
    """One limiter per realm shared by every worker process, kept in Redis.

    Each attempt runs one Lua script that checks every window and reserves atomically; when
    refused it answers how long to wait, and the caller sleeps that long plus a little jitter
    so waiters do not all come back at once. A slot is a lease with an expiry, so the slots of
    a worker that died mid-request come back after `lease_seconds`.
    """

    def __init__(
        self,
        redis: Redis,
        config: LimitConfig,
        *,
        prefix: str = "ledgerport:qbo-limit",
        lease_seconds: float = LEASE_SECONDS,
        jitter: float = 0.01,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self._redis, self._prefix, self._jitter, self._sleep = redis, prefix, jitter, sleep
        self._reserve_script = redis.register_script(_RESERVE)
        self._penalize_script = redis.register_script(_PENALIZE)
        limits = (config.per_minute, config.per_second, config.max_concurrent)
        windows = (config.minute_window, config.second_window, lease_seconds, CONCURRENCY_POLL)
        self._args: list[float] = [*limits, config.batch_per_minute, *windows]

    def keys(self, realm_id: str) -> list[str]:
        # The hash tag keeps one realm's keys in one Redis Cluster slot, as scripts require.
        base = f"{self._prefix}:{{{realm_id}}}"
        return [f"{base}:starts", f"{base}:batch", f"{base}:inflight", f"{base}:penalty"]

    @asynccontextmanager
    async def slot(self, realm_id: str, *, batch: bool = False) -> AsyncIterator[None]:
        keys, lease = self.keys(realm_id), uuid.uuid4().hex
        try:
            await self._reserve(keys, lease, batch)
            yield
        finally:
            # Shielded: a cancelled request must still hand its slot back.
            await asyncio.shield(self._redis.zrem(keys[2], lease))

    async def _reserve(self, keys: list[str], lease: str, batch: bool) -> None:
        args: list[str | float] = [lease, int(batch), *self._args]
        while True:
            wait_us = int(await self._reserve_script(keys=keys, args=args))
            if wait_us <= 0:
                return
            await self._sleep(wait_us / 1_000_000 + random.uniform(0, self._jitter))

    async def penalize(self, realm_id: str, seconds: float) -> None:
        seconds = min(seconds, self.config.minute_seconds)  # see RealmWindows.penalize
        if seconds <= 0:
            return
        await self._penalize_script(keys=self.keys(realm_id)[3:], args=[seconds])

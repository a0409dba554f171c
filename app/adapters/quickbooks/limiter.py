"""Per-realm QBO rate limiting: sliding windows of requests plus a concurrency cap.

QBO (reference §2) allows 500 requests a minute per realm, 10 a second per realm+app and 40
batch calls a minute, and answers 429 / fault 3001 beyond that. QBO counts a request when it
arrives, which we cannot see: it is some moment between our grant and our reading its answer,
and on a loaded machine (event-loop stalls, a slow Redis, a busy QBO) that gap varies by far
more than any fixed margin. So a request counts in every window from its grant until its
answer has been read, and for one window length after that: whenever QBO counted it, it is
in our windows too. `InProcessLimiter` serves the embedded deployment, `RedisLimiter` every
worker process of a production deployment.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis

from app.adapters.quickbooks.limiter_scripts import FINISH, PENALIZE, RESERVE

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
    # Our windows stay open this much longer than QBO's: a margin in time (not in count) for
    # QBO's clock running at a slightly different rate from Redis's.
    guard_seconds: float = 0.05

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


def window_wait(
    finished: Sequence[float], now: float, span: float, limit: int, in_flight: int = 0
) -> float:
    """Seconds until one more request keeps every `span` window at or under `limit`.

    `finished` is ascending: when each finished request's answer was read; it counts for
    `span` after that. The `in_flight` requests count until they finish, so when they alone
    fill the window only a finish frees it (`math.inf`). Otherwise the window is full exactly
    when the (limit - in_flight)-th newest finish is younger than `span`.
    """
    room = limit - in_flight
    if room <= 0:
        return math.inf
    if len(finished) < room:
        return 0.0
    return max(0.0, finished[len(finished) - room] + span - now)


@dataclass
class RealmWindows:
    """One realm's requests in flight, finished requests, batch calls and throttle penalty."""

    config: LimitConfig
    finished: deque[float] = field(default_factory=deque)
    batch_finished: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    batch_in_flight: int = 0
    penalty_until: float = 0.0

    def wait(self, now: float, batch: bool) -> float:
        """Seconds until the windows and any penalty allow one more request (0: now;
        `math.inf`: only a request finishing can make room)."""
        config, minute = self.config, self.config.minute_window
        for finished in (self.finished, self.batch_finished):
            while finished and finished[0] <= now - minute:
                finished.popleft()
        waits = [
            self.penalty_until - now,
            window_wait(self.finished, now, minute, config.per_minute, self.in_flight),
            window_wait(
                self.finished, now, config.second_window, config.per_second, self.in_flight
            ),
        ]
        if batch:
            limit = config.batch_per_minute
            waits.append(window_wait(self.batch_finished, now, minute, limit, self.batch_in_flight))
        return max(0.0, *waits)

    @property
    def full(self) -> bool:
        return self.in_flight >= self.config.max_concurrent

    def start(self, batch: bool) -> None:
        self.in_flight += 1
        self.batch_in_flight += batch

    def finish(self, now: float, batch: bool) -> None:
        """The request's answer was read at `now`: it leaves flight, and counts until
        `now` + a window (finishes come in clock order, so the deques stay sorted)."""
        self.in_flight -= 1
        self.finished.append(now)
        if batch:
            self.batch_in_flight -= 1
            self.batch_finished.append(now)

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
            wait = state.wait(self._clock(), batch)
            if wait == math.inf or (wait == 0 and state.full):
                await self._released.setdefault(realm_id, asyncio.Event()).wait()
            elif wait > 0:
                await self._sleep(wait)
            else:
                state.start(batch)
                break
        try:
            yield
        finally:
            state.finish(self._clock(), batch)
            # Wake every waiter of this realm; a fresh event catches the next release.
            self._released.pop(realm_id, asyncio.Event()).set()

    async def penalize(self, realm_id: str, seconds: float) -> None:
        self.realm(realm_id).penalize(self._clock(), seconds)


class RedisLimiter:
    """One limiter per realm shared by every worker process, kept in Redis.

    Each attempt runs one Lua script that checks every window and reserves atomically; when
    refused it answers how long to wait, and the caller sleeps that long, less the round trip
    the refusal took (at most half the wait), plus a little jitter so waiters do not all come
    back at once. Leaving the slot (after the answer was read)
    stamps the request with Redis's time of that moment. A slot is a lease with an expiry, so
    the slots of a worker that died mid-request come back after `lease_seconds` (its request
    then counts as finished at the lease's end).
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
        self._reserve_script = redis.register_script(RESERVE)
        self._finish_script = redis.register_script(FINISH)
        self._penalize_script = redis.register_script(PENALIZE)
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
            await asyncio.shield(self._finish_script(keys=keys[:3], args=[lease]))

    async def _reserve(self, keys: list[str], lease: str, batch: bool) -> None:
        args: list[str | float] = [lease, int(batch), *self._args]
        while True:
            asked = time.monotonic()
            wait_us = int(await self._reserve_script(keys=keys, args=args))
            if wait_us <= 0:
                return
            # The wait counts from Redis's answer, and the answer's way back plus the next
            # call's way there take about one round trip: leaving that out (down to half the
            # wait) brings the next call to Redis about when the window frees. Only the
            # script grants, so arriving early costs a refusal, never a request too many.
            wait, trip = wait_us / 1_000_000, time.monotonic() - asked
            await self._sleep(max(wait - trip, wait / 2) + random.uniform(0, self._jitter))

    async def penalize(self, realm_id: str, seconds: float) -> None:
        seconds = min(seconds, self.config.minute_seconds)  # see RealmWindows.penalize
        if seconds <= 0:
            return
        await self._penalize_script(keys=self.keys(realm_id)[3:], args=[seconds])

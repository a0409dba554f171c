"""The per-realm limiter's sliding windows, on a fake clock (no Redis, no real sleeping)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence

import httpx
import pytest

from app.adapters.quickbooks.client import QuickBooksClient
from app.adapters.quickbooks.limiter import (
    InProcessLimiter,
    LimitConfig,
    RealmWindows,
    window_wait,
)
from app.domain.faults import ExternalRateLimited
from app.domain.ports import QboSession

REALM = "4620816365"
EXACT = LimitConfig(
    per_minute=6, per_second=3, max_concurrent=2, batch_per_minute=2, minute_seconds=4.0,
    guard_seconds=0.0,
)  # fmt: skip


class FakeClock:
    """Virtual time: the earliest sleeper moves the clock to its wake-up time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._wakes: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = self.now + seconds
        self._wakes.append(wake)
        try:
            while self.now < wake:
                await asyncio.sleep(0)  # let every runnable task run before time moves
                if wake <= min(self._wakes):
                    self.now = wake
        finally:
            self._wakes.remove(wake)


def peak(starts: Sequence[float], span: float) -> int:
    """Most starts in any half-open window [t, t + span)."""
    ordered = sorted(starts)
    return max((sum(1 for s in ordered if t <= s < t + span) for t in ordered), default=0)


def answered(windows: RealmWindows, at: float, batch: bool = False) -> None:
    """A request granted and answered at `at`, as if QBO took no time."""
    windows.start(batch)
    windows.finish(at, batch)


def test_window_wait_is_the_age_of_the_limit_th_newest_start() -> None:
    assert window_wait([], 10.0, 1.0, 3) == 0.0
    assert window_wait([9.5, 9.8], 10.0, 1.0, 3) == 0.0
    assert window_wait([9.2, 9.5, 9.8], 10.0, 1.0, 3) == pytest.approx(0.2)
    assert window_wait([8.0, 9.5, 9.8, 9.9], 10.0, 1.0, 3) == pytest.approx(0.5)
    assert window_wait([8.0, 8.5, 8.8], 10.0, 1.0, 3) == 0.0


def test_requests_in_flight_fill_the_window_until_they_finish() -> None:
    assert window_wait([], 10.0, 1.0, 3, in_flight=3) == math.inf
    assert window_wait([9.5], 10.0, 1.0, 3, in_flight=1) == 0.0
    assert window_wait([9.5, 9.8], 10.0, 1.0, 3, in_flight=1) == pytest.approx(0.5)


def test_a_slow_request_counts_from_its_grant_until_a_window_after_its_answer() -> None:
    # QBO counts a request when it arrives, anywhere between our grant and its answer: a
    # request granted at 0 may reach QBO at 5, so the window must still hold it at 5.9.
    windows = RealmWindows(EXACT)
    for _ in range(3):
        windows.start(False)
    assert windows.wait(5.0, False) == math.inf
    for _ in range(3):
        windows.finish(5.0, False)
    assert windows.wait(5.1, False) == pytest.approx(0.9)
    assert windows.wait(6.0, False) == 0.0


def test_second_then_minute_window_bind() -> None:
    windows = RealmWindows(EXACT)
    for _ in range(3):
        assert windows.wait(0.0, False) == 0.0
        answered(windows, 0.0)
    assert windows.wait(0.0, False) == pytest.approx(1.0)
    for _ in range(3):
        answered(windows, 1.0)
    # Six starts in the 4 s "minute": the next waits for the first three to age out.
    assert windows.wait(2.0, False) == pytest.approx(2.0)
    assert windows.wait(4.0, False) == 0.0


def test_batch_calls_have_their_own_window_and_count_toward_the_others() -> None:
    windows = RealmWindows(EXACT)
    answered(windows, 0.0, batch=True)
    answered(windows, 1.0, batch=True)
    assert windows.wait(2.0, True) == pytest.approx(2.0)
    assert windows.wait(2.0, False) == 0.0
    assert len(windows.finished) == 2


def test_guard_widens_both_windows() -> None:
    config = LimitConfig(per_minute=2, per_second=1, minute_seconds=4.0, guard_seconds=0.1)
    windows = RealmWindows(config)
    answered(windows, 0.0)
    assert windows.wait(0.5, False) == pytest.approx(0.6)
    answered(windows, 1.1)
    assert windows.wait(2.5, False) == pytest.approx(1.6)


def test_penalty_is_capped_at_one_window_and_only_extends() -> None:
    windows = RealmWindows(EXACT)
    windows.penalize(0.0, 60.0)
    assert windows.wait(0.0, False) == pytest.approx(4.0)
    windows.penalize(1.0, 0.5)
    assert windows.wait(1.0, False) == pytest.approx(3.0)


def test_config_refuses_zero_limits() -> None:
    with pytest.raises(ValueError):
        LimitConfig(per_second=0)


async def test_concurrent_callers_never_exceed_any_window() -> None:
    clock = FakeClock()
    limiter = InProcessLimiter(EXACT, clock=clock, sleep=clock.sleep)
    starts: list[float] = []
    batch_starts: list[float] = []

    async def call(n: int) -> None:
        batch = n % 4 == 0
        async with limiter.slot(REALM, batch=batch):
            starts.append(clock.now)
            if batch:
                batch_starts.append(clock.now)
            await clock.sleep(0.05)

    await asyncio.gather(*(call(n) for n in range(30)))

    assert len(starts) == 30
    assert peak(starts, EXACT.minute_seconds) <= EXACT.per_minute
    assert peak(starts, 1.0) <= EXACT.per_second
    assert peak(batch_starts, EXACT.minute_seconds) <= EXACT.batch_per_minute
    # At the ceiling: five "minutes" of six starts, each split 3 + 3 by the per-second limit;
    # the concurrency cap of 2 delays each third start by one 0.05 s call. Windows run from
    # a request's answer, so each "minute" and each second is 0.05 s (one call) longer.
    assert clock.now - 1000.0 == pytest.approx(4 * (4 + 0.05) + (1 + 0.05) + 0.05 + 0.05)


async def test_the_next_window_runs_from_a_slow_answer_not_from_the_grant() -> None:
    clock = FakeClock()
    config = LimitConfig(per_second=1, guard_seconds=0.0)
    limiter = InProcessLimiter(config, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def call(seconds: float) -> None:
        async with limiter.slot(REALM):
            starts.append(clock.now)
            await clock.sleep(seconds)

    first = asyncio.create_task(call(0.9))  # granted at 0, it may reach QBO as late as 0.9
    await asyncio.sleep(0)
    await asyncio.gather(first, call(0.0))

    assert [s - 1000.0 for s in starts] == [0.0, pytest.approx(1.9)]


async def test_a_full_realm_waits_for_a_release() -> None:
    limiter = InProcessLimiter(LimitConfig(max_concurrent=1))
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with limiter.slot(REALM):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second() -> None:
        async with limiter.slot(REALM):
            order.append("second in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await asyncio.sleep(0.01)
    assert order == ["first in"]
    async with limiter.slot("other-realm"):
        pass  # another company is not held up
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second in"]


async def test_cancellation_releases_the_slot() -> None:
    limiter = InProcessLimiter(LimitConfig(max_concurrent=1))
    entered = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot(REALM):
            entered.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiter.cancel()  # cancelled while waiting: it must not take or leak a slot
    holder.cancel()
    await asyncio.gather(holder, waiter, return_exceptions=True)

    assert limiter.realm(REALM).in_flight == 0
    async with asyncio.timeout(1):
        async with limiter.slot(REALM):
            pass


async def test_a_throttle_answer_holds_the_realm_back() -> None:
    clock = FakeClock()
    limiter = InProcessLimiter(EXACT, clock=clock, sleep=clock.sleep)
    answers = [httpx.Response(429, json={"fault": {"error": [{"code": "3001"}]}})]

    def qbo(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else httpx.Response(200, json={"QueryResponse": {}})

    transport = httpx.MockTransport(qbo)
    async with httpx.AsyncClient(base_url="https://qbo.test", transport=transport) as http:
        client = QuickBooksClient(http, limiter=limiter, sleep=clock.sleep)
        session = QboSession(realm_id=REALM, access_token="token")
        with pytest.raises(ExternalRateLimited):
            await client.find_item(session, sku="MUG")  # 60 s Retry-After: the job defers
        assert limiter.realm(REALM).penalty_until == pytest.approx(1000.0 + 4.0)
        assert await client.find_item(session, sku="MUG") is None
    assert clock.sleeps == [pytest.approx(4.0)]

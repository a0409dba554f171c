"""What the fake QBO saw per realm: load, throttling and concurrency, for tests and benches.

Every accounting request counts from the moment it arrives, whatever its answer, so the
peaks say what a client offered, not only what the throttle let through.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Seen:
    """One request in flight; the handler sets `status` once it has an answer."""

    status: int | None = None


@dataclass
class RealmStats:
    """Counters and sliding-window peaks for one realm."""

    requests: int = 0
    throttled: int = 0
    max_per_minute: int = 0
    max_per_second: int = 0
    max_concurrent: int = 0
    batch_calls: int = 0
    max_batch_per_minute: int = 0
    in_flight: int = 0
    minute: deque[float] = field(default_factory=deque)
    second: deque[float] = field(default_factory=deque)
    batch_minute: deque[float] = field(default_factory=deque)

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "max_per_minute": self.max_per_minute,
            "max_per_second": self.max_per_second,
            "max_concurrent": self.max_concurrent,
            "batch_calls": self.batch_calls,
            "max_batch_per_minute": self.max_batch_per_minute,
        }


def _peak(window: deque[float], now: float, length: float) -> int:
    """Add an arrival and return how many arrivals the window ending now holds."""
    while window and now - window[0] >= length:
        window.popleft()
    window.append(now)
    return len(window)


class StatsRecorder:
    """Per-realm request statistics on the sandbox's clock."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, minute_seconds: float = 60.0
    ) -> None:
        self.clock, self.minute_seconds = clock, minute_seconds
        self.realms: dict[str, RealmStats] = {}

    @contextmanager
    def track(self, realm_id: str, *, batch: bool = False) -> Iterator[Seen]:
        stats = self.realms.setdefault(realm_id, RealmStats())
        now = self.clock()
        stats.requests += 1
        stats.max_per_minute = max(
            stats.max_per_minute, _peak(stats.minute, now, self.minute_seconds)
        )
        stats.max_per_second = max(stats.max_per_second, _peak(stats.second, now, 1.0))
        if batch:
            stats.batch_calls += 1
            peak = _peak(stats.batch_minute, now, self.minute_seconds)
            stats.max_batch_per_minute = max(stats.max_batch_per_minute, peak)
        stats.in_flight += 1
        stats.max_concurrent = max(stats.max_concurrent, stats.in_flight)
        seen = Seen()
        try:
            yield seen
        finally:
            stats.in_flight -= 1
            if seen.status == 429:
                stats.throttled += 1

    def snapshot(self, realm_id: str) -> dict[str, int]:
        return self.realms.get(realm_id, RealmStats()).as_dict()

    def all(self) -> dict[str, Any]:
        return {realm_id: stats.as_dict() for realm_id, stats in self.realms.items()}

    def reset(self) -> None:
        """Forget every counter and peak; requests still in flight finish uncounted."""
        self.realms = {}

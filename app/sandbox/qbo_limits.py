"""Per-realm throttling and scripted faults for the fake QBO gateway."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

FAULT_KINDS = frozenset(
    {"throttle", "server_error", "html_503", "timeout", "commit_then_timeout", "auth"}
)
DEFAULT_HANG_SECONDS = 30.0


@dataclass
class InjectedFault:
    """A fault waiting for `count` matching requests."""

    kind: str
    count: int
    realm_id: str | None
    path_contains: str | None
    seconds: float

    def matches(self, path: str, realm_id: str | None) -> bool:
        if self.realm_id is not None and self.realm_id != realm_id:
            return False
        if self.path_contains is None:
            return path.startswith("/v3/")  # by default only the accounting API misbehaves
        return self.path_contains in path


class FaultInjector:
    """Faults queued by tests; the first matching one is consumed per request."""

    def __init__(self) -> None:
        self.pending: list[InjectedFault] = []

    def add(
        self,
        kind: str,
        *,
        count: int = 1,
        realm_id: str | None = None,
        path_contains: str | None = None,
        seconds: float = DEFAULT_HANG_SECONDS,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        self.pending.append(InjectedFault(kind, count, realm_id, path_contains, seconds))

    def take(self, path: str, realm_id: str | None) -> InjectedFault | None:
        for fault in self.pending:
            if fault.matches(path, realm_id):
                fault.count -= 1
                if fault.count == 0:
                    self.pending.remove(fault)
                return fault
        return None


class RateLimiter:
    """QBO's per-realm limits: requests per minute, per second, and optionally in flight.

    Only admitted requests count, so a client that backs off recovers when the window moves.
    """

    def __init__(
        self,
        per_minute: int,
        per_second: int,
        max_concurrent: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute, self.per_second = per_minute, per_second
        self.max_concurrent = max_concurrent
        self.clock = clock
        self.admitted: dict[str, deque[float]] = {}
        self.in_flight: dict[str, int] = {}

    def try_acquire(self, realm_id: str) -> bool:
        now = self.clock()
        window = self.admitted.setdefault(realm_id, deque())
        while window and now - window[0] >= 60:
            window.popleft()
        last_second = sum(1 for stamp in window if now - stamp < 1)
        busy = self.in_flight.get(realm_id, 0)
        if len(window) >= self.per_minute or last_second >= self.per_second:
            return False
        if self.max_concurrent is not None and busy >= self.max_concurrent:
            return False
        window.append(now)
        self.in_flight[realm_id] = busy + 1
        return True

    def release(self, realm_id: str) -> None:
        self.in_flight[realm_id] = max(self.in_flight.get(realm_id, 1) - 1, 0)

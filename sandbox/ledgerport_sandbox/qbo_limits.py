"""Per-realm throttling and scripted or random faults for the fake QBO gateway."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# The two timeout flavours also go by what they do to the books.
FAULT_ALIASES = {"timeout_before_write": "timeout", "timeout_after_write": "commit_then_timeout"}
FAULT_KINDS = frozenset(
    {"throttle", "server_error", "html_503", "timeout", "commit_then_timeout", "auth", "answer"}
    | set(FAULT_ALIASES)
)
DEFAULT_HANG_SECONDS = 30.0


def canonical_kind(kind: str) -> str:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
    return FAULT_ALIASES.get(kind, kind)


@dataclass(frozen=True)
class ScriptedAnswer:
    """A response given verbatim (kind "answer"): any status, body and content type, such as a
    fault body copied from Intuit's documentation."""

    status: int
    body: str
    content_type: str = "application/json"

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status")


@dataclass
class InjectedFault:
    """A fault waiting for `count` matching requests."""

    kind: str
    count: int
    realm_id: str | None
    path_contains: str | None
    seconds: float
    answer: ScriptedAnswer | None = None

    def matches(self, path: str, realm_id: str | None) -> bool:
        if self.realm_id is not None and self.realm_id != realm_id:
            return False
        if self.path_contains is None:
            return path.startswith("/v3/")  # by default only the accounting API misbehaves
        return self.path_contains in path


class FaultInjector:
    """Faults queued by tests (consumed first), then faults drawn at random by `rates`.

    `rates` maps a fault kind to its probability per accounting request; one draw per
    request from a `random.Random(seed)`, so a fixed seed replays the same sequence.
    """

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        seed: int | None = None,
        seconds: float = DEFAULT_HANG_SECONDS,
    ) -> None:
        self.pending: list[InjectedFault] = []
        self.rates: dict[str, float] = {}
        self.rng = random.Random(seed)
        self.seconds = seconds
        self.set_rates(rates or {}, seed=seed, seconds=seconds)

    def add(
        self,
        kind: str,
        *,
        count: int = 1,
        realm_id: str | None = None,
        path_contains: str | None = None,
        seconds: float = DEFAULT_HANG_SECONDS,
        answer: ScriptedAnswer | None = None,
    ) -> None:
        kind = canonical_kind(kind)
        if count < 1:
            raise ValueError("count must be at least 1")
        if (kind == "answer") != (answer is not None):
            raise ValueError('kind "answer" takes an answer (status, body), and only it does')
        fault = InjectedFault(kind, count, realm_id, path_contains, seconds, answer)
        self.pending.append(fault)

    def set_rates(
        self,
        rates: Mapping[str, float],
        *,
        seed: int | None = None,
        seconds: float = DEFAULT_HANG_SECONDS,
    ) -> None:
        """Replace the random fault rates; validated before anything changes."""
        cleaned: dict[str, float] = {}
        for kind, rate in rates.items():
            probability = float(rate)
            if not 0.0 <= probability <= 1.0:
                raise ValueError(f"rate for {kind!r} must be between 0 and 1")
            canonical = canonical_kind(kind)
            if canonical == "answer":
                raise ValueError('"answer" is scripted, not drawn at random')
            cleaned[canonical] = cleaned.get(canonical, 0.0) + probability
        if sum(cleaned.values()) > 1.0 + 1e-9:
            raise ValueError("fault rates must add up to at most 1")
        self.rates, self.seconds = dict(sorted(cleaned.items())), seconds
        if seed is not None:
            self.rng.seed(seed)

    def take(self, path: str, realm_id: str | None) -> InjectedFault | None:
        for fault in self.pending:
            if fault.matches(path, realm_id):
                fault.count -= 1
                if fault.count == 0:
                    self.pending.remove(fault)
                return fault
        if self.rates and path.startswith("/v3/"):
            return self._draw(realm_id)
        return None

    def _draw(self, realm_id: str | None) -> InjectedFault | None:
        roll, threshold = self.rng.random(), 0.0
        for kind, rate in self.rates.items():
            threshold += rate
            if roll < threshold:
                return InjectedFault(kind, 1, realm_id, None, self.seconds)
        return None


class RateLimiter:
    """QBO's per-realm limits: requests per "minute" and per second, batch calls per
    "minute", and optionally requests in flight.

    `minute_seconds` shortens the minute window so tests can cross it quickly; the
    per-second window is always one second. Only admitted requests count, so a client that
    backs off recovers when the window moves.
    """

    def __init__(
        self,
        per_minute: int,
        per_second: int,
        max_concurrent: int | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        batch_per_minute: int = 40,
        minute_seconds: float = 60.0,
    ) -> None:
        if minute_seconds <= 0:
            raise ValueError("minute_seconds must be positive")
        self.per_minute, self.per_second = per_minute, per_second
        self.max_concurrent, self.batch_per_minute = max_concurrent, batch_per_minute
        self.minute_seconds = minute_seconds
        self.clock = clock
        self.admitted: dict[str, deque[float]] = {}
        self.admitted_batches: dict[str, deque[float]] = {}
        self.in_flight: dict[str, int] = {}

    def try_acquire(self, realm_id: str, *, batch: bool = False) -> bool:
        now = self.clock()
        window = self._window(self.admitted, realm_id, now)
        batches = self._window(self.admitted_batches, realm_id, now)
        last_second = sum(1 for stamp in window if now - stamp < 1)
        busy = self.in_flight.get(realm_id, 0)
        if len(window) >= self.per_minute or last_second >= self.per_second:
            return False
        if batch and len(batches) >= self.batch_per_minute:
            return False
        if self.max_concurrent is not None and busy >= self.max_concurrent:
            return False
        window.append(now)
        if batch:
            batches.append(now)
        self.in_flight[realm_id] = busy + 1
        return True

    def release(self, realm_id: str) -> None:
        self.in_flight[realm_id] = max(self.in_flight.get(realm_id, 1) - 1, 0)

    def _window(self, store: dict[str, deque[float]], realm_id: str, now: float) -> deque[float]:
        window = store.setdefault(realm_id, deque())
        while window and now - window[0] >= self.minute_seconds:
            window.popleft()
        return window

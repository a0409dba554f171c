"""What a use case can tell the job runner besides success."""

from __future__ import annotations


def crash_backoff(attempt: int) -> float:
    """Seconds before re-running a job that crashed: 2, 4, 8 … at most 5 minutes."""
    return float(min(2**attempt, 300))


class RetryLater(Exception):
    """Run the same job again after `defer_s` seconds (a lease is held, QBO is down…)."""

    def __init__(self, defer_s: float, reason: str) -> None:
        super().__init__(reason)
        self.defer_s = defer_s
        self.reason = reason

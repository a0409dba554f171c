"""What a use case can tell the job runner besides success."""

from __future__ import annotations


class RetryLater(Exception):
    """Run the same job again after `defer_s` seconds (a lease is held, QBO is down…)."""

    def __init__(self, defer_s: float, reason: str) -> None:
        super().__init__(reason)
        self.defer_s = defer_s
        self.reason = reason

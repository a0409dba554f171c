"""The Idempotency-Key store: one answer per (caller, key), kept for a day, so that a POST
sent again (a retry after a lost answer) is answered as before and starts nothing new."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class KeyState(StrEnum):
    new = "new"  # this caller claimed the key now: run the request
    running = "running"  # the first request with the key has not answered yet
    done = "done"  # answered before: replay `answer`
    mismatch = "mismatch"  # the key was used for another request (method, path or body)


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class KeyClaim:
    state: KeyState
    answer: StoredAnswer | None = None


class IdempotencyStore(Protocol):
    """Each call is a transaction of its own: a claim holds while the request runs."""

    async def claim(
        self, caller: str, key: str, fingerprint: str, now: datetime, expires_at: datetime
    ) -> KeyClaim:
        """Claims `key` for `caller` unless a live entry holds it; entries past their
        `expires_at` are forgotten on the way (a key may then be used anew)."""
        ...

    async def finish(self, caller: str, key: str, answer: StoredAnswer) -> None:
        """Keeps the answer to replay."""
        ...

    async def release(self, caller: str, key: str) -> None:
        """Forgets the claim (the request failed on our side): the key may be tried again."""
        ...

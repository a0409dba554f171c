"""Counting refused attempts per client (in its own module: external.py is full)."""

from __future__ import annotations

from typing import Protocol


class FailureCounter(Protocol):
    """Refused attempts per client in a fixed window, shared by every API process that uses
    the same store."""

    async def failed(self, client: str) -> float | None:
        """Counts one more refusal for `client`; None while the client is within its allowance,
        else the seconds until its window ends (when it may be refused with 401 again)."""
        ...

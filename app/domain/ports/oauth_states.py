"""Single-use OAuth start tokens and states (in their own module: storage.py is full)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.domain.entities import OAuthState


class OAuthStateRepository(Protocol):
    async def add(
        self, nonce_hash: str, purpose: str, shop: str, binding_hash: str | None, now: datetime
    ) -> OAuthState: ...

    async def use(self, nonce_hash: str, now: datetime) -> OAuthState | None:
        """Marks the unused row with this hash used and returns it, in one statement, so two
        callbacks with one state cannot both have it; None when it is unknown or used."""
        ...

    async def purge(self, created_before: datetime) -> int:
        """Deletes the rows created before the cutoff, used or not; how many."""
        ...

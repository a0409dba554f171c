"""QBO connection state: live access tokens for workers, health for the API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from app.domain.entities import COMPANY_MISMATCH, HEALTHY, QUICKBOOKS, UNHEALTHY, Connection
from app.domain.errors import ErrorCode, SyncError
from app.domain.faults import ExternalAuthExpired
from app.domain.ports import Cipher, Clock, QboOAuthPort, QboSession, TokenSet, UnitOfWorkFactory

# Refresh a little early so a token never expires between our check and QBO's.
REFRESH_MARGIN = timedelta(minutes=5)
T = TypeVar("T")


class RefreshLocks:
    """One asyncio lock per shop: the row lock below does not exist on SQLite, and within one
    process it also saves a second coroutine from queueing on the database."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def __call__(self, shop_id: int) -> asyncio.Lock:
        return self._locks.setdefault(shop_id, asyncio.Lock())


@dataclass(frozen=True)
class TokenKeeper:
    uow: UnitOfWorkFactory
    oauth: QboOAuthPort
    cipher: Cipher
    clock: Clock
    locks: RefreshLocks

    async def session(self, shop_id: int, *, rejected: str | None = None) -> QboSession:
        """A QboSession with a live token, refreshing (and storing the rotation) when due.

        `rejected` is an access token QBO refused although it had not expired: it is
        refreshed at once, unless another worker has replaced it meanwhile. A refused refresh
        marks the connection unhealthy and raises SyncError(qbo_auth).
        """
        async with self.locks(shop_id):
            return await self._session(shop_id, rejected)

    async def call(self, shop_id: int, use: Callable[[QboSession], Awaitable[T]]) -> T:
        """`use(session)` with a live session. When QBO refuses a token we believed valid,
        refreshes once and calls `use` once more; QBO refusing the fresh token too marks the
        connection unhealthy, and that ExternalAuthExpired is raised."""
        session = await self.session(shop_id)
        try:
            return await use(session)
        except ExternalAuthExpired:
            pass  # an access token can die before its hour is up: renew it, then try again
        session = await self.session(shop_id, rejected=session.access_token)
        try:
            return await use(session)
        except ExternalAuthExpired as exc:
            await self._pause(shop_id, session.access_token, exc.message)
            raise

    async def _session(self, shop_id: int, rejected: str | None) -> QboSession:
        async with self.uow() as uow:
            # The row lock keeps two worker processes from spending one rotating refresh
            # token: the second waits here, then finds the first one's fresh access token.
            connection = await uow.connections.get(shop_id, QUICKBOOKS, for_update=True)
            if connection is not None and connection.status == COMPANY_MISMATCH:
                # Held: the new tokens are another company's; nothing posts anywhere.
                detail = "QuickBooks was reconnected to another company; reconnect or confirm"
                raise SyncError(ErrorCode.qbo_auth, detail)
            if connection is None or connection.status != HEALTHY or not connection.refresh_token:
                raise SyncError(ErrorCode.qbo_auth, _not_connected(connection))
            if not self._due(connection, rejected):
                return self._session_of(connection)
            try:
                tokens = await self.oauth.refresh(self.cipher.decrypt(connection.refresh_token))
            except ExternalAuthExpired as exc:
                mark_unhealthy(connection, "Intuit refused the refresh token; reconnect")
                await uow.connections.save(connection)
                await uow.commit()
                raise SyncError(ErrorCode.qbo_auth, "QuickBooks refused the refresh token") from exc
            store_tokens(connection, tokens, self.cipher)
            await uow.connections.save(connection)
            await uow.commit()
            return self._session_of(connection)

    def _due(self, connection: Connection, rejected: str | None) -> bool:
        if access_due(connection, self.clock()):
            return True
        return rejected is not None and self._access_token(connection) == rejected

    async def _pause(self, shop_id: int, rejected: str, reason: str) -> None:
        """Marks the connection unhealthy, unless its token changed since QBO refused it (a
        reconnect meanwhile is not to be undone)."""
        async with self.locks(shop_id), self.uow() as uow:
            connection = await uow.connections.get(shop_id, QUICKBOOKS, for_update=True)
            if connection is None or self._access_token(connection) != rejected:
                return
            mark_unhealthy(connection, f"QuickBooks refused a freshly renewed token: {reason}")
            await uow.connections.save(connection)
            await uow.commit()

    def _access_token(self, connection: Connection) -> str | None:
        token = connection.access_token
        return self.cipher.decrypt(token) if token else None

    def _session_of(self, connection: Connection) -> QboSession:
        assert connection.access_token is not None and connection.external_id is not None
        return QboSession(connection.external_id, self.cipher.decrypt(connection.access_token))


def access_due(connection: Connection, now: datetime) -> bool:
    """Whether the stored access token must be refreshed before use."""
    expires = connection.access_expires_at
    if not connection.access_token or expires is None:
        return True
    return expires - REFRESH_MARGIN <= now


def store_tokens(connection: Connection, tokens: TokenSet, cipher: Cipher) -> None:
    connection.access_token = cipher.encrypt(tokens.access_token)
    connection.refresh_token = cipher.encrypt(tokens.refresh_token)
    connection.access_expires_at = tokens.access_expires_at
    connection.refresh_expires_at = tokens.refresh_expires_at
    connection.status, connection.status_reason = HEALTHY, None
    connection.proposed_external_id = None


def mark_unhealthy(connection: Connection, reason: str) -> None:
    connection.status, connection.status_reason = UNHEALTHY, reason


def _not_connected(connection: Connection | None) -> str:
    """Why QuickBooks work is paused, as the connection recorded it."""
    if connection is None:
        return "QuickBooks is not connected for this shop"
    reason = connection.status_reason or connection.status
    return f"QuickBooks access is paused ({reason})"

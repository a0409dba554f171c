"""QBO reference data (accounts, tax codes and rates, items, customers) kept per realm.

Dropdowns and configuration checks read these lists often and QBO charges each read against
the company's 500 requests a minute, so they are kept for a while, reloaded on request, and
dropped as soon as LedgerPort itself writes to the list.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from app.domain.ports import (
    CompanyProfile,
    QboOption,
    QboRef,
    QboSession,
    QboTaxRate,
    QuickBooksPort,
)
from app.domain.ports.forwarding import ForwardingQuickBooks

REFERENCE_ENTITIES = ("Customer", "Item", "Account", "TaxCode", "TaxRate", "PaymentMethod")
MAX_OPTIONS = 10_000
T = TypeVar("T")


class ReferenceCache:
    """Per process; each worker keeps its own copy, so a write elsewhere shows after `ttl_s`."""

    def __init__(
        self,
        qbo: QuickBooksPort,
        *,
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._qbo, self._ttl_s, self._clock = qbo, ttl_s, clock
        self._lists: dict[tuple[str, str], tuple[float, list[QboOption]]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._profiles: dict[str, tuple[float, Any]] = {}

    async def kept(self, session: QboSession, key: str, load: Callable[[], Awaitable[T]]) -> T:
        """A per-realm answer (the company profile, its tax codes' rates) kept `ttl_s`."""
        slot = f"{session.realm_id}:{key}"
        async with self._locks.setdefault((session.realm_id, key), asyncio.Lock()):
            cached = self._profiles.get(slot)
            if cached is not None and self._clock() - cached[0] < self._ttl_s:
                return cast(T, cached[1])
            value = await load()
            self._profiles[slot] = (self._clock(), value)
            return value

    async def options(
        self, session: QboSession, entity: str, *, refresh: bool = False
    ) -> list[QboOption]:
        """Active and inactive records of `entity`; one QBO load per realm at a time."""
        if entity not in REFERENCE_ENTITIES:
            raise ValueError(f"{entity} is not reference data")
        key = (session.realm_id, entity)
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._lists.get(key)
            if cached is not None and not refresh and self._clock() - cached[0] < self._ttl_s:
                return cached[1]
            loaded = await self._qbo.list_entities(
                session, entity, active_only=False, max_results=MAX_OPTIONS
            )
            self._lists[key] = (self._clock(), loaded)
            return loaded

    def forget(self, realm_id: str, key: str) -> None:
        """Drops one kept per-realm answer (see `kept`)."""
        self._profiles.pop(f"{realm_id}:{key}", None)

    def invalidate(self, realm_id: str, entity: str | None = None) -> None:
        for key in [k for k in self._lists if k[0] == realm_id and entity in (None, k[1])]:
            del self._lists[key]
        if entity is None:
            for slot in [s for s in self._profiles if s.startswith(f"{realm_id}:")]:
                del self._profiles[slot]


class CachingQuickBooks(ForwardingQuickBooks):
    """QuickBooksPort that keeps the reference cache true to LedgerPort's own writes."""

    def __init__(self, inner: QuickBooksPort, cache: ReferenceCache) -> None:
        super().__init__(inner)
        self.cache = cache

    async def create_item(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        try:
            return await self.inner.create_item(session, payload, request_id=request_id)
        finally:  # even a timeout may have created it
            self.cache.invalidate(session.realm_id, "Item")

    async def create_customer(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        try:
            return await self.inner.create_customer(session, payload, request_id=request_id)
        finally:  # even a timeout may have created it
            self.cache.invalidate(session.realm_id, "Customer")

    async def company_profile(self, session: QboSession, *, fresh: bool = False) -> CompanyProfile:
        if fresh:
            self.cache.forget(session.realm_id, "profile")
        return await self.cache.kept(
            session, "profile", lambda: self.inner.company_profile(session)
        )

    async def tax_code_rates(self, session: QboSession) -> dict[str, tuple[QboTaxRate, ...]]:
        return await self.cache.kept(
            session, "tax_code_rates", lambda: self.inner.tax_code_rates(session)
        )

    async def list_entities(
        self,
        session: QboSession,
        entity: str,
        *,
        active_only: bool = True,
        max_results: int = 1000,
    ) -> list[QboOption]:
        options = await self.cache.options(session, entity)
        chosen = [o for o in options if o.active or not active_only]
        return chosen[:max_results]

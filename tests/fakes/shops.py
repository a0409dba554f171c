"""Fake shop and API key repositories."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.domain.entities import ApiKey, OAuthState, Shop
from app.domain.signals import AlreadyExists
from tests.fakes.base import Repository, copied
from tests.fakes.store import KeyRow, stored

# Every table that holds rows of a shop, keyed by its shop_id (the inbox by its domain).
SHOP_TABLES = (
    "blockers",
    "sources",
    "api_keys",
    "orders",
    "records",
    "audit",
    "mappings",
    "configs",
    "connections",
    "runs",
    "privacy",
)


class ShopRepository(Repository):
    async def get(self, shop_id: int) -> Shop | None:
        shop = self._table("shops").get(shop_id)
        return self._out(shop) if shop is not None else None

    async def get_by_domain(self, domain: str) -> Shop | None:
        shop_id = self._find("shops", domain)
        return await self.get(shop_id) if isinstance(shop_id, int) else None

    async def all(self) -> list[Shop]:
        return [self._out(shop) for shop in sorted(self._rows("shops"), key=lambda s: s.domain)]

    async def add(self, domain: str, name: str, plan: str = "free") -> Shop:
        if await self._find_or_reserve("shops", domain) is not None:
            raise AlreadyExists(f"shop {domain}")
        shop = Shop(self._next_id("shops"), domain, name, plan, created_at=self._now())
        await self._lock("shops", shop.id)
        self._table("shops")[shop.id] = shop = stored(shop)
        return self._out(shop)

    async def save(self, shop: Shop) -> None:
        await self._save("shops", shop.id, shop)

    async def erase(self, shop_id: int, domain: str) -> None:
        for table in SHOP_TABLES:
            for key, row in list(self._table(table).items()):
                if _shop_id(table, key, row) == shop_id:
                    await self._delete(table, key)
        for key, delivery in list(self._table("inbox").items()):
            if delivery.shop_domain == domain:
                await self._delete("inbox", key)
        await self._delete("shops", shop_id)

    async def _delete(self, table: str, key: Hashable) -> None:
        await self._lock(table, key)
        self._table(table).pop(key, None)


def _shop_id(table: str, key: Any, row: Any) -> int | None:
    if table == "configs":
        return int(key)
    if table == "blockers":
        return int(row)
    if table in ("api_keys", "privacy"):
        return (row.key if table == "api_keys" else row.request).shop_id  # type: ignore[no-any-return]
    return row.shop_id  # type: ignore[no-any-return]


class ApiKeyRepository(Repository):
    async def add(self, shop_id: int | None, key_hash: str, prefix: str, label: str) -> ApiKey:
        if await self._find_or_reserve("api_keys", key_hash) is not None:
            raise AlreadyExists("api key")
        key = ApiKey(self._next_id("api_keys"), shop_id, prefix, label, created_at=self._now())
        await self._lock("api_keys", key.id)
        key = stored(key)
        self._table("api_keys")[key.id] = KeyRow(key, key_hash)
        return copied(key)

    async def find_active(self, key_hash: str) -> ApiKey | None:
        row: KeyRow | None = self._table("api_keys").get(self._find("api_keys", key_hash))
        if row is None or row.key.revoked_at is not None:
            return None
        return copied(row.key)

    async def revoke_for_shop(self, shop_id: int, now: datetime) -> int:
        revoked = 0
        for key_id, row in list(self._table("api_keys").items()):
            key: ApiKey = row.key
            if key.shop_id == shop_id and key.revoked_at is None:
                await self._lock("api_keys", key_id)
                gone = stored(replace(key, revoked_at=now))
                self._table("api_keys")[key_id] = KeyRow(gone, row.key_hash)
                revoked += 1
        return revoked


class OAuthStateRepository(Repository):
    async def add(
        self, nonce_hash: str, purpose: str, shop: str, binding_hash: str | None, now: datetime
    ) -> OAuthState:
        if await self._find_or_reserve("oauth_states", nonce_hash) is not None:
            raise AlreadyExists("oauth state")
        state_id = self._next_id("oauth_states")
        state = stored(OAuthState(state_id, nonce_hash, purpose, shop, binding_hash, now))
        await self._lock("oauth_states", state_id)
        self._table("oauth_states")[state_id] = state
        return copied(state)

    async def use(self, nonce_hash: str, now: datetime) -> OAuthState | None:
        key = self._find("oauth_states", nonce_hash)
        if key is None:
            return None
        await self._lock("oauth_states", key)  # as the UPDATE: waits, then reads the newest
        state: OAuthState | None = self._table("oauth_states").get(key)
        if state is None or state.used_at is not None:
            return None
        used = stored(replace(state, used_at=now))
        self._table("oauth_states")[key] = used
        return copied(used)

    async def purge(self, created_before: datetime) -> int:
        gone = [
            k for k, row in self._table("oauth_states").items() if row.created_at < created_before
        ]
        for key in gone:
            await self._lock("oauth_states", key)
            self._table("oauth_states").pop(key, None)
        return len(gone)

"""Installing LedgerPort on a Shopify shop (OAuth code grant) and keeping its token live."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.domain.entities import HEALTHY, SHOPIFY, Connection
from app.domain.faults import ExternalAuthExpired
from app.domain.ports import Cipher, Clock, ShopifyOAuthPort, TokenSet, UnitOfWorkFactory
from app.domain.signals import AlreadyExists, InstallRefused, InstallUnsigned
from app.services.api_keys import new_api_key
from app.services.connections import RefreshLocks, access_due, mark_unhealthy, store_tokens
from app.services.oauth_states import digest, issue, same_browser, spent

STATE_PURPOSE = "shopify-install"
STATE_MAX_AGE_S = 600
# The nonce cookie the install route sets and the callback needs (a refusal names it).
COOKIE = "ledgerport_shopify_oauth"
# Shopify's own libraries accept a signed query up to 90 s away from their clock.
TIMESTAMP_TOLERANCE_S = 90


def collapse_query(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A query's pairs as one value per key; repeated keys joined by commas, as Shopify's
    own libraries do before signing."""
    joined: dict[str, str] = {}
    for key, value in items:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


@dataclass(frozen=True)
class Started:
    consent_url: str  # Shopify's consent page
    nonce: str  # for the browser's cookie


@dataclass(frozen=True)
class ShopInstalled:
    shop: str
    status: str
    api_key: str | None  # only when this install created the shop or followed an uninstall


@dataclass(frozen=True)
class ShopifyInstaller:
    """Shopify's install entry (→ consent page) and the OAuth callback (→ stored tokens)."""

    uow: UnitOfWorkFactory
    oauth: ShopifyOAuthPort
    cipher: Cipher
    clock: Clock
    scopes: str
    redirect_uri: str

    async def begin(self, query: Mapping[str, str]) -> Started:
        """The consent URL for a signed install request, and the nonce for the browser's
        cookie. `state` is single-use, bound to that nonce, sealed, expires in 10 minutes and
        names the shop, so a callback can only complete the shop that started, once, in the
        browser that started."""
        shop = self._verified(query)
        now = self.clock()
        async with self.uow() as uow:
            bound = await issue(uow, STATE_PURPOSE, shop, now, bound=True)
            await uow.commit()
        state = json.dumps({"p": STATE_PURPOSE, "shop": shop, "n": bound.state_id})
        sealed = self.cipher.seal(state, now=now.timestamp())
        url = self.oauth.authorize_url(shop, self.scopes, self.redirect_uri, sealed)
        return Started(url, bound.nonce)

    def check_callback(self, query: Mapping[str, str]) -> tuple[str, str, str]:
        """(shop, code, state id) of a genuine callback for the shop its state was issued to."""
        shop = self._verified(query)
        state_shop, state_id = self._state_claims(query.get("state", ""))
        if state_shop != shop:
            raise InstallRefused("differs from the shop this install was started for", "shop")
        code = query.get("code", "")
        if not code:
            raise InstallRefused("missing from Shopify's redirect", "code")
        return shop, code, state_id

    async def complete(self, query: Mapping[str, str], nonce: str | None) -> ShopInstalled:
        """Uses the state (once, from the browser that started), exchanges the code, then
        creates or reuses the shop and stores its tokens."""
        shop, code, state_id = self.check_callback(query)
        if not nonce:
            raise InstallRefused("missing: finish in the browser that started", COOKIE)
        now = self.clock()
        async with self.uow() as uow:
            used = spent(await uow.oauth_states.use(digest(state_id), now), STATE_PURPOSE, now)
            await uow.commit()
        if used is None or used.shop != shop:
            raise InstallRefused("already used or unknown; install again", "state")
        if not same_browser(used, nonce):
            raise InstallRefused("is another browser's; install again", COOKIE)
        tokens = await self.oauth.exchange_code(shop, code)
        try:
            return await self._store(shop, tokens)
        except AlreadyExists:
            # Two callbacks for one new shop: the other created it first; join it.
            return await self._store(shop, tokens)

    async def _store(self, domain: str, tokens: TokenSet) -> ShopInstalled:
        async with self.uow() as uow:
            shop = await uow.shops.get_by_domain(domain)
            # A new shop has no key yet, and uninstalling revoked the old shop's keys.
            keyless = shop is None or shop.uninstalled_at is not None
            if shop is None:
                shop = await uow.shops.add(domain, domain.removesuffix(".myshopify.com"))
            api_key = None
            if keyless:
                api_key, key_hash = new_api_key()
                await uow.api_keys.add(shop.id, key_hash, api_key[:8], "installed")
            shop.uninstalled_at = None  # installed again: syncing resumes
            await uow.shops.save(shop)
            connection = await uow.connections.get_or_create(shop.id, SHOPIFY)
            store_tokens(connection, tokens, self.cipher)
            await uow.connections.save(connection)
            await uow.commit()
        return ShopInstalled(domain, HEALTHY, api_key)

    def _verified(self, query: Mapping[str, str]) -> str:
        if not self.oauth.verify_query_hmac(query):
            raise InstallUnsigned("does not match the query; not signed by Shopify", "hmac")
        shop = query.get("shop", "")
        if not self.oauth.valid_shop_domain(shop):
            raise InstallRefused("must be a <name>.myshopify.com domain", "shop")
        try:
            stamp = float(query.get("timestamp", ""))
        except ValueError:
            raise InstallRefused("must be Unix seconds", "timestamp") from None
        if abs(self.clock().timestamp() - stamp) > TIMESTAMP_TOLERANCE_S:
            raise InstallRefused("too old or in the future; install again", "timestamp")
        return shop

    def _state_claims(self, state: str) -> tuple[str, str]:
        try:
            text = self.cipher.unseal(
                state, max_age_s=STATE_MAX_AGE_S, now=self.clock().timestamp()
            )
            claims = json.loads(text)
        except ValueError as exc:
            raise InstallRefused("unknown or expired; install again", "state") from exc
        if not isinstance(claims, dict) or claims.get("p") != STATE_PURPOSE:
            raise InstallRefused("not a Shopify install state", "state")
        return str(claims.get("shop")), str(claims.get("n"))


@dataclass(frozen=True)
class ShopifySession:
    """What every Admin API call needs: the shop's domain and a live access token."""

    shop: str
    access_token: str


@dataclass(frozen=True)
class ShopifyTokenKeeper:
    """Live Shopify access tokens: refreshed a little before expiry, one refresh at a time
    per shop (the in-process lock, then the row lock across worker processes), because each
    refresh rotates the refresh token."""

    uow: UnitOfWorkFactory
    oauth: ShopifyOAuthPort
    cipher: Cipher
    clock: Clock
    locks: RefreshLocks

    async def session(self, shop_id: int) -> ShopifySession:
        """A session with a live token. Raises `ExternalAuthExpired` when the shop must
        install LedgerPort again (never connected, uninstalled, or the refresh refused)."""
        async with self.locks(shop_id):
            return await self._session(shop_id)

    async def _session(self, shop_id: int) -> ShopifySession:
        async with self.uow() as uow:
            shop = await uow.shops.get(shop_id)
            connection = await uow.connections.get(shop_id, SHOPIFY, for_update=True)
            if shop is None or connection is None or connection.status != HEALTHY:
                raise ExternalAuthExpired("Shopify is not connected for this shop")
            if not access_due(connection, self.clock()):
                return self._session_of(shop.domain, connection)
            if connection.refresh_token is None or self._refresh_expired(connection):
                mark_unhealthy(connection, "Shopify refresh token expired; install the app again")
                await uow.connections.save(connection)
                await uow.commit()
                raise ExternalAuthExpired("Shopify refresh token expired")
            try:
                refresh = self.cipher.decrypt(connection.refresh_token)
                tokens = await self.oauth.refresh(shop.domain, refresh)
            except ExternalAuthExpired as exc:
                mark_unhealthy(
                    connection, "Shopify refused the refresh token; install the app again"
                )
                await uow.connections.save(connection)
                await uow.commit()
                raise ExternalAuthExpired(f"Shopify refused the refresh token: {exc}") from exc
            store_tokens(connection, tokens, self.cipher)
            await uow.connections.save(connection)
            await uow.commit()
            return self._session_of(shop.domain, connection)

    def _refresh_expired(self, connection: Connection) -> bool:
        expires = connection.refresh_expires_at
        return expires is not None and expires <= self.clock()

    def _session_of(self, domain: str, connection: Connection) -> ShopifySession:
        assert connection.access_token is not None
        return ShopifySession(domain, self.cipher.decrypt(connection.access_token))

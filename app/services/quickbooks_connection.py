"""Connecting a shop to a QBO company: start URL, consent, callback, disconnect."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from app.domain.entities import COMPANY_MISMATCH, DISCONNECTED, HEALTHY, QUICKBOOKS, Connection
from app.domain.faults import ExternalAuthExpired, ExternalError
from app.domain.ports import (
    Cipher,
    Clock,
    QboOAuthPort,
    QboSession,
    QuickBooksPort,
    TokenSet,
    UnitOfWork,
    UnitOfWorkFactory,
)
from app.domain.signals import ConnectionRefused, CurrencyMismatch
from app.services.connections import store_tokens
from app.services.healing import Changed, record_change, requeue_auth_failures
from app.services.oauth_states import digest, issue, same_browser, spent
from app.services.shop_currency import ShopCurrencies, company_home_currency, currency_mismatch
from app.services.tax_mode import company_tax_prefs, default_tax_mode

STATE_MAX_AGE_S = 600
STATE_PURPOSE = "qbo-connect"
START_PURPOSE = "qbo-start"
START_PATH = "/v1/connections/quickbooks/start"
# The nonce cookie the start route sets and the callback needs (a refusal names it).
COOKIE = "ledgerport_qbo_oauth"


@dataclass(frozen=True)
class Connected:
    shop: str
    status: str  # healthy, or company_mismatch: held until a person decides
    requeued: int


@dataclass(frozen=True)
class Started:
    consent_url: str  # Intuit's consent page
    nonce: str  # for the browser's cookie: only this browser may come back with the state


@dataclass(frozen=True)
class QboConnector:
    uow: UnitOfWorkFactory
    oauth: QboOAuthPort
    cipher: Cipher
    redirect_uri: str
    clock: Clock
    qbo: QuickBooksPort  # proves the company and reads its tax preferences on connecting
    currencies: ShopCurrencies  # the currency each shop sells in, which its books must keep

    async def authorize_url(self, shop_domain: str) -> str:
        """LedgerPort's start URL, for the merchant's browser: a single-use token, good for
        10 minutes, on the origin of the redirect URI (where the callback reads the cookie)."""
        async with self.uow() as uow:
            token = await issue(uow, START_PURPOSE, shop_domain, self.clock(), bound=False)
            await uow.commit()
        origin = urlsplit(self.redirect_uri)
        query = urlencode({"token": token.state_id})
        return f"{origin.scheme}://{origin.netloc}{START_PATH}?{query}"

    async def start(self, token: str) -> Started:
        """Spends the start token and issues the state Intuit carries back, bound to a new
        nonce for the browser's cookie. `state` is also sealed (authenticated, expiring) and
        names the shop, so the unauthenticated callback can only ever connect that shop."""
        now = self.clock()
        async with self.uow() as uow:
            begun = spent(await uow.oauth_states.use(digest(token), now), START_PURPOSE, now)
            if begun is None:
                raise ConnectionRefused("unknown, used or expired; ask for a new link", "token")
            bound = await issue(uow, STATE_PURPOSE, begun.shop, now, bound=True)
            await uow.commit()
        claims = json.dumps({"p": STATE_PURPOSE, "shop": begun.shop, "n": bound.state_id})
        sealed = self.cipher.seal(claims, now=now.timestamp())
        return Started(self.oauth.authorize_url(sealed, self.redirect_uri), bound.nonce)

    def claims_of(self, state: str) -> tuple[str, str]:
        """(shop, state id) of a sealed state this service issued less than 10 minutes ago."""
        try:
            text = self.cipher.unseal(
                state, max_age_s=STATE_MAX_AGE_S, now=self.clock().timestamp()
            )
            claims = json.loads(text)
        except ValueError as exc:
            raise ConnectionRefused(
                "unknown or expired; start the connection again", "state"
            ) from exc
        if not isinstance(claims, dict) or claims.get("p") != STATE_PURPOSE:
            raise ConnectionRefused("not a QuickBooks connection state", "state")
        shop, state_id = claims.get("shop"), claims.get("n")
        if not isinstance(shop, str) or not isinstance(state_id, str):
            raise ConnectionRefused("not a QuickBooks connection state", "state")
        return shop, state_id

    async def complete(
        self,
        state: str,
        nonce: str | None,
        code: str | None,
        realm_id: str | None,
        error: str | None = None,
    ) -> Connected:
        """Uses the state (once, from the browser that started), proves the company with the
        new token, checks its home currency is the shop's, stores the tokens, takes the
        company's tax mode for a shop that has not chosen one, and re-queues what failed while
        disconnected. A company other than the shop's is held (company_mismatch) until a
        person reconnects or confirms the switch; one kept in another currency is refused."""
        domain, state_id = self.claims_of(state)
        if not nonce:
            raise ConnectionRefused("missing: finish in the browser that started", COOKIE)
        await self._use_state(domain, state_id, nonce)
        if error is not None:
            raise ConnectionRefused(f"Intuit reported {error}; nothing was connected", "error")
        if not code or not realm_id:
            raise ConnectionRefused("missing from Intuit's redirect", "realmId" if code else "code")
        tokens = await self.oauth.exchange_code(code, self.redirect_uri)
        session = QboSession(realm_id, tokens.access_token)
        await self._prove_company(session, tokens)
        prefs = await company_tax_prefs(self.qbo, session)
        await self._same_currency(domain, session, tokens)
        async with self.uow() as uow:
            shop = await uow.shops.get_by_domain(domain)
            if shop is None:
                raise ConnectionRefused(f"shop {domain} is no longer installed", "state")
            connection = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
            store_tokens(connection, tokens, self.cipher)
            if connection.external_id not in (None, realm_id):
                await _hold(uow, connection, realm_id)
                await uow.commit()
                return Connected(domain, COMPANY_MISMATCH, 0)
            connection.external_id = realm_id
            await uow.connections.save(connection)
            await default_tax_mode(uow, shop.id, prefs)
            requeued = await requeue_auth_failures(uow, shop.id)
            message = f"Connected QuickBooks company {realm_id} (approved at Intuit)"
            change = Changed("connection", QUICKBOOKS, message, {"realm_id": realm_id})
            await record_change(uow, shop.id, change, None, requeued)
            await uow.commit()
        return Connected(domain, HEALTHY, requeued)

    async def _use_state(self, domain: str, state_id: str, nonce: str) -> None:
        """Spends the state, committed before anything else happens, so that a replay (with
        another valid code, or from another browser) finds it used."""
        now = self.clock()
        async with self.uow() as uow:
            used = spent(await uow.oauth_states.use(digest(state_id), now), STATE_PURPOSE, now)
            await uow.commit()
        if used is None or used.shop != domain:
            raise ConnectionRefused("already used or unknown; start the connection again", "state")
        if not same_browser(used, nonce):
            raise ConnectionRefused("is another browser's; start the connection again", COOKIE)
        if await self._shop_id(domain) is None:
            raise ConnectionRefused(f"shop {domain} is no longer installed", "state")

    async def _shop_id(self, domain: str) -> int | None:
        async with self.uow() as uow:
            shop = await uow.shops.get_by_domain(domain)
            return None if shop is None else shop.id

    async def _prove_company(self, session: QboSession, tokens: TokenSet) -> None:
        """The company is the one the new token reads, not `realmId` as the query says: QBO
        answers companyinfo/{realmId} only for the token's own company."""
        try:
            proven: str | None = await self.qbo.company_id(session)
        except (ExternalAuthExpired, ValueError):
            proven = None
        if proven != session.realm_id:
            await self._revoke(tokens)
            raise ConnectionRefused(
                "is not the company Intuit connected; nothing stored", "realmId"
            )

    async def _same_currency(self, domain: str, session: QboSession, tokens: TokenSet) -> None:
        """LedgerPort books orders in the shop's currency; a company kept in another would
        take those amounts as its own money. Refused, nothing stored, the tokens revoked.
        When Shopify or QBO cannot tell now, the connection goes on (each logs why)."""
        shop_id = await self._shop_id(domain)
        shop = None if shop_id is None else await self.currencies.currency(shop_id)
        home = await company_home_currency(self.qbo, session)
        detail = currency_mismatch(domain, shop, session.realm_id, home)
        if detail is not None:
            await self._revoke(tokens)
            raise CurrencyMismatch(detail, "realmId")

    async def _revoke(self, tokens: TokenSet) -> None:
        try:
            await self.oauth.revoke(tokens.refresh_token)
        except ExternalError:
            pass  # best effort: nothing of these tokens is stored anyway

    async def disconnect(self, shop_id: int) -> bool:
        """Revokes at Intuit (best effort) and forgets the tokens. True when Intuit confirmed."""
        async with self.uow() as uow:
            connection = await uow.connections.get(shop_id, QUICKBOOKS, for_update=True)
            if connection is None:
                return True
            revoked = True
            if connection.refresh_token:
                try:
                    await self.oauth.revoke(self.cipher.decrypt(connection.refresh_token))
                except ExternalError:
                    revoked = False  # the tokens are forgotten here either way
            connection.access_token = connection.refresh_token = None
            connection.access_expires_at = connection.refresh_expires_at = None
            connection.status, connection.status_reason = DISCONNECTED, "disconnected by a person"
            await uow.connections.save(connection)
            await uow.commit()
        return revoked


async def _hold(uow: UnitOfWork, connection: Connection, realm_id: str) -> None:
    """Keeps the new tokens but posts nothing: the shop's mappings and settings name the
    records of its own company, which the new one does not have."""
    shop_company = connection.external_id
    connection.status, connection.proposed_external_id = COMPANY_MISMATCH, realm_id
    connection.status_reason = (
        f"Intuit connected company {realm_id}, not the shop's {shop_company}: reconnect to "
        f"{shop_company}, or confirm the switch (POST …/connections/quickbooks/confirm-switch)"
    )
    await uow.connections.save(connection)
    message = f"Held: Intuit connected QuickBooks company {realm_id}, not {shop_company}"
    detail = {"realm_id": shop_company, "proposed_realm_id": realm_id}
    await record_change(
        uow, connection.shop_id, Changed("connection", QUICKBOOKS, message, detail), None, 0
    )

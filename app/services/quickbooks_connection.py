"""Connecting a shop to a QBO company: consent URL, callback, disconnect."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from app.domain.entities import DISCONNECTED, QUICKBOOKS
from app.domain.errors import ErrorCode
from app.domain.faults import ExternalError
from app.domain.models import Actor, Entity
from app.domain.ports import (
    Cipher,
    Clock,
    QboOAuthPort,
    QboSession,
    QuickBooksPort,
    UnitOfWork,
    UnitOfWorkFactory,
)
from app.domain.signals import ConnectionRefused
from app.services.connections import store_tokens
from app.services.healing import Changed, record_change, requeue
from app.services.tax_mode import company_tax_prefs, default_tax_mode

STATE_MAX_AGE_S = 600
STATE_PURPOSE = "qbo-connect"


@dataclass(frozen=True)
class QboConnector:
    uow: UnitOfWorkFactory
    oauth: QboOAuthPort
    cipher: Cipher
    redirect_uri: str
    clock: Clock
    qbo: QuickBooksPort  # reads the company's tax preferences on connecting

    def authorize_url(self, shop_domain: str) -> str:
        """Intuit's consent page. `state` is sealed (authenticated, expiring) and names the shop,
        so the unauthenticated callback can only ever connect the shop that asked."""
        state = json.dumps({"p": STATE_PURPOSE, "shop": shop_domain, "n": secrets.token_hex(8)})
        return self.oauth.authorize_url(
            self.cipher.seal(state, now=self.clock().timestamp()), self.redirect_uri
        )

    def shop_of(self, state: str) -> str:
        try:
            text = self.cipher.unseal(
                state, max_age_s=STATE_MAX_AGE_S, now=self.clock().timestamp()
            )
            claims = json.loads(text)
        except ValueError as exc:
            raise ConnectionRefused(
                "unknown or expired; start the connection again", "state"
            ) from exc
        if claims.get("p") != STATE_PURPOSE or not isinstance(claims.get("shop"), str):
            raise ConnectionRefused("not a QuickBooks connection state", "state")
        return str(claims["shop"])

    async def complete(
        self, state: str, code: str | None, realm_id: str | None, error: str | None = None
    ) -> tuple[str, int]:
        """Stores the tokens, takes the company's tax mode for a shop that has not chosen one,
        and re-queues what failed while disconnected: (shop, re-queued)."""
        domain = self.shop_of(state)
        if error is not None:
            raise ConnectionRefused(f"Intuit reported {error}; nothing was connected", "error")
        if not code or not realm_id:
            raise ConnectionRefused("missing from Intuit's redirect", "realmId" if code else "code")
        tokens = await self.oauth.exchange_code(code, self.redirect_uri)
        prefs = await company_tax_prefs(self.qbo, QboSession(realm_id, tokens.access_token))
        async with self.uow() as uow:
            shop = await uow.shops.get_by_domain(domain)
            if shop is None:
                raise ConnectionRefused(f"shop {domain} is no longer installed", "state")
            connection = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
            connection.external_id = realm_id
            store_tokens(connection, tokens, self.cipher)
            await uow.connections.save(connection)
            await default_tax_mode(uow, shop.id, prefs)
            requeued = await _requeue_auth_failures(uow, shop.id)
            message = f"Connected QuickBooks company {realm_id} (approved at Intuit)"
            change = Changed("connection", QUICKBOOKS, message, {"realm_id": realm_id})
            await record_change(uow, shop.id, change, None, requeued)
            await uow.commit()
        return domain, requeued

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


async def _requeue_auth_failures(uow: UnitOfWork, shop_id: int) -> int:
    """Everything that failed while disconnected, whatever it was waiting on (orders only: a
    product's record is tried again by the order that needs it)."""
    records = await uow.records.with_error(shop_id, ErrorCode.qbo_auth)
    orders = [r for r in records if r.entity == Entity.order]
    return await requeue(uow, shop_id, orders, Actor.system)

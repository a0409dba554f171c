"""Connecting a shop to a QBO company: consent URL, callback, disconnect."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from app.domain.entities import DISCONNECTED, QUICKBOOKS
from app.domain.errors import ErrorCode
from app.domain.faults import ExternalError
from app.domain.models import Actor, Entity, SyncStatus
from app.domain.ports import Cipher, Clock, QboOAuthPort, UnitOfWork, UnitOfWorkFactory
from app.domain.signals import ConnectionRefused
from app.services.connections import store_tokens

STATE_MAX_AGE_S = 600
STATE_PURPOSE = "qbo-connect"


@dataclass(frozen=True)
class QboConnector:
    uow: UnitOfWorkFactory
    oauth: QboOAuthPort
    cipher: Cipher
    redirect_uri: str
    clock: Clock

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
        """Stores the tokens and re-queues what failed while disconnected: (shop, re-queued)."""
        domain = self.shop_of(state)
        if error is not None:
            raise ConnectionRefused(f"Intuit reported {error}; nothing was connected", "error")
        if not code or not realm_id:
            raise ConnectionRefused("missing from Intuit's redirect", "realmId" if code else "code")
        tokens = await self.oauth.exchange_code(code, self.redirect_uri)
        async with self.uow() as uow:
            shop = await uow.shops.get_by_domain(domain)
            if shop is None:
                raise ConnectionRefused(f"shop {domain} is no longer installed", "state")
            connection = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
            connection.external_id = realm_id
            store_tokens(connection, tokens, self.cipher)
            await uow.connections.save(connection)
            requeued = await _requeue_auth_failures(uow, shop.id)
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
    # Orders only: a product's record is tried again by the order that needs it.
    records = await uow.records.with_error(shop_id, ErrorCode.qbo_auth)
    records = [r for r in records if r.entity == Entity.order]
    for record in records:
        record.status = SyncStatus.pending
        await uow.records.save(record)
        uow.enqueue_after_commit(
            "sync_order",
            shop_id,
            record.shopify_id,
            Actor.system,
            job_id=f"sync_order:{shop_id}:{record.shopify_id}:reconnect{record.attempts}",
        )
    return len(records)

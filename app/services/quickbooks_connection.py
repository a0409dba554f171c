"""Connecting a shop to a QBO company: consent URL, callback, disconnect."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.adapters.crypto import TokenCipher
from app.adapters.db.uow import SqlUnitOfWork
from app.domain.errors import ErrorCode
from app.domain.faults import ExternalError
from app.domain.models import Actor, SyncStatus
from app.domain.ports import QboOAuthPort
from app.services.connections import QUICKBOOKS, store_tokens

STATE_MAX_AGE_S = 600
STATE_PURPOSE = "qbo-connect"
DISCONNECTED = "disconnected"


class ConnectionRefused(Exception):
    """The callback cannot complete; `field` names the parameter at fault."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field, self.detail = field, detail


@dataclass(frozen=True)
class QboConnector:
    uow: Callable[[], SqlUnitOfWork]
    oauth: QboOAuthPort
    cipher: TokenCipher
    redirect_uri: str
    clock: Callable[[], datetime]

    def authorize_url(self, shop_domain: str) -> str:
        """Intuit's consent page. `state` is sealed (authenticated, expiring) and names the shop,
        so the unauthenticated callback can only ever connect the shop that asked."""
        state = json.dumps({"p": STATE_PURPOSE, "shop": shop_domain, "n": secrets.token_hex(8)})
        return self.oauth.authorize_url(self.cipher.seal(state), self.redirect_uri)

    def shop_of(self, state: str) -> str:
        try:
            text = self.cipher.unseal(
                state, max_age_s=STATE_MAX_AGE_S, now=self.clock().timestamp()
            )
            claims = json.loads(text)
        except ValueError as exc:
            raise ConnectionRefused(
                "state", "unknown or expired; start the connection again"
            ) from exc
        if claims.get("p") != STATE_PURPOSE or not isinstance(claims.get("shop"), str):
            raise ConnectionRefused("state", "not a QuickBooks connection state")
        return str(claims["shop"])

    async def complete(self, state: str, code: str, realm_id: str) -> tuple[str, int]:
        """Stores the tokens and re-queues what failed while disconnected: (shop, re-queued)."""
        domain = self.shop_of(state)
        tokens = await self.oauth.exchange_code(code, self.redirect_uri)
        async with self.uow() as uow:
            shop = await uow.shops.get_by_domain(domain)
            if shop is None:
                raise ConnectionRefused("state", f"shop {domain} is no longer installed")
            connection = await uow.connections.get_or_create(shop.id, QUICKBOOKS)
            connection.external_id = realm_id
            store_tokens(connection, tokens, self.cipher)
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
            await uow.commit()
        return revoked


async def _requeue_auth_failures(uow: SqlUnitOfWork, shop_id: int) -> int:
    records = await uow.records.with_error(shop_id, ErrorCode.qbo_auth)
    for record in records:
        record.status = SyncStatus.pending
        uow.enqueue_after_commit(
            "sync_order", shop_id, record.shopify_id, Actor.system,
            job_id=f"sync_order:{shop_id}:{record.shopify_id}:reconnect{record.attempts}",
        )  # fmt: skip
    return len(records)

"""Single-use OAuth start tokens and states: a row per value, found by its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import Base, BigId
from app.domain.entities import OAuthState
from app.domain.signals import AlreadyExists


class OAuthStateRow(Base):
    __tablename__ = "oauth_states"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    # A shop's domain: a Shopify install starts before the shop exists.
    shop: Mapped[str] = mapped_column(String(255))
    binding_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


STATES = table_of(OAuthStateRow)


class SqlOAuthStates(Repository):
    async def add(
        self, nonce_hash: str, purpose: str, shop: str, binding_hash: str | None, now: datetime
    ) -> OAuthState:
        statement = (
            STATES.insert()
            .values(
                nonce_hash=nonce_hash,
                purpose=purpose,
                shop=shop,
                binding_hash=binding_hash,
                created_at=now,
            )
            .returning(STATES)
        )
        try:
            row = (await self._session.execute(statement)).one()
        except IntegrityError as exc:
            raise AlreadyExists("OAuth state") from exc
        return self._entity(OAuthState, row, track=False)

    async def use(self, nonce_hash: str, now: datetime) -> OAuthState | None:
        statement = (
            update(STATES)
            .where(STATES.c.nonce_hash == nonce_hash, STATES.c.used_at.is_(None))
            .values(used_at=now)
            .returning(STATES)
        )
        row = (await self._session.execute(statement)).first()
        return self._entity(OAuthState, row, track=False) if row is not None else None

    async def purge(self, created_before: datetime) -> int:
        statement = delete(STATES).where(STATES.c.created_at < created_before)
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

"""Idempotency keys in the database: every API process and worker sees the same claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Index, Integer, LargeBinary, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from app.adapters.db.base import table_of
from app.adapters.db.tables import Base, BigId
from app.domain.ports.idempotency import KeyClaim, KeyState, StoredAnswer


class IdempotencyKeyRow(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_caller_key", "caller", "key", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    caller: Mapped[str] = mapped_column(String(64))  # "shop:<id>" or "operator:<key id>"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    status: Mapped[int | None] = mapped_column(Integer)  # None while the request runs
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


KEYS = table_of(IdempotencyKeyRow)


class SqlIdempotencyStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self, caller: str, key: str, fingerprint: str, now: datetime, expires_at: datetime
    ) -> KeyClaim:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(KEYS).where(KEYS.c.expires_at < now))
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                insert(KEYS)
                .values(
                    caller=caller,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=expires_at,
                )
                .on_conflict_do_nothing(index_elements=["caller", "key"])
                .returning(KEYS.c.id)
            )
            if (await session.execute(statement)).first() is not None:
                return KeyClaim(KeyState.new)
            query = select(KEYS).where(KEYS.c.caller == caller, KEYS.c.key == key)
            row = (await session.execute(query)).one()
        if row.fingerprint != fingerprint:
            return KeyClaim(KeyState.mismatch)
        if row.status is None:
            return KeyClaim(KeyState.running)
        answer = StoredAnswer(row.status, row.content_type or "application/json", row.body or b"")
        return KeyClaim(KeyState.done, answer)

    async def finish(self, caller: str, key: str, answer: StoredAnswer) -> None:
        values = {"status": answer.status, "content_type": answer.content_type, "body": answer.body}
        async with self._sessions() as session, session.begin():
            await session.execute(update(KEYS).where(*self._of(caller, key)).values(**values))

    async def release(self, caller: str, key: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(KEYS).where(*self._of(caller, key)))

    @staticmethod
    def _of(caller: str, key: str) -> tuple[ColumnElement[bool], ...]:
        return (KEYS.c.caller == caller, KEYS.c.key == key)

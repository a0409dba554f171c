"""The webhook inbox, read and settled by the jobs that process it (the intake writes
through inbox_writer.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import WebhookDelivery
from app.domain.entities import PURGEABLE_DELIVERY_STATUSES, Delivery

INBOX = table_of(WebhookDelivery)


class SqlInbox(Repository):
    async def get(self, delivery_id: int) -> Delivery | None:
        row = (await self._session.execute(select(INBOX).where(INBOX.c.id == delivery_id))).first()
        return self._entity(Delivery, row) if row is not None else None

    async def claim(self, delivery_id: int) -> Delivery | None:
        """Locked until this transaction ends; None when it is gone or another worker holds
        it (that one processes it). SQLite has one writer and needs no lock."""
        query = select(INBOX).where(INBOX.c.id == delivery_id).with_for_update(skip_locked=True)
        row = (await self._session.execute(query)).first()
        return self._entity(Delivery, row) if row is not None else None

    async def save(self, delivery: Delivery) -> None:
        await self._save(INBOX, delivery)

    async def delete_handled_before(self, cutoff: datetime) -> int:
        statement = delete(INBOX).where(
            INBOX.c.status.in_(PURGEABLE_DELIVERY_STATUSES), INBOX.c.received_at < cutoff
        )
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def unprocessed_before(self, cutoff: datetime, limit: int) -> list[int]:
        query = (
            select(INBOX.c.id)
            .where(INBOX.c.status == "received", INBOX.c.received_at < cutoff)
            .order_by(INBOX.c.received_at)
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def unprocessed_id(self, shop_domain: str, topic: str, event_id: str) -> int | None:
        query = select(INBOX.c.id).where(
            INBOX.c.shop_domain == shop_domain,
            INBOX.c.topic == topic,
            INBOX.c.event_id == event_id,
            INBOX.c.status == "received",
        )
        return await self._session.scalar(query)

    async def unprocessed_for_shop(
        self, shop_domain: str, topics: Collection[str], limit: int
    ) -> list[Delivery]:
        query = (
            select(INBOX)
            .where(
                INBOX.c.shop_domain == shop_domain,
                INBOX.c.status == "received",
                INBOX.c.topic.in_(list(topics)),
            )
            .order_by(INBOX.c.id.desc())
            .limit(limit)
        )
        return [
            self._entity(Delivery, row, track=False) for row in await self._session.execute(query)
        ]

    async def list_for_shop(
        self, shop_domain: str, status: str | None, before_id: int | None, limit: int
    ) -> list[Delivery]:
        query = select(INBOX).where(INBOX.c.shop_domain == shop_domain)
        if status is not None:
            query = query.where(INBOX.c.status == status)
        if before_id is not None:
            query = query.where(INBOX.c.id < before_id)
        rows = await self._session.execute(query.order_by(INBOX.c.id.desc()).limit(limit))
        return [self._entity(Delivery, row, track=False) for row in rows]

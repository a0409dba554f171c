"""Connections to Shopify and QBO, with their encrypted tokens."""

from __future__ import annotations

from sqlalchemy import select

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import Connection as ConnectionRow
from app.domain.entities import HEALTHY, Connection

CONNECTIONS = table_of(ConnectionRow)


class SqlConnections(Repository):
    async def get(
        self, shop_id: int, provider: str, *, for_update: bool = False
    ) -> Connection | None:
        query = select(CONNECTIONS).where(
            CONNECTIONS.c.shop_id == shop_id, CONNECTIONS.c.provider == provider
        )
        row = (
            await self._session.execute(query.with_for_update() if for_update else query)
        ).first()
        return self._entity(Connection, row) if row is not None else None

    async def get_or_create(self, shop_id: int, provider: str) -> Connection:
        statement = (
            self._insert(CONNECTIONS)
            .values(shop_id=shop_id, provider=provider, status="unhealthy")
            .on_conflict_do_nothing(index_elements=["shop_id", "provider"])
        )
        await self._session.execute(statement)
        connection = await self.get(shop_id, provider)
        assert connection is not None
        return connection

    async def healthy_shop_ids(self, provider: str) -> list[int]:
        query = select(CONNECTIONS.c.shop_id).where(
            CONNECTIONS.c.provider == provider, CONNECTIONS.c.status == HEALTHY
        )
        return list(await self._session.scalars(query))

    async def save(self, connection: Connection) -> None:
        if connection.id is None:
            stored = await self.get_or_create(connection.shop_id, connection.provider)
            connection.id = stored.id
        await self._save(CONNECTIONS, connection)

"""Orders as Shopify last described them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import OrderRow
from app.domain.entities import OrderState, StoredOrder

ORDERS = table_of(OrderRow)


class SqlOrders(Repository):
    async def get(self, shop_id: int, shopify_id: str) -> StoredOrder | None:
        row = (await self._session.execute(self._one(shop_id, shopify_id))).first()
        return self._entity(StoredOrder, row, track=False) if row is not None else None

    def _one(self, shop_id: int, shopify_id: str) -> Any:
        return select(ORDERS).where(ORDERS.c.shop_id == shop_id, ORDERS.c.shopify_id == shopify_id)

    async def upsert(
        self, shop_id: int, shopify_id: str, state: OrderState, payload: dict[str, Any]
    ) -> tuple[StoredOrder, bool]:
        """Two deliveries of one order may be processed at once (orders/create and orders/paid
        arrive together), so the insert tolerates a concurrent twin and the update locks."""
        values = {
            "name": state.name,
            "shopify_customer_id": state.shopify_customer_id,
            "financial_status": state.financial_status,
            "fulfillment_status": state.fulfillment_status,
            "payload": payload,
        }
        inserted = await self._session.scalar(
            self._insert(ORDERS)
            .values(
                shop_id=shop_id,
                shopify_id=shopify_id,
                shopify_updated_at=state.updated_at,
                version=1,
                **values,
            )
            .on_conflict_do_nothing(index_elements=["shop_id", "shopify_id"])
            .returning(ORDERS.c.id)
        )
        query = self._one(shop_id, shopify_id).with_for_update()
        order = self._entity(StoredOrder, (await self._session.execute(query)).one(), track=False)
        if inserted is not None:
            return order, True
        known, updated_at = order.shopify_updated_at, state.updated_at
        is_newer = updated_at is None or known is None or updated_at > known
        if not is_newer or order.payload == payload:
            return order, False
        version = order.version + 1
        await self._session.execute(
            update(ORDERS)
            .where(ORDERS.c.id == order.id)
            .values(shopify_updated_at=updated_at, version=version, **values)
        )
        updated = (await self._session.execute(query)).one()
        return self._entity(StoredOrder, updated, track=False), True

    async def of_customer(
        self, shop_id: int, customer_id: str, shopify_ids: Sequence[str]
    ) -> list[StoredOrder]:
        query = select(ORDERS).where(
            ORDERS.c.shop_id == shop_id,
            or_(
                ORDERS.c.shopify_customer_id == customer_id,
                ORDERS.c.shopify_id.in_([str(i) for i in shopify_ids]),
            ),
        )
        rows = (await self._session.execute(query)).all()
        return [self._entity(StoredOrder, row, track=False) for row in rows]

    async def save_payload(self, order: StoredOrder) -> None:
        statement = update(ORDERS).where(ORDERS.c.id == order.id).values(payload=order.payload)
        await self._session.execute(statement)

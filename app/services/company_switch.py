"""Confirming a held reconnect: the shop moves to the company its new tokens belong to."""

from __future__ import annotations

from app.domain.company_switch import without_references
from app.domain.entities import COMPANY_MISMATCH, HEALTHY, QUICKBOOKS, ApiKey, Connection
from app.domain.ports import UnitOfWork
from app.domain.signals import Conflict
from app.services.healing import Changed, record_change, requeue_auth_failures


async def confirm_switch(
    uow: UnitOfWork, shop_id: int, key: ApiKey | None
) -> tuple[Connection, int]:
    """Switches a held connection to its proposed company. The shop's mappings (every kind)
    and the QBO references of its settings go, since they name the old company's records;
    synced records and their history stay as they are and nothing is posted again. Orders
    that failed while the connection was held are queued again (they meet the new company's
    settings; returned: how many). Raises Conflict when no switch is waiting."""
    async with uow:
        connection = await uow.connections.get(shop_id, QUICKBOOKS, for_update=True)
        if connection is None or connection.status != COMPANY_MISMATCH:
            raise Conflict("no company switch is waiting; the connection is not held")
        old, new = connection.external_id, connection.proposed_external_id
        connection.external_id, connection.proposed_external_id = new, None
        connection.status, connection.status_reason = HEALTHY, None
        await uow.connections.save(connection)
        cleared = await uow.mappings.clear(shop_id)
        config = await uow.configs.get(shop_id)
        await uow.configs.save(shop_id, without_references(config))
        message = (
            f"Switched QuickBooks company from {old} to {new}: {cleared} mapping(s) and the "
            "settings' QuickBooks references cleared; synced records kept as they are"
        )
        detail = {"from_realm_id": old, "realm_id": new, "mappings_cleared": cleared}
        requeued = await requeue_auth_failures(uow, shop_id)
        await record_change(
            uow, shop_id, Changed("connection", QUICKBOOKS, message, detail), key, requeued
        )
        await uow.commit()
    return connection, requeued

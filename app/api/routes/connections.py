"""Connections: QBO status, consent (connect and reconnect), callback and disconnect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ContainerDep, ShopDep, UowDep
from app.api.errors import AppError, responses
from app.api.schemas import (
    AuthorizeOut,
    ConnectedOut,
    ConnectionOut,
    ConnectionsOut,
    DisconnectedOut,
)
from app.domain.entities import QUICKBOOKS, SHOPIFY, Connection
from app.domain.faults import ExternalAuthExpired, ExternalError
from app.domain.signals import ConnectionRefused

router = APIRouter(tags=["connections"])
SHOP_PREFIX = "/v1/shops/{shop}/connections"


@router.get(SHOP_PREFIX, response_model=ConnectionsOut, responses=responses(401, 404))
async def list_connections(shop: ShopDep, uow: UowDep) -> ConnectionsOut:
    """The shop's connections and their health: QuickBooks always, Shopify once the shop
    was installed through Shopify's OAuth. Tokens are never returned."""
    async with uow:
        connection = await uow.connections.get(shop.id, QUICKBOOKS)
        shopify = await uow.connections.get(shop.id, SHOPIFY)
    items = [_item(QUICKBOOKS, connection)]
    if shopify is not None:
        items.append(_item(SHOPIFY, shopify))
    return ConnectionsOut(items=items)


def _item(provider: str, connection: Connection | None) -> ConnectionOut:
    if connection is None:
        return ConnectionOut(provider=provider, status="not_connected")
    return ConnectionOut(
        provider=provider,
        status=connection.status,
        reason=connection.status_reason,
        external_id=connection.external_id,
        access_expires_at=connection.access_expires_at,
        refresh_expires_at=connection.refresh_expires_at,
    )


@router.post(
    f"{SHOP_PREFIX}/quickbooks/authorize",
    response_model=AuthorizeOut,
    responses=responses(401, 404),
)
async def authorize_quickbooks(shop: ShopDep, container: ContainerDep) -> AuthorizeOut:
    """Starts connecting (or reconnecting) QuickBooks: returns Intuit's consent URL. Its
    `state` is sealed, expires in 10 minutes and names this shop."""
    return AuthorizeOut(authorize_url=container.qbo_connector.authorize_url(shop.domain))


@router.get(
    "/v1/connections/quickbooks/callback",
    response_model=ConnectedOut,
    responses=responses(400, 503),
)
async def quickbooks_callback(
    container: ContainerDep,
    state: Annotated[str, Query(description="As Intuit returns it")],
    code: Annotated[str | None, Query()] = None,
    realm_id: Annotated[str | None, Query(alias="realmId")] = None,
    error: Annotated[str | None, Query(description="Set by Intuit when consent failed")] = None,
) -> ConnectedOut:
    """Where Intuit sends the person back (QBO_REDIRECT_URI). Authenticated by `state`."""
    try:
        shop, requeued = await container.qbo_connector.complete(state, code, realm_id, error)
    except ExternalAuthExpired as exc:
        detail = "Intuit refused the code: it expired or was used"
        raise ConnectionRefused(detail, "code") from exc
    except ExternalError as exc:
        raise AppError(503, "qbo_unavailable", "Intuit did not answer", exc.message) from exc
    return ConnectedOut(shop=shop, provider=QUICKBOOKS, status="healthy", requeued=requeued)


@router.delete(
    f"{SHOP_PREFIX}/quickbooks",
    response_model=DisconnectedOut,
    responses=responses(401, 404),
)
async def disconnect_quickbooks(shop: ShopDep, container: ContainerDep) -> DisconnectedOut:
    """Revokes LedgerPort's access at Intuit and forgets the tokens. Syncing stops until the
    shop connects again."""
    revoked = await container.qbo_connector.disconnect(shop.id)
    return DisconnectedOut(status="disconnected", revoked_at_provider=revoked)

"""Connections: QBO status, consent (connect and reconnect), callback and disconnect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from app.api.cookies import set_nonce_cookie
from app.api.deps import ApiKeyDep, ContainerDep, ShopDep, UowDep
from app.api.errors import AppError, responses
from app.api.schemas import (
    AuthorizeOut,
    ConnectedOut,
    ConnectionOut,
    ConnectionsOut,
    DisconnectedOut,
    SwitchedOut,
)
from app.domain.entities import QUICKBOOKS, SHOPIFY, Connection
from app.domain.faults import ExternalAuthExpired, ExternalError
from app.domain.signals import ConnectionRefused
from app.services.company_switch import confirm_switch
from app.services.quickbooks_connection import COOKIE, START_PATH

router = APIRouter(tags=["connections"])
SHOP_PREFIX = "/v1/shops/{shop}/connections"
COOKIE_PATH = "/v1/connections/quickbooks"


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
        proposed_external_id=connection.proposed_external_id,
        access_expires_at=connection.access_expires_at,
        refresh_expires_at=connection.refresh_expires_at,
    )


@router.post(
    f"{SHOP_PREFIX}/quickbooks/authorize",
    response_model=AuthorizeOut,
    responses=responses(401, 404),
)
async def authorize_quickbooks(shop: ShopDep, container: ContainerDep) -> AuthorizeOut:
    """Starts connecting (or reconnecting) QuickBooks: returns LedgerPort's start URL
    (`GET /v1/connections/quickbooks/start?token=…`) for the merchant's browser to open. The
    token is single-use and expires in 10 minutes."""
    return AuthorizeOut(authorize_url=await container.qbo_connector.authorize_url(shop.domain))


@router.get(
    START_PATH,
    response_class=RedirectResponse,
    status_code=302,
    responses={302: {"description": "To Intuit's consent page"}, **responses(400)},
)
async def start_quickbooks(
    request: Request,
    container: ContainerDep,
    token: Annotated[str, Query(description="The single-use token of the start URL")],
) -> RedirectResponse:
    """Opened in the merchant's browser: spends the token, sets an HttpOnly nonce cookie that
    binds the flow to this browser, and redirects to Intuit's consent page with a single-use
    `state` (sealed, expiring in 10 minutes, naming the shop)."""
    started = await container.qbo_connector.start(token)
    response = RedirectResponse(started.consent_url, status_code=302)
    set_nonce_cookie(response, request, COOKIE, started.nonce, COOKIE_PATH)
    return response


@router.get(
    "/v1/connections/quickbooks/callback",
    response_model=ConnectedOut,
    responses=responses(400, 409, 503),
)
async def quickbooks_callback(
    request: Request,
    response: Response,
    container: ContainerDep,
    state: Annotated[str, Query(description="As Intuit returns it")],
    code: Annotated[str | None, Query()] = None,
    realm_id: Annotated[str | None, Query(alias="realmId")] = None,
    error: Annotated[str | None, Query(description="Set by Intuit when consent failed")] = None,
) -> ConnectedOut:
    """Where Intuit sends the person back (QBO_REDIRECT_URI). Needs the browser's nonce cookie
    from the start URL; the state is used once; the company is the one the new token reads,
    never `realmId` alone (a different one is refused and nothing is stored). 409
    (`currency_mismatch`) when the company's home currency is not the one the shop sells in:
    nothing is stored."""
    connector = container.qbo_connector
    nonce = request.cookies.get(COOKIE)
    try:
        done = await connector.complete(state, nonce, code, realm_id, error)
    except ExternalAuthExpired as exc:
        detail = "Intuit refused the code: it expired or was used"
        raise ConnectionRefused(detail, "code") from exc
    except ExternalError as exc:
        raise AppError(503, "qbo_unavailable", "Intuit did not answer", exc.message) from exc
    finally:
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return ConnectedOut(
        shop=done.shop, provider=QUICKBOOKS, status=done.status, requeued=done.requeued
    )


@router.post(
    f"{SHOP_PREFIX}/quickbooks/confirm-switch",
    response_model=SwitchedOut,
    responses=responses(401, 404, 409),
)
async def confirm_company_switch(
    shop: ShopDep, key: ApiKeyDep, container: ContainerDep
) -> SwitchedOut:
    """Confirms a held reconnect (`company_mismatch`): the shop moves to the company the
    reconnect landed on. Its mappings (every kind) and the QuickBooks references in its
    settings are cleared, since they name the old company's records; synced records keep
    their history and are not posted again; orders that failed while it was held are queued
    again (`requeued`). The change is audited with the key that made it. 409 when no switch
    is waiting."""
    connection, requeued = await confirm_switch(container.uow(), shop.id, key)
    return SwitchedOut(**_item(QUICKBOOKS, connection).model_dump(), requeued=requeued)


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

"""Dependencies: what the routes need from the composition root, a unit of work per request,
API-key auth and shop scoping."""

from __future__ import annotations

import math
from typing import Annotated, Protocol

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.errors import AppError, not_found
from app.domain.entities import ApiKey, Shop
from app.domain.ports import (
    Clock,
    Inbox,
    QuickBooksPort,
    ReferenceData,
    ShopifyOrdersPort,
    UnitOfWork,
    WebhookVerifier,
)
from app.domain.ports.attempts import FailureCounter
from app.domain.ports.idempotency import IdempotencyStore
from app.services.api_keys import KEY_PREFIX, hash_key
from app.services.backfill import ShopifySessions
from app.services.connections import TokenKeeper
from app.services.quickbooks_connection import QboConnector
from app.services.shopify_connection import ShopifyInstaller

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer lp_…`")


class AppContext(Protocol):
    """What the API takes from the container bootstrap built (app.bootstrap.Container)."""

    clock: Clock
    inbox: Inbox
    qbo: QuickBooksPort
    reference: ReferenceData
    shopify: ShopifyOrdersPort
    verify_webhook: WebhookVerifier
    idempotency: IdempotencyStore
    auth_failures: FailureCounter

    def uow(self) -> UnitOfWork: ...

    async def ping(self) -> None: ...

    @property
    def tokens(self) -> TokenKeeper: ...

    @property
    def shopify_tokens(self) -> ShopifySessions: ...

    @property
    def qbo_connector(self) -> QboConnector: ...

    @property
    def shopify_installer(self) -> ShopifyInstaller: ...


async def get_container(request: Request) -> AppContext:
    container: AppContext = request.app.state.container
    return container


ContainerDep = Annotated[AppContext, Depends(get_container)]


async def get_uow(container: ContainerDep) -> UnitOfWork:
    return container.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_api_key(
    request: Request,
    container: ContainerDep,
    uow: UowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    """The key the request carries. A client that keeps sending wrong keys is answered 429
    (with Retry-After) instead of 401 until its window ends; a right key is never refused."""
    key = None
    if credentials is not None and credentials.credentials.startswith(KEY_PREFIX):
        async with uow:
            key = await uow.api_keys.find_active(hash_key(credentials.credentials))
    if key is not None:
        return key
    client = request.client.host if request.client is not None else "unknown"
    wait_s = await container.auth_failures.failed(client)
    if wait_s is not None:
        raise AppError(
            429,
            "too_many_failed_attempts",
            "Too many refused API keys",
            "This client sent too many missing or unknown API keys: until Retry-After seconds "
            "have passed, a refused key is answered 429. A valid key is still accepted.",
            headers={"Retry-After": str(math.ceil(wait_s))},
        )
    raise AppError(
        401, "unauthorized", "Missing or unknown API key", "Send `Authorization: Bearer <API key>`"
    )


ApiKeyDep = Annotated[ApiKey, Depends(get_api_key)]


async def get_shop(
    uow: UowDep,
    key: ApiKeyDep,
    shop: Annotated[
        str, Path(description="The shop's myshopify domain", examples=["demo.myshopify.com"])
    ],
) -> Shop:
    async with uow:
        found = await uow.shops.get_by_domain(shop)
    # Another shop's data is reported as missing, not forbidden: its existence is not ours to tell.
    if found is None or (key.shop_id is not None and key.shop_id != found.id):
        raise not_found(f"Shop {shop}")
    return found


ShopDep = Annotated[Shop, Depends(get_shop)]

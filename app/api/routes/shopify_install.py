"""Installing LedgerPort from Shopify: the app URL and the OAuth redirect URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.api.cookies import set_nonce_cookie
from app.api.deps import ContainerDep
from app.api.errors import AppError, responses
from app.domain.faults import ExternalAuthExpired, ExternalError, ExternalRejected
from app.domain.signals import InstallRefused
from app.services.shopify_connection import COOKIE, collapse_query

router = APIRouter(prefix="/v1/shopify", tags=["shopify"])
COOKIE_PATH = "/v1/shopify"
Signed = Annotated[str, Query(description="Set by Shopify; covered by `hmac`")]


class ShopifyInstalledOut(BaseModel):
    shop: str = Field(examples=["northwind.myshopify.com"])
    status: str = Field(description="The Shopify connection's health: healthy")
    api_key: str | None = Field(
        None,
        description="The shop's LedgerPort API key, only when this install created the shop "
        "or installed it again after an uninstall (which revoked its keys). Shown once: "
        "LedgerPort keeps only its hash.",
    )


@router.get(
    "/install",
    response_class=RedirectResponse,
    status_code=302,
    responses={302: {"description": "To Shopify's consent page"}, **responses(400, 401)},
)
async def install_shopify(
    request: Request,
    container: ContainerDep,
    shop: Annotated[str, Query(description="<name>.myshopify.com")],
    timestamp: Signed,
    hmac: Annotated[str, Query(description="Shopify's signature of the other parameters")],
) -> RedirectResponse:
    """The app URL Shopify opens when a merchant installs LedgerPort. Checks Shopify's
    signature, the shop domain and the timestamp, sets an HttpOnly nonce cookie that binds
    the install to this browser, then redirects to Shopify's consent page with a single-use
    `state` that names the shop and expires in 10 minutes."""
    started = await container.shopify_installer.begin(_query(request))
    response = RedirectResponse(started.consent_url, status_code=302)
    set_nonce_cookie(response, request, COOKIE, started.nonce, COOKIE_PATH)
    return response


@router.get(
    "/callback",
    response_model=ShopifyInstalledOut,
    responses=responses(400, 401, 503),
)
async def shopify_callback(
    request: Request,
    container: ContainerDep,
    code: Signed,
    shop: Signed,
    state: Signed,
    timestamp: Signed,
    hmac: Annotated[str, Query(description="Shopify's signature of the other parameters")],
    host: Annotated[str | None, Query(description="Set by Shopify; covered by `hmac`")] = None,
) -> ShopifyInstalledOut:
    """Where Shopify sends the merchant back after consent (SHOPIFY_REDIRECT_URI). Checks the
    signature, the browser's nonce cookie, the single-use state and the shop, exchanges the
    code for an expiring offline token, creates the shop if it is new and stores the tokens
    encrypted."""
    try:
        nonce = request.cookies.get(COOKIE)
        done = await container.shopify_installer.complete(_query(request), nonce)
    except (ExternalAuthExpired, ExternalRejected) as exc:
        detail = "Shopify refused the code: it expired or was used; install again"
        raise InstallRefused(detail, "code") from exc
    except ExternalError as exc:
        raise AppError(503, "shopify_unavailable", "Shopify did not answer", exc.message) from exc
    return ShopifyInstalledOut(shop=done.shop, status=done.status, api_key=done.api_key)


def _query(request: Request) -> dict[str, str]:
    return collapse_query(request.query_params.multi_items())

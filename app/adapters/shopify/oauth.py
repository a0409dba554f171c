"""Shopify OAuth (authorization code grant) with expiring offline tokens (reference §4).

Install and callback queries are signed by Shopify: drop `hmac`, sort the rest, URL-encode,
HMAC-SHA256 hex under the client secret. Tokens come from `POST https://{shop}/admin/oauth/
access_token`: a code with `expiring=1` gives a 60-minute access token and a rotating refresh
token; `grant_type=refresh_token` gives the next pair.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError

from app.adapters.http import send
from app.adapters.oauth_errors import token_endpoint_error
from app.domain.faults import (
    ExternalError,
    ExternalRejected,
)
from app.domain.ports import TokenSet

_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_UNSIGNED = frozenset({"hmac", "signature"})


class _TokenResponse(BaseModel):
    access_token: str
    scope: str = ""
    expires_in: int | None = None
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None


class ShopifyOAuth:
    """A Shopify app's OAuth endpoints on each shop, and the signature on Shopify's redirects.

    Raises `ExternalAuthExpired` when Shopify refuses a refresh token or our client
    (invalid_grant / invalid_client: the merchant must install again), `ExternalRejected` for
    any other refusal (e.g. a used authorization code: `invalid_request`),
    `ExternalRateLimited` on 429 and `ExternalUnavailable` on transport errors and 5xx.
    Nothing is retried here: a refresh rotates the refresh token, so the caller decides.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_base_template: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], datetime],
    ) -> None:
        # `…/{shop}/admin/api` is the Admin API root; OAuth lives beside it under `/admin`.
        if not api_base_template.rstrip("/").endswith("/admin/api"):
            raise ValueError("SHOPIFY_API_BASE must end with /admin/api")
        self._admin = api_base_template.rstrip("/").removesuffix("/api")
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock

    @staticmethod
    def valid_shop_domain(shop: str) -> bool:
        """Only `<name>.myshopify.com`: anything else could send the code to another host."""
        return bool(_SHOP.fullmatch(shop))

    def verify_query_hmac(self, params: Mapping[str, str]) -> bool:
        """Constant-time check of the `hmac` on an install request or OAuth callback."""
        sent = params.get("hmac", "")
        if not sent:
            return False
        message = urlencode(sorted((k, v) for k, v in params.items() if k not in _UNSIGNED))
        digest = hmac.new(self._client_secret.encode(), message.encode(), hashlib.sha256)
        return hmac.compare_digest(digest.hexdigest().encode(), sent.lower().encode())

    def authorize_url(self, shop: str, scopes: str, redirect_uri: str, state: str) -> str:
        """Shopify's consent page for an offline token (no `grant_options[]`)."""
        query = {
            "client_id": self._client_id,
            "scope": scopes,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self._root(shop)}/oauth/authorize?{urlencode(query)}"

    async def exchange_code(self, shop: str, code: str) -> TokenSet:
        """The code from the callback for an expiring offline token and its refresh token."""
        return await self._token(shop, {"code": code, "expiring": "1"}, secret=code)

    async def refresh(self, shop: str, refresh_token: str) -> TokenSet:
        """The next token pair; store both, the refresh token has rotated."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token(shop, form, secret=refresh_token)

    def _root(self, shop: str) -> str:
        if not self.valid_shop_domain(shop):
            raise ValueError(f"{shop!r} is not a myshopify.com domain")
        return self._admin.replace("{shop}", shop)

    async def _token(self, shop: str, fields: dict[str, str], *, secret: str) -> TokenSet:
        now = self._clock()
        body = {"client_id": self._client_id, "client_secret": self._client_secret, **fields}
        response = await self._post(f"{self._root(shop)}/oauth/access_token", json=body)
        error = self._error(response, [secret])
        if error is not None:
            raise error
        try:
            parsed = _TokenResponse.model_validate_json(response.content)
        except ValidationError:
            # Not chained: the validation error would quote the body, tokens included.
            raise ExternalRejected("Shopify returned an unreadable token response", 200) from None
        if parsed.refresh_token is None or parsed.expires_in is None:
            raise ExternalRejected("Shopify returned a non-expiring token; expected expiring", 200)
        refresh_ttl = parsed.refresh_token_expires_in
        return TokenSet(
            access_token=parsed.access_token,
            refresh_token=parsed.refresh_token,
            access_expires_at=now + timedelta(seconds=parsed.expires_in),
            refresh_expires_at=now + timedelta(seconds=refresh_ttl) if refresh_ttl else None,
        )

    async def _post(self, url: str, **kwargs: Any) -> httpx.Response:
        request = self._http.post(url, headers={"Accept": "application/json"}, **kwargs)
        return await send(request, "Shopify's token endpoint")

    def _error(self, response: httpx.Response, secrets: list[str]) -> ExternalError | None:
        hidden = [*secrets, self._client_secret]
        return token_endpoint_error(
            response, vendor="Shopify", remedy="install the app again", secrets=hidden
        )

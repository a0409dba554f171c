"""The fake Shopify's OAuth: authorization code grant with expiring offline tokens.

`GET /shops/{shop}/admin/oauth/authorize` consents at once and redirects back with `code,
hmac, host, shop, state, timestamp`, signed as Shopify signs it (the sorted, URL-encoded query
without `hmac`, HMAC-SHA256 hex under the client secret). `POST .../admin/oauth/access_token`
takes JSON or a form: a code (with `expiring=1` for a 60-minute token and a 90-day refresh
token) or `grant_type=refresh_token`. Refresh tokens rotate on every use; the one just used
stays usable until its replacement is first used (at most 30 days), as Shopify's do since
2026-08-28. Refusals answer 400 with Shopify's OAuth error body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

ACCESS_TTL_S = 3600
REFRESH_TTL_S = 90 * 86400
RETRY_WINDOW_S = 30 * 86400
CODE_TTL_S = 600
_BAD_CODE = ("invalid_request", "The authorization code was not found or was already used")
_BAD_REFRESH = ("invalid_grant", "The refresh token is invalid, expired or revoked")


def query_hmac(params: Mapping[str, str], secret: str) -> str:
    """Shopify's signature of a redirect or install query (hex, `hmac`/`signature` left out)."""
    message = urlencode(sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature")))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


@dataclass
class _Code:
    shop: str
    scope: str
    expires_at: float


@dataclass
class _Refresh:
    shop: str
    scope: str
    expires_at: float
    parent: str | None = None
    first_used_at: float | None = None
    children: list[str] = field(default_factory=list)


@dataclass
class _Access:
    shop: str
    expires_at: float | None  # None: a non-expiring offline token


class ShopifyOAuthSandbox:
    """Codes and tokens per shop, the two OAuth routes, and helpers for tests."""

    def __init__(
        self, client_id: str, client_secret: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.client_id, self.client_secret, self.clock = client_id, client_secret, clock
        self.codes: dict[str, _Code] = {}
        self.access: dict[str, _Access] = {}
        self.refresh_tokens: dict[str, _Refresh] = {}
        self.grants: list[tuple[str, str]] = []  # (shop, grant type) per token request

    def routes(self) -> list[Route]:
        return [
            Route("/shops/{shop}/admin/oauth/authorize", self._authorize, methods=["GET"]),
            Route("/shops/{shop}/admin/oauth/access_token", self._token, methods=["POST"]),
            Route("/_sandbox/shops/{shop}/oauth/expire", self._expire, methods=["POST"]),
            Route("/_sandbox/shops/{shop}/oauth/revoke", self._revoke, methods=["POST"]),
        ]

    # -- Python API ---------------------------------------------------------------------

    def valid(self, shop: str, token: str) -> bool:
        """Whether `token` is a live access token for `shop`."""
        found = self.access.get(token)
        if found is None or not hmac.compare_digest(found.shop.encode(), shop.encode()):
            return False
        return found.expires_at is None or found.expires_at > self.clock()

    def signed_query(self, params: Mapping[str, str]) -> dict[str, str]:
        """`params` plus the `hmac` Shopify would add (e.g. for an install request)."""
        return {**params, "hmac": query_hmac(params, self.client_secret)}

    def install_query(self, shop: str, timestamp: float | None = None) -> dict[str, str]:
        """What Shopify sends to the app URL when a merchant installs the app."""
        stamp = str(int(self.clock() if timestamp is None else timestamp))
        return self.signed_query({"shop": shop, "timestamp": stamp, "host": _host(shop)})

    def expire_access_tokens(self, shop: str) -> None:
        """Every access token of the shop stops working now (refresh tokens still do)."""
        for token in self.access.values():
            if token.shop == shop:
                token.expires_at = self.clock() - 1

    def revoke(self, shop: str) -> None:
        """Forget every token of the shop, as an uninstall does."""
        self.access = {k: v for k, v in self.access.items() if v.shop != shop}
        self.refresh_tokens = {k: v for k, v in self.refresh_tokens.items() if v.shop != shop}

    def refresh_calls(self, shop: str) -> int:
        return sum(1 for s, grant in self.grants if s == shop and grant == "refresh_token")

    # -- HTTP ---------------------------------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        shop, query = request.path_params["shop"], request.query_params
        if query.get("client_id") != self.client_id:
            return PlainTextResponse("Oauth error invalid_request: unknown client_id", 400)
        redirect_uri = query.get("redirect_uri", "")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return PlainTextResponse("Oauth error invalid_request: bad redirect_uri", 400)
        code = secrets.token_hex(16)
        self.codes[code] = _Code(shop, query.get("scope", ""), self.clock() + CODE_TTL_S)
        back = {"code": code, "host": _host(shop), "shop": shop,
                "state": query.get("state", ""), "timestamp": str(int(self.clock()))}  # fmt: skip
        # The whole query the app receives is signed, including any of the redirect_uri's own.
        target = urlsplit(redirect_uri)
        signed = self.signed_query({**dict(parse_qsl(target.query)), **back})
        location = urlunsplit(target._replace(query=urlencode(signed)))
        return RedirectResponse(location, status_code=302)

    async def _token(self, request: Request) -> Response:
        shop, form = request.path_params["shop"], await _form(request)
        client_ok = hmac.compare_digest(
            form.get("client_id", "").encode(), self.client_id.encode()
        ) and hmac.compare_digest(
            form.get("client_secret", "").encode(), self.client_secret.encode()
        )
        if not client_ok:  # shape unverified against Shopify: RFC 6749 §5.2
            return _oauth_error("invalid_client", "Client authentication failed")
        grant = form.get("grant_type") or "authorization_code"
        self.grants.append((shop, grant))
        if grant == "refresh_token":
            return self._refresh(shop, form.get("refresh_token", ""))
        if grant != "authorization_code":
            return _oauth_error("unsupported_grant_type", f"{grant} is not supported")
        return self._redeem(shop, form.get("code", ""), expiring=form.get("expiring") == "1")

    def _redeem(self, shop: str, code: str, *, expiring: bool) -> Response:
        found = self.codes.pop(code, None)
        if found is None or found.shop != shop or found.expires_at < self.clock():
            return _oauth_error(*_BAD_CODE)
        if not expiring:
            token = "shpat_" + secrets.token_hex(16)
            self.access[token] = _Access(shop, None)
            return JSONResponse({"access_token": token, "scope": found.scope})
        return JSONResponse(self._issue(shop, found.scope, parent=None))

    def _refresh(self, shop: str, token: str) -> Response:
        now, found = self.clock(), self.refresh_tokens.get(token)
        if found is None or found.shop != shop or found.expires_at < now:
            return _oauth_error(*_BAD_REFRESH)
        if found.first_used_at is not None and now - found.first_used_at > RETRY_WINDOW_S:
            return _oauth_error(*_BAD_REFRESH)
        if found.first_used_at is None:
            found.first_used_at = now
        if found.parent is not None:
            self._retire(found.parent)  # its replacement (this token) is now in use
        body = self._issue(shop, found.scope, parent=token)
        found.children.append(body["refresh_token"])
        return JSONResponse(body)

    def _retire(self, token: str) -> None:
        retired = self.refresh_tokens.pop(token, None)
        if retired is not None:
            for sibling in retired.children:  # replacements never used die with their parent
                if self.refresh_tokens.get(sibling, _Refresh("", "", 0)).first_used_at is None:
                    self.refresh_tokens.pop(sibling, None)

    def _issue(self, shop: str, scope: str, *, parent: str | None) -> dict[str, Any]:
        now = self.clock()
        access, refresh = "shpat_" + secrets.token_hex(16), "shprt_" + secrets.token_hex(16)
        self.access[access] = _Access(shop, now + ACCESS_TTL_S)
        self.refresh_tokens[refresh] = _Refresh(shop, scope, now + REFRESH_TTL_S, parent)
        return {"access_token": access, "scope": scope, "expires_in": ACCESS_TTL_S,
                "refresh_token": refresh, "refresh_token_expires_in": REFRESH_TTL_S}  # fmt: skip

    async def _expire(self, request: Request) -> Response:
        self.expire_access_tokens(request.path_params["shop"])
        return JSONResponse({"status": "expired"})

    async def _revoke(self, request: Request) -> Response:
        self.revoke(request.path_params["shop"])
        return JSONResponse({"status": "revoked"})


def _host(shop: str) -> str:
    return base64.urlsafe_b64encode(f"{shop}/admin".encode()).decode().rstrip("=")


def _oauth_error(error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, 400)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode(errors="replace")))

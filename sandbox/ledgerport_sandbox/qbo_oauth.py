"""Intuit OAuth 2.0 as the fake sees it: consent, code exchange, rotating refresh, revoke."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ledgerport_sandbox.qbo_wire import JsonDict, auth_failed, authorization_failed, html_page

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400  # 101 days, rolling
HARD_TTL = 5 * 365 * 24 * 3600  # the 2025 five-year cap on a consent
CODE_TTL = 300
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class Grant:
    """One consent: a company connected to the app. Revoking it kills every token."""

    realm_id: str
    created_at: float
    revoked: bool = False


@dataclass
class AuthCode:
    """A single-use authorization code bound to its redirect URI."""

    grant: Grant
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    """A bearer token for one realm, valid for an hour."""

    grant: Grant
    expires_at: float


@dataclass
class RefreshToken:
    """A refresh token; `parent` is the token it was minted from (retired on first use)."""

    grant: Grant
    expires_at: float
    parent: str | None
    valid: bool = True


def _oauth_error(status: int, error: str, description: str | None = None) -> JSONResponse:
    body = (
        {"error": error}
        if description is None
        else {"error": error, "error_description": description}
    )
    return JSONResponse(body, status, headers=_NO_STORE)


class OAuthServer:
    """Tokens and codes of the fake Intuit identity service, keyed by their opaque values."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.clock = clock
        self.redirect_uris = redirect_uris
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}

    def issue(
        self,
        realm_id: str,
        *,
        grant: Grant | None = None,
        parent: str | None = None,
        hard_expiry: bool = False,
    ) -> JsonDict:
        """Mint an access/refresh pair and return Intuit's token response."""
        now = self.clock()
        grant = grant or Grant(realm_id, now)
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(48)
        refresh = f"AB11{int(time.time())}{secrets.token_urlsafe(27)}"
        self.access[access] = AccessToken(grant, now + ACCESS_TTL)
        self.refresh[refresh] = RefreshToken(grant, now + REFRESH_TTL, parent)
        body: JsonDict = {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_TTL,
            "x_refresh_token_expires_in": REFRESH_TTL,
        }
        if hard_expiry:
            body["x_refresh_token_hard_expires_in"] = int(grant.created_at + HARD_TTL - now)
        return body

    def expire_access_tokens(self, realm_id: str | None = None) -> None:
        for token in self.access.values():
            if realm_id is None or token.grant.realm_id == realm_id:
                token.expires_at = self.clock() - 1

    def revoke_refresh_tokens(self, realm_id: str | None = None) -> None:
        for token in self.refresh.values():
            if realm_id is None or token.grant.realm_id == realm_id:
                token.valid = False

    def revoke_grants(self, realm_id: str) -> None:
        """As a person disconnecting the app inside QuickBooks: every token of the company
        stops working, access and refresh alike, until it is connected again."""
        grants = [t.grant for t in self.access.values()] + [t.grant for t in self.refresh.values()]
        for grant in grants:
            if grant.realm_id == realm_id:
                grant.revoked = True

    def check_bearer(self, header: str, realm_id: str) -> Response | None:
        """None when the bearer token may act on the realm, else the gateway's 401/403."""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return auth_failed(
                "Malformed bearer token: the Authorization header is missing or not Bearer"
            )
        found = self.access.get(token.strip())
        if found is None or found.grant.revoked:
            return auth_failed("Token invalid")
        if self.clock() >= found.expires_at:
            return auth_failed(f"Token expired: {token.strip()[:24]}...")
        if found.grant.realm_id != realm_id:
            return authorization_failed()
        return None

    def authorize(self, request: Request, default_realm: str | None, realms: set[str]) -> Response:
        """`GET /connect/oauth2`: consent is automatic; redirect back with a code."""
        params = request.query_params
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id:
            return html_page(400, "Error: invalid_client")
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return html_page(400, "Error: redirect_uri is not registered for this app")
        state = params.get("state")
        error = None
        if params.get("response_type") != "code":
            error = "unsupported_response_type"
        elif ACCOUNTING_SCOPE not in params.get("scope", "").split():
            error = "invalid_scope"
        elif not state:
            error = "invalid_request"
        if error:
            return _redirect(redirect_uri, {"error": error, "state": state or ""})
        realm_id = params.get("realmId") or default_realm
        if realm_id is None or realm_id not in realms:
            return html_page(400, "Error: no sandbox company to connect")
        code = f"AB11{int(time.time())}{secrets.token_urlsafe(30)}"
        self.codes[code] = AuthCode(
            Grant(realm_id, self.clock()), redirect_uri, self.clock() + CODE_TTL
        )
        return _redirect(redirect_uri, {"code": code, "state": state or "", "realmId": realm_id})

    async def token_endpoint(self, request: Request) -> Response:
        """`POST /oauth2/v1/tokens/bearer` (form body, HTTP Basic client authentication)."""
        if not self._client_ok(request.headers.get("authorization", "")):
            return _oauth_error(401, "invalid_client")
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            return _oauth_error(400, "invalid_request")
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        hard = request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form, hard)
        if grant_type == "refresh_token":
            return self._refresh(form, hard)
        return _oauth_error(400, "unsupported_grant_type")

    def _exchange_code(self, form: dict[str, str], hard: bool) -> Response:
        if not form.get("code") or not form.get("redirect_uri"):
            return _oauth_error(400, "invalid_request")
        code = self.codes.get(form["code"])
        if (
            code is None
            or code.used
            or self.clock() > code.expires_at
            or code.redirect_uri != form["redirect_uri"]
        ):
            return _oauth_error(400, "invalid_grant", "Token invalid")
        code.used = True  # codes are single use
        body = self.issue(code.grant.realm_id, grant=code.grant, hard_expiry=hard)
        return JSONResponse(body, headers=_NO_STORE)

    def _refresh(self, form: dict[str, str], hard: bool) -> Response:
        value = form.get("refresh_token", "")
        token = self.refresh.get(value)
        if token is None or not token.valid or token.grant.revoked:
            return _oauth_error(400, "invalid_grant", "Token invalid")
        now = self.clock()
        if now > token.expires_at or now > token.grant.created_at + HARD_TTL:
            return _oauth_error(400, "invalid_grant", "Token invalid")
        # Using a rotated token retires its predecessor: from now on only the newest chain works.
        if token.parent is not None and token.parent in self.refresh:
            self.refresh[token.parent].valid = False
        body = self.issue(token.grant.realm_id, grant=token.grant, parent=value, hard_expiry=hard)
        return JSONResponse(body, headers=_NO_STORE)

    async def revoke_endpoint(self, request: Request) -> Response:
        """`POST /v2/oauth2/tokens/revoke` with JSON `{"token": …}`: disconnects the grant."""
        if not self._client_ok(request.headers.get("authorization", "")):
            return _oauth_error(401, "invalid_client")
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            return _oauth_error(400, "invalid_request")
        value = payload.get("token") if isinstance(payload, dict) else None
        if not value:
            return _oauth_error(400, "invalid_request")
        holder = self.refresh.get(value) or self.access.get(value)
        if holder is not None:
            holder.grant.revoked = True
        return Response(status_code=200)

    def _client_ok(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        client_id, _, secret = decoded.partition(":")
        return secrets.compare_digest(
            f"{client_id}:{secret}", f"{self.client_id}:{self.client_secret}"
        )


def _redirect(uri: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(params)}", status_code=302)

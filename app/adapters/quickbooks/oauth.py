"""Intuit OAuth 2.0: authorize URL, code exchange, refresh, revoke (reference §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
# Opt-in header that makes Intuit return the 5-year hard cap of the refresh token.
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"


class _TokenResponse(BaseModel):
    access_token: str
    refresh_token: str | None = None
    expires_in: int
    x_refresh_token_expires_in: int | None = None
    x_refresh_token_hard_expires_in: int | None = None


class QboOAuthClient:
    """Intuit's OAuth 2.0 endpoints, implementing `QboOAuthPort`.

    Raises `ExternalAuthExpired` when Intuit refuses the grant or the client (a person must
    reconnect), `ExternalUnavailable` on transport errors and 5xx, `ExternalRateLimited` on
    429 and `ExternalRejected` for any other refusal. Nothing is retried here: a refresh
    may rotate the refresh token, so the caller decides, holding its per-realm lock.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token_url: str,
        revoke_url: str,
        auth_url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = http
        self._token_url = token_url
        self._revoke_url = revoke_url
        self._auth_url = auth_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock

    def authorize_url(self, state: str, redirect_uri: str, scope: str = ACCOUNTING_SCOPE) -> str:
        """Where to send the person who connects QBO; the callback carries code, state, realmId."""
        params = {
            "client_id": self._client_id,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self._auth_url}?{urlencode(params)}"

    async def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return await self._token(form, secrets=[code], previous_refresh=None)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """A new token set; store its refresh token, which may have rotated."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token(form, secrets=[refresh_token], previous_refresh=refresh_token)

    async def revoke(self, token: str) -> None:
        """Revoke a refresh (or access) token, which disconnects the company."""
        response = await self._post(self._revoke_url, json={"token": token})
        error = self._error(response, [token])
        if error is not None:
            raise error

    async def _token(
        self, form: dict[str, str], *, secrets: list[str], previous_refresh: str | None
    ) -> TokenSet:
        now = self._clock()
        response = await self._post(
            self._token_url, data=form, headers={HARD_EXPIRY_HEADER: "true"}
        )
        error = self._error(response, secrets)
        if error is not None:
            raise error
        try:
            body = _TokenResponse.model_validate_json(response.content)
        except ValidationError:
            # Not chained: the validation error would quote the body, tokens included.
            raise ExternalRejected("Intuit returned an unreadable token response", 200) from None
        refresh_token = body.refresh_token or previous_refresh
        if not refresh_token:
            raise ExternalRejected("Intuit returned no refresh token", 200)
        return TokenSet(
            access_token=body.access_token,
            refresh_token=refresh_token,
            access_expires_at=now + timedelta(seconds=body.expires_in),
            refresh_expires_at=_refresh_expiry(now, body),
        )

    async def _post(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        auth = httpx.BasicAuth(self._client_id, self._client_secret)
        request = self._http.post(url, headers=headers, auth=auth, **kwargs)
        return await send(request, "Intuit's OAuth endpoint")

    def _error(self, response: httpx.Response, secrets: list[str]) -> ExternalError | None:
        hidden = [*secrets, self._client_secret]
        return token_endpoint_error(
            response, vendor="Intuit", remedy="reconnect QuickBooks", secrets=hidden
        )


def _refresh_expiry(now: datetime, body: _TokenResponse) -> datetime | None:
    # The rolling ~100-day expiry and the 5-year hard cap: whichever comes first. 0 = absent.
    limits = [
        seconds
        for seconds in (body.x_refresh_token_expires_in, body.x_refresh_token_hard_expires_in)
        if seconds
    ]
    return now + timedelta(seconds=min(limits)) if limits else None

"""QboOAuthClient against a fake Intuit OAuth 2.0 server served through httpx.MockTransport."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.adapters.quickbooks.oauth import QboOAuthClient
from app.domain.faults import ExternalAuthExpired, ExternalRejected, ExternalUnavailable

TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"
CLIENT_ID, CLIENT_SECRET = "ABclient", "s3cret-value"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class FakeIntuit:
    """Token and revoke endpoints with rotating refresh tokens."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.codes = {"auth-code-1"}
        self.refresh_tokens: set[str] = set()
        self.revoked: list[str] = []
        self.hard_expires_in: int | None = 156_032_154
        self.scripted: list[httpx.Response | Exception] = []
        self._serial = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.scripted:
            outcome = self.scripted.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return httpx.Response(401, json={"error": "invalid_client"})
        if str(request.url) == REVOKE_URL:
            self.revoked.append(json.loads(request.content)["token"])
            return httpx.Response(200)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(form["code"])
            return self._issue(request)
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") in (
            self.refresh_tokens
        ):
            self.refresh_tokens.discard(form["refresh_token"])
            return self._issue(request)
        return httpx.Response(
            400, json={"error_description": "Token invalid", "error": "invalid_grant"}
        )

    def _issue(self, request: httpx.Request) -> httpx.Response:
        self._serial += 1
        refresh = f"RT1-39-H3-17854298{self._serial}rcysb9dns1ofreknypnm"
        self.refresh_tokens.add(refresh)
        body: dict[str, Any] = {
            "access_token": f"eyJhbGciOiJkaXIi..access{self._serial}",
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": 8_726_400,
        }
        if request.headers.get("x-include-refresh-token-hard-expires-in") == "true":
            if self.hard_expires_in is not None:
                body["x_refresh_token_hard_expires_in"] = self.hard_expires_in
        return httpx.Response(200, json=body)


@pytest.fixture
def intuit() -> FakeIntuit:
    return FakeIntuit()


@pytest.fixture
async def oauth(intuit: FakeIntuit) -> AsyncIterator[QboOAuthClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(intuit), timeout=5) as http:
        yield QboOAuthClient(
            http,
            token_url=TOKEN_URL,
            revoke_url=REVOKE_URL,
            auth_url=AUTH_URL,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            clock=lambda: NOW,
        )


def test_authorize_url_carries_the_consent_parameters(oauth: QboOAuthClient) -> None:
    url = oauth.authorize_url("state-123", "https://app.example/callback")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == AUTH_URL
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": "https://app.example/callback",
        "state": "state-123",
    }


async def test_exchange_code_posts_the_form_and_reads_expiries(
    oauth: QboOAuthClient, intuit: FakeIntuit
) -> None:
    tokens = await oauth.exchange_code("auth-code-1", "https://app.example/callback")

    request = intuit.requests[0]
    assert str(request.url) == TOKEN_URL and request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert request.headers["x-include-refresh-token-hard-expires-in"] == "true"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["auth-code-1"],
        "redirect_uri": ["https://app.example/callback"],
    }
    assert tokens.access_token.endswith("access1")
    assert tokens.refresh_token in intuit.refresh_tokens
    assert tokens.access_expires_at == NOW + timedelta(seconds=3600)
    assert tokens.refresh_expires_at == NOW + timedelta(seconds=8_726_400)


async def test_hard_cap_wins_when_it_comes_first(oauth: QboOAuthClient, intuit: FakeIntuit) -> None:
    intuit.hard_expires_in = 86_400

    tokens = await oauth.exchange_code("auth-code-1", "https://app.example/callback")

    assert tokens.refresh_expires_at == NOW + timedelta(days=1)


async def test_refresh_returns_the_rotated_token(oauth: QboOAuthClient, intuit: FakeIntuit) -> None:
    first = await oauth.exchange_code("auth-code-1", "https://app.example/callback")

    second = await oauth.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert parse_qs(intuit.requests[1].content.decode())["grant_type"] == ["refresh_token"]
    assert intuit.requests[1].headers["x-include-refresh-token-hard-expires-in"] == "true"


async def test_invalid_grant_needs_reconnect_and_hides_the_token(oauth: QboOAuthClient) -> None:
    stale = "RT1-39-H3-1785429816staletokenvalue"

    with pytest.raises(ExternalAuthExpired) as caught:
        await oauth.refresh(stale)

    assert caught.value.status == 400
    assert "invalid_grant" in caught.value.message
    assert stale not in str(caught.value)


async def test_invalid_client_needs_reconnect(oauth: QboOAuthClient, intuit: FakeIntuit) -> None:
    intuit.scripted = [httpx.Response(401, json={"error": "invalid_client"})]

    with pytest.raises(ExternalAuthExpired) as caught:
        await oauth.refresh("RT1-any")

    assert caught.value.status == 401 and CLIENT_SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "outcome",
    [httpx.Response(503, text="<html>503</html>"), httpx.ConnectError("refused")],
    ids=["503", "connect-error"],
)
async def test_outage_is_unavailable(
    oauth: QboOAuthClient, intuit: FakeIntuit, outcome: httpx.Response | Exception
) -> None:
    intuit.scripted = [outcome]

    with pytest.raises(ExternalUnavailable):
        await oauth.refresh("RT1-any")
    assert len(intuit.requests) == 1


async def test_unreadable_success_is_rejected(oauth: QboOAuthClient, intuit: FakeIntuit) -> None:
    intuit.scripted = [httpx.Response(200, json={"token_type": "bearer"})]

    with pytest.raises(ExternalRejected):
        await oauth.exchange_code("auth-code-1", "https://app.example/callback")


async def test_revoke_posts_the_token_as_json(oauth: QboOAuthClient, intuit: FakeIntuit) -> None:
    await oauth.revoke("RT1-to-revoke")

    assert intuit.revoked == ["RT1-to-revoke"]
    assert intuit.requests[0].headers["content-type"] == "application/json"

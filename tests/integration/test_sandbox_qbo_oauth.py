"""The fake Intuit OAuth 2.0 service and the gateway's token checks, over HTTP."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
OTHER_REALM = "9130350000000002"
REDIRECT = "https://ledgerport.test/v1/qbo/callback"
SCOPE = "com.intuit.quickbooks.accounting"


def basic(client_id: str = "sandbox-client-id", secret: str = "sandbox-client-secret") -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM, OTHER_REALM])


@pytest.fixture
async def client(sandbox: QboSandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as http:
        yield http


async def consent(client: httpx.AsyncClient, **extra: str) -> dict[str, list[str]]:
    params = {
        "client_id": "sandbox-client-id",
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": REDIRECT,
        "state": "st-1",
        **extra,
    }
    response = await client.get("/connect/oauth2", params=params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


async def token_call(
    client: httpx.AsyncClient, form: dict[str, str], **headers: str
) -> httpx.Response:
    return await client.post(
        "/oauth2/v1/tokens/bearer", data=form, headers={"Authorization": basic(), **headers}
    )


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await token_call(client, {"grant_type": "refresh_token", "refresh_token": token})


async def read_item(client: httpx.AsyncClient, token: str, realm: str = REALM) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return await client.get(f"/v3/company/{realm}/item/1", headers=headers)


async def test_consent_then_code_exchange_gives_intuit_token_response(
    client: httpx.AsyncClient,
) -> None:
    callback = await consent(client)
    assert callback["state"] == ["st-1"] and callback["realmId"] == [REALM]

    form = {
        "grant_type": "authorization_code",
        "code": callback["code"][0],
        "redirect_uri": REDIRECT,
    }
    response = await token_call(client, form)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert (body["expires_in"], body["x_refresh_token_expires_in"]) == (3600, 8726400)
    assert "x_refresh_token_hard_expires_in" not in body
    assert (await read_item(client, body["access_token"])).status_code == 200
    replay = await token_call(client, form)  # codes are single use
    assert (replay.status_code, replay.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "Token invalid"},
    )


async def test_consent_for_a_chosen_realm_and_bad_scope(client: httpx.AsyncClient) -> None:
    assert (await consent(client, realmId=OTHER_REALM))["realmId"] == [OTHER_REALM]
    refused = await consent(client, scope="openid")
    assert refused["error"] == ["invalid_scope"] and "code" not in refused
    unknown = await client.get(
        "/connect/oauth2", params={"client_id": "nope", "redirect_uri": REDIRECT}
    )
    assert unknown.status_code == 400


async def test_code_needs_the_same_redirect_uri_and_a_good_client(
    client: httpx.AsyncClient,
) -> None:
    code = (await consent(client))["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}

    bad_client = await client.post(
        "/oauth2/v1/tokens/bearer", data=form, headers={"Authorization": basic(secret="wrong")}
    )
    assert (bad_client.status_code, bad_client.json()) == (401, {"error": "invalid_client"})
    wrong_uri = await token_call(client, {**form, "redirect_uri": "https://evil.test/cb"})
    assert wrong_uri.json()["error"] == "invalid_grant"


async def test_refresh_rotates_and_the_old_token_dies_once_the_new_one_is_used(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    first = sandbox.issue_tokens(REALM)
    second = (await refresh(client, first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await read_item(client, second["access_token"])).status_code == 200

    third = await refresh(client, second["refresh_token"])
    assert third.status_code == 200

    stale = await refresh(client, first["refresh_token"])
    assert (stale.status_code, stale.json()["error"]) == (400, "invalid_grant")


async def test_hard_expiry_is_reported_when_asked(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    tokens = sandbox.issue_tokens(REALM)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    response = await token_call(client, form, **{"x-include-refresh-token-hard-expires-in": "true"})
    hard = response.json()["x_refresh_token_hard_expires_in"]
    assert 5 * 365 * 24 * 3600 - 60 < hard <= 5 * 365 * 24 * 3600


async def test_revoke_disconnects_access_and_refresh(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    tokens = sandbox.issue_tokens(REALM)
    revoked = await client.post(
        "/v2/oauth2/tokens/revoke",
        json={"token": tokens["refresh_token"]},
        headers={"Authorization": basic()},
    )
    assert revoked.status_code == 200
    assert (await refresh(client, tokens["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await read_item(client, tokens["access_token"])).status_code == 401


async def test_bad_token_gets_the_lower_case_gateway_fault(client: httpx.AsyncClient) -> None:
    response = await read_item(client, "not-a-token")

    assert response.status_code == 401
    body = response.json()
    error = body["fault"]["error"][0]
    assert body["fault"]["type"] == "AUTHENTICATION" and "Fault" not in body
    assert error["code"] == "3200" and error["element"] is None
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert isinstance(body["time"], int) and body["time"] > 1_600_000_000_000
    missing = await client.get(
        f"/v3/company/{REALM}/item/1", headers={"Accept": "application/json"}
    )
    assert missing.status_code == 401


async def test_expired_access_token_and_revoked_refresh_tokens(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    tokens = sandbox.issue_tokens(REALM)
    sandbox.expire_access_tokens(REALM)
    expired = await read_item(client, tokens["access_token"])
    assert expired.status_code == 401
    assert expired.json()["fault"]["error"][0]["detail"].startswith("Token expired")

    sandbox.revoke_refresh_tokens()
    assert (await refresh(client, tokens["refresh_token"])).json()["error"] == "invalid_grant"


async def test_a_company_disconnecting_the_app_kills_every_token_until_it_consents_again(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    tokens, other = sandbox.issue_tokens(REALM), sandbox.issue_tokens(OTHER_REALM)

    sandbox.oauth.revoke_grants(REALM)

    refused = await read_item(client, tokens["access_token"])
    assert refused.status_code == 401
    assert (await refresh(client, tokens["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await read_item(client, other["access_token"], realm=OTHER_REALM)).status_code == 200
    again = sandbox.issue_tokens(REALM)
    assert (await read_item(client, again["access_token"])).status_code == 200


async def test_token_for_another_realm_is_forbidden(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    tokens = sandbox.issue_tokens(OTHER_REALM)
    response = await read_item(client, tokens["access_token"], realm=REALM)

    assert response.status_code == 403
    error = response.json()["fault"]["error"][0]
    assert (error["code"], error["message"]) == (
        "3100",
        "message=AuthorizationFailed; errorCode=003100; statusCode=403",
    )


async def test_request_log_keeps_no_secrets(client: httpx.AsyncClient, sandbox: QboSandbox) -> None:
    tokens = sandbox.issue_tokens(REALM)
    await read_item(client, tokens["access_token"])
    await refresh(client, tokens["refresh_token"])

    logged = sandbox.requests
    assert [r.path for r in logged] == [f"/v3/company/{REALM}/item/1", "/oauth2/v1/tokens/bearer"]
    assert all("authorization" not in r.headers for r in logged)
    assert tokens["refresh_token"].encode() not in logged[1].body
    assert [r.status for r in logged] == [200, 200]

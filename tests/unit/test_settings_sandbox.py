"""LEDGERPORT_SANDBOX: set, unset URLs and credentials point at the sandbox fakes; unset, the
service needs the real ones and names what is missing."""

from __future__ import annotations

import os
from typing import Any

import pytest

from app.settings import Settings, refuse_unless_startable

CREDENTIALS = {
    "QBO_API_BASE": "https://quickbooks.api.intuit.com",
    "QBO_CLIENT_ID": "ABq1live-client-id",
    "QBO_CLIENT_SECRET": "n0t-a-placeholder-qbo",
    "QBO_REDIRECT_URI": "https://ledgerport.example.com/v1/connections/quickbooks/callback",
    "SHOPIFY_CLIENT_ID": "3f9c0d1e2b",
    "SHOPIFY_CLIENT_SECRET": "shpss_n0t-a-placeholder",
    "SHOPIFY_REDIRECT_URI": "https://ledgerport.example.com/v1/shopify/callback",
}


@pytest.fixture(autouse=True)
def _nothing_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("QBO_", "SHOPIFY_", "LEDGERPORT_", "DATABASE_URL")):
            monkeypatch.delenv(name)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_without_the_sandbox_every_real_credential_is_required_and_named() -> None:
    assert settings().missing_for_production() == list(CREDENTIALS)
    partial = settings(QBO_API_BASE=CREDENTIALS["QBO_API_BASE"], SHOPIFY_CLIENT_ID="")
    assert "QBO_API_BASE" not in partial.missing_for_production()
    assert "SHOPIFY_CLIENT_ID" in partial.missing_for_production()  # empty counts as unset
    assert settings(**CREDENTIALS).missing_for_production() == []


def test_outside_sqlite_the_encryption_key_is_required_too() -> None:
    postgres = {"DATABASE_URL": "postgresql+asyncpg://db/ledgerport", **CREDENTIALS}
    assert settings(**postgres).missing_for_production() == ["LEDGERPORT_ENCRYPTION_KEY"]
    with_key = settings(**postgres, LEDGERPORT_ENCRYPTION_KEY="a-real-fernet-key")
    assert with_key.missing_for_production() == []


def test_without_the_sandbox_the_fixed_endpoints_are_the_real_ones() -> None:
    real = settings(**CREDENTIALS)
    assert real.qbo_auth_url == "https://appcenter.intuit.com/connect/oauth2"
    assert real.qbo_token_url == "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    assert real.qbo_revoke_url == "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
    assert real.shopify_api_base == "https://{shop}/admin/api"
    assert real.qbo_client_secret.get_secret_value() == CREDENTIALS["QBO_CLIENT_SECRET"]


def test_the_sandbox_fills_what_is_unset_and_keeps_what_is_set() -> None:
    sandbox = settings(LEDGERPORT_SANDBOX="1", QBO_API_BASE="http://127.0.0.1:9101")
    assert sandbox.missing_for_production() == []
    assert sandbox.qbo_api_base == "http://127.0.0.1:9101"
    assert sandbox.qbo_token_url == "http://127.0.0.1:8101/oauth2/v1/tokens/bearer"
    assert sandbox.shopify_api_base == "http://127.0.0.1:8102/shops/{shop}/admin/api"
    assert sandbox.qbo_client_secret.get_secret_value() == "sandbox-client-secret"
    assert sandbox.shopify_client_secret.get_secret_value() == "sandbox-shopify-secret"


def test_the_refusal_is_one_line_naming_exactly_what_is_missing() -> None:
    partial = {k: v for k, v in CREDENTIALS.items() if not k.startswith("SHOPIFY_")}
    with pytest.raises(SystemExit) as refused:
        refuse_unless_startable(settings(**partial))
    message = str(refused.value.code)
    assert message == (
        "LedgerPort will not start: missing SHOPIFY_CLIENT_ID, SHOPIFY_CLIENT_SECRET, "
        "SHOPIFY_REDIRECT_URI (set them for the real QuickBooks Online and Shopify, "
        "or set LEDGERPORT_SANDBOX=1 for the sandbox)"
    )
    refuse_unless_startable(settings(**CREDENTIALS))
    refuse_unless_startable(settings(LEDGERPORT_SANDBOX="1"))

"""Settings from the environment (and `.env` for local use). Names follow DESIGN.md."""

from __future__ import annotations

import base64
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SANDBOX_QBO = "http://127.0.0.1:8101"
SANDBOX_SHOPIFY = "http://127.0.0.1:8102"
SANDBOX_QBO_CLIENT_ID = "sandbox-client-id"
SANDBOX_QBO_CLIENT_SECRET = "sandbox-client-secret"
SANDBOX_SHOPIFY_CLIENT_SECRET = "sandbox-shopify-secret"
PLACEHOLDERS = {"changeme", "change-me", "secret", "xxx", "todo"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite+aiosqlite:///var/ledgerport.db", alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")

    qbo_api_base: str = Field(default=SANDBOX_QBO, alias="QBO_API_BASE")
    qbo_auth_url: str = Field(default=f"{SANDBOX_QBO}/connect/oauth2", alias="QBO_AUTH_URL")
    qbo_token_url: str = Field(
        default=f"{SANDBOX_QBO}/oauth2/v1/tokens/bearer", alias="QBO_TOKEN_URL"
    )
    qbo_revoke_url: str = Field(
        default=f"{SANDBOX_QBO}/v2/oauth2/tokens/revoke", alias="QBO_REVOKE_URL"
    )
    qbo_client_id: str = Field(default=SANDBOX_QBO_CLIENT_ID, alias="QBO_CLIENT_ID")
    qbo_client_secret: SecretStr = Field(
        default=SecretStr(SANDBOX_QBO_CLIENT_SECRET), alias="QBO_CLIENT_SECRET"
    )
    qbo_redirect_uri: str = Field(
        default="http://127.0.0.1:8000/v1/connections/quickbooks/callback",
        alias="QBO_REDIRECT_URI",
    )
    qbo_minor_version: int = Field(default=75, alias="QBO_MINOR_VERSION")
    # Per-realm limits (QBO reference §2); a shorter "minute" scales them for tests and benches.
    qbo_requests_per_minute: int = Field(default=500, ge=1, alias="QBO_REQUESTS_PER_MINUTE")
    qbo_requests_per_second: int = Field(default=10, ge=1, alias="QBO_REQUESTS_PER_SECOND")
    qbo_max_concurrent: int = Field(default=10, ge=1, alias="QBO_MAX_CONCURRENT")
    qbo_batch_per_minute: int = Field(default=40, ge=1, alias="QBO_BATCH_PER_MINUTE")
    qbo_limit_minute_seconds: float = Field(default=60.0, gt=0, alias="QBO_LIMIT_MINUTE_SECONDS")

    shopify_api_base: str = Field(
        default=f"{SANDBOX_SHOPIFY}/shops/{{shop}}/admin/api", alias="SHOPIFY_API_BASE"
    )
    shopify_api_version: str = Field(default="2025-07", alias="SHOPIFY_API_VERSION")
    shopify_client_id: str = Field(default="sandbox-shopify-client", alias="SHOPIFY_CLIENT_ID")
    shopify_client_secret: SecretStr = Field(
        default=SecretStr(SANDBOX_SHOPIFY_CLIENT_SECRET), alias="SHOPIFY_CLIENT_SECRET"
    )
    # What LedgerPort asks the merchant for at install (comma-separated Shopify access scopes).
    shopify_scopes: str = Field(
        default="read_orders,read_products,read_customers", alias="SHOPIFY_SCOPES"
    )
    shopify_redirect_uri: str = Field(
        default="http://127.0.0.1:8000/v1/shopify/callback", alias="SHOPIFY_REDIRECT_URI"
    )

    encryption_key: SecretStr | None = Field(default=None, alias="LEDGERPORT_ENCRYPTION_KEY")
    sandbox: bool = Field(default=True, alias="LEDGERPORT_SANDBOX")
    key_file: str = Field(default="var/ledgerport.key", alias="LEDGERPORT_KEY_FILE")
    http_timeout_s: float = Field(default=30.0, alias="LEDGERPORT_HTTP_TIMEOUT_S")
    # Handled webhook bodies hold buyers' personal data; Shopify retries for 48 hours at most.
    inbox_retention_days: int = Field(default=30, ge=3, alias="LEDGERPORT_INBOX_RETENTION_DAYS")
    # How often the sweep re-queues lost deliveries and catches missed orders (tests shorten it).
    sweep_interval_s: float = Field(default=300.0, gt=0, alias="LEDGERPORT_SWEEP_INTERVAL_S")
    # The first wait before re-running a job that crashed; it doubles on each try.
    job_retry_base_s: float = Field(default=2.0, gt=0, alias="LEDGERPORT_JOB_RETRY_BASE_S")
    # The first wait (before jitter) after a QuickBooks timeout; it doubles on each attempt.
    sync_retry_base_s: float = Field(default=30.0, gt=0, alias="LEDGERPORT_SYNC_RETRY_BASE_S")

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        for name in ("qbo_client_secret", "shopify_client_secret", "encryption_key"):
            value = getattr(self, name)
            if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDERS:
                raise ValueError(f"{name} is a placeholder; set a real secret")
        return self

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def fernet_key(self) -> bytes:
        """The token key. The embedded default generates one once and keeps it in var/."""
        if self.encryption_key is not None:
            return self.encryption_key.get_secret_value().encode()
        if not self.is_embedded:
            raise ValueError("LEDGERPORT_ENCRYPTION_KEY is required outside the embedded default")
        path = Path(self.key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.urlsafe_b64encode(secrets.token_bytes(32)))
            path.chmod(0o600)
        return path.read_bytes().strip()

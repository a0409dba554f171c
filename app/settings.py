"""Settings from the environment (and `.env` for local use). Names follow DESIGN.md."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def sandbox_defaults(api_port: int, qbo_port: int, shopify_port: int) -> dict[str, str]:
    """With LEDGERPORT_SANDBOX=1, what these fields become while unset: the fakes `make run`
    starts (on SANDBOX_QBO_PORT and SANDBOX_SHOPIFY_PORT) and the API on PORT, on 127.0.0.1."""
    qbo, api = f"http://127.0.0.1:{qbo_port}", f"http://127.0.0.1:{api_port}"
    return {
        "qbo_api_base": qbo,
        "qbo_auth_url": f"{qbo}/connect/oauth2",
        "qbo_token_url": f"{qbo}/oauth2/v1/tokens/bearer",
        "qbo_revoke_url": f"{qbo}/v2/oauth2/tokens/revoke",
        "qbo_client_id": "sandbox-client-id",
        "qbo_client_secret": "sandbox-client-secret",
        "qbo_redirect_uri": f"{api}/v1/connections/quickbooks/callback",
        "shopify_api_base": f"http://127.0.0.1:{shopify_port}/shops/{{shop}}/admin/api",
        "shopify_client_id": "sandbox-shopify-client",
        "shopify_client_secret": "sandbox-shopify-secret",
        "shopify_redirect_uri": f"{api}/v1/shopify/callback",
    }


SANDBOX_FIELDS = tuple(sandbox_defaults(1, 1, 1))

# Without it, the real services' fixed endpoints (Intuit's are the same for development and
# production keys). Everything else above must be set: the QBO API base too, since which of
# Intuit's two hosts is right depends on the keys (a wrong one answers 3100 or 007001).
REAL_DEFAULTS = {
    "qbo_auth_url": "https://appcenter.intuit.com/connect/oauth2",
    "qbo_token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "qbo_revoke_url": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    "shopify_api_base": "https://{shop}/admin/api",
}
PLACEHOLDERS = {"changeme", "change-me", "secret", "xxx", "todo"}
# A clock offset written as a number and a unit: "8d", "36h", "90m", "45s", "-2d"; no unit
# means seconds.
DURATION = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*([dhms]?)\s*", re.IGNORECASE)
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def _text(value: str | SecretStr | None) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value or ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite+aiosqlite:///var/ledgerport.db", alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")

    # Unset ("") URLs and credentials are resolved by _resolve_unset (sandbox or real defaults).
    qbo_api_base: str = Field(default="", alias="QBO_API_BASE")
    qbo_auth_url: str = Field(default="", alias="QBO_AUTH_URL")
    qbo_token_url: str = Field(default="", alias="QBO_TOKEN_URL")
    qbo_revoke_url: str = Field(default="", alias="QBO_REVOKE_URL")
    qbo_client_id: str = Field(default="", alias="QBO_CLIENT_ID")
    qbo_client_secret: SecretStr = Field(default=SecretStr(""), alias="QBO_CLIENT_SECRET")
    qbo_redirect_uri: str = Field(default="", alias="QBO_REDIRECT_URI")
    qbo_minor_version: int = Field(default=75, alias="QBO_MINOR_VERSION")
    # Per-realm limits (QBO reference §2); a shorter "minute" scales them for tests and benches.
    # The "minute" is also how long an order throttled without Retry-After waits.
    qbo_requests_per_minute: int = Field(default=500, ge=1, alias="QBO_REQUESTS_PER_MINUTE")
    qbo_requests_per_second: int = Field(default=10, ge=1, alias="QBO_REQUESTS_PER_SECOND")
    qbo_max_concurrent: int = Field(default=10, ge=1, alias="QBO_MAX_CONCURRENT")
    qbo_batch_per_minute: int = Field(default=40, ge=1, alias="QBO_BATCH_PER_MINUTE")
    qbo_limit_minute_seconds: float = Field(default=60.0, gt=0, alias="QBO_LIMIT_MINUTE_SECONDS")

    shopify_api_base: str = Field(default="", alias="SHOPIFY_API_BASE")
    shopify_api_version: str = Field(default="2025-07", alias="SHOPIFY_API_VERSION")
    shopify_client_id: str = Field(default="", alias="SHOPIFY_CLIENT_ID")
    shopify_client_secret: SecretStr = Field(default=SecretStr(""), alias="SHOPIFY_CLIENT_SECRET")
    # What LedgerPort asks the merchant for at install (comma-separated Shopify access scopes).
    shopify_scopes: str = Field(
        default="read_orders,read_products,read_customers", alias="SHOPIFY_SCOPES"
    )
    shopify_redirect_uri: str = Field(default="", alias="SHOPIFY_REDIRECT_URI")

    # Where `python -m app.cli run` serves the API, and (with the sandbox) the fakes it starts.
    host: str = Field(default="127.0.0.1", alias="LEDGERPORT_HOST")
    port: int = Field(default=8000, ge=1, le=65535, alias="PORT")
    sandbox_qbo_port: int = Field(default=8101, ge=1, le=65535, alias="SANDBOX_QBO_PORT")
    sandbox_shopify_port: int = Field(default=8102, ge=1, le=65535, alias="SANDBOX_SHOPIFY_PORT")

    encryption_key: SecretStr | None = Field(default=None, alias="LEDGERPORT_ENCRYPTION_KEY")
    sandbox: bool = Field(default=False, alias="LEDGERPORT_SANDBOX")
    key_file: str = Field(default="var/ledgerport.key", alias="LEDGERPORT_KEY_FILE")
    http_timeout_s: float = Field(default=30.0, alias="LEDGERPORT_HTTP_TIMEOUT_S")
    # Handled webhook bodies hold buyers' personal data; Shopify retries for 48 hours at most.
    inbox_retention_days: int = Field(default=30, ge=3, alias="LEDGERPORT_INBOX_RETENTION_DAYS")
    # How often the sweep re-queues lost deliveries and catches missed orders (tests shorten it).
    sweep_interval_s: float = Field(default=300.0, gt=0, alias="LEDGERPORT_SWEEP_INTERVAL_S")
    # How often the pass re-queues every order sync the database says is pending or due and
    # no worker holds: the longest a lost queue (or a lost job) delays the work. With the
    # lease's 30 s, a killed worker's order is taken again within 50 s.
    requeue_interval_s: float = Field(default=20.0, gt=0, alias="LEDGERPORT_REQUEUE_INTERVAL_S")
    # An order sync's lease on its record, and how often the running job renews it: a worker
    # killed mid-job frees its order one lease later, for the next pass to re-queue.
    sync_lease_s: float = Field(default=30.0, gt=0, alias="LEDGERPORT_SYNC_LEASE_S")
    sync_heartbeat_s: float = Field(default=10.0, gt=0, alias="LEDGERPORT_SYNC_HEARTBEAT_S")
    # How long one job of each kind may run before the worker cancels it.
    sync_job_timeout_s: float = Field(default=180.0, gt=0, alias="LEDGERPORT_SYNC_JOB_TIMEOUT_S")
    backfill_job_timeout_s: float = Field(
        default=3600.0, gt=0, alias="LEDGERPORT_BACKFILL_JOB_TIMEOUT_S"
    )
    # The first wait before re-running a job that crashed; it doubles on each try.
    job_retry_base_s: float = Field(default=2.0, gt=0, alias="LEDGERPORT_JOB_RETRY_BASE_S")
    # The first wait (before jitter) after a QuickBooks timeout; it doubles on each attempt.
    sync_retry_base_s: float = Field(default=30.0, gt=0, alias="LEDGERPORT_SYNC_RETRY_BASE_S")
    # DEBUG, INFO, WARNING or ERROR: the level of the service's own log lines and its
    # libraries'. SQL statements, HTTP client lines and query strings are never logged.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LEDGERPORT_LOG_LEVEL"
    )
    # Requests whose headers (names and values) total more than this many bytes get a 431.
    max_header_bytes: int = Field(default=16_384, ge=1024, alias="LEDGERPORT_MAX_HEADER_BYTES")
    # After this many refused API keys from one client within the window, its refusals are
    # 429 with Retry-After until the window ends; a right key keeps working.
    auth_failure_limit: int = Field(default=100, ge=1, alias="LEDGERPORT_AUTH_FAILURE_LIMIT")
    auth_failure_window_s: float = Field(
        default=300.0, gt=0, alias="LEDGERPORT_AUTH_FAILURE_WINDOW_S"
    )
    # Comma-separated addresses of the proxies whose X-Forwarded-Proto is believed (for HSTS).
    trusted_proxies: str = Field(default="", alias="LEDGERPORT_TRUSTED_PROXIES")
    # A testing and demo aid, never for production: shifts the service's notion of now by this
    # much ("8d", "36h", "90m", "45s", a number of seconds, or ISO 8601 such as "P8D"). Audit
    # entries, runs and token expiries are stamped, and plan retention, OAuth states' age and
    # retries judged, by the shifted clock: restarting the service with "8d" shows the audit
    # log as it would look 8 days later. Rows' own timestamps (a record's last change, a
    # webhook's arrival) keep the database host's time; the sandboxes keep their own clocks.
    clock_offset: timedelta = Field(default=timedelta(0), alias="LEDGERPORT_CLOCK_OFFSET")

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> Settings:
        if self.sync_heartbeat_s >= self.sync_lease_s:
            raise ValueError(
                "LEDGERPORT_SYNC_HEARTBEAT_S must be shorter than LEDGERPORT_SYNC_LEASE_S"
            )
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("clock_offset", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        """A number with a unit ("8d") or without (seconds) as a timedelta, empty as none;
        anything else (ISO 8601 such as "P8D") as pydantic reads a timedelta."""
        if isinstance(value, str):
            if not value.strip():
                return timedelta(0)
            found = DURATION.fullmatch(value)
            if found is not None:
                return timedelta(seconds=float(found[1]) * UNIT_SECONDS[found[2].lower()])
        return value

    @model_validator(mode="after")
    def _resolve_unset(self) -> Settings:
        defaults = self.sandbox_defaults() if self.sandbox else REAL_DEFAULTS
        for name, default in defaults.items():
            value = getattr(self, name)
            if not _text(value):
                setattr(self, name, SecretStr(default) if isinstance(value, SecretStr) else default)
        if not _text(self.encryption_key):
            self.encryption_key = None
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        for name in ("qbo_client_secret", "shopify_client_secret", "encryption_key"):
            value = getattr(self, name)
            if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDERS:
                raise ValueError(f"{name} is a placeholder; set a real secret")
        return self

    def missing_for_production(self) -> list[str]:
        """The environment names of what running on real QBO and Shopify needs and lacks."""
        fields = type(self).model_fields
        missing = [fields[n].alias or n for n in SANDBOX_FIELDS if not _text(getattr(self, n))]
        if self.encryption_key is None and not self.is_embedded:
            missing.append("LEDGERPORT_ENCRYPTION_KEY")
        return missing

    def sandbox_defaults(self) -> dict[str, str]:
        return sandbox_defaults(self.port, self.sandbox_qbo_port, self.sandbox_shopify_port)

    @property
    def sandbox_serves_qbo(self) -> bool:
        """With the sandbox, whether QBO is its fake (QBO_API_BASE unset or on its port);
        otherwise the sandbox serves Shopify only and QBO is the server QBO_API_BASE names."""
        return self.sandbox and self.qbo_api_base == self.sandbox_defaults()["qbo_api_base"]

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


def refuse_unless_startable(settings: Settings) -> None:
    """Ends the process with one line naming what is missing, unless `settings` can run: the
    sandbox, or real QBO and Shopify. Called where the API, the worker and `run` start."""
    missing = [] if settings.sandbox else settings.missing_for_production()
    if missing:
        raise SystemExit(
            f"LedgerPort will not start: missing {', '.join(missing)} (set them for the real "
            "QuickBooks Online and Shopify, or set LEDGERPORT_SANDBOX=1 for the sandbox)"
        )

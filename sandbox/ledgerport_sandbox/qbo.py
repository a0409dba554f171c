"""A fake QuickBooks Online (Accounting API v3 + Intuit OAuth 2.0) for tests and `make run`.

It speaks QBO's real paths, envelopes, fault bodies and limits, so the adapter that talks
to it talks to Intuit once the base URLs change. One ASGI app serves every host:
`/connect/oauth2` (appcenter), `/oauth2/v1/tokens/bearer` (oauth.platform),
`/v2/oauth2/tokens/revoke` (developer.api) and `/v3/company/…` (quickbooks.api).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ledgerport_sandbox.qbo_admin import admin_routes
from ledgerport_sandbox.qbo_api import AccountingApi, gateway_fault_response
from ledgerport_sandbox.qbo_countries import COUNTRY_CURRENCY
from ledgerport_sandbox.qbo_limits import (
    DEFAULT_HANG_SECONDS,
    FaultInjector,
    RateLimiter,
    ScriptedAnswer,
)
from ledgerport_sandbox.qbo_log import RecordedRequest, RequestLog
from ledgerport_sandbox.qbo_oauth import OAuthServer
from ledgerport_sandbox.qbo_seed import seed_realm, tax_prefs
from ledgerport_sandbox.qbo_stats import StatsRecorder
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import JsonDict


class QboSandbox:
    """In-memory QBO companies plus the ASGI app (`.app`) that serves them over HTTP.

    Limits default to Intuit's (500/min and 10/s per realm, 40 batch calls/min);
    `minute_seconds` shrinks the "minute" for tests. `fault_rates` maps a fault kind
    (see qbo_limits.FAULT_KINDS) to its probability per accounting request, drawn from
    `seed`; `latency_ms` delays every admitted request.
    """

    def __init__(
        self,
        client_id: str = "sandbox-client-id",
        client_secret: str = "sandbox-client-secret",
        *,
        seed_realms: Iterable[str] = (),
        requests_per_minute: int = 500,
        requests_per_second: int = 10,
        max_concurrent: int | None = None,
        batch_per_minute: int = 40,
        minute_seconds: float = 60.0,
        fault_rates: Mapping[str, float] | None = None,
        latency_ms: float = 0.0,
        seed: int | None = None,
        redirect_uris: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.realms: dict[str, Realm] = {}
        self.requests: list[RecordedRequest] = []
        self.oauth = OAuthServer(client_id, client_secret, clock, tuple(redirect_uris))
        self.limiter = RateLimiter(
            requests_per_minute,
            requests_per_second,
            max_concurrent,
            clock,
            batch_per_minute=batch_per_minute,
            minute_seconds=minute_seconds,
        )
        self.faults = FaultInjector(fault_rates, seed=seed)
        self._stats = StatsRecorder(clock, minute_seconds)
        self._api = AccountingApi(
            self.realms, self.oauth, self.limiter, self.faults, self._stats, latency_ms
        )
        for realm_id in seed_realms:
            self.add_realm(realm_id)
        self.app: ASGIApp = RequestLog(self._build_app(), self.requests)

    # -- Python API for tests -------------------------------------------------------------

    def add_realm(
        self,
        realm_id: str,
        *,
        home_currency: str | None = None,
        multicurrency: bool = False,
        automated_sales_tax: bool = False,
        country: str = "US",
    ) -> None:
        """Create a company in `country` (US, GB, CA or AU) with that country's chart of
        accounts, tax codes and home currency (unless `home_currency` says otherwise); on the
        manual sales-tax model unless `automated_sales_tax`, which only US companies have.
        Raises ValueError for another country, or automated sales tax outside the US."""
        if realm_id in self.realms:
            return
        if country not in COUNTRY_CURRENCY:
            raise ValueError(f"country must be one of {', '.join(COUNTRY_CURRENCY)}")
        if automated_sales_tax and country != "US":
            raise ValueError("automated sales tax exists only in US companies")
        realm = Realm(
            realm_id,
            home_currency=home_currency or COUNTRY_CURRENCY[country],
            country=country,
            multicurrency=multicurrency,
            automated_sales_tax=automated_sales_tax,
        )
        seed_realm(realm)
        self.realms[realm_id] = realm

    def set_multicurrency(self, realm_id: str, enabled: bool) -> bool:
        """Turn multicurrency on (its Preferences show it); False when asked to turn it off
        on a company that has it, which QuickBooks does not allow."""
        realm = self.realm(realm_id)
        if realm.multicurrency and not enabled:
            return False
        realm.multicurrency = enabled
        prefs = realm.get("Preferences", "1") or {"Id": "1"}
        prefs["CurrencyPrefs"] = {**prefs.get("CurrencyPrefs", {}), "MultiCurrencyEnabled": enabled}
        realm.replace("Preferences", prefs)
        return True

    def set_sales_tax(self, realm_id: str, *, automated: bool, set_up: bool = True) -> None:
        """Move the company onto automated sales tax (or back to the manual model), as its
        Preferences.TaxPrefs then show; `set_up` False is an AST company whose sales tax
        is not set up yet."""
        realm = self.realm(realm_id)
        realm.automated_sales_tax = automated
        prefs = realm.get("Preferences", "1") or {"Id": "1"}
        prefs["TaxPrefs"] = tax_prefs(automated, set_up=set_up)
        realm.replace("Preferences", prefs)

    def add(self, realm_id: str, entity: str, record: JsonDict) -> JsonDict:
        """Insert a record as-is (no validation), filling Id, SyncToken, MetaData, Active."""
        return self.realm(realm_id).insert(entity, record)

    def set_active(self, realm_id: str, entity: str, record_id: str, active: bool) -> JsonDict:
        """As a person making a name-list record inactive (QBO's "delete") or active again in
        QBO's own screens."""
        realm = self.realm(realm_id)
        record = realm.get(entity, record_id)
        if record is None:
            raise KeyError(f"no {entity} {record_id} in realm {realm_id}")
        return realm.replace(entity, {**record, "Active": active})

    def documents(self, realm_id: str, entity: str) -> list[JsonDict]:
        return self.realm(realm_id).all(entity)

    def issue_tokens(self, realm_id: str) -> JsonDict:
        """A token response for the realm, as if a person had just consented."""
        self.realm(realm_id)
        return self.oauth.issue(realm_id)

    def expire_access_tokens(self, realm_id: str | None = None) -> None:
        self.oauth.expire_access_tokens(realm_id)

    def revoke_refresh_tokens(self, realm_id: str | None = None) -> None:
        self.oauth.revoke_refresh_tokens(realm_id)

    def inject_fault(
        self,
        kind: str,
        *,
        count: int = 1,
        realm_id: str | None = None,
        path_contains: str | None = None,
        seconds: float = DEFAULT_HANG_SECONDS,
    ) -> None:
        """Queue a fault for the next `count` matching requests (see qbo_limits.FAULT_KINDS)."""
        self.faults.add(
            kind, count=count, realm_id=realm_id, path_contains=path_contains, seconds=seconds
        )

    def answer_next(
        self,
        status: int,
        body: str,
        *,
        content_type: str = "application/json",
        count: int = 1,
        realm_id: str | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Answer the next `count` matching accounting requests with exactly this status and
        body, such as a fault body copied from Intuit's documentation; nothing is written."""
        answer = ScriptedAnswer(status, body, content_type)
        self.faults.add(
            "answer", count=count, realm_id=realm_id, path_contains=path_contains, answer=answer
        )

    def close_books(self, realm_id: str, through: str | None) -> JsonDict:
        """Close the company's books through `through` (ISO date), or open them (None): QBO
        then refuses transactions dated on or before it with fault 6210."""
        self.realm(realm_id).books_closed_through = through
        return {"closed_through": through}

    def set_subscription(self, realm_id: str, active: bool) -> JsonDict:
        """A lapsed subscription (False) makes QBO refuse every write with fault 6190."""
        self.realm(realm_id).subscription_active = active
        return {"active": active}

    def all_stats(self) -> dict[str, Any]:
        return self._stats.all()

    def set_fault_rates(
        self,
        rates: Mapping[str, float],
        *,
        seed: int | None = None,
        seconds: float = DEFAULT_HANG_SECONDS,
    ) -> None:
        """Fail accounting requests at random: {"server_error": 0.05, ...}; {} turns it off."""
        self.faults.set_rates(rates, seed=seed, seconds=seconds)

    @property
    def latency_ms(self) -> float:
        return self._api.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        if value < 0:
            raise ValueError("latency_ms must not be negative")
        self._api.latency_ms = float(value)

    def stats(self, realm_id: str) -> dict[str, int]:
        """requests, throttled, max_per_minute, max_per_second, max_concurrent, batch_calls
        and max_batch_per_minute seen for the realm since the last reset."""
        return self._stats.snapshot(realm_id)

    def reset_stats(self) -> None:
        self._stats.reset()

    def realm(self, realm_id: str) -> Realm:
        if realm_id not in self.realms:
            raise KeyError(f"no sandbox realm {realm_id!r}; call add_realm first")
        return self.realms[realm_id]

    # -- HTTP ---------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        routes = [
            Route("/connect/oauth2", self._authorize, methods=["GET"]),
            Route("/oauth2/v1/tokens/bearer", self._tokens, methods=["POST"]),
            Route("/v2/oauth2/tokens/revoke", self._revoke, methods=["POST"]),
            Route("/v3/company/{realm}/{rest:path}", self._api.handle, methods=["GET", "POST"]),
            *admin_routes(self),
            Route("/_sandbox/health", _health, methods=["GET"]),
            Route("/.well-known/openid_sandbox_configuration", _discovery, methods=["GET"]),
            Route("/.well-known/openid_configuration", _discovery, methods=["GET"]),
        ]
        return Starlette(routes=routes)

    async def _authorize(self, request: Request) -> Response:
        default = next(iter(self.realms), None)
        return self.oauth.authorize(request, default, set(self.realms))

    async def _tokens(self, request: Request) -> Response:
        fault = self.faults.take(request.url.path, None)
        if fault is not None:
            return await gateway_fault_response(fault)
        return await self.oauth.token_endpoint(request)

    async def _revoke(self, request: Request) -> Response:
        return await self.oauth.revoke_endpoint(request)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _discovery(request: Request) -> Response:
    """Intuit's OpenID discovery document (developer.intuit.com/.well-known/openid_sandbox_
    configuration), naming this server's endpoints; Intuit's OAuth clients (intuit-oauth's
    AuthClient) read their token and revoke URLs from it."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "issuer": f"{base}/op/v1",
            "authorization_endpoint": f"{base}/connect/oauth2",
            "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
            "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
            "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
            "jwks_uri": f"{base}/op/v1/jwks",
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "email", "profile", "com.intuit.quickbooks.accounting"],
        }
    )

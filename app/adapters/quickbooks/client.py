"""QuickBooks Online Accounting API v3 over httpx: queries, creates, seconds-scale retries."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from app.adapters.http import json_object, send
from app.adapters.quickbooks.batch import batch_body, batch_items
from app.adapters.quickbooks.faults import THROTTLE_DEFAULT_WAIT, error_for_response
from app.adapters.quickbooks.limiter import NoLimiter, RealmLimiter
from app.adapters.quickbooks.query import MAX_RESULTS, Query
from app.adapters.quickbooks.rows import document, option, ref_value, text
from app.domain.faults import ExternalRateLimited, ExternalRejected, ExternalUnavailable
from app.domain.ports import (
    CompanyCurrencyPrefs,
    CompanyProfile,
    CompanyTaxPrefs,
    QboDocument,
    QboOption,
    QboRef,
    QboSession,
    QboTaxRate,
)

MAX_REQUEST_ID = 50  # reference §1: requestid is unique per realm, at most 50 characters
_REALM = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CENT = Decimal("0.01")
Json = dict[str, Any]


class QuickBooksClient:
    """QBO Accounting API v3 adapter implementing `QuickBooksPort`.

    `http` carries `base_url` (QBO_API_BASE) and the timeout; bootstrap owns and closes it.
    Transport errors, 5xx and short-Retry-After 429s are retried here, at most `attempts`
    times; everything else is raised at once as an `app.domain.faults` exception. Creates
    are safe to retry because the caller's `request_id` is replayed unchanged.
    Raises `ValueError` for caller bugs (bad realm id, request id over 50 characters).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        minor_version: int = 75,
        limiter: RealmLimiter | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        max_wait: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        throttle_wait: float = THROTTLE_DEFAULT_WAIT,
    ) -> None:
        """`throttle_wait`: how long a 429 without Retry-After holds the realm (QBO's minute,
        scaled down by tests)."""
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._http = http
        self._minor_version = minor_version
        self._limiter = limiter or NoLimiter()
        self._attempts = attempts
        self._max_wait = max_wait
        self._backoff = wait_random_exponential(multiplier=backoff, max=max_wait)
        self._sleep = sleep
        self._throttle_wait = throttle_wait

    async def find_customer(
        self, session: QboSession, *, email: str | None, display_name: str | None
    ) -> QboRef | None:
        """Match by PrimaryEmailAddr first, then by DisplayName (active customers only)."""
        for name, value in (("PrimaryEmailAddr", email), ("DisplayName", display_name)):
            if value:
                rows = await self._query(
                    session, Query("Customer", max_results=1).where(name, value)
                )
                if rows:
                    return QboRef(id=text(rows[0], "Id"), name=text(rows[0], "DisplayName"))
        return None

    async def find_item(
        self, session: QboSession, *, sku: str | None = None, name: str | None = None
    ) -> QboOption | None:
        """Match by Sku first, then by Name (active items only)."""
        for field, value in (("Sku", sku), ("Name", name)):
            if value:
                rows = await self._query(session, Query("Item", max_results=1).where(field, value))
                if rows:
                    return option("Item", rows[0])
        return None

    async def find_sales_receipt(
        self,
        session: QboSession,
        *,
        doc_number: str | None = None,
        qbo_id: str | None = None,
        entity: str = "SalesReceipt",
    ) -> QboDocument | None:
        """By document number, or by Id."""
        field, value = ("Id", qbo_id) if qbo_id is not None else ("DocNumber", doc_number)
        query = Query(entity, max_results=1).where(field, value or "")
        rows = await self._query(session, query)
        return document(rows[0]) if rows else None

    async def create_customer(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        row = await self._create(session, "Customer", payload, request_id)
        return QboRef(id=text(row, "Id"), name=text(row, "DisplayName"))

    async def create_sales_receipt(
        self,
        session: QboSession,
        payload: dict[str, Any],
        *,
        request_id: str,
        entity: str = "SalesReceipt",
    ) -> QboDocument:
        return document(await self._create(session, entity, payload, request_id))

    async def create_item(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        row = await self._create(session, "Item", payload, request_id)
        return QboRef(id=text(row, "Id"), name=text(row, "Name"))

    async def batch_create(
        self,
        session: QboSession,
        entity: str,
        payloads: list[tuple[str, dict[str, Any]]],
        *,
        request_id: str,
    ) -> dict[str, QboDocument | ExternalRejected]:
        """Create up to 30 `entity` records in one batch call; keyed by bId (≤10 chars, the
        limit Intuit sets on a bId when the batch carries a requestid; see batch.MAX_BID).

        Partial success: each item is its document or its own `ExternalRejected`. Errors
        of the call itself raise as for a single create. `request_id` (≤36 chars) and the
        bIds are resent unchanged on retries, so QBO replays rather than creates again.
        """
        body = await self._request(
            session,
            "POST",
            "batch",
            params={"requestid": request_id},
            json=batch_body(entity, payloads, request_id),
            batch=True,
        )
        bids = [bid for bid, _ in payloads]
        items = batch_items(entity, body, bids, [session.access_token])
        return {
            bid: item if isinstance(item, ExternalRejected) else document(item)
            for bid, item in items.items()
        }

    async def list_entities(
        self,
        session: QboSession,
        entity: str,
        *,
        active_only: bool = True,
        max_results: int = MAX_RESULTS,
    ) -> list[QboOption]:
        """Customer, Item, Account or TaxCode records for dropdowns, paged up to max_results."""
        query = Query(entity, include_inactive=not active_only)
        options: list[QboOption] = []
        while len(options) < max_results:
            size = min(MAX_RESULTS, max_results - len(options))
            rows = await self._query(session, query.page(len(options) + 1, size))
            options.extend(option(entity, row) for row in rows)
            if len(rows) < size:
                break
        return options

    async def tax_prefs(self, session: QboSession) -> CompanyTaxPrefs:
        """`Preferences.TaxPrefs`: a company on automated sales tax carries
        `PartnerTaxEnabled` (true or false); an older, manual-tax company leaves it out."""
        tax = await self._preferences(session, "TaxPrefs")
        partner = tax.get("PartnerTaxEnabled")
        return CompanyTaxPrefs(
            automated_sales_tax=partner is not None,
            using_sales_tax=tax.get("UsingSalesTax") is True or partner is True,
        )

    async def company_profile(self, session: QboSession, *, fresh: bool = False) -> CompanyProfile:
        """CompanyInfo.Country and Preferences.CurrencyPrefs; a company that states no
        country is a US one (the API's default edition)."""
        info = await self._request(session, "GET", f"companyinfo/{session.realm_id}", params={})
        company = info.get("CompanyInfo")
        country = text(company, "Country") if isinstance(company, dict) else ""
        currency = await self.currency_prefs(session)
        return CompanyProfile(country or "US", currency.home_currency, currency.multicurrency)

    async def tax_code_rates(self, session: QboSession) -> dict[str, tuple[QboTaxRate, ...]]:
        rates = {
            text(row, "Id"): QboTaxRate(
                text(row, "Id"), text(row, "Name"), Decimal(str(row.get("RateValue", 0)))
            )
            for row in await self._query(session, Query("TaxRate", max_results=1000))
        }
        codes: dict[str, tuple[QboTaxRate, ...]] = {}
        for row in await self._query(session, Query("TaxCode", max_results=1000)):
            listed = (row.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
            refs = [ref_value(d, "TaxRateRef") for d in listed if isinstance(d, dict)]
            codes[text(row, "Id")] = tuple(rates[r] for r in refs if r in rates)
        return codes

    async def currency_prefs(self, session: QboSession) -> CompanyCurrencyPrefs:
        """`Preferences.CurrencyPrefs`: `HomeCurrency.value` (e.g. "USD") and
        `MultiCurrencyEnabled`."""
        currency = await self._preferences(session, "CurrencyPrefs")
        home = currency.get("HomeCurrency")
        code = home.get("value") if isinstance(home, dict) else None
        if not isinstance(code, str) or not code:
            raise ExternalUnavailable("QBO returned no home currency in its answer", status=200)
        return CompanyCurrencyPrefs(code.upper(), currency.get("MultiCurrencyEnabled") is True)

    async def _preferences(self, session: QboSession, section: str) -> Json:
        body = await self._request(session, "GET", "preferences", params={})
        prefs = body.get("Preferences")
        if not isinstance(prefs, dict):
            raise ExternalUnavailable("QBO returned no Preferences in its answer", status=200)
        found = prefs.get(section)
        return found if isinstance(found, dict) else {}

    async def company_id(self, session: QboSession) -> str:
        path = f"companyinfo/{session.realm_id}"
        body = await self._request(session, "GET", path, params={})
        info = body.get("CompanyInfo")
        return text(info, "Id") if isinstance(info, dict) else ""

    async def _query(self, session: QboSession, query: Query) -> list[Json]:
        body = await self._request(session, "GET", "query", params={"query": query.render()})
        found = body.get("QueryResponse")
        rows = found.get(query.entity, []) if isinstance(found, dict) else None
        if not isinstance(rows, list):
            raise ExternalUnavailable("QBO returned a malformed query response", status=200)
        return [row for row in rows if isinstance(row, dict)]

    async def _create(
        self, session: QboSession, entity: str, payload: Json, request_id: str
    ) -> Json:
        if not request_id or len(request_id) > MAX_REQUEST_ID:
            raise ValueError(f"request_id must be 1..{MAX_REQUEST_ID} characters")
        body = await self._request(
            session, "POST", entity.lower(), params={"requestid": request_id}, json=payload
        )
        row = body.get(entity)
        if not isinstance(row, dict) or not row.get("Id"):
            raise ExternalUnavailable(f"QBO returned no {entity} in its answer", status=200)
        return row

    async def _request(
        self,
        session: QboSession,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        json: Json | None = None,
        batch: bool = False,
    ) -> Json:
        if not _REALM.match(session.realm_id):
            raise ValueError("realm_id is not a QBO company id")
        url = f"/v3/company/{session.realm_id}/{path}"
        params = {**params, "minorversion": str(self._minor_version)}
        headers = {"Accept": "application/json", "Authorization": f"Bearer {session.access_token}"}
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception(self._should_retry),
            sleep=self._sleep,
            reraise=True,
        )
        # Every attempt sends the same params and body: a retry reuses requestid and bIds.
        return await retrying(
            self._send, session.realm_id, method, url, params, headers, json, batch=batch
        )

    async def _send(
        self,
        realm_id: str,
        method: str,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        json: Json | None,
        batch: bool = False,  # a /batch call: QBO also counts it against 40 batches/min
    ) -> Json:
        # The slot is held while the request is in flight, until httpx has read the whole
        # answer (not streamed), and not while we parse; leaving it stamps the request in the
        # limiter's windows. After a timeout the write may have committed: the retry replays
        # the same requestid.
        async with self._limiter.slot(realm_id, batch=batch):
            request = self._http.request(method, url, params=params, headers=headers, json=json)
            response = await send(request, "QBO")
        error = error_for_response(response, throttle_wait=self._throttle_wait)
        if isinstance(error, ExternalRateLimited):
            # Our windows missed (another app on the realm, QBO's own view): hold the realm
            # back for the window, or every worker would walk into the same 429.
            wait = self._throttle_wait if error.retry_after is None else error.retry_after
            await self._limiter.penalize(realm_id, wait)
        if error is not None:
            raise error
        return json_object(response, "QBO")

    def _should_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, ExternalUnavailable):
            return False
        if isinstance(exc, ExternalRateLimited):
            return exc.retry_after is not None and exc.retry_after <= self._max_wait
        # 4xx "try again in a few minutes" and odd 2xx bodies are the job layer's to defer.
        if exc.status is not None and exc.status < 500:
            return False
        return exc.retry_after is None or exc.retry_after <= self._max_wait

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ExternalUnavailable) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

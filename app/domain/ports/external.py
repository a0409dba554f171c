"""The ports to the world outside: QuickBooks, Shopify, the job queue, the webhook inbox, the
QBO limiter, the token cipher and the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from app.domain.config import TaxMode
from app.domain.entities import NewDelivery, Stored


@dataclass(frozen=True)
class QboRef:
    """A QBO name-list record reduced to what a mapping needs."""

    id: str
    name: str


@dataclass(frozen=True)
class QboOption(QboRef):
    """A name-list record offered in a dropdown; `kind` is AccountType or Item Type."""

    active: bool = True
    kind: str | None = None
    sku: str | None = None  # items only
    account_id: str | None = None  # items: IncomeAccountRef
    currency: str | None = None  # customers: CurrencyRef (fixed once set)


@dataclass(frozen=True)
class QboDocument:
    """A QBO transaction we created or found."""

    id: str
    doc_number: str | None
    total: str | None
    customer_id: str | None
    txn_date: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class CompanyTaxPrefs:
    """How the QBO company handles sales tax, from `Preferences.TaxPrefs`.

    Intuit: `PartnerTaxEnabled` is present only in companies on automated sales tax (AST),
    true once their sales tax is set up, false before; `UsingSalesTax` is the older switch.
    """

    automated_sales_tax: bool
    using_sales_tax: bool

    @property
    def tax_mode(self) -> TaxMode:
        """The mode LedgerPort books the company's tax in unless the shop chose one."""
        if self.automated_sales_tax:
            return TaxMode.automated_sales_tax
        return TaxMode.line_item


@dataclass(frozen=True)
class CompanyProfile:
    """What the books of a QBO company are kept in: CompanyInfo.Country and
    Preferences.CurrencyPrefs (HomeCurrency, MultiCurrencyEnabled)."""

    country: str
    home_currency: str
    multicurrency: bool


@dataclass(frozen=True)
class CompanyCurrencyPrefs:
    """The QBO company's currencies, from `Preferences.CurrencyPrefs`: the home currency its
    books are kept in, and whether it may also hold others (multicurrency)."""

    home_currency: str
    multicurrency: bool


@dataclass(frozen=True)
class QboTaxRate:
    """A rate of a QBO tax code: TaxRate.Id and RateValue (a percentage)."""

    id: str
    name: str
    percent: Decimal


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None


@dataclass(frozen=True)
class QboSession:
    """What every QBO call needs: the company (realm) and a live access token."""

    realm_id: str
    access_token: str


class QuickBooksPort(Protocol):
    """The QBO Accounting API v3 as the sync needs it.

    Raises only app.domain.faults exceptions.
    """

    async def find_customer(
        self, session: QboSession, *, email: str | None, display_name: str | None
    ) -> QboRef | None: ...

    async def find_item(
        self, session: QboSession, *, sku: str | None = None, name: str | None = None
    ) -> QboOption | None:
        """The active item with this Sku, else with this Name; with its Type and Sku."""
        ...

    async def create_item(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef: ...

    async def create_customer(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef: ...

    async def find_sales_receipt(
        self,
        session: QboSession,
        *,
        doc_number: str | None = None,
        qbo_id: str | None = None,
        entity: str = "SalesReceipt",
    ) -> QboDocument | None:
        """A sales document (`entity`: SalesReceipt, Invoice, Payment) by number, or by Id."""
        ...

    async def create_sales_receipt(
        self,
        session: QboSession,
        payload: dict[str, Any],
        *,
        request_id: str,
        entity: str = "SalesReceipt",
    ) -> QboDocument:
        """Creates a sales document (`entity`: SalesReceipt, Invoice, Payment)."""
        ...

    async def list_entities(
        self, session: QboSession, entity: str, *, active_only: bool = True, max_results: int = 1000
    ) -> list[QboOption]: ...

    async def tax_prefs(self, session: QboSession) -> CompanyTaxPrefs:
        """The company's sales-tax preferences (GET /preferences)."""
        ...

    async def company_profile(self, session: QboSession, *, fresh: bool = False) -> CompanyProfile:
        """The company's country, home currency and whether multicurrency is on; `fresh`
        reads QBO even where a copy is kept."""
        ...

    async def tax_code_rates(self, session: QboSession) -> dict[str, tuple[QboTaxRate, ...]]:
        """Each sales tax code's rates (TaxCode.SalesTaxRateList with each TaxRate's value)."""
        ...

    async def currency_prefs(self, session: QboSession) -> CompanyCurrencyPrefs:
        """The company's home currency and multicurrency switch (GET /preferences)."""
        ...

    async def company_id(self, session: QboSession) -> str:
        """The Id of the company the token reads (GET /companyinfo/{realmId}). Raises
        `ExternalAuthExpired` when the token is not the realm's."""
        ...


class QboOAuthPort(Protocol):
    """Intuit's OAuth 2.0 token endpoint."""

    async def exchange_code(self, code: str, redirect_uri: str) -> TokenSet: ...

    async def refresh(self, refresh_token: str) -> TokenSet: ...

    def authorize_url(
        self, state: str, redirect_uri: str, scope: str = "com.intuit.quickbooks.accounting"
    ) -> str: ...

    async def revoke(self, token: str) -> None: ...


class JobQueue(Protocol):
    """Where work goes after the commit. Job ids de-duplicate."""

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None: ...


class ReferenceData(Protocol):
    """QBO name lists (accounts, items, tax codes…) for dropdowns, cached per company."""

    async def options(
        self, session: QboSession, entity: str, *, refresh: bool = False
    ) -> list[QboOption]: ...


class RateLimiter(Protocol):
    """QBO's per-company ceilings, shared by every worker that calls it."""

    def slot(self, realm_id: str, *, batch: bool = False) -> AbstractAsyncContextManager[None]: ...

    async def penalize(self, realm_id: str, seconds: float) -> None: ...


class ShopifyOAuthPort(Protocol):
    """Shopify's install flow: signed queries, the consent page and the token endpoint."""

    def valid_shop_domain(self, shop: str) -> bool: ...

    def verify_query_hmac(self, params: Mapping[str, str]) -> bool: ...

    def authorize_url(self, shop: str, scopes: str, redirect_uri: str, state: str) -> str: ...

    async def exchange_code(self, shop: str, code: str) -> TokenSet: ...

    async def refresh(self, shop: str, refresh_token: str) -> TokenSet: ...


class ShopifyOrdersPort(Protocol):
    """Orders read through the Admin API, as REST-shaped payloads."""

    def orders_updated_between(
        self, shop: str, token: str, since: datetime, until: datetime, page_size: int = 100
    ) -> AsyncIterator[dict[str, Any]]: ...

    def bulk_orders(
        self, shop: str, token: str, since: datetime, until: datetime
    ) -> AsyncIterator[dict[str, Any]]: ...

    async def order_transactions(
        self, shop: str, token: str, order_id: str | int
    ) -> list[dict[str, Any]]:
        """The order's transactions as the GraphQL Admin API gives them (id, kind, status,
        gateway, amountSet), oldest first; none for an order Shopify does not know."""
        ...

    async def shop_currency(self, shop: str, token: str) -> str:
        """The currency the shop sells in (`shop { currencyCode }`), e.g. "USD"."""
        ...


class Cipher(Protocol):
    """Tokens at rest and sealed OAuth states. `decrypt` and `unseal` raise ValueError for
    what this key did not produce (or, for `unseal`, produced more than `max_age_s` ago)."""

    def encrypt(self, plaintext: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes) -> str: ...

    def seal(self, plaintext: str, *, now: float | None = None) -> str: ...

    def unseal(self, token: str, *, max_age_s: int, now: float | None = None) -> str: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


WebhookVerifier = Callable[[bytes, str | None], bool]  # (raw body, HMAC header) -> authentic


class Inbox(Protocol):
    """Stores webhook deliveries durably before they are acknowledged."""

    async def add(self, delivery: NewDelivery) -> int | None:
        """The new delivery's id once committed; None when nothing was stored (the shop is not
        installed, or the same (shop, topic, event id) is already in). Raises
        InboxUnavailable when the database cannot take it now."""
        ...

    async def queue_stored(self, stored: list[Stored]) -> None:
        """Queues the processing of deliveries already committed."""
        ...

    async def drain(self) -> None:
        """Waits until every delivery handed over is written, answered and queued."""
        ...

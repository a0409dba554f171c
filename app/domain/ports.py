"""The ports the core needs: storage (a unit of work over one repository per aggregate),
QuickBooks and Shopify, the job queue, the webhook inbox, the QBO limiter, the token cipher
and the clock. Adapters implement them; services are typed against them only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from app.domain.entities import (
    ApiKey,
    AuditEntry,
    AuditFilter,
    Connection,
    Delivery,
    NewDelivery,
    OrderState,
    PrivacyRequest,
    Shop,
    Stored,
    StoredOrder,
    SyncRecord,
    SyncRun,
)
from app.domain.entities import Mapping as MappingEntry


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
    ) -> QboRef | None: ...

    async def create_customer(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef: ...

    async def find_sales_receipt(
        self, session: QboSession, *, doc_number: str
    ) -> QboDocument | None: ...

    async def create_sales_receipt(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboDocument: ...

    async def list_entities(
        self, session: QboSession, entity: str, *, active_only: bool = True, max_results: int = 1000
    ) -> list[QboOption]: ...


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


class Cipher(Protocol):
    """Tokens at rest and sealed OAuth states. `decrypt` and `unseal` raise ValueError for
    what this key did not produce (or, for `unseal`, produced more than `max_age_s` ago)."""

    def encrypt(self, plaintext: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes) -> str: ...

    def seal(self, plaintext: str) -> str: ...

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


# Storage. Reads return entities; `save` writes back the fields a service changed.


class ShopRepository(Protocol):
    async def get(self, shop_id: int) -> Shop | None: ...

    async def get_by_domain(self, domain: str) -> Shop | None: ...

    async def add(self, domain: str, name: str, plan: str = "free") -> Shop: ...

    async def save(self, shop: Shop) -> None: ...

    async def erase(self, shop_id: int, domain: str) -> None:
        """Deletes the shop and every row of it, its inbox deliveries included."""
        ...


class ApiKeyRepository(Protocol):
    async def add(self, shop_id: int | None, key_hash: str, prefix: str, label: str) -> ApiKey: ...

    async def find_active(self, key_hash: str) -> ApiKey | None: ...


class InboxRepository(Protocol):
    async def get(self, delivery_id: int) -> Delivery | None: ...

    async def claim(self, delivery_id: int) -> Delivery | None:
        """The delivery, held by this unit of work until it ends; None when it is gone or
        another worker holds it."""
        ...

    async def save(self, delivery: Delivery) -> None: ...

    async def delete_handled_before(self, cutoff: datetime) -> int:
        """Deletes deliveries done with (processed, ignored, failed) received before `cutoff`."""
        ...

    async def unprocessed_before(self, cutoff: datetime, limit: int) -> list[int]:
        """Ids of deliveries still `received` since before `cutoff`, oldest first."""
        ...

    async def unprocessed_id(self, shop_domain: str, topic: str, event_id: str) -> int | None: ...


class OrderRepository(Protocol):
    async def get(self, shop_id: int, shopify_id: str) -> StoredOrder | None: ...

    async def upsert(
        self, shop_id: int, shopify_id: str, state: OrderState, payload: dict[str, Any]
    ) -> tuple[StoredOrder, bool]:
        """Keeps the newest payload; a stale or repeated one changes nothing (False)."""
        ...

    async def of_customer(
        self, shop_id: int, customer_id: str, shopify_ids: Sequence[str]
    ) -> list[StoredOrder]:
        """The customer's orders, and those of `shopify_ids` whoever placed them."""
        ...

    async def save_payload(self, order: StoredOrder) -> None: ...


class SyncRecordRepository(Protocol):
    async def get(self, shop_id: int, entity: str, shopify_id: str) -> SyncRecord | None: ...

    async def get_or_create(
        self, shop_id: int, entity: str, shopify_id: str, *, label: str, status: str
    ) -> SyncRecord: ...

    async def of_ids(
        self, shop_id: int, entity: str, shopify_ids: Sequence[str]
    ) -> list[SyncRecord]: ...

    async def with_error(self, shop_id: int, error_code: str) -> list[SyncRecord]: ...

    async def acquire_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Takes the record's lease when free, expired or already `owner`'s."""
        ...

    async def remember_request(
        self, record_id: int, request_id: str, payload_hash: str
    ) -> None: ...

    async def save(self, record: SyncRecord) -> None: ...


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> AuditEntry:
        """The entry as stored, with its id and time."""
        ...

    async def get(self, shop_id: int, entry_id: int) -> AuditEntry | None: ...

    async def list(self, shop_id: int, where: AuditFilter, limit: int) -> list[AuditEntry]:
        """Newest first."""
        ...

    async def count_by_status(self, shop_id: int, run_id: str) -> dict[str, int]: ...


class MappingRepository(Protocol):
    async def as_dict(self, shop_id: int, kind: str) -> dict[str, str]:
        """source key -> QBO id, for one kind."""
        ...

    async def get(self, shop_id: int, kind: str, source_key: str) -> MappingEntry | None: ...

    async def put(self, mapping: MappingEntry) -> None:
        """Adds the mapping, or replaces the one for its (shop, kind, source key)."""
        ...


class ConfigRepository(Protocol):
    async def get(self, shop_id: int) -> dict[str, Any]: ...

    async def save(self, shop_id: int, data: dict[str, Any]) -> None: ...


class ConnectionRepository(Protocol):
    async def get(
        self, shop_id: int, provider: str, *, for_update: bool = False
    ) -> Connection | None:
        """With `for_update`, other units of work wait for this one to end before reading it."""
        ...

    async def get_or_create(self, shop_id: int, provider: str) -> Connection: ...

    async def healthy_shop_ids(self, provider: str) -> list[int]: ...

    async def save(self, connection: Connection) -> None: ...


class RunRepository(Protocol):
    async def add(self, run: SyncRun) -> None: ...

    async def get(self, shop_id: int, run_id: str) -> SyncRun | None: ...

    async def last_done(self, shop_id: int, kind: str) -> SyncRun | None: ...

    async def save(self, run: SyncRun) -> None: ...


class PrivacyRepository(Protocol):
    async def add(self, request: PrivacyRequest) -> None: ...

    async def scrub(
        self, shop_id: int, shop_domain: str, needles: set[str], clean: Callable[[Any], Any]
    ) -> int:
        """Applies `clean` to the free-text and JSON values of every row of the shop (inbox
        bodies, order payloads, audit entries, records, mapping labels, privacy reports) that
        contains one of `needles`, case-insensitively. Returns how many rows changed."""
        ...


class UnitOfWork(Protocol):
    """One transaction: `async with uow:` ... `await uow.commit()`; leaving without a commit
    rolls back. Jobs asked for with `enqueue_after_commit` go out only after the commit."""

    shops: ShopRepository
    api_keys: ApiKeyRepository
    inbox: InboxRepository
    orders: OrderRepository
    records: SyncRecordRepository
    audit: AuditRepository
    mappings: MappingRepository
    configs: ConfigRepository
    connections: ConnectionRepository
    runs: RunRepository
    privacy: PrivacyRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def enqueue_after_commit(self, function: str, *args: Any, job_id: str) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]

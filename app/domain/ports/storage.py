"""Storage: a unit of work over one repository per aggregate. Reads return entities; `save`
writes back the fields a service changed."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from app.domain.entities import (
    ApiKey,
    AuditEntry,
    AuditFilter,
    Connection,
    Delivery,
    OrderState,
    PrivacyRequest,
    RecordFilter,
    Shop,
    Source,
    StoredOrder,
    SyncRecord,
    SyncRun,
)
from app.domain.entities import Mapping as MappingEntry
from app.domain.ports.oauth_states import OAuthStateRepository
from app.domain.privacy import ReceivedPrivacyRequest


class ShopRepository(Protocol):
    async def get(self, shop_id: int) -> Shop | None: ...

    async def get_by_domain(self, domain: str) -> Shop | None: ...

    async def all(self) -> list[Shop]:
        """Every shop, by domain."""
        ...

    async def add(self, domain: str, name: str, plan: str = "free") -> Shop: ...

    async def save(self, shop: Shop) -> None: ...

    async def erase(self, shop_id: int, domain: str) -> None:
        """Deletes the shop and every row of it, its inbox deliveries included."""
        ...


class ApiKeyRepository(Protocol):
    async def add(self, shop_id: int | None, key_hash: str, prefix: str, label: str) -> ApiKey: ...

    async def find_active(self, key_hash: str) -> ApiKey | None: ...

    async def revoke_for_shop(self, shop_id: int, now: datetime) -> int:
        """Revokes the shop's active keys at `now`; returns how many. Operator keys belong to
        no shop and are never touched."""
        ...


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

    async def unprocessed_for_shop(
        self, shop_domain: str, topics: Collection[str], limit: int
    ) -> list[Delivery]:
        """The shop's deliveries on one of `topics` still `received`, newest (highest id) first."""
        ...

    async def list_for_shop(
        self, shop_domain: str, status: str | None, before_id: int | None, limit: int
    ) -> list[Delivery]:
        """The shop's deliveries (in `status`, when given) with ids below `before_id`, newest
        first."""
        ...


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

    async def status_counts(self, shop_id: int) -> dict[str, int]:
        """How many of the shop's records are in each status (statuses with none left out)."""
        ...

    async def acquire_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Takes the record's lease when free, expired or already `owner`'s."""
        ...

    async def renew_lease(self, record_id: int, owner: str, until: datetime) -> bool:
        """Moves the end of `owner`'s lease to `until`; False when `owner` no longer holds it."""
        ...

    async def due_orders(self, now: datetime, after_id: int, limit: int) -> list[SyncRecord]:
        """Order records with an id above `after_id`, by id, that wait for a job: pending, or
        due (`next_attempt_at` passed, neither synced nor resolved); not leased at `now`; of
        shops installed whose QuickBooks connection is healthy (not paused)."""
        ...

    async def remember_request(
        self, record_id: int, request_id: str, payload_hash: str
    ) -> None: ...

    async def save(self, record: SyncRecord) -> None: ...

    async def set_blockers(self, record: SyncRecord, keys: Collection[str]) -> None:
        """Replaces what the record waits for (see app/domain/healing.py)."""
        ...

    async def blocked_by(self, shop_id: int, keys: Collection[str]) -> list[SyncRecord]:
        """The shop's records in error or on hold that wait for one of `keys`, oldest first."""
        ...

    async def search(
        self, shop_id: int, where: RecordFilter, before_id: int | None, limit: int
    ) -> list[SyncRecord]:
        """The shop's records `where` admits (app.domain.records.admits), newest (highest id)
        first, only those with an id below `before_id` when it is given."""
        ...


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

    async def delete(self, shop_id: int, kind: str, source_key: str) -> bool:
        """Removes the mapping; False when there was none."""
        ...

    async def clear(self, shop_id: int) -> int:
        """Removes every mapping of the shop, of every kind; how many there were."""
        ...


class SourceRepository(Protocol):
    """What the shop's orders have shown us that can be mapped."""

    async def seen(self, source: Source) -> None:
        """Adds the source, or refreshes its label, detail and time."""
        ...

    async def get(self, shop_id: int, kind: str, source_key: str) -> Source | None: ...

    async def list(
        self,
        shop_id: int,
        kind: str,
        *,
        state: str | None = None,
        search: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Source]:
        """By source key, with each source's mapping; `state` "mapped" or "unmapped"; `search`
        in the key or label, case-insensitively; `after` a source key (the cursor)."""
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

    async def list(self, shop_id: int, limit: int) -> list[ReceivedPrivacyRequest]:
        """The shop's requests, newest first."""
        ...

    async def get(self, shop_id: int, request_id: int) -> ReceivedPrivacyRequest | None: ...

    async def scrub(
        self, shop_id: int, shop_domain: str, needles: set[str], clean: Callable[[Any], Any]
    ) -> int:
        """Applies `clean` to the free-text and JSON values of every row of the shop (inbox
        bodies, order payloads, audit entries, records, mapping labels and QBO names, source
        labels and details, privacy reports) that contains one of `needles`,
        case-insensitively. Returns how many rows changed."""
        ...


class UnitOfWork(Protocol):
    """One transaction: `async with uow:` ... `await uow.commit()`; leaving without a commit
    rolls back. Jobs asked for with `enqueue_after_commit` go out only after the commit."""

    @property
    def shops(self) -> ShopRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def records(self) -> SyncRecordRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def mappings(self) -> MappingRepository: ...

    @property
    def configs(self) -> ConfigRepository: ...

    @property
    def connections(self) -> ConnectionRepository: ...

    @property
    def runs(self) -> RunRepository: ...

    @property
    def privacy(self) -> PrivacyRepository: ...

    @property
    def sources(self) -> SourceRepository: ...

    @property
    def oauth_states(self) -> OAuthStateRepository: ...

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

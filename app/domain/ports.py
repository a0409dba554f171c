"""The ports the core needs. Adapters implement them; tests use the sandbox fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


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

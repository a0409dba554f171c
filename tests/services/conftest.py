"""Service tests over the fakes: the in-memory unit of work, a recording queue, a clock that
stands still, and the QBO sandbox in process (ASGI, no socket). No database, no network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from app.adapters.crypto import TokenCipher
from app.adapters.quickbooks.cache import CachingQuickBooks, ReferenceCache
from app.adapters.quickbooks.client import QuickBooksClient
from app.adapters.quickbooks.limiter import InProcessLimiter, LimitConfig
from app.adapters.quickbooks.oauth import QboOAuthClient
from app.domain.entities import QUICKBOOKS, AuditEntry, AuditFilter, Connection, SyncRecord
from app.domain.models import Actor, Entity
from app.services.connections import RefreshLocks, TokenKeeper
from app.services.orders import store_order
from app.services.shops import (
    Installed,
    connect_quickbooks,
    install_shop,
    map_product,
    map_tax_rate,
)
from app.services.sync_order import SyncDeps
from ledgerport_sandbox.qbo import QboSandbox
from tests.fakes import (
    FakeClock,
    FakeDatabase,
    FakeUnitOfWork,
    RecordingQueue,
    unit_of_work_factory,
)
from tests.harness import FIXTURE_TAX, FIXTURE_TAX_CODE, DeadlineTransport, order_fixture

REALM = "9130350000000001"
SHOP = "northwind.myshopify.com"
QBO = "http://qbo.test"
REDIRECT = "https://ledgerport.test/v1/quickbooks/callback"
SKU, ITEM = "TEE-ORG-HG-M", "Organic Cotton Tee"
DEADLINE_S = 0.05  # what a hung QBO costs a test: the client gives up after this

# QBO's minute after a 429, scaled down (as QBO_LIMIT_MINUTE_SECONDS is elsewhere) and
# longer than the client's own retry wait, so a throttled create ends its job as in production.
THROTTLE_WAIT_S = 0.5


async def no_sleep(_: float) -> None:
    """The client's backoff between seconds-scale retries, skipped."""


@dataclass
class ShopCurrency:
    """The currency Shopify says the shop sells in; None: Shopify cannot tell now."""

    code: str | None = "USD"

    async def currency(self, shop_id: int) -> str | None:
        return self.code


@dataclass
class World:
    """LedgerPort's core over the fakes, and the QBO sandbox it talks to."""

    db: FakeDatabase
    queue: RecordingQueue
    clock: FakeClock
    qbo: QboSandbox
    cipher: TokenCipher
    oauth: QboOAuthClient
    client: QuickBooksClient
    tokens: TokenKeeper
    deps: SyncDeps
    shop_currency: ShopCurrency

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db, self.queue)

    async def install(self, *, map_tax: bool = True) -> Installed:
        """A shop with a healthy QBO connection to REALM (on line-item tax, as the sandbox
        company is) and, unless `map_tax` is False, the sample orders' tax rate mapped."""
        installed = await install_shop(self.uow(), SHOP, "Northwind Outfitters")
        await self.connect(installed.shop_id)
        if map_tax:
            await self.map_tax(installed.shop_id, *FIXTURE_TAX, self.tax_code(FIXTURE_TAX_CODE))
        return installed

    async def connect(self, shop_id: int) -> None:
        issued = self.qbo.issue_tokens(REALM)
        tokens = await self.oauth.refresh(issued["refresh_token"])
        await connect_quickbooks(self.uow(), self.cipher, shop_id, REALM, tokens, qbo=self.client)

    async def map_tax(self, shop_id: int, title: str, rate: str, code_id: str) -> None:
        await map_tax_rate(self.uow(), shop_id, title, rate, code_id)

    def tax_code(self, name: str) -> str:
        """The id of the company's tax code called `name`."""
        return str(next(c["Id"] for c in self.qbo.documents(REALM, "TaxCode") if c["Name"] == name))

    async def config(self, shop_id: int) -> dict[str, Any]:
        async with self.uow() as uow:
            return await uow.configs.get(shop_id)

    async def ready(self) -> Installed:
        """Installed, with the fixture's product and tax rate mapped and its buyer in QBO."""
        installed = await self.install()
        self.add_customer("Maya Okafor", "maya.okafor@example.com")
        await self.map_sku(installed.shop_id, SKU, ITEM)
        return installed

    async def map_sku(self, shop_id: int, sku: str, name: str) -> str:
        item = self.qbo.add(REALM, "Item", {"Name": name, "Sku": sku, "Type": "NonInventory"})
        await map_product(self.uow(), shop_id, f"sku:{sku}", str(item["Id"]), sku)
        return str(item["Id"])

    def add_customer(self, name: str, email: str) -> str:
        customer = {"DisplayName": name, "PrimaryEmailAddr": {"Address": email}}
        return str(self.qbo.add(REALM, "Customer", customer)["Id"])

    async def receive(self, shop_id: int, payload: dict[str, Any]) -> str:
        """The order as a webhook stores it; returns its Shopify id."""
        async with self.uow() as uow:
            await store_order(uow, shop_id, payload, Actor.webhook)
            await uow.commit()
        return str(payload["id"])

    async def record(self, shop_id: int, shopify_id: str) -> SyncRecord:
        async with self.uow() as uow:
            record = await uow.records.get(shop_id, Entity.order, shopify_id)
        assert record is not None
        return record

    async def audit(self, shop_id: int) -> list[AuditEntry]:
        async with self.uow() as uow:
            return list(reversed(await uow.audit.list(shop_id, AuditFilter(), 100)))

    async def connection(self, shop_id: int) -> Connection:
        async with self.uow() as uow:
            connection = await uow.connections.get(shop_id, QUICKBOOKS)
        assert connection is not None
        return connection

    async def expire_access_token(self, shop_id: int) -> None:
        """The stored access token looks expired: the next QBO call refreshes it first."""
        async with self.uow() as uow:
            connection = await uow.connections.get(shop_id, QUICKBOOKS)
            assert connection is not None
            connection.access_expires_at = self.clock()
            await uow.connections.save(connection)
            await uow.commit()

    def receipts(self) -> list[dict[str, Any]]:
        return self.qbo.documents(REALM, "SalesReceipt")

    def token_requests(self) -> int:
        return sum(1 for r in self.qbo.requests if r.path.endswith("/tokens/bearer"))


async def build(qbo: QboSandbox | None = None) -> AsyncIterator[World]:
    qbo = qbo or QboSandbox(seed_realms=[REALM], redirect_uris=[REDIRECT])
    # From the wall clock: Fernet seals OAuth states at the wall clock's time.
    clock, cipher = FakeClock(datetime.now(UTC)), TokenCipher(Fernet.generate_key())
    transport = DeadlineTransport(httpx.ASGITransport(app=qbo.app), DEADLINE_S)
    api = httpx.AsyncClient(base_url=QBO, transport=transport)
    auth = httpx.AsyncClient(transport=transport)
    oauth = QboOAuthClient(
        auth,
        token_url=f"{QBO}/oauth2/v1/tokens/bearer",
        revoke_url=f"{QBO}/v2/oauth2/tokens/revoke",
        auth_url=f"{QBO}/connect/oauth2",
        client_id="sandbox-client-id",
        client_secret="sandbox-client-secret",
        clock=clock,
    )
    db, queue = FakeDatabase(clock), RecordingQueue()
    # As bootstrap wires it: QBO's per-realm limits kept by the client's limiter.
    limiter = InProcessLimiter(LimitConfig())
    client = QuickBooksClient(
        api, sleep=no_sleep, limiter=limiter, throttle_wait=THROTTLE_WAIT_S, max_wait=0.1
    )
    uow = unit_of_work_factory(db, queue)
    tokens = TokenKeeper(uow, oauth, cipher, clock, RefreshLocks())
    # As bootstrap wires it: the company profile and lists are kept per realm, not re-read.
    deps = SyncDeps(
        uow, CachingQuickBooks(client, ReferenceCache(client)), tokens, clock, "worker-1"
    )
    try:
        yield World(db, queue, clock, qbo, cipher, oauth, client, tokens, deps, ShopCurrency())
    finally:
        await api.aclose()
        await auth.aclose()


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async for each in build():
        yield each


def paid_order() -> dict[str, Any]:
    return order_fixture()

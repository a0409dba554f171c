"""A LedgerPort wired to a real database and the in-process sandbox fakes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from app.adapters.queue.inprocess import InProcessQueue
from app.api.main import create_app
from app.bootstrap import Container, bootstrap
from app.domain.ports import JobQueue, TokenSet
from app.services.connections import store_tokens
from app.services.shops import (
    Installed,
    connect_quickbooks,
    install_shop,
    map_product,
    map_tax_rate,
)
from app.settings import Settings
from app.workers.jobs import bound_jobs
from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.shopify import ShopifySandbox
from tests.conftest import truncate_all

FIXTURES = Path(__file__).parent / "fixtures"
REALM = "9130350000000001"
SHOP = "northwind.myshopify.com"
QBO = "http://qbo.test"
API = "http://api.test"
SHOPIFY_SECRET = "test-shopify-secret"
# The Shopify tax rate of the sample orders 01, 04 and 06, and the QBO tax code (seeded in
# every sandbox company) it maps to.
FIXTURE_TAX = ("Kentucky State Tax", "0.06")
FIXTURE_TAX_CODE = "Kentucky"


class DeadlineTransport(httpx.AsyncBaseTransport):
    """ASGITransport ignores timeouts; a real socket would not wait for a hung server."""

    def __init__(self, inner: httpx.AsyncBaseTransport, seconds: float) -> None:
        self.inner, self.seconds = inner, seconds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await asyncio.wait_for(self.inner.handle_async_request(request), self.seconds)
        except TimeoutError:
            raise httpx.ReadTimeout("no answer in time", request=request) from None


class SlowTokenEndpoint(httpx.AsyncBaseTransport):
    """A token endpoint (the path ending in `path_end`) that takes its time, so that two
    refreshes would overlap."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path_end: str) -> None:
        self.inner, self.path_end = inner, path_end

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.path_end):
            await asyncio.sleep(0.3)
        return await self.inner.handle_async_request(request)


def add_tax_code(qbo: QboSandbox, realm: str, name: str, percent: str) -> str:
    """A sales tax code of one rate, as a person sets it up in a manual-tax company; its id."""
    rate = qbo.add(
        realm, "TaxRate", {"Name": name, "RateValue": float(percent), "AgencyRef": {"value": "1"}}
    )
    detail = {
        "TaxRateRef": {"value": rate["Id"], "name": name},
        "TaxTypeApplicable": "TaxOnAmount",
        "TaxOrder": 0,
    }
    code = {
        "Name": name,
        "Description": name,
        "Taxable": True,
        "TaxGroup": True,
        "SalesTaxRateList": {"TaxRateDetail": [detail]},
        "PurchaseTaxRateList": {"TaxRateDetail": []},
    }
    return str(qbo.add(realm, "TaxCode", code)["Id"])


async def delete_in_qbo(qbo: QboSandbox, entity: str, record_id: str, realm: str = REALM) -> None:
    """As a person deleting a transaction in QuickBooks (QBO's own `operation=delete`)."""
    token = qbo.issue_tokens(realm)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=qbo.app)
    async with httpx.AsyncClient(transport=transport, base_url=QBO, headers=headers) as http:
        path = f"/v3/company/{realm}/{entity.lower()}"
        current = (await http.get(f"{path}/{record_id}")).json()[entity]
        body = {"Id": record_id, "SyncToken": current["SyncToken"]}
        answer = await http.post(path, params={"operation": "delete"}, json=body)
    assert answer.json()[entity]["status"] == "Deleted", answer.text


def creates(qbo: QboSandbox, entity: str = "SalesReceipt") -> list[str]:
    """The requestids of the creates QBO received for `entity`, in order."""
    return [
        r.query["requestid"]
        for r in qbo.requests
        if r.method == "POST"
        and r.path.endswith(f"/{entity.lower()}")
        and "operation" not in r.query
    ]


def token_refreshes(qbo: QboSandbox) -> int:
    """Calls to Intuit's token endpoint (code exchanges and refreshes)."""
    return sum(1 for r in qbo.requests if r.path.endswith("/tokens/bearer"))


def order_fixture(name: str = "01_paid_single_taxed_line") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "LEDGERPORT_SANDBOX": True,
        "QBO_API_BASE": QBO,
        "QBO_AUTH_URL": f"{QBO}/connect/oauth2",
        "QBO_TOKEN_URL": f"{QBO}/oauth2/v1/tokens/bearer",
        "QBO_REVOKE_URL": f"{QBO}/v2/oauth2/tokens/revoke",
        # The API's own origin, as a browser sees it: the nonce cookie goes back to it.
        "QBO_REDIRECT_URI": f"{API}/v1/connections/quickbooks/callback",
        "SHOPIFY_REDIRECT_URI": f"{API}/v1/shopify/callback",
        "SHOPIFY_CLIENT_SECRET": SHOPIFY_SECRET,
        "LEDGERPORT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LEDGERPORT_HTTP_TIMEOUT_S": 2.0,
        **overrides,
    }
    return Settings.model_validate(values)


@dataclass
class Harness:
    container: Container
    api: httpx.AsyncClient
    qbo: QboSandbox
    shopify: ShopifySandbox
    queue: JobQueue

    async def install(self, domain: str = SHOP, *, map_tax: bool = True) -> Installed:
        """A shop with a healthy QBO connection to REALM (on line-item tax, as the sandbox
        company is) and, unless `map_tax` is False, the sample orders' tax rate mapped."""
        installed = await install_shop(self.container.uow(), domain, "Northwind Outfitters")
        await self.connect(installed)
        if map_tax:
            await self.map_tax(installed, *FIXTURE_TAX, self.tax_code(FIXTURE_TAX_CODE))
        return installed

    async def connect(self, installed: Installed, realm: str = REALM) -> None:
        """Connects the shop to `realm` as if a person had just consented."""
        tokens = self.qbo.issue_tokens(realm)
        token_set = await self.container.oauth.refresh(tokens["refresh_token"])
        uow, cipher = self.container.uow(), self.container.cipher
        await connect_quickbooks(
            uow, cipher, installed.shop_id, realm, token_set, qbo=self.container.qbo
        )

    async def map_tax(self, installed: Installed, title: str, rate: str, code_id: str) -> None:
        """Maps a Shopify tax rate (title, rate as a fraction) to a QBO tax code."""
        await map_tax_rate(self.container.uow(), installed.shop_id, title, rate, code_id)

    def add_tax_code(self, name: str, percent: str) -> str:
        return add_tax_code(self.qbo, REALM, name, percent)

    def tax_code(self, name: str, realm: str = REALM) -> str:
        """The id of the company's tax code called `name`."""
        codes = self.qbo.documents(realm, "TaxCode")
        return str(next(code["Id"] for code in codes if code["Name"] == name))

    async def map_sku(self, installed: Installed, sku: str, name: str) -> str:
        item = self.qbo.add(REALM, "Item", {"Name": name, "Sku": sku, "Type": "NonInventory"})
        await map_product(self.container.uow(), installed.shop_id, f"sku:{sku}", item["Id"], sku)
        return str(item["Id"])

    def add_customer(self, name: str, email: str) -> str:
        record = self.qbo.add(
            REALM, "Customer", {"DisplayName": name, "PrimaryEmailAddr": {"Address": email}}
        )
        return str(record["Id"])

    async def deliver(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        topic = kw.pop("topic", "orders/create")
        shop = kw.pop("shop", SHOP)
        return await self.shopify.deliver(self.api, "/webhooks/shopify", topic, shop, payload, **kw)

    async def connect_shopify(self, installed: Installed) -> None:
        """A healthy Shopify connection holding the sandbox's standing access token."""
        far = datetime.now(UTC) + timedelta(days=365)
        tokens = TokenSet(self.shopify.access_token, "sandbox-refresh", far, far)
        async with self.container.uow() as uow:
            connection = await uow.connections.get_or_create(installed.shop_id, "shopify")
            connection.external_id = installed.domain
            store_tokens(connection, tokens, self.container.cipher)
            await uow.connections.save(connection)
            await uow.commit()

    def auth(self, installed: Installed) -> dict[str, str]:
        return {"Authorization": f"Bearer {installed.api_key}"}


class QueueDown(InProcessQueue):
    """Refuses jobs as arq does while Redis is unreachable: the first `refusals` of them, or
    every one until `down` is set to False."""

    def __init__(self, refusals: int | None = None) -> None:
        super().__init__()
        self.refusals, self.down = refusals, True

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        if self.down and self.refusals != 0:
            self.refusals = None if self.refusals is None else self.refusals - 1
            raise ConnectionError("queue unreachable")
        await super().enqueue(function, *args, job_id=job_id)


@asynccontextmanager
async def running(
    settings: Settings, queue: JobQueue | None = None, qbo: QboSandbox | None = None
) -> AsyncIterator[Harness]:
    """The app on `settings`; jobs run on `queue`, by default an in-process one started here."""
    qbo = qbo or QboSandbox(seed_realms=[REALM])
    shopify = ShopifySandbox(client_secret=SHOPIFY_SECRET)
    queue = queue or InProcessQueue()
    transport = DeadlineTransport(httpx.ASGITransport(app=qbo.app), settings.http_timeout_s)
    to_shopify = DeadlineTransport(httpx.ASGITransport(app=shopify.app), settings.http_timeout_s)
    container = bootstrap(settings, queue, qbo_transport=transport, shopify_transport=to_shopify)
    await truncate_all(container.engine)
    if isinstance(queue, InProcessQueue):
        queue.runners = bound_jobs(container)
        queue.start()
    app = create_app(container)
    api = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url=API,
    )
    try:
        yield Harness(container, api, qbo, shopify, queue)
    finally:
        if isinstance(queue, InProcessQueue):
            await queue.stop()
        await api.aclose()
        await container.aclose()

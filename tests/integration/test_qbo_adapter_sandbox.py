"""The QBO adapter against the sandbox QBO (ledgerport_sandbox) through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.adapters.quickbooks.client import QuickBooksClient
from app.adapters.quickbooks.oauth import QboOAuthClient
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
)
from app.domain.ports import CompanyCurrencyPrefs, CompanyTaxPrefs, QboSession
from ledgerport_sandbox.qbo import QboSandbox
from tests.harness import DeadlineTransport

BASE = "https://sandbox-quickbooks.api.intuit.com"
REALM = "9130355123"
REDIRECT = "https://ledgerport.test/v1/qbo/callback"


@pytest.fixture
def sandbox() -> QboSandbox:
    sandbox = QboSandbox()
    sandbox.add_realm(REALM)
    return sandbox


@pytest.fixture
def session(sandbox: QboSandbox) -> QboSession:
    return QboSession(REALM, sandbox.issue_tokens(REALM)["access_token"])


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
async def http(sandbox: QboSandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = DeadlineTransport(httpx.ASGITransport(app=sandbox.app), seconds=0.5)
    async with httpx.AsyncClient(base_url=BASE, transport=transport, timeout=5) as client:
        yield client


@pytest.fixture
def qbo(http: httpx.AsyncClient, sleeps: list[float]) -> QuickBooksClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return QuickBooksClient(http, sleep=sleep)


def receipt(customer_id: str, doc_number: str = "SH-1001") -> dict[str, Any]:
    line = {"ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 6.25}
    return {
        "DocNumber": doc_number,
        "TxnDate": "2025-03-04",
        "CustomerRef": {"value": customer_id},
        "Line": [
            {"Amount": 12.5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": line}
        ],
    }


def accounting_requests(sandbox: QboSandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.path.startswith("/v3/")]


async def test_customer_with_apostrophe_round_trips(
    qbo: QuickBooksClient, session: QboSession
) -> None:
    payload = {"DisplayName": "O'Brien's Shop", "PrimaryEmailAddr": {"Address": "ob@x.io"}}
    created = await qbo.create_customer(session, payload, request_id="cu:ob")

    assert await qbo.find_customer(session, email=None, display_name="O'Brien's Shop") == created
    assert await qbo.find_customer(session, email="ob@x.io", display_name=None) == created
    assert await qbo.find_customer(session, email="no@x.io", display_name="Nobody") is None


async def test_sales_receipt_created_then_found_by_doc_number(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox
) -> None:
    customer = await qbo.create_customer(session, {"DisplayName": "Ann Lee"}, request_id="cu:1")

    created = await qbo.create_sales_receipt(session, receipt(customer.id), request_id="sr:1001")
    found = await qbo.find_sales_receipt(session, doc_number="SH-1001")

    assert found is not None and found.id == created.id
    assert (found.total, found.customer_id, found.txn_date) == ("12.50", customer.id, "2025-03-04")
    posted = [r for r in accounting_requests(sandbox) if r.method == "POST"][-1]
    assert posted.query == {"requestid": "sr:1001", "minorversion": "75"}


async def test_duplicate_doc_number_is_rejected_with_6140(
    qbo: QuickBooksClient, session: QboSession, sleeps: list[float]
) -> None:
    customer = await qbo.create_customer(session, {"DisplayName": "Ann Lee"}, request_id="cu:1")
    await qbo.create_sales_receipt(session, receipt(customer.id), request_id="sr:a")

    with pytest.raises(ExternalRejected) as caught:
        await qbo.create_sales_receipt(session, receipt(customer.id), request_id="sr:b")

    assert [f.code for f in caught.value.faults] == ["6140"] and sleeps == []


async def test_seeded_lists_for_dropdowns(qbo: QuickBooksClient, session: QboSession) -> None:
    accounts = await qbo.list_entities(session, "Account")
    items = await qbo.list_entities(session, "Item")
    tax_codes = await qbo.list_entities(session, "TaxCode")

    assert ("Undeposited Funds", "Other Current Asset") in {(a.name, a.kind) for a in accounts}
    assert {"Services", "Shipping"} <= {i.name for i in items}
    assert {"TAX", "NON"} <= {t.name for t in tax_codes}
    assert await qbo.find_item(session, name="Services") is not None


async def test_html_503_is_retried_with_the_same_requestid(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox, sleeps: list[float]
) -> None:
    customer = await qbo.create_customer(session, {"DisplayName": "Ann Lee"}, request_id="cu:1")
    sandbox.inject_fault("html_503", path_contains="salesreceipt")

    await qbo.create_sales_receipt(session, receipt(customer.id), request_id="sr:503")

    posts = [r for r in accounting_requests(sandbox) if r.path.endswith("/salesreceipt")]
    assert [r.status for r in posts] == [503, 200]
    assert {r.query["requestid"] for r in posts} == {"sr:503"} and len(sleeps) == 1
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 1


@pytest.mark.parametrize(
    ("automated", "set_up", "expected", "mode"),
    [
        (False, True, CompanyTaxPrefs(False, True), "line_item"),
        (True, True, CompanyTaxPrefs(True, True), "automated_sales_tax"),
        (True, False, CompanyTaxPrefs(True, False), "automated_sales_tax"),
    ],
    ids=["manual", "ast", "ast-not-set-up"],
)
async def test_tax_prefs_read_the_company_preferences(
    qbo: QuickBooksClient,
    session: QboSession,
    sandbox: QboSandbox,
    automated: bool,
    set_up: bool,
    expected: CompanyTaxPrefs,
    mode: str,
) -> None:
    sandbox.set_sales_tax(REALM, automated=automated, set_up=set_up)

    prefs = await qbo.tax_prefs(session)

    assert (prefs, prefs.tax_mode) == (expected, mode)
    [read] = accounting_requests(sandbox)
    assert (read.method, read.path) == ("GET", f"/v3/company/{REALM}/preferences")


async def test_currency_prefs_read_the_companys_home_currency(
    qbo: QuickBooksClient, sandbox: QboSandbox
) -> None:
    sandbox.add_realm("4620816365", home_currency="GBP", multicurrency=True)
    british = QboSession("4620816365", sandbox.issue_tokens("4620816365")["access_token"])
    american = QboSession(REALM, sandbox.issue_tokens(REALM)["access_token"])

    assert await qbo.currency_prefs(british) == CompanyCurrencyPrefs("GBP", multicurrency=True)
    assert await qbo.currency_prefs(american) == CompanyCurrencyPrefs("USD", multicurrency=False)


async def test_commit_then_timeout_leaves_one_receipt(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox
) -> None:
    customer = await qbo.create_customer(session, {"DisplayName": "Ann Lee"}, request_id="cu:1")
    sandbox.inject_fault("commit_then_timeout", path_contains="salesreceipt", seconds=5)

    created = await qbo.create_sales_receipt(session, receipt(customer.id), request_id="sr:t")

    assert [d["Id"] for d in sandbox.documents(REALM, "SalesReceipt")] == [created.id]
    posts = [r for r in accounting_requests(sandbox) if r.path.endswith("/salesreceipt")]
    assert [r.status for r in posts] == [None, 200]  # the first answer never arrived
    assert {r.query["requestid"] for r in posts} == {"sr:t"}


async def test_persistent_server_errors_give_up_after_three_attempts(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox, sleeps: list[float]
) -> None:
    sandbox.inject_fault("server_error", count=5)

    with pytest.raises(ExternalUnavailable) as caught:
        await qbo.find_item(session, sku="MUG-1")

    assert caught.value.status == 500
    assert len(accounting_requests(sandbox)) == 3 and len(sleeps) == 2


async def test_gateway_throttle_is_deferred_not_slept(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox, sleeps: list[float]
) -> None:
    sandbox.inject_fault("throttle")

    with pytest.raises(ExternalRateLimited) as caught:
        await qbo.find_item(session, sku="MUG-1")

    assert caught.value.retry_after is not None and caught.value.retry_after > 5
    assert len(accounting_requests(sandbox)) == 1 and sleeps == []


async def test_expired_token_then_refresh(
    qbo: QuickBooksClient, sandbox: QboSandbox, http: httpx.AsyncClient
) -> None:
    tokens = sandbox.issue_tokens(REALM)
    sandbox.expire_access_tokens(REALM)
    oauth = oauth_client(http)

    with pytest.raises(ExternalAuthExpired) as caught:
        await qbo.find_item(QboSession(REALM, tokens["access_token"]), sku="A")
    assert tokens["access_token"] not in str(caught.value)

    fresh = await oauth.refresh(tokens["refresh_token"])
    assert await qbo.find_item(QboSession(REALM, fresh.access_token), name="Services") is not None


def oauth_client(http: httpx.AsyncClient) -> QboOAuthClient:
    return QboOAuthClient(
        http,
        token_url=f"{BASE}/oauth2/v1/tokens/bearer",
        revoke_url=f"{BASE}/v2/oauth2/tokens/revoke",
        auth_url=f"{BASE}/connect/oauth2",
        client_id="sandbox-client-id",
        client_secret="sandbox-client-secret",
    )


async def test_consent_exchange_refresh_and_revoke(http: httpx.AsyncClient) -> None:
    oauth = oauth_client(http)
    consent = await http.get(oauth.authorize_url("st-1", REDIRECT))
    callback = parse_qs(urlsplit(consent.headers["location"]).query)
    assert callback["state"] == ["st-1"] and callback["realmId"] == [REALM]

    first = await oauth.exchange_code(callback["code"][0], REDIRECT)
    second = await oauth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.refresh_expires_at is not None

    with pytest.raises(ExternalAuthExpired):  # codes are single use
        await oauth.exchange_code(callback["code"][0], REDIRECT)

    await oauth.revoke(second.refresh_token)
    with pytest.raises(ExternalAuthExpired):
        await oauth.refresh(second.refresh_token)

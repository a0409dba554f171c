"""QuickBooksClient against an in-memory fake QBO server served through httpx.MockTransport."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.adapters.quickbooks.client import QuickBooksClient
from app.adapters.quickbooks.limiter import NoLimiter
from app.adapters.quickbooks.query import Query
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
)
from app.domain.ports import QboDocument, QboOption, QboRef, QboSession

BASE = "https://sandbox-quickbooks.api.intuit.com"
REALM = "9130355123"
TOKEN = "eyJhbGciOiJkaXIifQ..access-token-for-tests"
SESSION = QboSession(realm_id=REALM, access_token=TOKEN)
_CONDITION = re.compile(r"(\w+) = '((?:[^'\\]|\\.)*)'")
_QUERY = re.compile(
    r"SELECT \* FROM (\w+)(?: WHERE (.*?))? STARTPOSITION (\d+) MAXRESULTS (\d+)$", re.I
)
HTML_503 = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


def _unescape(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


class FakeQbo:
    """A tiny QBO: query, create with requestid replay, and scripted failures."""

    def __init__(self) -> None:
        self.entities: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[httpx.Request] = []
        self.scripted: list[httpx.Response | Exception] = []
        self.commit_then_timeout = False
        self._replies: dict[str, dict[str, Any]] = {}
        self._next_id = 100

    def add(self, entity: str, record: dict[str, Any]) -> dict[str, Any]:
        record = {"Id": str(self._next_id), "Active": True, **record}
        self._next_id += 1
        self.entities.setdefault(entity, []).append(record)
        return record

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.scripted:
            outcome = self.scripted.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json=_auth_fault())
        prefix = f"/v3/company/{REALM}/"
        if not request.url.path.startswith(prefix):
            return httpx.Response(404, text="<html>Not Found</html>")
        path = request.url.path.removeprefix(prefix)
        if request.method == "GET" and path == "query":
            return self._query(request.url.params["query"])
        if request.method == "POST":
            return self._create(path, request)
        return httpx.Response(405)

    def _query(self, text: str) -> httpx.Response:
        match = _QUERY.match(text)
        if not match:
            return httpx.Response(400, json=_fault("4000", "Error parsing query", text))
        entity, where, start, size = match.groups()
        rows = [
            r for r in self.entities.get(entity, []) if "Active IN" in (where or "") or r["Active"]
        ]
        for name, literal in _CONDITION.findall(where or ""):
            rows = [r for r in rows if _field(r, name) == _unescape(literal)]
        page = rows[int(start) - 1 : int(start) - 1 + int(size)]
        found = {entity: page, "startPosition": int(start), "maxResults": len(page)} if page else {}
        return httpx.Response(200, json={"QueryResponse": found, "time": "2025-01-01T00:00:00Z"})

    def _create(self, path: str, request: httpx.Request) -> httpx.Response:
        request_id = request.url.params.get("requestid", "")
        if request_id in self._replies:  # reference §1: the original response, no second write
            return httpx.Response(200, json=self._replies[request_id])
        entity = {"customer": "Customer", "item": "Item", "salesreceipt": "SalesReceipt"}[path]
        reply = {entity: self.add(entity, json.loads(request.content)), "time": "2025-01-01"}
        if request_id:
            self._replies[request_id] = reply
        if self.commit_then_timeout:
            self.commit_then_timeout = False
            raise httpx.ReadTimeout("committed, answer lost", request=request)
        return httpx.Response(200, json=reply)


def _field(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    return value.get("Address") if isinstance(value, dict) else value


def _fault(code: str, message: str, detail: str) -> dict[str, Any]:
    error = {"Message": message, "Detail": detail, "code": code, "element": ""}
    return {"Fault": {"Error": [error], "type": "ValidationFault"}, "time": "2025-01-01"}


def _auth_fault() -> dict[str, Any]:
    error = {
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail": "Token expired: " + TOKEN,
        "code": "3200",
        "element": None,
    }
    return {"fault": {"error": [error], "type": "AUTHENTICATION"}, "time": 1533811101733}


class RecordingLimiter(NoLimiter):
    def __init__(self) -> None:
        self.calls: list[str] = []

    @asynccontextmanager
    async def slot(self, realm_id: str, *, batch: bool = False) -> AsyncIterator[None]:
        self.calls.append(realm_id)
        yield


@pytest.fixture
def fake() -> FakeQbo:
    return FakeQbo()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def limiter() -> RecordingLimiter:
    return RecordingLimiter()


@pytest.fixture
async def qbo(
    fake: FakeQbo, sleeps: list[float], limiter: RecordingLimiter
) -> AsyncIterator[QuickBooksClient]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = httpx.MockTransport(fake)
    async with httpx.AsyncClient(base_url=BASE, transport=transport, timeout=5) as http:
        yield QuickBooksClient(http, limiter=limiter, sleep=sleep)


def receipt_payload() -> dict[str, Any]:
    return {
        "DocNumber": "SH-1001",
        "TxnDate": "2025-03-04",
        "CustomerRef": {"value": "58"},
        "TotalAmt": 12.5,
        "Line": [{"Amount": 12.5, "DetailType": "SalesItemLineDetail"}],
    }


async def test_display_name_with_apostrophe_is_escaped_and_found(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    fake.add("Customer", {"DisplayName": "Bob's Diner"})
    shop = fake.add("Customer", {"DisplayName": "O'Brien's \\ Shop"})

    found = await qbo.find_customer(SESSION, email=None, display_name="O'Brien's \\ Shop")

    assert found == QboRef(id=shop["Id"], name="O'Brien's \\ Shop")
    sent = fake.requests[-1].url.params["query"]
    assert sent == (
        "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien\\'s \\\\ Shop' "
        "STARTPOSITION 1 MAXRESULTS 1"
    )


async def test_customer_matched_by_email_before_display_name(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    by_email = fake.add("Customer", {"DisplayName": "A", "PrimaryEmailAddr": {"Address": "a@x.io"}})
    fake.add("Customer", {"DisplayName": "Jane Roe"})

    assert await qbo.find_customer(SESSION, email="a@x.io", display_name="Jane Roe") == QboRef(
        by_email["Id"], "A"
    )
    assert len(fake.requests) == 1
    fallback = await qbo.find_customer(SESSION, email="nobody@x.io", display_name="Jane Roe")
    assert fallback is not None and fallback.name == "Jane Roe"
    assert "PrimaryEmailAddr = 'nobody@x.io'" in fake.requests[1].url.params["query"]
    assert await qbo.find_customer(SESSION, email=None, display_name="Nobody") is None


async def test_item_matched_by_sku_then_name(qbo: QuickBooksClient, fake: FakeQbo) -> None:
    by_sku = fake.add("Item", {"Name": "Mug", "Sku": "MUG-1", "Type": "NonInventory"})
    by_name = fake.add("Item", {"Name": "Tea Towel", "Type": "NonInventory"})

    # The match comes with its Type and Sku, so a caller can tell whose item it is.
    assert await qbo.find_item(SESSION, sku="MUG-1", name="Tea Towel") == QboOption(
        by_sku["Id"], "Mug", kind="NonInventory", sku="MUG-1"
    )
    assert await qbo.find_item(SESSION, sku="NOPE", name="Tea Towel") == QboOption(
        by_name["Id"], "Tea Towel", kind="NonInventory", sku=None
    )
    assert await qbo.find_item(SESSION, sku="", name=None) is None
    queries = [r.url.params["query"] for r in fake.requests]
    assert queries[1].startswith("SELECT * FROM Item WHERE Sku = 'NOPE'")
    assert queries[2].startswith("SELECT * FROM Item WHERE Name = 'Tea Towel'")


async def test_find_sales_receipt_returns_a_typed_document(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    stored = fake.add("SalesReceipt", receipt_payload())

    found = await qbo.find_sales_receipt(SESSION, doc_number="SH-1001")

    assert isinstance(found, QboDocument)
    assert (found.id, found.doc_number, found.total) == (stored["Id"], "SH-1001", "12.50")
    assert (found.customer_id, found.txn_date) == ("58", "2025-03-04")
    assert await qbo.find_sales_receipt(SESSION, doc_number="SH-404") is None


async def test_create_sends_requestid_minorversion_and_headers(
    qbo: QuickBooksClient, fake: FakeQbo, limiter: RecordingLimiter
) -> None:
    document = await qbo.create_sales_receipt(SESSION, receipt_payload(), request_id="sr:shop:1001")

    request = fake.requests[0]
    assert request.method == "POST"
    assert request.url.path == f"/v3/company/{REALM}/salesreceipt"
    assert dict(request.url.params) == {"requestid": "sr:shop:1001", "minorversion": "75"}
    assert request.headers["accept"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == receipt_payload()
    assert document.total == "12.50" and document.doc_number == "SH-1001"
    assert limiter.calls == [REALM]


async def test_create_customer_returns_ref(qbo: QuickBooksClient, fake: FakeQbo) -> None:
    ref = await qbo.create_customer(SESSION, {"DisplayName": "Ann Lee"}, request_id="cu:1")
    assert ref.name == "Ann Lee" and fake.entities["Customer"][0]["Id"] == ref.id
    assert fake.requests[0].url.path.endswith("/customer")


async def test_create_item_sends_its_requestid_and_returns_ref(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    body = {"Name": "Mug", "Sku": "MUG-1", "Type": "NonInventory"}
    ref = await qbo.create_item(SESSION, body, request_id="item:1")
    assert ref == QboRef(fake.entities["Item"][0]["Id"], "Mug")
    request = fake.requests[0]
    assert request.url.path.endswith("/item") and request.url.params["requestid"] == "item:1"
    assert json.loads(request.content) == body


async def test_every_request_sends_minorversion(qbo: QuickBooksClient, fake: FakeQbo) -> None:
    await qbo.find_item(SESSION, sku="X")
    assert fake.requests[0].url.params["minorversion"] == "75"
    assert fake.requests[0].headers["accept"] == "application/json"


async def test_503_is_retried_with_the_same_requestid(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float], limiter: RecordingLimiter
) -> None:
    fake.scripted = [httpx.Response(503, text=HTML_503, headers={"content-type": "text/html"})]

    document = await qbo.create_sales_receipt(SESSION, receipt_payload(), request_id="sr:1001")

    assert len(fake.requests) == 2
    assert {r.url.params["requestid"] for r in fake.requests} == {"sr:1001"}
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 5
    assert len(limiter.calls) == 2
    assert document.id == fake.entities["SalesReceipt"][0]["Id"]


async def test_timeout_after_commit_is_retried_without_a_second_receipt(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    fake.commit_then_timeout = True

    document = await qbo.create_sales_receipt(SESSION, receipt_payload(), request_id="sr:1002")

    assert len(fake.requests) == 2
    assert len(fake.entities["SalesReceipt"]) == 1
    assert document.id == fake.entities["SalesReceipt"][0]["Id"]


async def test_server_errors_stop_after_three_attempts(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    fake.scripted = [httpx.Response(502, text=HTML_503) for _ in range(5)]

    with pytest.raises(ExternalUnavailable) as caught:
        await qbo.find_item(SESSION, sku="MUG-1")

    assert caught.value.status == 502
    assert len(fake.requests) == 3 and len(sleeps) == 2


async def test_rejection_is_not_retried(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    detail = "The name supplied already exists. : Another customer is already using this name."
    fake.scripted = [
        httpx.Response(400, json=_fault("6240", "Duplicate Name Exists Error", detail))
    ]

    with pytest.raises(ExternalRejected) as caught:
        await qbo.create_customer(SESSION, {"DisplayName": "Ann Lee"}, request_id="cu:2")

    assert [f.code for f in caught.value.faults] == ["6240"]
    assert caught.value.status == 400
    assert len(fake.requests) == 1 and sleeps == []


async def test_long_retry_after_is_raised_for_the_job_layer(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    fake.scripted = [httpx.Response(429, headers={"Retry-After": "120"})]

    with pytest.raises(ExternalRateLimited) as caught:
        await qbo.find_item(SESSION, sku="MUG-1")

    assert caught.value.retry_after == 120
    assert len(fake.requests) == 1 and sleeps == []


async def test_short_retry_after_is_honoured_then_retried(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    fake.add("Item", {"Name": "Mug", "Sku": "MUG-1"})
    fake.scripted = [httpx.Response(429, headers={"Retry-After": "2"})]

    assert await qbo.find_item(SESSION, sku="MUG-1") is not None
    assert sleeps == [2.0] and len(fake.requests) == 2


async def test_xml_throttle_without_retry_after_defers_sixty_seconds(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse '
        'xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001">'
        "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        "<Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
        "</IntuitResponse>"
    )
    fake.scripted = [httpx.Response(429, text=xml, headers={"content-type": "application/xml"})]

    with pytest.raises(ExternalRateLimited) as caught:
        await qbo.find_customer(SESSION, email="a@x.io", display_name=None)

    assert caught.value.retry_after == 60 and sleeps == []


async def test_timeouts_become_unavailable(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    fake.scripted = [httpx.ReadTimeout("slow") for _ in range(3)]

    with pytest.raises(ExternalUnavailable) as caught:
        await qbo.find_sales_receipt(SESSION, doc_number="SH-1")

    assert caught.value.status is None
    assert len(fake.requests) == 3 and len(sleeps) == 2


async def test_connection_error_then_success(qbo: QuickBooksClient, fake: FakeQbo) -> None:
    fake.scripted = [httpx.ConnectError("refused")]
    assert await qbo.find_sales_receipt(SESSION, doc_number="SH-1") is None
    assert len(fake.requests) == 2


async def test_expired_token_is_auth_expired_without_leaking_it(
    qbo: QuickBooksClient, fake: FakeQbo, sleeps: list[float]
) -> None:
    session = QboSession(realm_id=REALM, access_token="eyJstale.token.value")

    with pytest.raises(ExternalAuthExpired) as caught:
        await qbo.find_item(session, sku="MUG-1")

    assert "eyJstale" not in str(caught.value) and TOKEN not in str(caught.value)
    assert len(fake.requests) == 1 and sleeps == []


async def test_request_id_over_fifty_characters_is_refused(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    with pytest.raises(ValueError):
        await qbo.create_sales_receipt(SESSION, receipt_payload(), request_id="x" * 51)
    assert fake.requests == []


async def test_realm_id_cannot_escape_the_company_path(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    with pytest.raises(ValueError):
        await qbo.find_item(QboSession(realm_id="../1", access_token=TOKEN), sku="A")
    assert fake.requests == []


async def test_list_entities_pages_and_includes_inactive_on_request(
    qbo: QuickBooksClient, fake: FakeQbo
) -> None:
    for n in range(1200):
        fake.add("Account", {"Name": f"Acct {n}", "AccountType": "Bank"})
    fake.add("Account", {"Name": "Old", "AccountType": "Income", "Active": False})

    active = await qbo.list_entities(SESSION, "Account", max_results=1500)
    everything = await qbo.list_entities(SESSION, "Account", active_only=False, max_results=5000)

    assert len(active) == 1200 and active[0].kind == "Bank" and active[0].name == "Acct 0"
    assert len(everything) == 1201 and not everything[-1].active
    queries = [r.url.params["query"] for r in fake.requests]
    assert queries[:2] == [
        "SELECT * FROM Account STARTPOSITION 1 MAXRESULTS 1000",
        "SELECT * FROM Account STARTPOSITION 1001 MAXRESULTS 500",
    ]
    assert queries[2] == (
        "SELECT * FROM Account WHERE Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000"
    )


def test_query_builder_refuses_fields_qbo_cannot_filter() -> None:
    with pytest.raises(ValueError):
        Query("Customer").where("CompanyName", "Acme")
    with pytest.raises(ValueError):
        Query("SalesReceipt", include_inactive=True)
    with pytest.raises(ValueError):
        Query("Customer", max_results=1001)

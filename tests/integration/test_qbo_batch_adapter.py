"""QuickBooksClient.batch_create against the sandbox QBO through httpx.ASGITransport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.adapters.quickbooks.client import QuickBooksClient
from app.domain.faults import ExternalAuthExpired, ExternalRejected
from app.domain.ports import QboDocument, QboSession
from ledgerport_sandbox.qbo import QboSandbox
from tests.harness import DeadlineTransport

BASE = "https://sandbox-quickbooks.api.intuit.com"
REALM = "9130355123"


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
def sent() -> list[httpx.Request]:
    return []


@pytest.fixture
async def qbo(
    sandbox: QboSandbox, sleeps: list[float], sent: list[httpx.Request]
) -> AsyncIterator[QuickBooksClient]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    transport = DeadlineTransport(httpx.ASGITransport(app=sandbox.app), seconds=0.5)
    hooks = {"request": [record]}
    async with httpx.AsyncClient(
        base_url=BASE, transport=transport, timeout=5, event_hooks=hooks
    ) as http:
        yield QuickBooksClient(http, sleep=sleep)


def receipt(doc_number: str, item_id: str = "1") -> dict[str, Any]:
    detail = {"ItemRef": {"value": item_id}, "Qty": 2, "UnitPrice": 6.25}
    line = {"Amount": 12.5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}
    return {"DocNumber": doc_number, "TxnDate": "2025-03-04", "Line": [line]}


def batch_posts(sandbox: QboSandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.path.endswith("/batch")]


async def test_mixed_items_come_back_by_bid(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox
) -> None:
    payloads = [("o1", receipt("SH-1")), ("o2", receipt("SH-2", "999")), ("o3", receipt("SH-3"))]

    results = await qbo.batch_create(session, "SalesReceipt", payloads, request_id="batch:1")

    assert set(results) == {"o1", "o2", "o3"}
    first, third = results["o1"], results["o3"]
    assert isinstance(first, QboDocument) and isinstance(third, QboDocument)
    assert (first.doc_number, first.total, first.txn_date) == ("SH-1", "12.50", "2025-03-04")
    rejected = results["o2"]
    assert isinstance(rejected, ExternalRejected) and rejected.status == 400
    assert [(f.code, f.element) for f in rejected.faults] == [
        ("2500", "Line.SalesItemLineDetail.ItemRef")
    ]
    assert "o2" in rejected.message and session.access_token not in rejected.message
    stored = sorted(d["DocNumber"] for d in sandbox.documents(REALM, "SalesReceipt"))
    assert stored == ["SH-1", "SH-3"]
    (post,) = batch_posts(sandbox)
    assert post.query == {"requestid": "batch:1", "minorversion": "75"}
    assert sandbox.stats(REALM)["batch_calls"] == 1


async def test_replay_with_the_same_request_id_creates_nothing_new(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox
) -> None:
    payloads = [("a", receipt("SH-10")), ("b", receipt("SH-11"))]
    first = await qbo.batch_create(session, "SalesReceipt", payloads, request_id="batch:r")

    again = await qbo.batch_create(session, "SalesReceipt", payloads, request_id="batch:r")

    assert again == first
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 2
    fresh = await qbo.batch_create(session, "SalesReceipt", payloads, request_id="batch:r2")
    assert all(isinstance(r, ExternalRejected) for r in fresh.values())  # 6140 duplicates
    assert {
        f.code for r in fresh.values() if isinstance(r, ExternalRejected) for f in r.faults
    } == {"6140"}


async def test_lost_answer_is_retried_with_the_same_requestid_and_bids(
    qbo: QuickBooksClient,
    session: QboSession,
    sandbox: QboSandbox,
    sleeps: list[float],
    sent: list[httpx.Request],
) -> None:
    sandbox.inject_fault("commit_then_timeout", path_contains="/batch", seconds=5)
    payloads = [("x1", receipt("SH-20")), ("x2", receipt("SH-21"))]

    results = await qbo.batch_create(session, "SalesReceipt", payloads, request_id="batch:t")

    assert all(isinstance(r, QboDocument) for r in results.values())
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 2 and len(sleeps) == 1
    posts = batch_posts(sandbox)
    assert [p.status for p in posts] == [None, 200]
    assert {p.query["requestid"] for p in posts} == {"batch:t"}
    bodies = [json.loads(r.content) for r in sent]
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert [i["bId"] for i in bodies[0]["BatchItemRequest"]] == ["x1", "x2"]


async def test_errors_of_the_whole_call_raise_like_single_calls(
    qbo: QuickBooksClient, session: QboSession, sandbox: QboSandbox
) -> None:
    sandbox.inject_fault("auth", path_contains="/batch")

    with pytest.raises(ExternalAuthExpired):
        await qbo.batch_create(session, "SalesReceipt", [("a", receipt("A"))], request_id="b:a")


@pytest.mark.parametrize(
    ("payloads", "request_id"),
    [
        ([(f"b{n}", {}) for n in range(31)], "ok"),
        ([("b" * 11, {})], "ok"),
        ([("a", {}), ("a", {})], "ok"),
        ([], "ok"),
        ([("a", {})], "r" * 37),
    ],
)
async def test_caller_bugs_are_value_errors_before_any_request(
    qbo: QuickBooksClient,
    session: QboSession,
    sandbox: QboSandbox,
    payloads: list[tuple[str, dict[str, Any]]],
    request_id: str,
) -> None:
    with pytest.raises(ValueError):
        await qbo.batch_create(session, "SalesReceipt", payloads, request_id=request_id)
    assert batch_posts(sandbox) == []

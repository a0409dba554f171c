"""Fault truth (issue 10, item 5): every QBO fault Intuit publishes for the entities LedgerPort
writes, sent by the sandbox exactly as the row's source shows it (JSON and XML, at the HTTP
status QBO uses), read by the QBO client, classified: the code, whether it retries by itself,
and a message naming the document and the record or field at fault.

The rows are in qbo_fault_rows*.py, each citing its source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.adapters.quickbooks.client import QuickBooksClient
from app.domain.errors import CATALOGUE, ErrorCode
from app.domain.faults import ExternalError
from app.domain.policies import classify_external, retry_delay
from app.domain.ports import QboSession
from ledgerport_sandbox.qbo import QboSandbox
from tests.integration.qbo_fault_bodies import DOCUMENTS, Row, renderings
from tests.integration.qbo_fault_rows import QBO_SIDE_ROWS, REFERENCE_ROWS
from tests.integration.qbo_fault_rows_gateway import GATEWAY_ROWS
from tests.integration.qbo_fault_rows_more import TRANSIENT_ROWS, VALUE_ROWS
from tests.integration.qbo_fault_rows_tax import EXISTING_ROWS, TAX_ROWS

REALM = "9130355123"
BASE = "https://sandbox-quickbooks.api.intuit.com"
ROWS: list[Row] = [
    *REFERENCE_ROWS,
    *QBO_SIDE_ROWS,
    *EXISTING_ROWS,
    *TAX_ROWS,
    *VALUE_ROWS,
    *TRANSIENT_ROWS,
    *GATEWAY_ROWS,
]
CASES = [
    pytest.param(row, content_type, body, id=f"{row.name} [{dialect} {row.status}]")
    for row in ROWS
    for dialect, content_type, body in renderings(row)
]


@pytest.fixture
def sandbox() -> QboSandbox:
    sandbox = QboSandbox()
    sandbox.add_realm(REALM)
    return sandbox


@pytest.fixture
async def qbo(sandbox: QboSandbox) -> AsyncIterator[tuple[QuickBooksClient, QboSession]]:
    session = QboSession(REALM, sandbox.issue_tokens(REALM)["access_token"])
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(base_url=BASE, transport=transport, timeout=5) as http:

        async def no_sleep(_: float) -> None:
            return None

        # One attempt: the sandbox answers exactly once with the row's body.
        yield QuickBooksClient(http, attempts=1, sleep=no_sleep), session


async def write(client: QuickBooksClient, session: QboSession, entity: str) -> Any:
    """Post the row's document as LedgerPort does; entities without a public create go the
    same way through the client's one create path."""
    payload = DOCUMENTS[entity]
    if entity == "SalesReceipt":
        return await client.create_sales_receipt(session, payload, request_id="rid-1")
    if entity == "Customer":
        return await client.create_customer(session, payload, request_id="rid-1")
    return await client._create(session, entity, payload, "rid-1")


@pytest.mark.parametrize(("row", "content_type", "body"), CASES)
async def test_each_published_fault_reads_true(
    sandbox: QboSandbox,
    qbo: tuple[QuickBooksClient, QboSession],
    row: Row,
    content_type: str,
    body: str,
) -> None:
    client, session = qbo
    sandbox.answer_next(row.status, body, content_type=content_type)

    with pytest.raises(ExternalError) as raised:
        await write(client, session, row.entity)
    error = classify_external(raised.value)

    assert error.code is row.expect, error.message
    assert (retry_delay(error, 1) is not None) is row.retries
    assert row.retries is CATALOGUE[row.expect].retries_automatically
    for words in row.names:
        assert words.lower() in error.message.lower(), (words, error.message)
    assert sandbox.documents(REALM, row.entity) == []  # the sandbox answered, wrote nothing


def test_the_table_is_big_cited_and_covers_both_dialects_and_every_status() -> None:
    assert len(CASES) >= 40
    assert all(row.source.strip() for row in ROWS)
    assert all("https://" in row.source or "github.com/" in row.source for row in ROWS)
    dialects = {case.id.rsplit("[", 1)[1].split()[0] for case in CASES if case.id}
    assert {"json", "xml", "gateway", "html"} <= dialects
    assert {row.status for row in ROWS} >= {200, 400, 401, 403, 429, 500, 503}
    assert {row.expect for row in ROWS} == set(ErrorCode) - {ErrorCode.on_hold}
    entities = {row.entity for row in ROWS}
    assert {"SalesReceipt", "Invoice", "Payment", "RefundReceipt", "Customer"} <= entities


async def test_closed_books_come_from_the_company_itself(
    sandbox: QboSandbox, qbo: tuple[QuickBooksClient, QboSession]
) -> None:
    """Not scripted: the sandbox's company refuses a receipt dated within closed books."""
    client, session = qbo
    sandbox.close_books(REALM, "2025-03-31")
    with pytest.raises(ExternalError) as raised:
        await write(client, session, "SalesReceipt")
    error = classify_external(raised.value)
    assert error.code is ErrorCode.missing_field and retry_delay(error, 1) is None
    assert "closing date before 2025-03-14" in error.message
    assert error.detail["fix_in_quickbooks"] is True


async def test_a_lapsed_subscription_comes_from_the_company_itself(
    sandbox: QboSandbox, qbo: tuple[QuickBooksClient, QboSession]
) -> None:
    client, session = qbo
    sandbox.set_subscription(REALM, False)
    with pytest.raises(ExternalError) as raised:
        await write(client, session, "Customer")
    error = classify_external(raised.value)
    assert error.code is ErrorCode.qbo_auth
    assert "customer 'Ann Lee'" in error.message and "Billing & subscription" in error.message

"""The fake QBO driven by python-quickbooks, the most used Python client of the QBO API.

The library's own integration tests run against Intuit's sandbox, so every call it makes with
its defaults is one Intuit answers; the fake must answer it the same way. The server runs on a
real port (the library speaks `requests`), and the library finds the fake's token endpoint
through Intuit's OpenID discovery document, as it finds Intuit's.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn
from intuitlib.client import AuthClient
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.client import QuickBooks
from quickbooks.exceptions import (
    ObjectNotFoundException,
    QuickbooksException,
    UnsupportedException,
)
from quickbooks.objects import (
    Account,
    Customer,
    Invoice,
    Item,
    SalesItemLine,
    SalesItemLineDetail,
    SalesReceipt,
)

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_wire import now_local, today

REALM = "9130351111111111"


@pytest.fixture(scope="module")
def sandbox() -> QboSandbox:
    # Intuit allows 10 requests/s per realm; these tests run faster than that on purpose.
    return QboSandbox(requests_per_second=1000)


@pytest.fixture(scope="module")
def base_url(sandbox: QboSandbox) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(sandbox.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join()


@pytest.fixture
def qb(sandbox: QboSandbox, base_url: str, monkeypatch: pytest.MonkeyPatch) -> QuickBooks:
    """A client as a developer builds one, pointed at the fake instead of Intuit."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http
    realm = str(uuid.uuid4().int)[:16]
    sandbox.add_realm(realm)
    auth = AuthClient(
        client_id="sandbox-client-id",
        client_secret="sandbox-client-secret",
        redirect_uri="http://localhost:8000/callback",
        environment=f"{base_url}/.well-known/openid_sandbox_configuration",
    )
    refresh_token = sandbox.issue_tokens(realm)["refresh_token"]
    client = QuickBooks(
        auth_client=auth, refresh_token=refresh_token, company_id=realm, minorversion=75
    )
    client.api_url_v3 = f"{base_url}/v3"
    return client


def income_account(qb: QuickBooks) -> Account:
    return Account.where("AccountType = 'Income'", max_results=1, qb=qb)[0]


def new_customer(qb: QuickBooks, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer.save(qb=qb)


def new_item(qb: QuickBooks, name: str, sku: str) -> Item:
    item = Item()
    item.Name, item.Type, item.Sku = name, "Service", sku
    item.IncomeAccountRef = income_account(qb).to_ref()
    return item.save(qb=qb)


def amount_line(qb: QuickBooks, amount: float) -> SalesItemLine:
    """As the library's own integration tests build one: Amount and ItemRef, the rest left at
    the library's defaults (Qty 0, UnitPrice 0, ServiceDate "", CustomField [])."""
    line = SalesItemLine()
    line.Amount = amount
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Item.all(max_results=1, qb=qb)[0].to_ref()
    return line


def new_sales_receipt(qb: QuickBooks, amount: float = 100.0) -> SalesReceipt:
    """A receipt with the library's defaults (TxnDate "", DocNumber "", CustomField [])."""
    receipt = SalesReceipt()
    receipt.CustomerRef = new_customer(qb, f"Buyer {uuid.uuid4().hex[:8]}").to_ref()
    receipt.Line = [amount_line(qb, amount)]
    return receipt.save(qb=qb)


def test_records_created_with_the_library_defaults(qb: QuickBooks) -> None:
    customer = new_customer(qb, "Ann Lee")
    item = new_item(qb, "Gift Wrap", "WRAP-1")
    receipt = new_sales_receipt(qb, 100.0)

    assert Customer.get(customer.Id, qb=qb).DisplayName == "Ann Lee"
    assert Item.get(item.Id, qb=qb).Sku == "WRAP-1"
    read = SalesReceipt.get(receipt.Id, qb=qb)
    assert read.TotalAmt == 100.0 and read.Line[0].Amount == 100.0
    assert read.TxnDate == today() and read.DocNumber  # "" meant: date it today, number it


def test_the_queries_the_library_builds(qb: QuickBooks) -> None:
    """`Item.all` sends `SELECT *, Sku FROM Item … ORDER BY …`; `where`/`filter` send
    `ORDERBY`. Intuit's data-queries page: the answer always carries every property."""
    for name, sku in (("Zeta", "Z-1"), ("Alpha", "A-1")):
        new_item(qb, name, sku)

    names = [i.Name for i in Item.all(order_by="Name DESC", qb=qb)]
    skus = {i.Name: i.Sku for i in Item.all(qb=qb)}
    services = Item.filter(Type="Service", order_by="Name", max_results=2, qb=qb)
    second = Item.where("Type = 'Service'", order_by="Name", start_position=2, qb=qb)

    assert names == sorted(names, reverse=True) and {"Zeta", "Alpha"} <= set(names)
    assert skus["Zeta"] == "Z-1" and skus["Alpha"] == "A-1"
    assert [i.Name for i in services] == sorted(n for n in names)[:2]
    assert second[0].Name == services[1].Name
    assert Item.count(qb=qb) == len(names)


def test_a_batch_with_the_library_bids(qb: QuickBooks) -> None:
    """The library names batch items by uuid4 (36 characters) and sends no requestid; Intuit
    limits a bId to 10 characters only "when RequestID is also specified" (Intuit developer
    blog, 2015-04-06)."""
    people = []
    for name in ("Batch One", "Batch Two"):
        customer = Customer()
        customer.DisplayName = name
        people.append(customer)

    result = batch_create(people, qb=qb)

    assert [len(r.bId) for r in result.batch_responses] == [36, 36]
    assert result.faults == []
    assert sorted(c.DisplayName for c in result.successes) == ["Batch One", "Batch Two"]


def test_sparse_update_changes_only_what_it_sends(qb: QuickBooks) -> None:
    customer = new_customer(qb, "Sparse Sam")
    patch = {"Id": customer.Id, "SyncToken": customer.SyncToken, "sparse": True}

    updated = qb.update_object("Customer", json.dumps({**patch, "CompanyName": "Sam Co"}))
    with pytest.raises(QuickbooksException) as stale:
        qb.update_object("Customer", json.dumps({**patch, "CompanyName": "Late"}))

    assert updated["Customer"]["CompanyName"] == "Sam Co"
    assert updated["Customer"]["DisplayName"] == "Sparse Sam"
    assert updated["Customer"]["SyncToken"] == "1"
    assert stale.value.error_code == 5010  # the SyncToken was already spent
    assert Customer.get(customer.Id, qb=qb).CompanyName == "Sam Co"


def test_void_keeps_the_document_at_zero(qb: QuickBooks) -> None:
    """SalesReceipt.void sends `operation=update&include=void` with a sparse body, as Intuit's
    SalesReceipt reference documents; Invoice.void sends `operation=void`. Both stay, their
    amounts zeroed and PrivateNote marked "Voided" (the library's own test_void asserts the
    same against Intuit's sandbox)."""
    receipt = new_sales_receipt(qb, 42.5)
    invoice = Invoice()
    invoice.CustomerRef = receipt.CustomerRef
    invoice.Line = [amount_line(qb, 10.0)]
    invoice = invoice.save(qb=qb)

    receipt.void(qb=qb)
    invoice.void(qb=qb)

    for voided in (SalesReceipt.get(receipt.Id, qb=qb), Invoice.get(invoice.Id, qb=qb)):
        assert voided.TotalAmt == 0 and "Voided" in voided.PrivateNote
        assert voided.Line[0].Amount == 0 and voided.DocNumber


def test_delete_then_read_is_object_not_found(qb: QuickBooks) -> None:
    receipt = new_sales_receipt(qb)

    answer = receipt.delete(qb=qb)

    assert answer["SalesReceipt"] == {"status": "Deleted", "domain": "QBO", "Id": receipt.Id}
    with pytest.raises(ObjectNotFoundException) as missing:
        SalesReceipt.get(receipt.Id, qb=qb)
    assert missing.value.error_code == 610


def test_change_data_capture(qb: QuickBooks) -> None:
    """Intuit's change-data-capture page: changes and deletions since a moment, at most 30
    days back; deleted records come back as their Id with status Deleted."""
    since = now_local() - timedelta(minutes=1)
    customer = new_customer(qb, "Changed Carla")
    gone = new_sales_receipt(qb)
    gone.delete(qb=qb)

    changes = change_data_capture([Customer, SalesReceipt], since, qb=qb)
    with pytest.raises(UnsupportedException):
        change_data_capture([Customer], now_local() - timedelta(days=31), qb=qb)

    assert customer.Id in [c.Id for c in changes.Customer]
    deleted = [r for r in changes.SalesReceipt if r.Id == gone.Id]
    assert [r.status for r in deleted] == ["Deleted"]

"""The sandbox answers with any published fault verbatim (scripted answers), and its companies
refuse what a real company in that state refuses: closed books (6210), a lapsed subscription
(6190). All over HTTP, as tests and `make run` drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_limits import FaultInjector, ScriptedAnswer

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"
RECEIPT = {
    "TxnDate": "2025-03-14",
    "Line": [
        {
            "Amount": 10,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
        }
    ],
}
XML_FAULT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse '
    'xmlns="http://schema.intuit.com/finance/v3" time="2019-08-02T04:48:37.097-07:00">'
    '<Fault type="ValidationFault"><Error code="6240" element=""><Message>Duplicate Name Exists '
    "Error</Message><Detail>The name supplied already exists.</Detail></Error></Fault>"
    "</IntuitResponse>"
)


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM])


@pytest.fixture
async def http(sandbox: QboSandbox) -> AsyncIterator[httpx.AsyncClient]:
    token = sandbox.issue_tokens(REALM)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://qbo.test", headers=headers
    ) as client:
        yield client


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["Fault"]["Error"][0]
    return error


async def test_a_scripted_answer_is_sent_verbatim_once(
    sandbox: QboSandbox, http: httpx.AsyncClient
) -> None:
    sandbox.answer_next(400, XML_FAULT, content_type="application/xml", path_contains="customer")

    assert (await http.post(f"{API}/salesreceipt", json=RECEIPT)).status_code == 200
    answered = await http.post(f"{API}/customer", json={"DisplayName": "Ann Lee"})
    assert (answered.status_code, answered.text) == (400, XML_FAULT)
    assert answered.headers["content-type"].startswith("application/xml")
    assert sandbox.documents(REALM, "Customer") == []
    again = await http.post(f"{API}/customer", json={"DisplayName": "Ann Lee"})
    assert again.status_code == 200


async def test_the_admin_route_scripts_answers_with_json_bodies(
    sandbox: QboSandbox, http: httpx.AsyncClient
) -> None:
    body = {"Fault": {"Error": [{"Message": "m", "Detail": "d", "code": "6190"}]}}
    queued = await http.post(
        "/_sandbox/faults", json={"kind": "answer", "status": 200, "body": body, "count": 2}
    )
    assert queued.status_code == 201, queued.text
    for _ in range(2):
        answered = await http.post(f"{API}/salesreceipt", json=RECEIPT)
        assert answered.status_code == 200 and answered.json() == body
    bad = await http.post("/_sandbox/faults", json={"kind": "answer", "status": 42, "body": ""})
    assert bad.status_code == 400
    assert (await http.post("/_sandbox/faults", json={"kind": "answer"})).status_code == 400


def test_answers_are_scripted_not_drawn() -> None:
    faults = FaultInjector()
    with pytest.raises(ValueError):
        faults.add("answer")
    with pytest.raises(ValueError):
        faults.add("throttle", answer=ScriptedAnswer(400, "{}"))
    with pytest.raises(ValueError):
        faults.set_rates({"answer": 0.5})


async def test_closed_books_refuse_transactions_dated_within_them(
    sandbox: QboSandbox, http: httpx.AsyncClient
) -> None:
    closed = await http.post(
        f"/_sandbox/realms/{REALM}/books", json={"closed_through": "2025-03-31"}
    )
    assert closed.json() == {"closed_through": "2025-03-31"}

    refused = await http.post(f"{API}/salesreceipt", json=RECEIPT)
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "6210"
    assert error_of(refused)["Message"] == "Account Period Closed"
    later = await http.post(f"{API}/salesreceipt", json={**RECEIPT, "TxnDate": "2025-04-01"})
    assert later.status_code == 200
    customer = await http.post(f"{API}/customer", json={"DisplayName": "Ann Lee"})
    assert customer.status_code == 200  # name lists carry no date

    await http.post(f"/_sandbox/realms/{REALM}/books", json={"closed_through": None})
    assert (await http.post(f"{API}/salesreceipt", json=RECEIPT)).status_code == 200
    bad = await http.post(f"/_sandbox/realms/{REALM}/books", json={"closed_through": 5})
    assert bad.status_code == 400


async def test_a_lapsed_subscription_refuses_every_write(
    sandbox: QboSandbox, http: httpx.AsyncClient
) -> None:
    lapsed = await http.post(f"/_sandbox/realms/{REALM}/subscription", json={"active": False})
    assert lapsed.json() == {"active": False}

    for path, body in (("salesreceipt", RECEIPT), ("customer", {"DisplayName": "Ann Lee"})):
        refused = await http.post(f"{API}/{path}", json=body)
        assert refused.status_code == 400
        assert error_of(refused)["code"] == "6190"
    assert (await http.get(f"{API}/item/1")).status_code == 200  # reads still work

    await http.post(f"/_sandbox/realms/{REALM}/subscription", json={"active": True})
    assert (await http.post(f"{API}/salesreceipt", json=RECEIPT)).status_code == 200
    unknown = await http.post("/_sandbox/realms/nope/subscription", json={"active": True})
    assert unknown.status_code == 404

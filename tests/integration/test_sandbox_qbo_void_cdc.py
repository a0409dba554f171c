"""Void and change data capture in the fake QBO, over HTTP, beyond what python-quickbooks
sends (tests/integration/test_sandbox_qbo_python_quickbooks.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_wire import now_local

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM])


async def receipt(client: httpx.AsyncClient, note: str | None = None) -> dict[str, Any]:
    line = {"Amount": 30, "DetailType": "SalesItemLineDetail"}
    line["SalesItemLineDetail"] = {"ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 15}
    body: dict[str, Any] = {"Line": [line], **({"PrivateNote": note} if note else {})}
    created: dict[str, Any] = (await client.post(f"{API}/salesreceipt", json=body)).json()
    return created["SalesReceipt"]


async def test_void_zeroes_quantities_and_prepends_the_note(client: httpx.AsyncClient) -> None:
    """Intuit's SalesReceipt reference: "all amounts and quantities are zeroed and the string,
    Voided, is injected into SalesReceipt.PrivateNote, prepended to existing text"."""
    sold = await receipt(client, "Order #1001")
    sparse = {"Id": sold["Id"], "SyncToken": sold["SyncToken"], "sparse": True}

    answer = await client.post(
        f"{API}/salesreceipt", json=sparse, params={"operation": "update", "include": "void"}
    )

    voided = answer.json()["SalesReceipt"]
    assert (voided["TotalAmt"], voided["Balance"], voided["SyncToken"]) == (0, 0, "1")
    assert voided["Line"][0]["Amount"] == 0
    assert voided["Line"][0]["SalesItemLineDetail"]["Qty"] == 0
    assert voided["PrivateNote"].startswith("Voided") and "Order #1001" in voided["PrivateNote"]


@pytest.mark.parametrize(
    "params",
    [{"operation": "void"}, {"include": "void"}, {"operation": "update", "include": "other"}],
)
async def test_a_void_call_intuit_does_not_document_faults_instead_of_answering_200(
    client: httpx.AsyncClient, sandbox: QboSandbox, params: dict[str, str]
) -> None:
    sold = await receipt(client)
    sparse = {"Id": sold["Id"], "SyncToken": sold["SyncToken"], "sparse": True}

    answer = await client.post(f"{API}/salesreceipt", json=sparse, params=params)

    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"
    assert sandbox.documents(REALM, "SalesReceipt")[0]["TotalAmt"] == 30


async def test_cdc_lists_only_what_changed_since(client: httpx.AsyncClient) -> None:
    before = await receipt(client)
    since = now_local().strftime("%Y-%m-%dT%H:%M:%S%z")
    await client.post(
        f"{API}/salesreceipt",
        json={"Id": before["Id"], "SyncToken": "0"},
        params={"operation": "delete"},
    )

    answer = await client.get(
        f"{API}/cdc", params={"entities": "SalesReceipt,Customer", "changedSince": since}
    )

    responses = answer.json()["CDCResponse"][0]["QueryResponse"]
    assert responses[0]["SalesReceipt"] == [
        {
            "domain": "QBO",
            "status": "Deleted",
            "Id": before["Id"],
            "MetaData": responses[0]["SalesReceipt"][0]["MetaData"],
        }
    ]
    assert responses[1] == {}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"entities": "Customer", "changedSince": "2001-01-01"}, "500"),
        ({"entities": "Spaceship", "changedSince": "2099-01-01"}, "500"),
        ({"entities": "Customer"}, "2020"),
    ],
)
async def test_cdc_refusals(client: httpx.AsyncClient, params: dict[str, str], code: str) -> None:
    answer = await client.get(f"{API}/cdc", params=params)

    assert answer.json()["Fault"]["Error"][0]["code"] == code

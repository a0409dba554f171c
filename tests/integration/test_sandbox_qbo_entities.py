"""RefundReceipt and TaxRate in the fake QBO: create, read and query as Intuit documents; a
transaction deleted as a person deletes it in QBO."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM])


def refund(**extra: Any) -> dict[str, Any]:
    detail = {"ItemRef": {"value": "1"}, "Qty": 3, "UnitPrice": 30, "TaxCodeRef": {"value": "TAX"}}
    line = {"Amount": 90, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}
    return {"Line": [line], "DepositToAccountRef": {"value": "1"}, **extra}


async def query(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    response = await client.get(f"{API}/query", params={"query": text})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["QueryResponse"]
    return found


async def test_refund_receipt_create_read_and_query(client: httpx.AsyncClient) -> None:
    tax = {"TxnTaxCodeRef": {"value": "2"}}
    created = await client.post(f"{API}/refundreceipt", json=refund(TxnTaxDetail=tax))

    assert created.status_code == 200, created.text
    record = created.json()["RefundReceipt"]
    assert record["DepositToAccountRef"] == {"value": "1", "name": "Checking"}
    assert (record["TotalAmt"], record["Balance"], record["DocNumber"]) == (95.4, 0, "1001")
    assert record["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["TaxRateRef"] == {"value": "1"}
    read = await client.get(f"{API}/refundreceipt/{record['Id']}")
    assert read.json()["RefundReceipt"] == record
    found = await query(client, "select * from RefundReceipt where DocNumber = '1001'")
    assert [r["Id"] for r in found["RefundReceipt"]] == [record["Id"]]


async def test_refund_receipt_needs_a_deposit_account_of_the_right_type(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    body = refund()
    del body["DepositToAccountRef"]
    missing = await client.post(f"{API}/refundreceipt", json=body)
    income = await client.post(
        f"{API}/refundreceipt", json=refund(DepositToAccountRef={"value": "5"})
    )

    assert missing.status_code == 400
    assert missing.json()["Fault"]["Error"][0]["element"] == "DepositToAccountRef"
    assert missing.json()["Fault"]["Error"][0]["code"] == "2020"
    assert income.json()["Fault"]["Error"][0]["code"] == "6000"
    assert sandbox.documents(REALM, "RefundReceipt") == []


async def test_refund_receipt_doc_numbers_are_unique_per_entity(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post(f"{API}/refundreceipt", json=refund(DocNumber="RF-1"))
    second = await client.post(f"{API}/refundreceipt", json=refund(DocNumber="RF-1"))

    assert first.status_code == 200
    detail = second.json()["Fault"]["Error"][0]["Detail"]
    assert "DocNumber=RF-1 is assigned to TxnType=Refund Receipt" in detail


async def test_every_seeded_tax_code_rate_can_be_read_and_queried(
    client: httpx.AsyncClient,
) -> None:
    codes = (await query(client, "select * from TaxCode"))["TaxCode"]
    refs = {
        detail["TaxRateRef"]["value"]
        for code in codes
        for detail in (code.get("SalesTaxRateList") or {}).get("TaxRateDetail", [])
    }

    assert refs == {"1", "2", "3", "4"}  # Kentucky, Ohio, Franklin County, Texas
    seen = {}
    for rate_id in refs:
        read = await client.get(f"{API}/taxrate/{rate_id}")
        assert read.status_code == 200
        seen[read.json()["TaxRate"]["Name"]] = read.json()["TaxRate"]["RateValue"]
    assert seen == {"Kentucky": 6, "Ohio": 5.75, "Franklin County": 1.75, "Texas": 6.25}
    rates = (await query(client, "select * from TaxRate where Name = 'Kentucky'"))["TaxRate"]
    assert [r["Id"] for r in rates] == ["1"]
    assert {"AgencyRef", "Active", "SyncToken", "MetaData"} <= set(rates[0])


async def test_tax_rates_are_read_only(client: httpx.AsyncClient) -> None:
    answer = await client.post(f"{API}/taxrate", json={"Name": "New", "RateValue": 1})

    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"


async def test_a_deleted_transaction_is_gone_and_frees_its_number(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    created = await client.post(f"{API}/refundreceipt", json=refund(DocNumber="RF-9"))
    record = created.json()["RefundReceipt"]
    delete = {"operation": "delete"}

    stale = await client.post(f"{API}/refundreceipt", params=delete, json={"Id": record["Id"]})
    answer = await client.post(
        f"{API}/refundreceipt",
        params=delete,
        json={"Id": record["Id"], "SyncToken": record["SyncToken"]},
    )

    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"
    assert answer.status_code == 200
    assert answer.json()["RefundReceipt"] == {
        "Id": record["Id"],
        "status": "Deleted",
        "domain": "QBO",
    }
    assert sandbox.documents(REALM, "RefundReceipt") == []
    gone = await client.get(f"{API}/refundreceipt/{record['Id']}")
    assert gone.json()["Fault"]["Error"][0]["code"] == "610"
    again = await client.post(f"{API}/refundreceipt", json=refund(DocNumber="RF-9"))
    assert again.status_code == 200


async def test_name_list_records_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        f"{API}/item", params={"operation": "delete"}, json={"Id": "1", "SyncToken": "0"}
    )

    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"

"""The fake QBO accounting API over HTTP: envelopes, validation faults, requestid replay."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_wire import today

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[-+]\d\d:\d\d$")


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM])


def item_line(amount: Any, item_id: str = "1", **detail: Any) -> dict[str, Any]:
    return {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item_id}, **detail},
    }


def fault(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == 400 and body["Fault"]["type"] == "ValidationFault"
    assert TIME.match(body["time"])
    error: dict[str, Any] = body["Fault"]["Error"][0]
    assert isinstance(error["code"], str)
    return error


async def create(
    client: httpx.AsyncClient, entity: str, body: dict[str, Any], **params: str
) -> httpx.Response:
    return await client.post(f"{API}/{entity}", json=body, params={"minorversion": "75", **params})


async def test_customer_create_and_read_use_the_real_envelope(client: httpx.AsyncClient) -> None:
    created = await create(
        client, "customer", {"DisplayName": "Ann Lee", "PrimaryEmailAddr": {"Address": "a@x.io"}}
    )

    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"Customer", "time"} and TIME.match(body["time"])
    customer = body["Customer"]
    assert isinstance(customer["Id"], str) and customer["SyncToken"] == "0"
    assert customer["Active"] is True and customer["FullyQualifiedName"] == "Ann Lee"
    assert set(customer["MetaData"]) == {"CreateTime", "LastUpdatedTime"}
    read = await client.get(f"{API}/customer/{customer['Id']}")
    assert read.json()["Customer"] == customer


async def test_sales_receipt_totals_and_defaults(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    customer = (await create(client, "customer", {"DisplayName": "Ann Lee"})).json()["Customer"]
    receipt = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            item_line(50, Qty=2, UnitPrice=25, TaxCodeRef={"value": "TAX"}),
            item_line("12.00", "SHIPPING_ITEM_ID"),
            {
                "Amount": 5,
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": False},
            },
        ],
        "TxnTaxDetail": {"TotalTax": 3.72},
    }
    response = await create(client, "salesreceipt", receipt)

    assert response.status_code == 200, response.text
    created = response.json()["SalesReceipt"]
    assert created["TotalAmt"] == 60.72 and created["Balance"] == 0
    assert created["DepositToAccountRef"] == {"value": "2", "name": "Undeposited Funds"}
    assert created["CurrencyRef"]["value"] == "USD" and created["DocNumber"] == "1001"
    assert created["TxnDate"] == today()  # the company's today, in Pacific time
    assert created["CustomerRef"] == {"value": customer["Id"], "name": "Ann Lee"}
    kinds = [line["DetailType"] for line in created["Line"]]
    assert kinds == [
        "SalesItemLineDetail",
        "SalesItemLineDetail",
        "SubTotalLineDetail",
        "DiscountLineDetail",
    ]
    assert created["Line"][2]["Amount"] == 62
    assert sandbox.documents(REALM, "SalesReceipt") == [created]


async def test_tax_is_computed_from_the_tax_code_when_not_given(client: httpx.AsyncClient) -> None:
    receipt = {
        "Line": [
            item_line(50, TaxCodeRef={"value": "TAX"}),
            item_line(10, TaxCodeRef={"value": "NON"}),
        ],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}},
    }
    created = (await create(client, "salesreceipt", receipt)).json()["SalesReceipt"]

    assert created["TxnTaxDetail"]["TotalTax"] == 3 and created["TotalAmt"] == 63


async def test_requestid_replay_returns_the_original_and_creates_nothing(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    first = await create(client, "salesreceipt", {"Line": [item_line(10)]}, requestid="sr-1")
    again = await create(client, "salesreceipt", {"Line": [item_line(99)]}, requestid="sr-1")

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 1
    other = await create(client, "salesreceipt", {"Line": [item_line(10)]}, requestid="sr-2")
    assert other.json()["SalesReceipt"]["Id"] != first.json()["SalesReceipt"]["Id"]


async def test_requestid_replays_a_fault_too_and_is_limited_to_50_chars(
    client: httpx.AsyncClient,
) -> None:
    failed = await create(client, "salesreceipt", {"Line": []}, requestid="bad-1")
    replay = await create(client, "salesreceipt", {"Line": [item_line(10)]}, requestid="bad-1")
    assert fault(replay) == fault(failed)

    too_long = await create(client, "salesreceipt", {"Line": [item_line(10)]}, requestid="x" * 51)
    assert fault(too_long)["code"] == "2050"


async def test_duplicate_doc_number_is_6140(client: httpx.AsyncClient) -> None:
    first = (
        await create(client, "salesreceipt", {"DocNumber": "1001", "Line": [item_line(5)]})
    ).json()
    error = fault(
        await create(client, "salesreceipt", {"DocNumber": "1001", "Line": [item_line(5)]})
    )

    assert error["code"] == "6140" and error["Message"] == "Duplicate Document Number Error"
    assert error["Detail"] == (
        "Duplicate Document Number Error : You must specify a different number. This number has "
        "already been used. DocNumber=1001 is assigned to TxnType=Sales Receipt with "
        f"TxnId={first['SalesReceipt']['Id']}"
    )
    # Another transaction type may reuse the number.
    customer = (await create(client, "customer", {"DisplayName": "Bo"})).json()["Customer"]
    invoice = {
        "DocNumber": "1001",
        "CustomerRef": {"value": customer["Id"]},
        "Line": [item_line(5)],
    }
    assert (await create(client, "invoice", invoice)).status_code == 200


@pytest.mark.parametrize(
    ("body", "code", "element"),
    [
        ({"Line": [item_line(5, "999")]}, "2500", "Line.SalesItemLineDetail.ItemRef"),
        ({"Line": [item_line(5)], "CustomerRef": {"value": "404"}}, "2500", "CustomerRef"),
        (
            {"Line": [item_line(5)], "DepositToAccountRef": {"value": "404"}},
            "2500",
            "DepositToAccountRef",
        ),
        ({"Line": []}, "2020", "Line"),
        ({}, "2020", "Line"),
        ({"Line": [item_line(5)], "DocNumber": "X" * 22}, "2050", "DocNumber"),
        ({"Line": [item_line(7, Qty=2, UnitPrice=3)]}, "6070", "Line.Amount"),
    ],
)
async def test_sales_receipt_validation_faults(
    client: httpx.AsyncClient, body: dict[str, Any], code: str, element: str
) -> None:
    error = fault(await create(client, "salesreceipt", body))
    assert (error["code"], error["element"]) == (code, element)


async def test_fault_texts_match_qbo(client: httpx.AsyncClient, sandbox: QboSandbox) -> None:
    no_line = fault(await create(client, "salesreceipt", {"Line": []}))
    assert (
        no_line["Message"]
        == "Required param missing, need to supply the required value for the API"
    )
    assert no_line["Detail"] == "Required parameter Line is missing in the request"
    bad_item = fault(await create(client, "salesreceipt", {"Line": [item_line(5, "999")]}))
    assert bad_item["Detail"] == "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef"
    inactive = sandbox.add(REALM, "Item", {"Name": "Old", "Type": "Service", "Active": False})
    assert (
        fault(await create(client, "salesreceipt", {"Line": [item_line(5, inactive["Id"])]}))[
            "code"
        ]
        == "2500"
    )
    unknown = fault(await create(client, "salesreceipt", {"Line": [item_line(5)], "Depositto": {}}))
    assert unknown["code"] == "2010" and '"Depositto"' in unknown["Detail"]


async def test_display_names_are_unique_across_people(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.add(REALM, "Vendor", {"DisplayName": "Acme Supply"})
    error = fault(await create(client, "customer", {"DisplayName": "acme supply"}))
    assert error["code"] == "6240" and error["Message"] == "Duplicate Name Exists Error"

    assert (
        fault(await create(client, "customer", {"DisplayName": "A:B"}))["element"] == "DisplayName"
    )
    assert fault(await create(client, "customer", {"DisplayName": "x" * 501}))["code"] == "2050"
    derived = await create(client, "customer", {"GivenName": "Ann", "FamilyName": "Lee"})
    assert derived.json()["Customer"]["DisplayName"] == "Ann Lee"


async def test_item_rules(client: httpx.AsyncClient) -> None:
    service = {"Name": "Mug", "Type": "Service", "Sku": "MUG-1", "IncomeAccountRef": {"value": "5"}}
    created = (await create(client, "item", service)).json()["Item"]
    assert created["IncomeAccountRef"] == {"value": "5", "name": "Sales of Product Income"}

    assert fault(await create(client, "item", service))["code"] == "6240"
    assert (
        fault(await create(client, "item", {**service, "Name": "Cup", "Type": None}))["code"]
        == "2020"
    )
    no_income = {"Name": "Cup", "Type": "Service"}
    assert fault(await create(client, "item", no_income))["element"] == "IncomeAccountRef"
    line = item_line(5, created["Id"])
    assert (await create(client, "salesreceipt", {"Line": [line]})).status_code == 200


async def test_read_unknown_id_and_unknown_resource(client: httpx.AsyncClient) -> None:
    assert fault(await client.get(f"{API}/customer/4040"))["code"] == "610"
    assert fault(await client.get(f"{API}/widget/1"))["code"] == "500"
    assert fault(await client.post(f"{API}/account", json={"Name": "X"}))["code"] == "500"


async def test_without_accept_json_the_answer_is_xml(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/item/1", headers={"Accept": "*/*"})

    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith("<?xml") and "<IntuitResponse" in response.text


async def test_update_needs_the_current_sync_token(client: httpx.AsyncClient) -> None:
    customer = (await create(client, "customer", {"DisplayName": "Ann Lee"})).json()["Customer"]
    sparse = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Lee Co"}
    updated = (await create(client, "customer", sparse)).json()["Customer"]
    assert (updated["SyncToken"], updated["CompanyName"], updated["DisplayName"]) == (
        "1",
        "Lee Co",
        "Ann Lee",
    )

    assert fault(await create(client, "customer", sparse))["code"] == "5010"


async def test_payment_applies_to_an_invoice(client: httpx.AsyncClient) -> None:
    customer = (await create(client, "customer", {"DisplayName": "Ann Lee"})).json()["Customer"]
    ref = {"value": customer["Id"]}
    invoice = (
        await create(client, "invoice", {"CustomerRef": ref, "Line": [item_line(40)]})
    ).json()["Invoice"]
    assert invoice["Balance"] == 40

    link = [{"Amount": 25, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]
    payment = await create(client, "payment", {"CustomerRef": ref, "TotalAmt": 30, "Line": link})
    assert payment.json()["Payment"]["UnappliedAmt"] == 5
    after = (await client.get(f"{API}/invoice/{invoice['Id']}")).json()["Invoice"]
    assert after["Balance"] == 15 and after["SyncToken"] == "1"
    assert fault(await create(client, "invoice", {"Line": [item_line(1)]}))["Detail"].endswith(
        "CustomerRef is missing in the request"
    )

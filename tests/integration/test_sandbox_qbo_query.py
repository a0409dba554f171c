"""The fake QBO query endpoint: grammar, filters, paging, counts and the 4000/4001 faults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"
NAMES = ["O'Brien's Shop", "Ann Lee", "Bob Stone", "Annabel Ng", "Zed Ray"]


@pytest.fixture
def sandbox() -> QboSandbox:
    sandbox = QboSandbox(seed_realms=[REALM])
    for index, name in enumerate(NAMES):
        email = {"Address": f"c{index}@x.io"}
        sandbox.add(REALM, "Customer", {"DisplayName": name, "PrimaryEmailAddr": email})
    sandbox.add(REALM, "Customer", {"DisplayName": "Gone Away", "Active": False})
    return sandbox


async def query(client: httpx.AsyncClient, text: str) -> httpx.Response:
    return await client.get(f"{API}/query", params={"query": text, "minorversion": "75"})


async def rows(client: httpx.AsyncClient, text: str) -> list[dict[str, Any]]:
    response = await query(client, text)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["QueryResponse"].get("Customer", [])
    return found


async def names(client: httpx.AsyncClient, text: str) -> list[str]:
    return [row["DisplayName"] for row in await rows(client, text)]


async def test_escaped_quote_and_response_shape(client: httpx.AsyncClient) -> None:
    response = await query(
        client, "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien\\'s Shop'"
    )

    body = response.json()
    assert set(body) == {"QueryResponse", "time"}
    result = body["QueryResponse"]
    assert [c["DisplayName"] for c in result["Customer"]] == ["O'Brien's Shop"]
    assert (result["startPosition"], result["maxResults"]) == (1, 1)


async def test_filters(client: httpx.AsyncClient) -> None:
    assert await names(client, "select * from customer where DisplayName like 'Ann%'") == [
        "Ann Lee",
        "Annabel Ng",
    ]
    assert await names(client, "SELECT * FROM Customer WHERE DisplayName LIKE '%ston%'") == [
        "Bob Stone"
    ]
    in_list = "SELECT * FROM Customer WHERE DisplayName IN ('Zed Ray', 'Ann Lee')"
    assert await names(client, in_list) == ["Ann Lee", "Zed Ray"]
    email = "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'c2@x.io'"
    assert await names(client, email) == ["Bob Stone"]
    both = "SELECT * FROM Customer WHERE Id > '1' AND DisplayName < 'B'"
    assert await names(client, both) == ["Ann Lee", "Annabel Ng"]
    assert await names(
        client, "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2000-01-01'"
    )


async def test_inactive_records_need_an_active_filter(client: httpx.AsyncClient) -> None:
    assert "Gone Away" not in await names(client, "SELECT * FROM Customer")
    assert "Gone Away" in await names(
        client, "SELECT * FROM Customer WHERE Active IN (true, false)"
    )
    assert await names(client, "SELECT * FROM Customer WHERE Active = false") == ["Gone Away"]


async def test_order_and_paging(client: httpx.AsyncClient) -> None:
    ordered = await names(client, "SELECT * FROM Customer ORDERBY DisplayName DESC")
    assert ordered == sorted(NAMES, key=str.lower, reverse=True)

    response = await query(
        client, "SELECT * FROM Customer ORDERBY DisplayName STARTPOSITION 2 MAXRESULTS 2"
    )
    page = response.json()["QueryResponse"]
    assert [c["DisplayName"] for c in page["Customer"]] == ["Annabel Ng", "Bob Stone"]
    assert (page["startPosition"], page["maxResults"]) == (2, 2)


async def test_count_and_empty_result(client: httpx.AsyncClient) -> None:
    count = await query(client, "SELECT COUNT(*) FROM Customer")
    assert count.json()["QueryResponse"] == {"totalCount": 5}

    empty = await query(client, "SELECT * FROM Customer WHERE DisplayName = 'Nobody'")
    assert empty.json()["QueryResponse"] == {}


async def test_post_query_with_application_text(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/query",
        content="SELECT * FROM Item WHERE Name = 'Shipping'",
        headers={"Content-Type": "application/text"},
    )
    assert [i["Name"] for i in response.json()["QueryResponse"]["Item"]] == ["Shipping"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT * FROM Customer WHERE Notes = 'x'", "4001"),
        ("SELECT * FROM Customer WHERE Balance2 = '1'", "4001"),
        ("SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'", "4000"),
        ("SELECT * FROM Customer WHERE Id = 1", "4000"),
        ("SELECT DisplayName, Nickname FROM Customer", "4001"),
        ("SELECT * FROM Customer WHERE DisplayName = \u2018Ann\u2019", "4000"),
        ("SELECT * FORM Customer", "4000"),
        ("", "4000"),
    ],
)
async def test_bad_queries(client: httpx.AsyncClient, text: str, code: str) -> None:
    response = await query(client, text)

    assert response.status_code == 400
    error = response.json()["Fault"]["Error"][0]
    assert error["code"] == code
    expected = "Invalid query" if code == "4001" else "Error parsing query"
    assert error["Message"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "SELECT DisplayName FROM Customer ORDERBY Id DESC",
        "SELECT *, DisplayName FROM Customer ORDER BY Id DESC",
    ],
)
async def test_a_property_list_still_answers_whole_records(
    client: httpx.AsyncClient, text: str
) -> None:
    """Intuit's data-queries page: "The response set always returns all properties for each
    object. That is, projections are not supported." Clients send property lists all the same
    (Intuit's Java SDK QueryFilter, python-quickbooks' `SELECT *, Sku FROM Item`)."""
    whole = (await query(client, "SELECT * FROM Customer ORDERBY Id DESC")).json()

    listed = (await query(client, text)).json()

    assert listed["QueryResponse"] == whole["QueryResponse"]
    assert "PrimaryEmailAddr" in listed["QueryResponse"]["Customer"][0]


async def test_not_queryable_detail(client: httpx.AsyncClient) -> None:
    response = await query(client, "SELECT * FROM Customer WHERE Notes = 'x'")
    detail = response.json()["Fault"]["Error"][0]["Detail"]
    assert detail == "QueryValidationError: property 'Notes' is not queryable"


async def test_max_results_defaults_to_100_and_is_capped_at_1000(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    for index in range(1005):
        sandbox.add(REALM, "Item", {"Name": f"Item {index}", "Type": "Service"})
    response = await query(client, "SELECT * FROM Item MAXRESULTS 5000")
    assert response.json()["QueryResponse"]["maxResults"] == 1000
    default = (await query(client, "SELECT * FROM Item")).json()["QueryResponse"]
    assert (len(default["Item"]), default["maxResults"]) == (100, 100)

"""The fake QBO's batch endpoint: partial success, limits, isolation and requestid replay."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> QboSandbox:
    return QboSandbox(seed_realms=[REALM], requests_per_minute=5, batch_per_minute=2, clock=clock)


def receipt(doc_number: str, item_id: str = "1", **extra: Any) -> dict[str, Any]:
    line = {"Amount": 10, "DetailType": "SalesItemLineDetail"}
    line["SalesItemLineDetail"] = {"ItemRef": {"value": item_id}}
    return {"DocNumber": doc_number, "Line": [line], **extra}


def create(bid: str, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"bId": bid, "operation": "create", entity: body}


async def batch(
    client: httpx.AsyncClient, items: list[dict[str, Any]], **params: str
) -> httpx.Response:
    return await client.post(f"{API}/batch", json={"BatchItemRequest": items}, params=params)


def by_bid(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {item["bId"]: item for item in response.json()["BatchItemResponse"]}


async def test_partial_success_answers_each_item_on_its_own(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    answer = await batch(
        client,
        [
            create("ok", "SalesReceipt", receipt("B-1")),
            create("bad", "SalesReceipt", receipt("B-2", item_id="999")),
            create("cust", "Customer", {"DisplayName": "Batch Buyer"}),
            {"bId": "q", "Query": "select * from Item where Name = 'Services'"},
        ],
    )

    items = by_bid(answer)
    assert set(answer.json()) == {"BatchItemResponse", "time"}
    assert items["ok"]["SalesReceipt"]["TotalAmt"] == 10
    error = items["bad"]["Fault"]["Error"][0]
    assert items["bad"]["Fault"]["type"] == "ValidationFault"
    assert (error["code"], error["element"]) == ("2500", "Line.SalesItemLineDetail.ItemRef")
    assert items["cust"]["Customer"]["DisplayName"] == "Batch Buyer"
    assert items["q"]["QueryResponse"]["Item"][0]["Name"] == "Services"
    assert [d["DocNumber"] for d in sandbox.documents(REALM, "SalesReceipt")] == ["B-1"]


async def test_items_do_not_see_records_made_earlier_in_the_same_batch(
    client: httpx.AsyncClient,
) -> None:
    answer = await batch(
        client,
        [
            create("c", "Customer", {"DisplayName": "Fresh Face"}),
            create("r", "SalesReceipt", receipt("B-9", CustomerRef={"value": "1"})),
            {"bId": "q", "Query": "select * from Customer where DisplayName = 'Fresh Face'"},
            create("first", "SalesReceipt", receipt("B-9")),
            create("second", "SalesReceipt", receipt("B-9")),
        ],
    )

    items = by_bid(answer)
    assert items["c"]["Customer"]["Id"] == "1"
    assert items["r"]["Fault"]["Error"][0]["code"] == "2500"  # customer 1 is not visible yet
    assert items["q"]["QueryResponse"] == {}
    # Uniqueness still holds across items: the books never hold two B-9 receipts.
    assert items["first"]["SalesReceipt"]["DocNumber"] == "B-9"
    assert items["second"]["Fault"]["Error"][0]["code"] == "6140"


async def test_more_than_30_items_is_one_400_and_writes_nothing(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    items = [create(f"b{n}", "SalesReceipt", receipt(f"M-{n}")) for n in range(31)]

    answer = await batch(client, items)

    assert answer.status_code == 400
    error = answer.json()["Fault"]["Error"][0]
    assert error["element"] == "BatchItemRequest" and "30" in error["Detail"]
    assert sandbox.documents(REALM, "SalesReceipt") == []
    assert by_bid(await batch(client, items[:30]))["b29"]["SalesReceipt"]["DocNumber"] == "M-29"


@pytest.mark.parametrize(
    ("items", "params", "element"),
    [
        ([create("b1", "Customer", {"DisplayName": "X"})], {"requestid": "r" * 37}, "requestid"),
        ([{"operation": "create", "Customer": {"DisplayName": "X"}}], {}, "bId"),
        ([], {}, "BatchItemRequest"),
    ],
)
async def test_malformed_batches_are_rejected_whole(
    client: httpx.AsyncClient,
    sandbox: QboSandbox,
    items: list[dict[str, Any]],
    params: dict[str, str],
    element: str,
) -> None:
    answer = await batch(client, items, **params)

    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["element"] == element
    assert sandbox.documents(REALM, "Customer") == []


async def test_a_uuid_bid_without_requestid_is_answered(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    """python-quickbooks' BatchManager names items by uuid4 (36 characters) and sends no
    requestid; Intuit limits bIds to 10 characters only "when RequestID is also specified"
    (Intuit developer blog, 2015-04-06, "15346")."""
    bid = "0b7e3f5c-2a1d-4e8f-9c6b-5d4a3b2c1e0f"

    answer = await batch(client, [create(bid, "Customer", {"DisplayName": "Long Bid"})])

    assert by_bid(answer)[bid]["Customer"]["DisplayName"] == "Long Bid"


async def test_with_a_requestid_each_bid_must_fit_beside_it(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    """QBO joins requestid and bId into one 50-character request id and faults each item over
    it (intuit/QuickBooks-V3-Java-SDK#180: "You cannot enter more than 50 characters in the
    request_id field … which is 68 characters", a 32-character requestid and uuid bIds)."""
    request_id = "86e1e8438fd9413587c2bd17f4185b13"
    long_bid, short_bid = "0b7e3f5c-2a1d-4e8f-9c6b-5d4a3b2c1e0f", "b1"
    items = [
        create(long_bid, "Customer", {"DisplayName": "Too Long"}),
        create(short_bid, "Customer", {"DisplayName": "Fits"}),
    ]

    answer = by_bid(await batch(client, items, requestid=request_id))

    error = answer[long_bid]["Fault"]["Error"][0]
    assert error["code"] == "6000" and "which is 68 characters" in error["Detail"]
    assert answer[short_bid]["Customer"]["DisplayName"] == "Fits"
    assert [c["DisplayName"] for c in sandbox.documents(REALM, "Customer")] == ["Fits"]


async def test_requestid_replays_the_whole_original_answer(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    items = [
        create("a", "SalesReceipt", receipt("R-1")),
        create("b", "SalesReceipt", receipt("R-2", item_id="999")),
    ]
    request_id = "5b2f0e9c-3d1a-4c7e-9f50-1e2d3c4b5a69"  # 36 characters, the batch maximum

    first = await batch(client, items, requestid=request_id)
    again = await batch(
        client, [create("z", "Customer", {"DisplayName": "Z"})], requestid=request_id
    )

    assert again.json() == first.json()
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 1
    assert sandbox.documents(REALM, "Customer") == []


async def test_batch_counts_once_per_minute_and_against_the_batch_limit(
    client: httpx.AsyncClient, sandbox: QboSandbox, clock: FakeClock
) -> None:
    ten = [create(f"b{n}", "Customer", {"DisplayName": f"C{n}"}) for n in range(10)]
    statuses = [(await batch(client, ten[i : i + 5])).status_code for i in (0, 5, 0)]
    assert statuses == [200, 200, 429]  # the third batch in a minute is over batch_per_minute=2
    assert (await client.get(f"{API}/item/1")).status_code == 200

    clock.now += 1.5
    assert [(await client.get(f"{API}/item/1")).status_code for _ in range(3)] == [200, 200, 429]
    stats = sandbox.stats(REALM)
    assert (stats["requests"], stats["throttled"], stats["batch_calls"]) == (7, 2, 3)
    assert stats["max_batch_per_minute"] == 3 and stats["max_per_minute"] == 7

    clock.now += 60
    assert (
        await batch(client, [create("c", "Customer", {"DisplayName": "Later"})])
    ).status_code == 200
    assert len(sandbox.documents(REALM, "Customer")) == 11


async def test_unsupported_item_operations_fault_alone(client: httpx.AsyncClient) -> None:
    answer = await batch(
        client,
        [
            {"bId": "d", "operation": "delete", "Customer": {"Id": "1", "SyncToken": "0"}},
            {"bId": "v", "operation": "create", "Vendor": {"DisplayName": "V"}},
            {"bId": "u", "operation": "update", "Customer": {"DisplayName": "No Id"}},
            {"bId": "n", "Customer": {"DisplayName": "No operation"}},
            create("ok", "Customer", {"DisplayName": "Fine"}),
        ],
    )

    items = by_bid(answer)
    codes = {
        bid: item["Fault"]["Error"][0]["code"] for bid, item in items.items() if "Fault" in item
    }
    assert codes == {"d": "500", "v": "500", "u": "2020", "n": "2020"}
    assert items["ok"]["Customer"]["DisplayName"] == "Fine"

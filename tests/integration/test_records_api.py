"""GET /v1/shops/{shop}/records and /records/{entity}/{id} through the API, on SQLite and on
PostgreSQL: the current state of each order, filtered and paged, one record with its history
and fix steps, and orders listed as pending while the worker has not got to them."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.adapters.queue.inprocess import InProcessQueue
from app.services.shops import Installed
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running

OTHER = "other.myshopify.com"
URL = f"/v1/shops/{SHOP}/records"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def ready_shop(h: Harness) -> Installed:
    """The fixture's buyer is a QBO customer and its SKU is mapped; MUG-11 is not."""
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    return shop


def order(number: int, sku: str = "TEE-ORG-HG-M") -> dict[str, Any]:
    payload = order_fixture()
    lines = [{**line, "sku": sku} for line in payload["line_items"]]
    return {
        **payload,
        "id": 5910002000000 + number,
        "name": f"#{number}",
        "order_number": number,
        "line_items": lines,
    }


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def listing(h: Harness, shop: Installed, **params: Any) -> dict[str, Any]:
    response = await h.api.get(URL, params=params, headers=h.auth(shop))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def labels(h: Harness, shop: Installed, **params: Any) -> list[tuple[str, str]]:
    return [(i["label"], i["status"]) for i in (await listing(h, shop, **params))["items"]]


async def an_error_and_a_receipt(h: Harness) -> Installed:
    """#1001 fails (its SKU is not mapped), then #1002 becomes a sales receipt."""
    shop = await ready_shop(h)
    await h.deliver(order(1001, sku="MUG-11"))
    await settle(h)
    await h.deliver(order(1002))
    await settle(h)
    return shop


async def test_records_list_the_current_state_of_each_order(h: Harness) -> None:
    shop = await an_error_and_a_receipt(h)

    items = (await listing(h, shop))["items"]

    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    synced, failed = items
    assert (synced["label"], synced["status"], synced["entity"]) == ("#1002", "synced", "order")
    assert synced["shopify_id"] == "5910002001002"
    assert (synced["qbo_id"], synced["qbo_doc_number"]) == (receipt["Id"], receipt["DocNumber"])
    assert synced["error"] is None and synced["attempts"] == 1
    assert (failed["label"], failed["status"]) == ("#1001", "error")
    assert failed["error_code"] == "product_not_mapped" and "MUG-11" in failed["message"]
    assert failed["error"]["code"] == "product_not_mapped"
    assert len(failed["error"]["fix_steps"]) >= 3
    assert failed["qbo_id"] is None and failed["attempts"] == 1
    assert failed["last_attempt_at"] is not None and failed["updated_at"] is not None


async def test_each_filter(h: Harness) -> None:
    shop = await an_error_and_a_receipt(h)
    both = [("#1002", "synced"), ("#1001", "error")]
    receipt_updated = (await listing(h, shop, order="1002"))["items"][0]["updated_at"]
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")

    assert await labels(h, shop, entity="order") == both
    assert await labels(h, shop, entity="product") == []
    assert await labels(h, shop, status="error") == [("#1001", "error")]
    assert await labels(h, shop, status="pending") == []
    assert await labels(h, shop, code="product_not_mapped") == [("#1001", "error")]
    assert await labels(h, shop, code="qbo_auth") == []
    assert await labels(h, shop, order="#1002") == [("#1002", "synced")]
    assert await labels(h, shop, order="1001") == [("#1001", "error")]
    assert await labels(h, shop, q="mug-11") == [("#1001", "error")]
    assert await labels(h, shop, q="5910002001002") == [("#1002", "synced")]
    assert ("#1002", "synced") in await labels(h, shop, q=receipt["DocNumber"])
    assert await labels(h, shop, since=receipt_updated) == [("#1002", "synced")]
    assert await labels(h, shop, until=receipt_updated) == [("#1001", "error")]
    for wrong in ({"entity": "invoice"}, {"status": "lost"}, {"code": "oops"}, {"limit": 0}):
        response = await h.api.get(URL, params=wrong, headers=h.auth(shop))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["invalid_params"][0]["name"] == next(iter(wrong))


async def test_cursor_paging_walks_every_record_once(h: Harness) -> None:
    shop = await ready_shop(h)
    for number in (1001, 1002, 1003):
        await h.deliver(order(number))
        await settle(h)  # one at a time: records are listed newest first

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = await listing(h, shop, **params)
        seen += [item["label"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["#1003", "#1002", "#1001"]
    two = await listing(h, shop, limit=2)
    rest = await listing(h, shop, limit=2, cursor=two["next_cursor"])
    assert [i["label"] for i in rest["items"]] == ["#1001"] and rest["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    ["nope", base64.urlsafe_b64encode(b"r:x").decode(), base64.urlsafe_b64encode(b"z:1").decode()],
)
async def test_a_cursor_we_did_not_issue_is_a_400_naming_it(h: Harness, cursor: str) -> None:
    shop = await h.install()

    response = await h.api.get(URL, params={"cursor": cursor}, headers=h.auth(shop))

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_cursor"
    assert [p["name"] for p in problem["invalid_params"]] == ["cursor"]


async def test_one_record_with_its_attempts_qbo_document_and_fix_steps(h: Harness) -> None:
    shop = await an_error_and_a_receipt(h)
    failed_url = f"{URL}/order/5910002001001"
    await h.api.post(
        f"/v1/shops/{SHOP}/sync", json={"order_ids": ["5910002001001"]}, headers=h.auth(shop)
    )
    await settle(h)
    catalogue = (await h.api.get("/v1/errors")).json()["items"]
    [unmapped] = [entry for entry in catalogue if entry["code"] == "product_not_mapped"]

    failed = (await h.api.get(failed_url, headers=h.auth(shop))).json()
    synced = (await h.api.get(f"{URL}/order/5910002001002", headers=h.auth(shop))).json()

    assert (failed["label"], failed["status"], failed["attempts"]) == ("#1001", "error", 2)
    assert failed["qbo_document"] is None
    assert failed["fix_steps"] == unmapped["fix_steps"]
    # The catalogue's actions, handed out for this record: its id is filled in.
    assert [a["name"] for a in failed["actions"]] == [a["name"] for a in unmapped["actions"]]
    [sync] = [a for a in failed["actions"] if a["name"] == "sync_orders"]
    assert sync["example"]["body"] == {"order_ids": ["5910002001001"]}
    assert "{id}" not in str(failed["actions"]) and "{entity}" not in str(failed["actions"])
    assert "/v1/shops/{shop}/mappings/products/auto-map" in {a["path"] for a in failed["actions"]}
    assert [(e["status"], e["actor"]) for e in failed["history"]] == [
        ("error", "manual"),
        ("error", "webhook"),
    ]
    assert failed["history"][0]["id"] > failed["history"][1]["id"]
    assert failed["history"][0]["error"]["code"] == "product_not_mapped"
    assert failed["more_history"] is False
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert synced["qbo_document"] == {
        "id": receipt["Id"],
        "doc_number": receipt["DocNumber"],
        "entity": "SalesReceipt",
    }
    assert synced["fix_steps"] == [] and synced["actions"] == [] and synced["error"] is None
    assert [(e["status"], e["qbo_id"]) for e in synced["history"]] == [("synced", receipt["Id"])]


async def test_another_shops_record_and_unknown_ones_are_404(h: Harness) -> None:
    shop = await ready_shop(h)
    other = await h.install(OTHER)
    await h.deliver(order(1001))
    await settle(h)
    mine = f"{URL}/order/5910002001001"

    assert (await h.api.get(mine, headers=h.auth(shop))).status_code == 200
    for path, key in [
        (f"/v1/shops/{OTHER}/records/order/5910002001001", other),
        (mine, other),
        (URL, other),
        (f"{URL}/invoice/5910002001001", shop),
        (f"{URL}/order/404", shop),
        (f"{URL}/product/5910002001001", shop),
    ]:
        response = await h.api.get(path, headers=h.auth(key))
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    theirs = await h.api.get(f"/v1/shops/{OTHER}/records", headers=h.auth(other))
    assert theirs.status_code == 200 and theirs.json()["items"] == []


def hold(queue: InProcessQueue, function: str) -> asyncio.Event:
    """Jobs of `function` wait until the returned event is set."""
    gate, runners = asyncio.Event(), dict(queue.runners)
    run = runners[function]

    async def held(*args: Any, **kw: Any) -> None:
        await gate.wait()
        await run(*args, **kw)

    queue.runners = {**runners, function: held}
    return gate


async def test_an_order_stored_but_not_processed_is_listed_pending(h: Harness) -> None:
    shop = await ready_shop(h)
    assert isinstance(h.queue, InProcessQueue)
    gate = hold(h.queue, "process_webhooks")
    try:
        assert (await h.deliver(order(1001))).status_code == 200

        [item] = (await listing(h, shop))["items"]
        detail = (await h.api.get(f"{URL}/order/5910002001001", headers=h.auth(shop))).json()
        filtered = {
            "pending": await labels(h, shop, status="pending"),
            "synced": await labels(h, shop, status="synced"),
            "code": await labels(h, shop, code="on_hold"),
            "order": await labels(h, shop, order="1001"),
            "q": await labels(h, shop, q="5910002001001"),
            "product": await labels(h, shop, entity="product"),
        }
    finally:
        gate.set()
    await settle(h)

    assert (item["label"], item["status"], item["shopify_id"]) == (
        "#1001",
        "pending",
        "5910002001001",
    )
    assert (item["attempts"], item["qbo_id"], item["error"]) == (0, None, None)
    assert (detail["status"], detail["history"], detail["qbo_document"]) == ("pending", [], None)
    waiting = [("#1001", "pending")]
    assert filtered == {
        "pending": waiting,
        "synced": [],
        "code": [],
        "order": waiting,
        "q": waiting,
        "product": [],
    }
    assert await labels(h, shop) == [("#1001", "synced")]


async def poll(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not seen in time")


async def test_an_order_is_pending_while_a_slow_quickbooks_holds_the_worker(h: Harness) -> None:
    shop = await ready_shop(h)
    h.qbo.latency_ms = 400  # every QBO call: the sync takes more than a second
    seen: list[list[tuple[str, str]]] = []

    async def listed() -> bool:
        seen.append(await labels(h, shop))
        return bool(seen[-1])

    await h.deliver(order(1001))
    await poll(listed)
    detail = (await h.api.get(f"{URL}/order/5910002001001", headers=h.auth(shop))).json()
    await settle(h)

    assert seen[-1] == [("#1001", "pending")]
    assert detail["status"] == "pending"
    assert await labels(h, shop) == [("#1001", "synced")]
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1

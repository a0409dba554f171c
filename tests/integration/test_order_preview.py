"""GET …/orders/{id}/preview, over HTTP against the sandbox QBO: the payload a sync would post,
or what stops it, with nothing written to QBO or to our database."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from app.adapters.db.tables import AuditEntry, Mapping, RecordBlocker, SyncRecord, SyncRun
from app.services.shops import install_shop
from ledgerport_sandbox.qbo_log import RecordedRequest
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running

BASE = f"/v1/shops/{SHOP}"
ORDER = order_fixture()
ORDER_ID = str(ORDER["id"])
SKU = "TEE-ORG-HG-M"
INCOME = "5"  # the sandbox company's "Sales of Product Income"
TABLES = (AuditEntry, SyncRecord, Mapping, RecordBlocker, SyncRun)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def rows(h: Harness) -> dict[str, int]:
    """How many rows each table a sync writes holds."""
    async with h.container.sessions() as session:
        return {
            table.__tablename__: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in TABLES
        }


def qbo_writes(requests: list[RecordedRequest]) -> list[str]:
    """Every call to QBO's accounting API that is not a read (GET, or a POSTed query)."""
    return [
        f"{r.method} {r.path}"
        for r in requests
        if "/v3/company/" in r.path and r.method != "GET" and not r.path.endswith("/query")
    ]


def posted(h: Harness, entity: str) -> list[dict[str, Any]]:
    """The bodies QBO received in creates of `entity`."""
    return [
        json.loads(r.body)
        for r in h.qbo.requests
        if r.method == "POST" and r.path.endswith(f"/{entity.lower()}")
    ]


async def preview(h: Harness, auth: dict[str, str], *, reads: bool = True) -> dict[str, Any]:
    """The preview, checked to have written nothing to QBO or to the database; `reads` says
    whether it had to read QBO (an order already synced needs nothing from it)."""
    before, seen = await rows(h), len(h.qbo.requests)
    answer = await h.api.get(f"{BASE}/orders/{ORDER_ID}/preview", headers=auth)
    assert answer.status_code == 200, answer.text
    assert qbo_writes(h.qbo.requests[seen:]) == []
    assert (len(h.qbo.requests) > seen) is reads
    assert await rows(h) == before
    found: dict[str, Any] = answer.json()
    return found


async def hold_unfulfilled(h: Harness, auth: dict[str, str]) -> None:
    """Sync triggers the fixture order (paid, unfulfilled) does not meet: it is held."""
    body = {"trigger_fulfillment_statuses": ["fulfilled"]}
    saved = await h.api.patch(f"{BASE}/config/orders", json=body, headers=auth)
    assert saved.status_code == 200, saved.text


async def manual_sync(h: Harness, auth: dict[str, str], order_id: str = ORDER_ID) -> None:
    started = await h.api.post(f"{BASE}/sync", json={"order_ids": [order_id]}, headers=auth)
    assert started.status_code == 202, started.text
    await settle(h)


def assert_same_receipt(payload: dict[str, Any], receipt: dict[str, Any]) -> None:
    """The preview's payload against the receipt QBO holds, field by field."""
    assert receipt["DocNumber"] == payload["DocNumber"]
    assert receipt["TxnDate"] == payload["TxnDate"]
    assert receipt["CustomerRef"]["value"] == payload["CustomerRef"]["value"]
    assert receipt["TxnTaxDetail"]["TotalTax"] == payload["TxnTaxDetail"]["TotalTax"]
    assert len(receipt["Line"]) >= len(payload["Line"])
    for sent, held in zip(payload["Line"], receipt["Line"], strict=False):
        assert held["DetailType"] == sent["DetailType"]
        assert float(held["Amount"]) == sent["Amount"]
        assert held.get("Description") == sent.get("Description")
        kind = sent["DetailType"]
        for ref in ("ItemRef", "TaxCodeRef"):  # QBO adds the name to a reference
            assert held[kind][ref]["value"] == sent[kind][ref]["value"], ref
        for field in ("Qty", "UnitPrice"):
            assert held[kind].get(field) == sent[kind].get(field), field
    total = sum(ln["Amount"] for ln in payload["Line"]) + payload["TxnTaxDetail"]["TotalTax"]
    assert float(receipt["TotalAmt"]) == pytest.approx(total) == float(ORDER["total_price"])


async def test_a_held_mapped_order_previews_the_receipt_the_manual_sync_then_posts(
    h: Harness,
) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    customer_id = h.add_customer("Maya Okafor", "maya.okafor@example.com")
    item_id = await h.map_sku(shop, SKU, "Organic Cotton Tee")
    await hold_unfulfilled(h, auth)
    await h.deliver(ORDER)
    await settle(h)

    shown = await preview(h, auth)

    assert (shown["order_id"], shown["order_name"], shown["action"]) == (
        ORDER_ID,
        "#1001",
        "blocked",
    )
    [hold] = shown["errors"]
    assert hold["code"] == "on_hold" and hold["error"]["code"] == "on_hold"
    assert "fulfillment status is unfulfilled" in hold["message"]
    assert shown["manual_sync"]["posts"] is True
    assert shown["manual_sync"]["include_cancelled"] is False
    assert shown["creates"] == [] and shown["placeholders"] is None
    document = shown["document"]
    assert document["entity"] == "SalesReceipt"
    payload = document["payload"]
    assert payload["CustomerRef"] == {"value": customer_id}
    assert payload["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {"value": item_id}
    assert h.qbo.documents(REALM, "SalesReceipt") == []

    await manual_sync(h, auth)

    assert posted(h, "SalesReceipt") == [payload]  # exactly what the preview showed
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert_same_receipt(payload, receipt)
    again = await preview(h, auth, reads=False)
    assert (again["action"], again["qbo_id"], again["document"]) == ("nothing", receipt["Id"], None)
    assert again["qbo_doc_number"] == receipt["DocNumber"]


async def test_a_new_customer_and_product_show_as_creates_that_the_sync_then_sends(
    h: Harness,
) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    await hold_unfulfilled(h, auth)
    for section, body in (
        ("customers", {"strategy": "create"}),
        ("products", {"unmatched": "create", "income_account_id": INCOME}),
    ):
        saved = await h.api.patch(f"{BASE}/config/{section}", json=body, headers=auth)
        assert saved.status_code == 200, saved.text
    await h.deliver(ORDER)
    await settle(h)

    shown = await preview(h, auth)

    item, customer = shown["creates"]
    assert (item["entity"], item["placeholder"]) == ("Item", "new:item:1")
    assert item["payload"]["Sku"] == SKU
    assert item["payload"]["IncomeAccountRef"] == {"value": INCOME}
    assert (customer["entity"], customer["placeholder"]) == ("Customer", "new:customer:1")
    assert customer["payload"]["PrimaryEmailAddr"] == {"Address": "maya.okafor@example.com"}
    assert "new:" in shown["placeholders"]
    payload = shown["document"]["payload"]
    assert payload["CustomerRef"] == {"value": "new:customer:1"}
    assert payload["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {"value": "new:item:1"}
    assert h.qbo.documents(REALM, "Customer") == [] or all(
        c.get("DisplayName") != "Maya Okafor" for c in h.qbo.documents(REALM, "Customer")
    )
    assert [i for i in h.qbo.documents(REALM, "Item") if i.get("Sku") == SKU] == []

    await manual_sync(h, auth)

    assert posted(h, "Item") == [item["payload"]]
    assert posted(h, "Customer") == [customer["payload"]]
    [new_item] = [i for i in h.qbo.documents(REALM, "Item") if i.get("Sku") == SKU]
    [new_customer] = [
        c for c in h.qbo.documents(REALM, "Customer") if c.get("DisplayName") == "Maya Okafor"
    ]
    text = json.dumps(payload)
    for placeholder, qbo_id in (
        ("new:item:1", new_item["Id"]),
        ("new:customer:1", new_customer["Id"]),
    ):
        text = text.replace(f'"{placeholder}"', f'"{qbo_id}"')
    assert posted(h, "SalesReceipt") == [json.loads(text)]  # the preview, ids filled in


async def test_an_unmapped_product_blocks_with_the_catalogue_error_naming_its_lines(
    h: Harness,
) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(ORDER)
    await settle(h)

    shown = await preview(h, auth, reads=False)  # the lines stop it before QBO is asked

    assert shown["action"] == "blocked" and shown["document"] is None
    [error] = shown["errors"]
    assert error["code"] == "product_not_mapped"
    assert SKU in error["message"]
    [line] = error["detail"]["unmapped"]
    assert (line["sku"], line["key"]) == (SKU, f"sku:{SKU}")
    paths = {action["path"] for action in error["error"]["actions"]}
    assert "/v1/shops/{shop}/mappings/products/auto-map" in paths
    assert error["error"]["fix_steps"]
    assert shown["manual_sync"]["posts"] is False


async def test_a_cancelled_order_needs_include_cancelled_for_a_manual_sync(h: Harness) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, SKU, "Organic Cotton Tee")
    cancelled = copy.deepcopy(ORDER)
    cancelled.update(cancelled_at="2025-03-15T09:00:00-04:00", financial_status="voided")
    await h.deliver(cancelled)
    await settle(h)

    shown = await preview(h, auth)

    assert shown["action"] == "blocked"
    assert [e["code"] for e in shown["errors"]] == ["on_hold"]
    assert "cancelled" in shown["errors"][0]["message"]
    manual = shown["manual_sync"]
    assert manual["include_cancelled"] is True and "include_cancelled" in manual["note"]
    assert shown["document"]["payload"]["DocNumber"]


async def test_an_unknown_order_and_another_shops_order_are_404(h: Harness) -> None:
    shop = await h.install()
    other = await install_shop(h.container.uow(), "other.myshopify.com", "Other")
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(ORDER)
    await settle(h)

    unknown = await h.api.get(f"{BASE}/orders/123/preview", headers=h.auth(shop))
    foreign = await h.api.get(f"{BASE}/orders/{ORDER_ID}/preview", headers=h.auth(other))

    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert unknown.headers["content-type"] == "application/problem+json"
    assert foreign.status_code == 404
    other_base = "/v1/shops/other.myshopify.com"
    wrong_shop = await h.api.get(f"{other_base}/orders/{ORDER_ID}/preview", headers=h.auth(other))
    assert wrong_shop.status_code == 404

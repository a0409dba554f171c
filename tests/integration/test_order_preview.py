"""GET …/orders/{id}/preview, over HTTP against the sandbox QBO: the payload a sync would post
is the one it then posts, creates included, and what stops an order is listed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.harness import REALM, Harness, make_settings, running
from tests.integration.previews import (
    BASE,
    INCOME,
    ORDER,
    ORDER_ID,
    SKU,
    hold_unfulfilled,
    manual_sync,
    posted,
    preview,
    settle,
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


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

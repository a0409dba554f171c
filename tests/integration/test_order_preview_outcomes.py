"""GET …/orders/{id}/preview for orders a sync would not simply post: cancelled, already in
QBO under their number (adopted, or a duplicate), unknown or another shop's."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import pytest

from app.services.shops import install_shop
from tests.harness import SHOP, Harness, make_settings, running
from tests.integration.previews import (
    BASE,
    ORDER,
    ORDER_ID,
    SKU,
    existing_receipt,
    hold_unfulfilled,
    manual_sync,
    preview,
    record_of,
    settle,
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


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


async def test_a_receipt_qbo_holds_for_the_order_is_adopted_as_the_sync_then_does(
    h: Harness,
) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    customer_id = h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, SKU, "Organic Cotton Tee")
    await hold_unfulfilled(h, auth)
    await h.deliver(ORDER)
    await settle(h)
    qbo_id = existing_receipt(h, customer_id, float(ORDER["total_price"]))

    shown = await preview(h, auth)

    assert (shown["qbo_id"], shown["qbo_doc_number"], shown["document"]) == (qbo_id, "SH1001", None)
    assert shown["action"] == "blocked"  # on hold; a manual sync would adopt it
    assert "record QuickBooks' sales receipt SH1001" in shown["manual_sync"]["note"]
    await manual_sync(h, auth)
    record = await record_of(h, auth)
    assert (record["status"], record["qbo_id"]) == ("synced", qbo_id)


async def test_a_different_receipt_under_the_number_is_a_duplicate_as_the_sync_finds(
    h: Harness,
) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    customer_id = h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, SKU, "Organic Cotton Tee")
    await hold_unfulfilled(h, auth)
    await h.deliver(ORDER)
    await settle(h)
    qbo_id = existing_receipt(h, customer_id, 99.0)

    shown = await preview(h, auth)

    assert [e["code"] for e in shown["errors"]] == ["on_hold", "duplicate"]
    assert shown["errors"][1]["detail"]["qbo_id"] == qbo_id
    assert shown["manual_sync"]["posts"] is False and shown["document"] is None
    await manual_sync(h, auth)
    record = await record_of(h, auth)
    assert (record["status"], record["error_code"]) == ("error", "duplicate")


async def test_a_shop_without_quickbooks_is_blocked_by_qbo_auth(h: Harness) -> None:
    shop = await install_shop(h.container.uow(), SHOP, "Northwind")
    auth = {"Authorization": f"Bearer {shop.api_key}"}
    await h.deliver(ORDER)
    await settle(h)

    shown = await preview(h, auth, reads=False)

    assert shown["action"] == "blocked" and shown["document"] is None
    [error] = shown["errors"]
    assert error["code"] == "qbo_auth" and "not connected" in error["message"]
    names = {action["name"] for action in error["error"]["actions"]}
    assert "reconnect_quickbooks" in names


async def test_a_resolved_order_is_left_alone_unless_synced_by_hand(h: Harness) -> None:
    shop = await h.install()
    auth = h.auth(shop)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(ORDER)  # its product is not mapped: an error
    await settle(h)
    note = {"note": "booked by hand"}
    resolved = await h.api.post(f"{BASE}/records/order/{ORDER_ID}/resolve", json=note, headers=auth)
    assert resolved.status_code == 200, resolved.text
    await h.map_sku(shop, SKU, "Organic Cotton Tee")

    shown = await preview(h, auth)

    assert shown["action"] == "nothing" and shown["errors"] == []
    assert "resolved" in shown["summary"]
    assert shown["manual_sync"]["posts"] is True
    assert shown["document"]["payload"]["DocNumber"] == "SH1001"

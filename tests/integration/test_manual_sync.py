"""Manual sync by order ids, and the run that reports its progress; a re-sync after a fix in
QuickBooks goes out under a new requestid."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from app.adapters.db.tables import SyncRecord
from tests.harness import (
    REALM,
    SHOP,
    Harness,
    creates,
    delete_in_qbo,
    make_settings,
    order_fixture,
    running,
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def test_manual_sync_forces_an_order_on_hold_and_reports_the_run(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Priya Raman", "priya@ramandesign.example")
    await h.map_sku(shop, "DESK-FRM-BLK", "Standing Desk Frame")
    await h.map_tax(shop, "Texas State Tax", "0.0625", h.add_tax_code("Texas", "6.25"))
    await h.deliver(order_fixture("05_pending_payment_bank_deposit"))
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        held = await session.scalar(select(SyncRecord))
    assert held is not None and held.status == "on_hold"

    started = await h.api.post(
        f"/v1/shops/{SHOP}/sync",
        json={"order_ids": [held.shopify_id, "404404"]},
        headers=h.auth(shop),
    )
    await h.queue.join()  # type: ignore[attr-defined]

    assert started.status_code == 202
    body = started.json()
    assert (body["queued"], body["unknown_order_ids"]) == (1, ["404404"])
    run = await h.api.get(f"/v1/shops/{SHOP}/runs/{body['run_id']}", headers=h.auth(shop))
    assert run.json()["outcomes"] == {"synced": 1}
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
    log = (await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(shop))).json()
    assert log["items"][0]["actor"] == "manual" and log["items"][0]["run_id"] == body["run_id"]


async def test_syncing_a_synced_order_again_posts_nothing(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]

    for _ in range(3):
        await h.api.post(f"/v1/shops/{SHOP}/sync", json={"order_ids": ["5910002001001"]},
                         headers=h.auth(shop))  # fmt: skip
    await h.queue.join()  # type: ignore[attr-defined]

    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1


async def test_a_run_of_another_shop_is_404_and_bad_bodies_name_the_field(h: Harness) -> None:
    shop = await h.install()
    missing = await h.api.get(f"/v1/shops/{SHOP}/runs/nope", headers=h.auth(shop))
    assert missing.status_code == 404
    empty = await h.api.post(f"/v1/shops/{SHOP}/sync", json={"order_ids": []},
                             headers=h.auth(shop))  # fmt: skip
    assert empty.status_code == 422
    assert empty.json()["invalid_params"][0]["name"] == "order_ids"


async def test_a_duplicate_deleted_in_quickbooks_syncs_at_the_first_re_sync(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    other = h.add_customer("Someone Else", "else@example.com")
    wrong = {"DocNumber": "SH1001", "TxnDate": "2025-01-02", "TotalAmt": 999.0, "Line": []}
    wrong = h.qbo.add(REALM, "SalesReceipt", {**wrong, "CustomerRef": {"value": other}})
    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]
    order = f"/v1/shops/{SHOP}/records/order/5910002001001"
    failed = (await h.api.get(order, headers=h.auth(shop))).json()
    assert (failed["status"], failed["error_code"]) == ("error", "duplicate")

    await delete_in_qbo(h.qbo, "SalesReceipt", wrong["Id"])  # the merchant's fix, in QBO
    started = await h.api.post(
        f"/v1/shops/{SHOP}/sync", json={"order_ids": ["5910002001001"]}, headers=h.auth(shop)
    )
    await h.queue.join()  # type: ignore[attr-defined]

    run = await h.api.get(f"/v1/shops/{SHOP}/runs/{started.json()['run_id']}", headers=h.auth(shop))
    assert run.json()["outcomes"] == {"synced": 1}
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    synced = (await h.api.get(order, headers=h.auth(shop))).json()
    assert (synced["status"], synced["qbo_id"]) == ("synced", receipt["Id"])
    first, second = creates(h.qbo)  # one create per try: the re-sync's first succeeded
    assert first != second  # the first id would get QBO's 6140 back once more
    log = (await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(shop))).json()
    assert [(e["status"], e["error_code"]) for e in log["items"][:2]] == [
        ("synced", None),
        ("error", "duplicate"),
    ]

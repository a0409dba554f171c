"""Mapping a product or a customer through the API heals exactly the orders that waited on it,
before any sweep, and says how many; the audit log shows the change and who made it."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.db.tables import AuditEntry, SyncRecord
from tests.harness import REALM, Harness, make_settings, order_fixture, running

BASE = "/v1/shops/northwind.myshopify.com"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


def order(number: int, skus: list[str], customer_id: int = 7301100001) -> dict[str, Any]:
    """A paid order of one unit of each SKU at 10.00, untaxed, by the given customer."""
    payload = copy.deepcopy(order_fixture())
    template = payload["line_items"][0]
    lines = []
    for n, sku in enumerate(skus):
        line = copy.deepcopy(template)
        line.update(
            id=number * 100 + n,
            variant_id=number * 1000 + n,
            sku=sku,
            quantity=1,
            title=f"Product {sku}",
            name=f"Product {sku}",
            price="10.00",
            tax_lines=[],
        )
        line.pop("price_set")
        lines.append(line)
    total = f"{10 * len(skus)}.00"
    payload.update(
        id=number,
        name=f"#{number}",
        order_number=number,
        line_items=lines,
        tax_lines=[],
        total_tax="0.00",
        subtotal_price=total,
        total_price=total,
    )
    for key in [k for k in payload if k.endswith("_set")]:
        payload.pop(key)
    payload["customer"]["id"] = customer_id
    return payload


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def records(h: Harness) -> dict[str, SyncRecord]:
    async with h.container.sessions() as session:
        rows = (await session.scalars(select(SyncRecord))).all()
    return {r.label: r for r in rows}


def item(h: Harness, name: str, sku: str | None = None, active: bool = True) -> str:
    record = {"Name": name, "Type": "NonInventory", "Active": active}
    if sku:
        record["Sku"] = sku
    return str(h.qbo.add(REALM, "Item", record)["Id"])


async def test_mapping_a_sku_requeues_exactly_the_orders_waiting_on_it(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    a, b = item(h, "Trail Shorts"), item(h, "Merino Socks")
    await h.deliver(order(2001, ["SKU-A", "SKU-B"]))
    await h.deliver(order(2002, ["SKU-A"]))
    await h.deliver(order(2003, ["SKU-C"]))  # the control: waits on another SKU
    await settle(h)
    before = await records(h)
    assert {r.error_code for r in before.values()} == {"product_not_mapped"}

    mapped = await h.api.put(
        f"{BASE}/mappings/products/sku:SKU-A", json={"qbo_id": a}, headers=h.auth(shop)
    )
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["requeued"] == 2
    assert mapped.json()["mapping"] == {
        "source_key": "sku:SKU-A",
        "qbo_id": a,
        "qbo_name": "Trail Shorts",
        "origin": "manual",
    }
    await settle(h)

    after = await records(h)
    assert after["#2002"].status == "synced"
    assert (after["#2001"].status, after["#2001"].error_code) == ("error", "product_not_mapped")
    assert "SKU-B" in (after["#2001"].message or "") and "SKU-A" not in (
        after["#2001"].message or ""
    )
    control = after["#2003"]
    assert (control.status, control.attempts) == ("error", before["#2003"].attempts)

    again = await h.api.put(
        f"{BASE}/mappings/products/SKU-B", json={"qbo_id": b}, headers=h.auth(shop)
    )
    assert again.json()["requeued"] == 1
    await settle(h)
    assert (await records(h))["#2001"].status == "synced"
    receipts = {r["DocNumber"]: r for r in h.qbo.documents(REALM, "SalesReceipt")}
    items = [
        ln["SalesItemLineDetail"]["ItemRef"]["value"]
        for ln in receipts["SH2001"]["Line"]
        if ln.get("DetailType") == "SalesItemLineDetail"
    ]
    assert items == [a, b]
    assert (await records(h))["#2003"].attempts == before["#2003"].attempts


async def test_a_mapping_change_is_in_the_audit_log_with_who_made_it(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(order(2101, ["SKU-A"]))
    await settle(h)
    target = item(h, "Trail Shorts")
    await h.api.put(
        f"{BASE}/mappings/products/SKU-A", json={"qbo_id": target}, headers=h.auth(shop)
    )
    async with h.container.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity == "mapping"))
    assert entry is not None and entry.status == "changed" and entry.actor == "manual"
    assert entry.detail is not None and entry.detail["requeued"] == 1
    assert entry.detail["by"]["key_prefix"] == shop.api_key[:8]
    assert shop.api_key not in str(entry.detail)


async def test_the_listing_shows_what_orders_showed_mapped_and_unmapped(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    target = item(h, "Trail Shorts")
    await h.deliver(order(2201, ["SKU-A", "SKU-B"]))
    await settle(h)
    await h.api.put(
        f"{BASE}/mappings/products/SKU-A", json={"qbo_id": target}, headers=h.auth(shop)
    )

    unmapped = await h.api.get(f"{BASE}/mappings/products?state=unmapped", headers=h.auth(shop))
    assert [s["source_key"] for s in unmapped.json()["items"]] == ["sku:SKU-B"]
    mapped = await h.api.get(f"{BASE}/mappings/products?state=mapped", headers=h.auth(shop))
    [one] = mapped.json()["items"]
    assert one["mapping"]["qbo_id"] == target and one["label"] == "Product SKU-A"
    page = await h.api.get(f"{BASE}/mappings/products?limit=1", headers=h.auth(shop))
    assert len(page.json()["items"]) == 1 and page.json()["next_cursor"]
    rest = await h.api.get(
        f"{BASE}/mappings/products?limit=1&cursor={page.json()['next_cursor']}",
        headers=h.auth(shop),
    )
    assert [s["source_key"] for s in rest.json()["items"]] == ["sku:SKU-B"]
    customers = await h.api.get(f"{BASE}/mappings/customers?q=maya", headers=h.auth(shop))
    assert [s["source_key"] for s in customers.json()["items"]] == ["customer:7301100001"]
    bad = await h.api.get(f"{BASE}/mappings/products?cursor=nope", headers=h.auth(shop))
    assert bad.status_code == 400 and bad.json()["invalid_params"][0]["name"] == "cursor"


async def test_an_unknown_or_inactive_item_is_422_naming_the_field(h: Harness) -> None:
    shop = await h.install()
    inactive = item(h, "Old Shorts", active=False)
    unknown = await h.api.put(
        f"{BASE}/mappings/products/SKU-A", json={"qbo_id": "99999"}, headers=h.auth(shop)
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["invalid_params"][0]["name"] == "qbo_id"
    off = await h.api.put(
        f"{BASE}/mappings/products/SKU-A", json={"qbo_id": inactive}, headers=h.auth(shop)
    )
    assert off.status_code == 422 and "inactive" in off.json()["detail"]
    many = await h.api.patch(
        f"{BASE}/mappings/products",
        json={
            "mappings": [
                {"source_key": "SKU-A", "qbo_id": item(h, "Shorts")},
                {"source_key": "SKU-B", "qbo_id": "424242"},
            ]
        },
        headers=h.auth(shop),
    )
    assert many.status_code == 422
    assert many.json()["invalid_params"][0]["name"] == "mappings[1].qbo_id"
    listing = await h.api.get(f"{BASE}/mappings/products?state=mapped", headers=h.auth(shop))
    assert listing.json()["items"] == []  # all or none


async def test_auto_map_matches_by_sku_then_name_and_heals(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    by_sku = item(h, "Shorts in QBO", sku="SKU-A")
    by_name = item(h, "Product SKU-B")
    item(h, "Product SKU-Z")  # a close name: offered as a candidate for SKU-C
    await h.deliver(order(2301, ["SKU-A", "SKU-B"]))
    await h.deliver(order(2302, ["SKU-C"]))
    await settle(h)

    answer = await h.api.post(f"{BASE}/mappings/products/auto-map", headers=h.auth(shop))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["mapped"] == 2 and body["requeued"] == 1
    assert {(m["source_key"], m["qbo_id"], m["matched_by"]) for m in body["items"]} == {
        ("sku:SKU-A", by_sku, "sku"),
        ("sku:SKU-B", by_name, "name"),
    }
    [left] = body["remaining"]
    assert left["source_key"] == "sku:SKU-C"
    assert "Product SKU-Z" in [c["name"] for c in left["candidates"]]
    await settle(h)
    states = await records(h)
    assert states["#2301"].status == "synced" and states["#2302"].status == "error"


async def test_clearing_a_mapping(h: Harness) -> None:
    shop = await h.install()
    target = item(h, "Trail Shorts")
    await h.api.put(
        f"{BASE}/mappings/products/SKU-A", json={"qbo_id": target}, headers=h.auth(shop)
    )
    gone = await h.api.delete(f"{BASE}/mappings/products/SKU-A", headers=h.auth(shop))
    assert gone.status_code == 204
    again = await h.api.delete(f"{BASE}/mappings/products/SKU-A", headers=h.auth(shop))
    assert again.status_code == 404


async def test_mapping_a_customer_heals_customer_not_found(h: Harness) -> None:
    shop = await h.install()
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    await h.deliver(order(2401, ["SKU-A"], customer_id=555))
    await h.deliver(order(2402, ["SKU-A"], customer_id=555))
    await h.deliver(order(2403, ["SKU-A"], customer_id=556))  # another buyer: untouched
    await settle(h)
    before = await records(h)
    assert {r.error_code for r in before.values()} == {"customer_not_found"}
    customer = h.add_customer("Maya O. (wholesale)", "orders@maya.example")

    mapped = await h.api.put(
        f"{BASE}/mappings/customers/555", json={"qbo_id": customer}, headers=h.auth(shop)
    )

    assert mapped.json()["requeued"] == 2
    await settle(h)
    after = await records(h)
    assert after["#2401"].status == after["#2402"].status == "synced"
    assert after["#2403"].attempts == before["#2403"].attempts
    receipts = {r["DocNumber"]: r for r in h.qbo.documents(REALM, "SalesReceipt")}
    assert receipts["SH2401"]["CustomerRef"]["value"] == customer


async def test_resolving_a_record_closes_it_without_a_qbo_write(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.deliver(order(2501, ["SKU-A"]))
    await settle(h)
    before = len(h.qbo.documents(REALM, "SalesReceipt"))

    other = h.qbo.add(REALM, "SalesReceipt", {"DocNumber": "SH9999", "TotalAmt": 1})["Id"]
    mine = h.qbo.add(REALM, "SalesReceipt", {"DocNumber": "SH2501", "TotalAmt": 10})["Id"]
    url = f"{BASE}/records/order/2501/resolve"
    for wrong in ("146", other):  # none, and another order's
        refused = await h.api.post(
            url, json={"note": "x", "qbo_txn_id": wrong}, headers=h.auth(shop)
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["invalid_params"][0]["name"] == "qbo_txn_id"
    before += 2

    answer = await h.api.post(
        url, json={"note": "booked by hand in QBO", "qbo_txn_id": mine}, headers=h.auth(shop)
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "entity": "order",
        "shopify_id": "2501",
        "status": "resolved",
        "qbo_id": mine,
    }
    target = item(h, "Trail Shorts")  # mapping what it waited on no longer re-queues it
    mapped = await h.api.put(
        f"{BASE}/mappings/products/SKU-A", json={"qbo_id": target}, headers=h.auth(shop)
    )
    assert mapped.json()["requeued"] == 0
    updated = order(2501, ["SKU-A"])
    updated["updated_at"] = "2025-03-15T10:00:00-04:00"
    await h.deliver(updated, topic="orders/updated")
    await settle(h)
    assert (await records(h))["#2501"].status == "resolved"
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == before
    async with h.container.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.status == "resolved"))
    assert entry is not None and "booked by hand" in (entry.message or "")
    seen = (await h.api.get(f"{BASE}/records/order/2501", headers=h.auth(shop))).json()
    assert seen["error"] is None and seen["fix_steps"] == [] and seen["actions"] == []
    # Resolved by a person: which kind of QuickBooks document it is, LedgerPort cannot know.
    assert seen["qbo_document"] == {"id": mine, "doc_number": "SH2501", "entity": None}
    twice = await h.api.post(url, json={"note": "again"}, headers=h.auth(shop))
    assert twice.status_code == 409, twice.text  # closed once; the history keeps the note
    again = await h.api.post(
        f"{BASE}/records/order/404/resolve", json={"note": "x"}, headers=h.auth(shop)
    )
    assert again.status_code == 404

    # Only a manual sync tries it again: here QBO's SH2501 (another customer) is a duplicate.
    forced = await h.api.post(f"{BASE}/sync", json={"order_ids": ["2501"]}, headers=h.auth(shop))
    assert forced.status_code == 202
    await settle(h)
    again = (await records(h))["#2501"]
    assert (again.status, again.error_code) == ("error", "duplicate")
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == before


async def test_a_synced_record_has_nothing_to_resolve(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    await h.deliver(order(2551, ["SKU-A"]))
    await settle(h)
    synced = await h.api.post(
        f"{BASE}/records/order/2551/resolve", json={"note": "x"}, headers=h.auth(shop)
    )
    assert synced.status_code == 409


async def test_a_customer_created_in_qbo_has_its_own_record(h: Harness) -> None:
    shop = await h.install()
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    saved = await h.api.patch(
        f"{BASE}/config/customers", json={"strategy": "create"}, headers=h.auth(shop)
    )
    assert saved.status_code == 200
    await h.deliver(order(2601, ["SKU-A"], customer_id=777))
    await settle(h)

    [created] = [c for c in h.qbo.documents(REALM, "Customer") if c["DisplayName"] == "Maya Okafor"]
    listed = await h.api.get(f"{BASE}/records?entity=customer", headers=h.auth(shop))
    [record] = listed.json()["items"]
    assert (record["shopify_id"], record["status"], record["qbo_id"]) == (
        "777",
        "synced",
        created["Id"],
    )
    one = await h.api.get(f"{BASE}/records/customer/777", headers=h.auth(shop))
    assert one.status_code == 200 and one.json()["history"][0]["message"].startswith(
        "Created QuickBooks customer"
    )

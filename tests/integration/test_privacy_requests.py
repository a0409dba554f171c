"""customers/redact on a buyer whose zip, city and last name are their own order's total, year
and number: a dump of every table afterwards holds none of their personal data, and every
amount, date and QBO reference is as it was. The data_request report, read by the merchant."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.db.tables import AuditEntry, Base, OrderRow, SyncRecord, WebhookDelivery
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running
from tests.privacy_buyer import CUSTOMER_ID, ORDER_ID, accounting_facts, numbers_buyer_order

OTHER = "other-shop.myshopify.com"
EMAIL = "maya.okafor@example.com"
BUYER = {"id": CUSTOMER_ID, "email": EMAIL, "phone": "+15025550142"}
# What singles the buyer out, anywhere in the dump.
TRACES = [EMAIL, "+15025550142", "412 Bardstown Rd", "Maya 1001", "Maya", "203.0.113.7"]
# Their zip, city and last name, which are also the order's total, year and number: they must
# go from where they are the buyer's and stay where they are the order's.
AMBIGUOUS = [("zip", "1000"), ("city", "2025"), ("last_name", "1001")]


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def dump(h: Harness) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row of every table, JSON held in text parsed."""
    tables: dict[str, list[dict[str, Any]]] = {}
    async with h.container.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).mappings().all()
            tables[table.name] = [{k: _parsed(v) for k, v in row.items()} for row in rows]
    return tables


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def pairs(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, scalar) of every JSON object within `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from pairs(item) if isinstance(item, (dict, list)) else [(key, item)]
    elif isinstance(value, list):
        for item in value:
            yield from pairs(item)


async def synced_with_an_error_on_the_way(h: Harness) -> Any:
    """The order fails first (no QBO customer yet: the audit log names the buyer), then syncs
    once the customer exists in QBO."""
    shop = await h.install()
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.deliver(numbers_buyer_order())
    await settle(h)
    h.add_customer("Maya 1001", EMAIL)
    body = {"entity": "order", "order_ids": [str(ORDER_ID)]}
    response = await h.api.post(f"/v1/shops/{SHOP}/sync", json=body, headers=h.auth(shop))
    assert response.status_code == 202, response.text
    await settle(h)
    return shop


async def qbo_references(h: Harness) -> list[Any]:
    async with h.container.sessions() as session:
        records = (await session.scalars(select(SyncRecord).order_by(SyncRecord.id))).all()
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    return [(r.status, r.qbo_id, r.qbo_doc_number) for r in records] + [
        (e.status, e.error_code, e.qbo_id, e.created_at) for e in entries
    ]


async def order_payload(h: Harness) -> dict[str, Any]:
    async with h.container.sessions() as session:
        payload: dict[str, Any] = (await session.scalars(select(OrderRow.payload))).one()
    return payload


async def test_redact_leaves_no_personal_data_and_every_accounting_fact(h: Harness) -> None:
    await synced_with_an_error_on_the_way(h)
    request = {
        "shop_id": 548380009,
        "shop_domain": SHOP,
        "customer": BUYER,
        "orders_requested": [ORDER_ID],
        "data_request": {"id": 9999},
    }
    await h.deliver(request, topic="customers/data_request")
    await settle(h)
    before, payload = await dump(h), await order_payload(h)
    references, receipts = await qbo_references(h), h.qbo.documents(REALM, "SalesReceipt")
    text = json.dumps(before, default=str).lower()
    assert all(trace.lower() in text for trace in TRACES)
    assert all(pair in list(pairs(before)) for pair in AMBIGUOUS)
    assert [r[:2] for r in references[:1]] == [("synced", receipts[0]["Id"])]
    assert any(r[1] == "customer_not_found" for r in references[1:])

    redact = {
        "shop_id": 548380009,
        "shop_domain": SHOP,
        "customer": BUYER,
        "orders_to_redact": [ORDER_ID],
    }
    response = await h.deliver(redact, topic="customers/redact")
    await settle(h)

    assert response.status_code == 200
    after = await dump(h)
    text = json.dumps(after, default=str).lower()
    assert [trace for trace in TRACES if trace.lower() in text] == []
    assert [pair for pair in AMBIGUOUS if pair in list(pairs(after))] == []
    redacted = await order_payload(h)
    assert accounting_facts(redacted) == accounting_facts(payload)
    assert redacted["total_price"] == "1000.00" and redacted["name"] == "#1001"
    assert redacted["created_at"] == payload["created_at"] == "2025-03-14T10:22:31-04:00"
    assert await qbo_references(h) == references
    assert h.qbo.documents(REALM, "SalesReceipt") == receipts


async def test_the_merchant_reads_the_data_request_report_with_its_due_date(h: Harness) -> None:
    shop = await synced_with_an_error_on_the_way(h)
    request = {
        "shop_id": 548380009,
        "shop_domain": SHOP,
        "customer": BUYER,
        "orders_requested": [ORDER_ID],
        "data_request": {"id": 9999},
    }
    await h.deliver(request, topic="customers/data_request")
    await settle(h)

    url = f"/v1/shops/{SHOP}/privacy-requests"
    listed = await h.api.get(url, headers=h.auth(shop))

    assert listed.status_code == 200, listed.text
    [seen] = listed.json()
    received = datetime.fromisoformat(seen["received_at"])
    assert datetime.fromisoformat(seen["due_at"]) - received == timedelta(days=30)
    assert (seen["topic"], seen["customer_id"]) == ("customers/data_request", str(CUSTOMER_ID))
    assert seen["status"] == "report_ready" and "report" not in seen
    one = await h.api.get(f"{url}/{seen['id']}", headers=h.auth(shop))
    assert one.status_code == 200, one.text
    report = one.json()["report"]
    assert report["shopify_data_request_id"] == 9999 and report["customer"] == BUYER
    [order] = report["orders"]
    assert (order["name"], order["email"]) == ("#1001", EMAIL)
    assert order["billing_address"]["address1"] == "412 Bardstown Rd"
    assert report["quickbooks_customer_id"] is not None


async def test_another_shops_key_sees_none_of_the_requests(h: Harness) -> None:
    shop = await h.install()
    await h.deliver(
        {
            "shop_id": 548380009,
            "shop_domain": SHOP,
            "customer": BUYER,
            "orders_requested": [],
            "data_request": {"id": 1},
        },
        topic="customers/data_request",
    )
    await settle(h)
    other = await h.install(OTHER)
    url = f"/v1/shops/{SHOP}/privacy-requests"
    [seen] = (await h.api.get(url, headers=h.auth(shop))).json()

    theirs = await h.api.get(url, headers=h.auth(other))
    by_id = await h.api.get(
        f"/v1/shops/{OTHER}/privacy-requests/{seen['id']}", headers=h.auth(other)
    )
    own_list = await h.api.get(f"/v1/shops/{OTHER}/privacy-requests", headers=h.auth(other))

    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    assert theirs.headers["content-type"] == "application/problem+json"
    assert by_id.status_code == 404 and own_list.json() == []


async def test_a_refund_of_their_order_loses_its_note_and_line_properties(h: Harness) -> None:
    """A refund names nothing else of the buyer's: it is found by their order's id."""
    await h.install()
    refund = order_fixture("06_partially_refunded")["refunds"][0]
    refund = {**refund, "order_id": ORDER_ID, "note": "Returned: the gift did not fit"}
    refund["refund_line_items"][0]["line_item"]["properties"] = [
        {"name": "engraving", "value": "Happy 40th, love"}
    ]
    await h.deliver(refund, topic="refunds/create")
    await settle(h)

    redact = {
        "shop_id": 548380009,
        "shop_domain": SHOP,
        "customer": {"id": CUSTOMER_ID},
        "orders_to_redact": [ORDER_ID],
    }
    await h.deliver(redact, topic="customers/redact")
    await settle(h)

    async with h.container.sessions() as session:
        query = select(WebhookDelivery.body).where(WebhookDelivery.topic == "refunds/create")
        kept = json.loads((await session.scalars(query)).one())
    assert kept["note"] is None
    assert kept["refund_line_items"][0]["line_item"]["properties"] == []
    assert accounting_facts(kept) == accounting_facts(refund)
    assert len(accounting_facts(refund)) > 20

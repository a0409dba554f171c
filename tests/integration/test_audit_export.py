"""GET /v1/shops/{shop}/audit-log/export.csv, on SQLite and on PostgreSQL: the list's filters,
every matching entry in one streamed CSV (not one page), the plan's retention applied, and
cells a spreadsheet would run as formulas made inert."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.entities import AuditEntry
from app.services.shops import Installed
from tests.harness import SHOP, Harness, make_settings, running
from tests.integration.test_records_api import order, ready_shop, settle

AUDIT = f"/v1/shops/{SHOP}/audit-log"
EXPORT = f"{AUDIT}/export.csv"
OTHER = "other.myshopify.com"
HEADER = (
    "id,created_at,entity,shopify_id,label,status,error_code,message,qbo_id,actor,run_id,"
    "duration_ms,detail"
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def seed(h: Harness, shop: Installed, count: int) -> None:
    """`count` entries over the last hours, a third of them errors, through the repository."""
    now = datetime.now(UTC)
    async with h.container.uow() as uow:
        for i in range(count):
            failed = i % 3 == 0
            await uow.audit.add(
                AuditEntry(
                    shop_id=shop.shop_id,
                    entity="order",
                    shopify_id=str(7000 + i),
                    label=f"#{7000 + i}",
                    status="error" if failed else "synced",
                    actor="webhook",
                    error_code="product_not_mapped" if failed else None,
                    message=f"attempt {i}",
                    created_at=now - timedelta(hours=2, seconds=count - i),
                )
            )
        await uow.commit()


async def as_csv(h: Harness, shop: Installed, **params: Any) -> list[dict[str, str]]:
    url = f"/v1/shops/{shop.domain}/audit-log/export.csv"
    response = await h.api.get(url, params=params, headers=h.auth(shop))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.startswith(HEADER + "\r\n")
    return list(csv.DictReader(io.StringIO(response.text)))


async def every_page(h: Harness, shop: Installed, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_params = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        response = await h.api.get(AUDIT, params=page_params, headers=h.auth(shop))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_the_export_holds_every_entry_the_list_pages_through(h: Harness) -> None:
    shop = await ready_shop(h)
    await seed(h, shop, 1203)  # more than two of the export's batches of 500
    await h.deliver(order(1001, sku="MUG-11"))
    await settle(h)

    for params in [
        {},
        {"status": "error"},
        {"status": "error", "code": "product_not_mapped", "entity": "order"},
        {"order": "#1001"},
        {"actor": "webhook", "since": (datetime.now(UTC) - timedelta(hours=3)).isoformat()},
        {"until": (datetime.now(UTC) - timedelta(hours=2, seconds=600)).isoformat()},
    ]:
        rows = await as_csv(h, shop, **params)
        listed = await every_page(h, shop, **params)
        assert [int(r["id"]) for r in rows] == [e["id"] for e in listed], params
        assert rows, params
    everything = await as_csv(h, shop)
    assert len(everything) == 1204
    mine = next(r for r in everything if r["label"] == "#1001")
    assert (mine["status"], mine["error_code"], mine["actor"]) == (
        "error",
        "product_not_mapped",
        "webhook",
    )
    assert "MUG-11" in mine["detail"]  # the detail, as JSON


async def test_cells_that_would_run_as_formulas_start_with_an_apostrophe(h: Harness) -> None:
    shop = await ready_shop(h)
    texts = ['=HYPERLINK("http://x")', "+1+1", "-1+cmd", "@SUM(A1)", "\tTAB", "-12.50", "fine"]
    async with h.container.uow() as uow:
        for i, text in enumerate(texts):
            entry = AuditEntry(shop.shop_id, "order", str(i), "error", "webhook", label=text)
            await uow.audit.add(entry)
        await uow.commit()

    rows = await as_csv(h, shop)

    assert [r["label"] for r in reversed(rows)] == [
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-1+cmd",
        "'@SUM(A1)",
        "'\tTAB",
        "-12.50",  # a plain negative number stays a number
        "fine",
    ]


async def test_the_export_applies_the_plans_retention_and_the_shops_scope(h: Harness) -> None:
    shop = await ready_shop(h)
    other = await h.install(OTHER)
    old = datetime.now(UTC) - timedelta(days=8)
    async with h.container.uow() as uow:
        await uow.audit.add(
            AuditEntry(shop.shop_id, "order", "1", "error", "webhook", created_at=old)
        )
        await uow.audit.add(AuditEntry(shop.shop_id, "order", "2", "synced", "webhook"))
        await uow.commit()

    response = await h.api.get(EXPORT, headers=h.auth(shop))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["shopify_id"] for r in rows] == ["2"]  # free: 7 days
    assert response.headers["ledgerport-retention-days"] == "7"
    hidden_before = datetime.fromisoformat(response.headers["ledgerport-hidden-before"])
    assert abs(hidden_before - (datetime.now(UTC) - timedelta(days=7))) < timedelta(minutes=5)
    assert (await h.api.get(EXPORT, headers=h.auth(other))).status_code == 404
    empty = await as_csv(h, other, status="error")
    assert empty == []
    bad = await h.api.get(EXPORT, params={"status": "lost"}, headers=h.auth(shop))
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["invalid_params"][0]["name"] == "status"


async def test_the_filters_read_an_order_number_with_or_without_its_hash(h: Harness) -> None:
    shop = await ready_shop(h)
    await seed(h, shop, 3)
    for given in ("%237001", "7001"):
        listed = await h.api.get(f"{AUDIT}?order={given}", headers=h.auth(shop))
        assert [e["label"] for e in listed.json()["items"]] == ["#7001"], given
    first = (await h.api.get(f"{AUDIT}?order=7001", headers=h.auth(shop))).json()["items"][0]
    by_id = await h.api.get(f"{AUDIT}?shopify_id={first['shopify_id']}", headers=h.auth(shop))
    assert [e["label"] for e in by_id.json()["items"]] == ["#7001"]  # the order's Shopify id


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("entity=bogus", "entity"),
        ("since=2026-12-03T00:00:00Z&until=2026-12-01T00:00:00Z", "until"),
    ],
)
async def test_filters_that_cannot_match_are_refused(h: Harness, query: str, field: str) -> None:
    shop = await ready_shop(h)
    for path in (AUDIT, EXPORT):
        answer = await h.api.get(f"{path}?{query}", headers=h.auth(shop))
        assert answer.status_code == 422, answer.text
        assert field in {p["name"] for p in answer.json()["invalid_params"]}

"""The records listing and one record, over the fakes: filters, cursor paging, and orders whose
delivery is stored but not processed listed as pending until their record exists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from app.domain.entities import AuditEntry, NewDelivery, RecordFilter, Shop
from app.services.records import (
    HISTORY_SHOWN,
    Position,
    RecordDetail,
    RecordsPage,
    get_record,
    list_records,
)
from app.services.shops import install_shop
from app.services.webhooks import process_delivery
from tests.fakes import FakeInbox
from tests.services.conftest import SHOP, World, paid_order

OTHER = "other.myshopify.com"


@dataclass
class Shops:
    world: World
    shop: Shop
    other: Shop

    async def record(self, shopify_id: str, label: str, **values: Any) -> int:
        shop_id = values.pop("shop_id", self.shop.id)
        async with self.world.uow() as uow:
            record = await uow.records.get_or_create(
                shop_id, values.pop("entity", "order"), shopify_id, label=label, status="pending"
            )
            for name, value in values.items():
                setattr(record, name, value)
            await uow.records.save(record)
            await uow.commit()
        return record.id

    async def deliver(self, body: Any, *, topic: str = "orders/create", **values: Any) -> int:
        """A delivery stored and not processed (nothing runs its job here)."""
        text = body if isinstance(body, str) else json.dumps(body)
        fields: dict[str, Any] = {
            "shop_domain": SHOP,
            "event_id": f"evt-{len(self.world.db.tables.inbox) + 1}",
            "status": "received",
            "note": None,
            "webhook_id": None,
            "api_version": "2026-01",
            "triggered_at": None,
            "received_at": self.world.clock(),
        }
        delivery = NewDelivery(topic=topic, body=text, **(fields | values))
        delivery_id = await FakeInbox(self.world.db).add(delivery)
        assert delivery_id is not None
        return delivery_id

    async def page(
        self, after: Position | None = None, limit: int = 50, **where: Any
    ) -> RecordsPage:
        return await list_records(self.world.uow(), self.shop, RecordFilter(**where), after, limit)

    async def labels(self, **where: Any) -> list[tuple[str, str]]:
        return [(v.label, v.status) for v in (await self.page(**where)).items]

    async def detail(self, entity: str, shopify_id: str, **kw: Any) -> RecordDetail | None:
        shop = kw.pop("shop", self.shop)
        since = kw.pop("since", None)
        return await get_record(self.world.uow(), shop, entity, shopify_id, since)


@pytest.fixture
async def shops(world: World) -> Shops:
    await install_shop(world.uow(), SHOP, "Northwind Outfitters")
    await install_shop(world.uow(), OTHER, "Other")
    async with world.uow() as uow:
        shop, other = await uow.shops.get_by_domain(SHOP), await uow.shops.get_by_domain(OTHER)
    assert shop is not None and other is not None
    return Shops(world, shop, other)


def order(shopify_id: int, name: str) -> dict[str, Any]:
    return {**paid_order(), "id": shopify_id, "name": name}


async def test_waiting_orders_come_first_then_records_newest_first(shops: Shops) -> None:
    await shops.record("5910001", "#1001", status="synced", qbo_id="145")
    await shops.record("5910002", "#1002", status="error", error_code="product_not_mapped")
    await shops.deliver(order(5910003, "#1003"))
    await shops.deliver(order(5910001, "#1001"), topic="orders/updated")  # the record wins
    shops.world.clock.advance(seconds=5)
    newest = await shops.deliver(order(5910003, "#1003"), topic="orders/paid")

    page = await shops.page()

    assert [(v.label, v.status) for v in page.items] == [
        ("#1003", "pending"),
        ("#1002", "error"),
        ("#1001", "synced"),
    ]
    waiting = page.items[0]
    assert (waiting.entity, waiting.shopify_id, waiting.attempts) == ("order", "5910003", 0)
    assert waiting.delivery_id == newest and waiting.record_id is None
    assert waiting.updated_at == shops.world.clock()
    assert page.next is None


async def test_what_a_delivery_cannot_say_is_left_out(shops: Shops) -> None:
    await shops.deliver("not JSON {")
    await shops.deliver([1, 2])
    await shops.deliver({"name": "#9", "note": "no id"})
    await shops.deliver({"id": True, "name": "#8"})
    await shops.deliver(order(5910004, "#1004"), status="processed")
    await shops.deliver(order(5910005, "#1005"), topic="app/uninstalled")
    await shops.deliver(order(5910006, "#1006"), shop_domain=OTHER)
    await shops.deliver({"id": "gid://shopify/Order/5910007", "order_number": 1007})

    page = await shops.page()

    assert [(v.shopify_id, v.label) for v in page.items] == [("5910007", "#1007")]
    async with shops.world.uow() as uow:
        other = await list_records(uow, shops.other, RecordFilter(), None, 50)
    assert [v.label for v in other.items] == ["#1006"]


async def test_filters_apply_to_records_and_waiting_orders_alike(shops: Shops) -> None:
    await shops.record("5910001", "#1001", status="synced", qbo_doc_number="SH-1001")
    await shops.record("5910002", "#1002", status="on_hold", error_code="on_hold")
    await shops.record("5910005", "#1005", message="queued")  # a pending record
    before = shops.world.clock.advance(minutes=1)
    await shops.deliver(order(5910003, "#1003"))
    after = shops.world.clock.advance(minutes=1)

    pending = [("#1003", "pending"), ("#1005", "pending")]
    everything = [*pending, ("#1002", "on_hold"), ("#1001", "synced")]
    assert await shops.labels() == everything
    assert await shops.labels(entity="order") == everything
    assert await shops.labels(entity="product") == []
    assert await shops.labels(status="pending") == pending
    assert await shops.labels(status="synced") == [("#1001", "synced")]
    assert await shops.labels(error_code="on_hold") == [("#1002", "on_hold")]
    assert await shops.labels(order="1003") == [("#1003", "pending")]
    assert await shops.labels(order="#1001") == [("#1001", "synced")]
    assert await shops.labels(text="5910003") == [("#1003", "pending")]
    assert await shops.labels(text="sh-1001") == [("#1001", "synced")]
    assert await shops.labels(text="#100") == everything
    # The waiting order's time is its arrival; the records' is their last change.
    assert await shops.labels(since=before) == [("#1003", "pending")]
    assert await shops.labels(since=after) == []
    assert [label for label, _ in await shops.labels(until=before)] == ["#1005", "#1002", "#1001"]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6, 7])
async def test_paging_shows_everything_once_in_order(shops: Shops, limit: int) -> None:
    for n in (1, 2, 3):
        await shops.record(f"591000{n}", f"#100{n}")
    for n in (4, 5, 6):
        await shops.deliver(order(5910000 + n, f"#100{n}"))

    seen: list[str] = []
    after: Position | None = None
    for _ in range(10):
        page = await shops.page(after, limit)
        assert len(page.items) <= limit
        seen += [v.label for v in page.items]
        if page.next is None:
            break
        after = page.next
    assert seen == ["#1006", "#1005", "#1004", "#1003", "#1002", "#1001"]


async def test_a_cursor_stays_good_while_the_waiting_order_is_processed(shops: Shops) -> None:
    await shops.record("5910001", "#1001", status="synced")
    delivery_id = await shops.deliver(order(5910002, "#1002"))
    first = await shops.page(limit=1)
    assert [(v.label, v.status) for v in first.items] == [("#1002", "pending")]

    await process_delivery(shops.world.uow(), delivery_id, shops.world.clock())

    assert first.next is not None
    rest = await shops.page(first.next, limit=10)
    assert [(v.label, v.status) for v in rest.items] == [("#1002", "pending"), ("#1001", "synced")]
    assert rest.items[0].record_id is not None  # now its record, listed once
    assert await shops.labels() == [("#1002", "pending"), ("#1001", "synced")]


async def test_one_record_with_its_history_newest_first(shops: Shops) -> None:
    await shops.record("5910001", "#1001", status="error", error_code="qbo_timeout", attempts=2)
    rows = [("order", "5910001"), ("order", "5910002"), ("product", "5910001")]
    rows += [("order", "5910001")]
    async with shops.world.uow() as uow:
        for entity, shopify_id in rows:
            shops.world.clock.advance(seconds=1)
            entry = AuditEntry(shops.shop.id, entity, shopify_id, "error", "webhook")
            await uow.audit.add(entry)
        await uow.commit()

    detail = await shops.detail("order", "5910001")

    assert detail is not None and not detail.more_history
    assert (detail.view.status, detail.view.error_code, detail.view.attempts) == (
        "error",
        "qbo_timeout",
        2,
    )
    assert [(e.entity, e.shopify_id) for e in detail.history] == [("order", "5910001")] * 2
    assert detail.history[0].id is not None and detail.history[1].id is not None
    assert detail.history[0].id > detail.history[1].id
    newest_only = await shops.detail("order", "5910001", since=shops.world.clock())
    assert newest_only is not None and len(newest_only.history) == 1


async def test_history_is_capped_and_says_more_exist(shops: Shops) -> None:
    await shops.record("5910001", "#1001", status="synced")
    async with shops.world.uow() as uow:
        for _ in range(HISTORY_SHOWN + 1):
            await uow.audit.add(AuditEntry(shops.shop.id, "order", "5910001", "synced", "ops"))
        await uow.commit()

    detail = await shops.detail("order", "5910001")

    assert detail is not None and detail.more_history
    assert len(detail.history) == HISTORY_SHOWN


async def test_a_waiting_order_opens_as_pending_and_unknown_ones_do_not(shops: Shops) -> None:
    await shops.deliver(order(5910003, "#1003"))
    await shops.record("5910001", "#1001", status="synced", shop_id=shops.other.id)

    waiting = await shops.detail("order", "5910003")

    assert waiting is not None and waiting.history == [] and not waiting.more_history
    assert (waiting.view.label, waiting.view.status) == ("#1003", "pending")
    assert await shops.detail("order", "404") is None
    assert await shops.detail("product", "5910003") is None
    assert await shops.detail("order", "5910001") is None  # another shop's
    assert await shops.detail("order", "5910001", shop=shops.other) is not None
    assert await shops.detail("order", "5910003", shop=shops.other) is None
    # The history's window never hides the record itself.
    shops.world.clock.advance(days=1)
    assert await shops.detail("order", "5910003", since=shops.world.clock()) is not None

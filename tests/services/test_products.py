"""Unmatched products set to `create`: a new product gets one QBO item, exactly once, and the
order syncs with it; what QBO already has is adopted; what stops an item is said plainly."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from app.domain.entities import AuditEntry, AuditFilter, Mapping, SyncRecord
from app.domain.models import Entity
from app.domain.ports import QboOption, QboSession
from app.domain.signals import RetryLater
from app.services.products import LEASE
from app.services.sync_order import sync_order
from tests.services.conftest import DEADLINE_S, REALM, SKU, World, paid_order

KEY = f"sku:{SKU}"
NAME = "Organic Cotton Tee - Heather Grey / M"  # the fixture line's name
INCOME, COGS, ASSET = "5", "9", "4"  # the sandbox company's seeded accounts
CREATE = {"unmatched": "create", "income_account_id": INCOME}


async def creating(world: World, **products: Any) -> int:
    """A shop whose unmatched products are created in QBO; the buyer is known to QBO."""
    shop = await world.install()
    world.add_customer("Maya Okafor", "maya.okafor@example.com")
    async with world.uow() as uow:
        await uow.configs.save(shop.shop_id, {"products": {**CREATE, **products}})
        await uow.commit()
    return shop.shop_id


def another_order(number: int) -> dict[str, Any]:
    """The fixture's order again under another number: the same product."""
    payload = copy.deepcopy(paid_order())
    payload.update(id=5910002000000 + number, name=f"#{number}", order_number=number)
    return payload


def items(world: World) -> list[dict[str, Any]]:
    return [i for i in world.qbo.documents(REALM, "Item") if i.get("Sku") == SKU]


def item_creates(world: World) -> list[str]:
    """The requestid of every item create QBO received."""
    posts = [r for r in world.qbo.requests if r.method == "POST" and r.path.endswith("/item")]
    return [r.query["requestid"] for r in posts]


async def product(world: World, shop_id: int) -> SyncRecord | None:
    async with world.uow() as uow:
        return await uow.records.get(shop_id, Entity.product, KEY)


async def mapping(world: World, shop_id: int) -> Mapping | None:
    async with world.uow() as uow:
        return await uow.mappings.get(shop_id, "product", KEY)


async def product_log(world: World, shop_id: int) -> list[AuditEntry]:
    async with world.uow() as uow:
        entries = await uow.audit.list(shop_id, AuditFilter(entity="product"), 100)
    return list(reversed(entries))


async def test_a_new_sku_gets_one_item_and_the_order_syncs_with_it(world: World) -> None:
    shop_id = await creating(world)
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "synced"

    [item] = items(world)
    assert (item["Name"], item["Type"], item["UnitPrice"]) == (NAME, "NonInventory", 25)
    assert item["IncomeAccountRef"]["value"] == INCOME
    [receipt] = world.receipts()
    assert receipt["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == item["Id"]
    record = await product(world, shop_id)
    assert record is not None
    assert (record.status, record.qbo_id, record.label) == ("synced", item["Id"], NAME)
    assert record.lease_owner is None and record.pending_request_id is None
    saved = await mapping(world, shop_id)
    assert saved is not None and (saved.qbo_id, saved.origin) == (item["Id"], "auto")
    [entry] = await product_log(world, shop_id)
    assert (entry.status, entry.shopify_id, entry.qbo_id) == ("synced", KEY, item["Id"])
    assert (
        entry.message
        == f'Created QuickBooks item "{NAME}" (id {item["Id"]}) and mapped the product'
    )
    assert (await world.record(shop_id, order_id)).status == "synced"

    # The next order with the product uses the mapping: nothing more is created or looked up.
    asked = len(world.qbo.requests)
    second = await world.receive(shop_id, another_order(1002))
    assert await sync_order(world.deps, shop_id, second) == "synced"
    assert len(items(world)) == 1 and len(item_creates(world)) == 1
    assert not [r for r in world.qbo.requests[asked:] if "FROM Item" in r.query.get("query", "")]


async def test_two_orders_with_the_new_sku_at_once_create_one_item(world: World) -> None:
    shop_id = await creating(world)
    first = await world.receive(shop_id, paid_order())
    second = await world.receive(shop_id, another_order(1002))
    world.qbo.latency_ms = 5  # both jobs are in QBO's hands at the same time

    outcomes = await asyncio.gather(
        sync_order(world.deps, shop_id, first),
        sync_order(world.deps, shop_id, second),
        return_exceptions=True,
    )

    waited = [o for o in outcomes if isinstance(o, RetryLater)]
    assert len(waited) == 1 and "synced" in outcomes  # one job waited for the other's item
    assert len(items(world)) == 1 and len(item_creates(world)) == 1
    late = first if outcomes[0] is waited[0] else second
    assert (await world.record(shop_id, late)).lease_owner is None  # any worker may retry it
    assert await sync_order(world.deps, shop_id, late, "auto_retry") == "synced"
    assert len(items(world)) == 1 and len(world.receipts()) == 2
    [item] = items(world)
    lines = [r["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] for r in world.receipts()]
    assert lines == [item["Id"], item["Id"]]
    assert len(await product_log(world, shop_id)) == 1


async def test_a_create_that_timed_out_after_committing_is_replayed_not_repeated(
    world: World,
) -> None:
    shop_id = await creating(world)
    order_id = await world.receive(shop_id, paid_order())
    world.qbo.inject_fault("commit_then_timeout", path_contains="/item", seconds=DEADLINE_S * 4)

    assert await sync_order(world.deps, shop_id, order_id) == "synced"

    assert len(items(world)) == 1
    creates = item_creates(world)
    assert len(creates) == 2 and len(set(creates)) == 1  # the retry replayed the requestid
    record = await product(world, shop_id)
    assert record is not None and (record.status, record.qbo_id) == (
        "synced",
        items(world)[0]["Id"],
    )


async def test_a_create_whose_answers_were_all_lost_is_found_next_time(world: World) -> None:
    shop_id = await creating(world)
    order_id = await world.receive(shop_id, paid_order())
    hang = DEADLINE_S * 4
    world.qbo.inject_fault("commit_then_timeout", count=3, path_contains="/item", seconds=hang)

    with pytest.raises(RetryLater):
        await sync_order(world.deps, shop_id, order_id)

    order = await world.record(shop_id, order_id)
    assert (order.status, order.error_code) == ("error", "qbo_timeout")
    record = await product(world, shop_id)
    assert record is not None and (record.status, record.error_code) == ("error", "qbo_timeout")
    assert record.pending_request_id == item_creates(world)[0]  # in doubt: stored before the call
    assert record.lease_owner is None and len(items(world)) == 1  # QBO did commit

    assert await sync_order(world.deps, shop_id, order_id, "auto_retry") == "synced"

    [item] = items(world)
    assert len(item_creates(world)) == 3  # the lookup found it: no fourth create
    record = await product(world, shop_id)
    assert record is not None and (record.status, record.qbo_id) == ("synced", item["Id"])
    assert record.pending_request_id is None
    log = [(e.status, e.error_code, e.actor) for e in await product_log(world, shop_id)]
    assert log == [("error", "qbo_timeout", "webhook"), ("synced", None, "auto_retry")]
    assert (await product_log(world, shop_id))[1].message == (
        f'Found QuickBooks item "{NAME}" (id {item["Id"]}, SKU {SKU}) and mapped the product'
    )


async def test_an_item_with_the_sku_already_in_qbo_is_adopted(world: World) -> None:
    shop_id = await creating(world)
    mine = world.qbo.add(REALM, "Item", {"Name": "Tee (M)", "Sku": SKU, "Type": "NonInventory"})
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "synced"

    assert item_creates(world) == [] and items(world) == [mine]
    saved = await mapping(world, shop_id)
    assert saved is not None and (saved.qbo_id, saved.qbo_name) == (mine["Id"], "Tee (M)")


async def test_an_item_with_the_name_but_another_sku_stops_the_order_naming_it(
    world: World,
) -> None:
    shop_id = await creating(world)
    other = world.qbo.add(REALM, "Item", {"Name": NAME, "Sku": "TEE-OLD", "Type": "Service"})
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "error"

    order = await world.record(shop_id, order_id)
    assert order.error_code == "product_not_mapped" and order.message is not None
    assert f'QuickBooks item {other["Id"]} is already named "{NAME}" and has SKU TEE-OLD' in (
        order.message
    )
    record = await product(world, shop_id)
    assert record is not None and (record.status, record.error_code) == (
        "error",
        "product_not_mapped",
    )
    assert item_creates(world) == [] and world.receipts() == []
    assert await mapping(world, shop_id) is None


class LaggingQbo:
    """QBO whose item queries miss items made in the last moments, as a query can lag a write:
    the first `misses` lookups find nothing."""

    def __init__(self, inner: Any, misses: int) -> None:
        self.inner, self.misses = inner, misses

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def find_item(
        self, session: QboSession, *, sku: str | None = None, name: str | None = None
    ) -> QboOption | None:
        if self.misses:
            self.misses -= 1
            return None
        found: QboOption | None = await self.inner.find_item(session, sku=sku, name=name)
        return found


async def test_a_name_taken_since_the_lookup_is_adopted_when_the_sku_is_ours(
    world: World,
) -> None:
    shop_id = await creating(world)
    theirs = world.qbo.add(REALM, "Item", {"Name": NAME, "Sku": SKU, "Type": "NonInventory"})
    deps = replace(world.deps, qbo=LaggingQbo(world.client, misses=1))
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(deps, shop_id, order_id) == "synced"

    assert len(item_creates(world)) == 1 and items(world) == [theirs]  # QBO said 6240
    record = await product(world, shop_id)
    assert record is not None and (record.qbo_id, record.pending_request_id) == (theirs["Id"], None)


async def test_an_inactive_namesake_is_a_clear_error(world: World) -> None:
    shop_id = await creating(world)
    world.qbo.add(REALM, "Item", {"Name": NAME, "Type": "NonInventory", "Active": False})
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "error"

    order = await world.record(shop_id, order_id)
    assert order.error_code == "product_not_mapped"
    assert f'an inactive QuickBooks item is already named "{NAME}"' in (order.message or "")
    record = await product(world, shop_id)
    assert record is not None and record.pending_request_id is None  # QBO answered: 6240
    [entry] = await product_log(world, shop_id)
    assert entry.detail is not None and entry.detail["qbo_fault"]["code"] == "6240"


async def test_without_an_income_account_the_order_waits_naming_the_setting(
    world: World,
) -> None:
    shop_id = await creating(world, income_account_id=None)  # stored before the rule
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "error"

    order = await world.record(shop_id, order_id)
    assert order.error_code == "invalid_account" and order.next_attempt_at is None
    assert "set products.income_account_id" in (order.message or "")
    assert item_creates(world) == [] and await product(world, shop_id) is None


async def test_with_cogs_and_asset_accounts_the_item_is_inventory(world: World) -> None:
    shop_id = await creating(world, cogs_account_id=COGS, asset_account_id=ASSET)
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "synced"

    [item] = items(world)
    assert (item["Type"], item["QtyOnHand"], item["TrackQtyOnHand"]) == ("Inventory", 0, True)
    assert item["InvStartDate"] == "2025-03-14"  # the order's date
    assert (item["ExpenseAccountRef"]["value"], item["AssetAccountRef"]["value"]) == (COGS, ASSET)


async def test_a_refused_create_goes_out_again_under_a_new_requestid(world: World) -> None:
    shop_id = await creating(world)
    world.qbo.set_active(REALM, "Account", INCOME, False)
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == "error"
    assert (await world.record(shop_id, order_id)).error_code == "invalid_account"
    record = await product(world, shop_id)
    assert record is not None and (record.attempts, record.pending_request_id) == (1, None)

    world.qbo.set_active(REALM, "Account", INCOME, True)  # fixed in QuickBooks
    assert await sync_order(world.deps, shop_id, order_id, "manual") == "synced"

    assert len(items(world)) == 1
    first, second = item_creates(world)
    assert first != second  # QBO would have replayed the refusal


async def test_a_product_another_job_is_creating_makes_the_order_wait_unleased(
    world: World,
) -> None:
    shop_id = await creating(world)
    order_id = await world.receive(shop_id, paid_order())
    async with world.uow() as uow:  # another worker is creating the item
        held = await uow.records.get_or_create(
            shop_id, Entity.product, KEY, label="", status="pending"
        )
        now = world.clock()
        assert await uow.records.acquire_lease(held.id, "other-worker", now, now + LEASE)
        await uow.commit()

    with pytest.raises(RetryLater) as retry:
        await sync_order(world.deps, shop_id, order_id)

    assert retry.value.defer_s <= 5 and KEY in retry.value.reason
    order = await world.record(shop_id, order_id)
    assert (order.status, order.lease_owner) == ("pending", None)
    assert item_creates(world) == [] and await world.audit(shop_id) == []

    world.clock.advance(seconds=(LEASE + timedelta(seconds=1)).total_seconds())  # it died
    assert await sync_order(world.deps, shop_id, order_id, "auto_retry") == "synced"
    assert len(items(world)) == 1

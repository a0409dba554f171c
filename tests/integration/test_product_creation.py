"""A merchant sets unmatched products to `create` through the config API: a new product gets
one QuickBooks item, however many orders bring it at once and whatever QBO's answers lost,
and the orders sync with it; the merchant sees the product's record and its mapping."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.adapters.queue.inprocess import InProcessQueue
from app.services.sync_order import sync_order
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running

BASE = f"/v1/shops/{SHOP}"
SKU, NAME = "TEE-ORG-HG-M", "Organic Cotton Tee - Heather Grey / M"
KEY = f"sku:{SKU}"
INCOME = "5"  # the sandbox company's "Sales of Product Income"
ORDER_ID = str(order_fixture()["id"])


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


@pytest.fixture
async def one_try(database_url: str) -> AsyncIterator[Harness]:
    # One try per job: the retry is the test's to make, not a timer's.
    settings = make_settings(database_url, LEDGERPORT_HTTP_TIMEOUT_S=0.5)
    async with running(settings, queue=InProcessQueue(max_tries=1)) as harness:
        yield harness


async def creating(h: Harness) -> dict[str, str]:
    """Installed, the buyer known to QBO, and unmatched products set to create."""
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    body = {"unmatched": "create", "income_account_id": INCOME}
    saved = await h.api.patch(f"{BASE}/config/products", json=body, headers=h.auth(shop))
    assert saved.status_code == 200, saved.text
    return h.auth(shop)


def another_order(number: int) -> dict[str, Any]:
    payload = copy.deepcopy(order_fixture())
    payload.update(id=5910002000000 + number, name=f"#{number}", order_number=number)
    return payload


def items(h: Harness) -> list[dict[str, Any]]:
    return [i for i in h.qbo.documents(REALM, "Item") if i.get("Sku") == SKU]


def item_creates(h: Harness) -> list[str]:
    posts = [r for r in h.qbo.requests if r.method == "POST" and r.path.endswith("/item")]
    return [r.query["requestid"] for r in posts]


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def record(h: Harness, auth: dict[str, str], entity: str, key: str) -> dict[str, Any]:
    answer = await h.api.get(f"{BASE}/records/{entity}/{key}", headers=auth)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_new_sku_becomes_one_item_and_the_order_syncs_with_it(h: Harness) -> None:
    auth = await creating(h)
    before = await h.api.get(f"{BASE}/quickbooks/items", headers=auth)

    await h.deliver(order_fixture())
    await settle(h)

    [item] = items(h)
    assert (item["Name"], item["Type"], item["UnitPrice"]) == (NAME, "NonInventory", 25)
    assert item["IncomeAccountRef"] == {"value": INCOME, "name": "Sales of Product Income"}
    order = await record(h, auth, "order", ORDER_ID)
    assert order["status"] == "synced"
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert receipt["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == item["Id"]
    product = await record(h, auth, "product", KEY)
    assert (product["status"], product["qbo_id"], product["label"]) == ("synced", item["Id"], NAME)
    assert product["history"][0]["message"].startswith(f'Created QuickBooks item "{NAME}"')
    mapped = await h.api.get(f"{BASE}/mappings/products", params={"state": "mapped"}, headers=auth)
    [source] = mapped.json()["items"]
    assert source["source_key"] == KEY
    assert (source["mapping"]["qbo_id"], source["mapping"]["origin"]) == (item["Id"], "auto")
    # The dropdowns show the new item at once: LedgerPort's own write refreshed the cache.
    after = await h.api.get(f"{BASE}/quickbooks/items", headers=auth)
    assert NAME not in {i["name"] for i in before.json()["items"]}
    assert NAME in {i["name"] for i in after.json()["items"]}


async def test_two_orders_with_the_new_sku_together_make_one_item(h: Harness) -> None:
    auth = await creating(h)
    h.qbo.latency_ms = 30  # both orders' jobs run (two at a time) while QBO answers

    await h.deliver(order_fixture())
    await h.deliver(another_order(1002))
    await settle(h)

    [item] = items(h)
    assert len(item_creates(h)) == 1
    for order_id in (ORDER_ID, str(another_order(1002)["id"])):
        assert (await record(h, auth, "order", order_id))["status"] == "synced"
    receipts = h.qbo.documents(REALM, "SalesReceipt")
    assert [r["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] for r in receipts] == [
        item["Id"],
        item["Id"],
    ]
    product = await record(h, auth, "product", KEY)
    assert product["status"] == "synced" and len(product["history"]) == 1


async def test_a_create_that_timed_out_after_committing_is_replayed_not_repeated(
    one_try: Harness,
) -> None:
    h = one_try
    auth = await creating(h)
    h.qbo.inject_fault("commit_then_timeout", path_contains="/item", seconds=2)

    await h.deliver(order_fixture())
    await settle(h)

    assert len(items(h)) == 1 and len(set(item_creates(h))) == 1
    assert (await record(h, auth, "order", ORDER_ID))["status"] == "synced"


async def test_an_item_whose_answers_were_all_lost_is_found_by_the_retry(
    one_try: Harness,
) -> None:
    h = one_try
    auth = await creating(h)
    h.qbo.inject_fault("commit_then_timeout", count=3, path_contains="/item", seconds=2)
    await h.deliver(order_fixture())
    await settle(h)
    failed = await record(h, auth, "order", ORDER_ID)
    assert (failed["status"], failed["error_code"]) == ("error", "qbo_timeout")
    assert failed["next_attempt_at"] is not None and len(items(h)) == 1  # QBO did commit

    async with h.container.uow() as uow:
        shop = await uow.shops.get_by_domain(SHOP)
    assert shop is not None
    await sync_order(h.container.sync_deps, shop.id, ORDER_ID, "auto_retry")

    [item] = items(h)
    assert len(item_creates(h)) == 3  # the retry found the item: nothing new was created
    assert (await record(h, auth, "order", ORDER_ID))["status"] == "synced"
    product = await record(h, auth, "product", KEY)
    assert (product["status"], product["qbo_id"]) == ("synced", item["Id"])
    assert product["history"][0]["message"].startswith(f'Found QuickBooks item "{NAME}"')


async def test_an_item_with_the_name_and_sku_in_qbo_is_used(h: Harness) -> None:
    auth = await creating(h)
    theirs = h.qbo.add(REALM, "Item", {"Name": NAME, "Sku": SKU, "Type": "NonInventory"})

    await h.deliver(order_fixture())
    await settle(h)

    assert item_creates(h) == [] and items(h) == [theirs]
    assert (await record(h, auth, "order", ORDER_ID))["status"] == "synced"
    assert (await record(h, auth, "product", KEY))["qbo_id"] == theirs["Id"]


async def test_an_item_with_the_name_and_another_sku_is_a_clear_error(h: Harness) -> None:
    auth = await creating(h)
    other = h.qbo.add(REALM, "Item", {"Name": NAME, "Sku": "TEE-2019", "Type": "NonInventory"})

    await h.deliver(order_fixture())
    await settle(h)

    order = await record(h, auth, "order", ORDER_ID)
    assert (order["status"], order["error_code"]) == ("error", "product_not_mapped")
    assert (
        f'QuickBooks item {other["Id"]} is already named "{NAME}" and has SKU TEE-2019'
        in (order["message"])
    )
    assert item_creates(h) == [] and h.qbo.documents(REALM, "SalesReceipt") == []
    assert (await record(h, auth, "product", KEY))["error_code"] == "product_not_mapped"

    # The merchant maps the product by hand: the order syncs, the product's error is closed.
    mine = h.qbo.add(REALM, "Item", {"Name": "Tee M", "Sku": SKU, "Type": "NonInventory"})
    saved = await h.api.put(
        f"{BASE}/mappings/products/{KEY}", json={"qbo_id": mine["Id"]}, headers=auth
    )
    assert saved.status_code == 200 and saved.json()["requeued"] == 1
    await settle(h)
    assert (await record(h, auth, "order", ORDER_ID))["status"] == "synced"
    product = await record(h, auth, "product", KEY)
    assert (product["status"], product["error_code"], product["qbo_id"]) == (
        "resolved",
        None,
        mine["Id"],
    )
    assert item_creates(h) == []


async def test_create_without_an_income_account_is_refused_naming_it(h: Harness) -> None:
    shop = await h.install()
    url = f"{BASE}/config/products"

    refused = await h.api.patch(url, json={"unmatched": "create"}, headers=h.auth(shop))
    checking = await h.api.patch(
        url, json={"unmatched": "create", "income_account_id": "1"}, headers=h.auth(shop)
    )

    assert refused.status_code == 422, refused.text
    [param] = refused.json()["invalid_params"]
    assert param["name"] == "products.income_account_id" and "required" in param["reason"]
    assert checking.status_code == 422  # a Bank account is no income account
    [param] = checking.json()["invalid_params"]
    assert param["name"] == "products.income_account_id" and "Bank" in param["reason"]
    config = await h.api.get(url, headers=h.auth(shop))
    assert config.json()["unmatched"] == "fail"


async def test_the_accounting_income_account_serves_created_items_when_products_has_none(
    h: Harness,
) -> None:
    shop = await h.install()
    income = await h.api.patch(
        f"{BASE}/config/accounting", json={"income_account_id": "5"}, headers=h.auth(shop)
    )
    assert income.status_code == 200, income.text
    saved = await h.api.patch(
        f"{BASE}/config/products", json={"unmatched": "create"}, headers=h.auth(shop)
    )
    assert saved.status_code == 200, saved.text
    h.add_customer("Maya Okafor", "maya.okafor@example.com")

    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]

    [created] = [i for i in h.qbo.documents(REALM, "Item") if i.get("Sku") == "TEE-ORG-HG-M"]
    assert created["IncomeAccountRef"]["value"] == "5"
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1

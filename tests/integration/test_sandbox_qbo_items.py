"""Item create in the fake QBO refuses what QBO refuses: a missing or taken name, an unknown
type, a missing or wrong-type account, an inventory item without its start; and a requestid
replays the first answer, after a timeout too."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from tests.integration.test_sandbox_qbo import API, REALM, create, fault

# The seeded company: 1 Checking (Bank), 4 Inventory Asset, 5 Sales of Product Income,
# 9 Cost of Goods Sold.
CHECKING, ASSET, INCOME, COGS = "1", "4", "5", "9"
MUG = {"Name": "Mug", "Sku": "MUG-1", "Type": "NonInventory", "IncomeAccountRef": {"value": INCOME}}
STOCKED = {
    **MUG,
    "Type": "Inventory",
    "ExpenseAccountRef": {"value": COGS},
    "AssetAccountRef": {"value": ASSET},
    "TrackQtyOnHand": True,
    "QtyOnHand": 0,
    "InvStartDate": "2025-03-14",
}


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM])


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


async def test_a_noninventory_item_is_created_with_its_sku_price_and_account(
    client: httpx.AsyncClient,
) -> None:
    answer = await create(client, "item", {**MUG, "UnitPrice": 12.5})

    assert answer.status_code == 200
    item = answer.json()["Item"]
    assert (item["Name"], item["Sku"], item["Type"], item["UnitPrice"]) == (
        "Mug",
        "MUG-1",
        "NonInventory",
        12.5,
    )
    assert item["IncomeAccountRef"] == {"value": INCOME, "name": "Sales of Product Income"}
    assert item["TrackQtyOnHand"] is False and item["Active"] is True


@pytest.mark.parametrize(
    ("body", "code", "element"),
    [
        (without(MUG, "Name"), "2020", "Name"),
        ({**MUG, "Name": "Mug: Large"}, "6000", "Name"),
        ({**MUG, "Name": "x" * 101}, "2050", "Name"),
        (without(MUG, "Type"), "2020", "Type"),
        (without(MUG, "IncomeAccountRef"), "2020", "IncomeAccountRef"),
        ({**MUG, "IncomeAccountRef": {"value": CHECKING}}, "6000", "IncomeAccountRef"),
        ({**MUG, "IncomeAccountRef": {"value": "404"}}, "2500", "IncomeAccountRef"),
        (without(STOCKED, "AssetAccountRef"), "2020", "AssetAccountRef"),
        (without(STOCKED, "ExpenseAccountRef"), "2020", "ExpenseAccountRef"),
        ({**STOCKED, "ExpenseAccountRef": {"value": INCOME}}, "6000", "ExpenseAccountRef"),
        ({**STOCKED, "AssetAccountRef": {"value": CHECKING}}, "6000", "AssetAccountRef"),
        (without(STOCKED, "QtyOnHand"), "2020", "QtyOnHand"),
        (without(STOCKED, "InvStartDate"), "2020", "InvStartDate"),
        ({**STOCKED, "TrackQtyOnHand": False}, "6000", "TrackQtyOnHand"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_an_item_qbo_would_refuse_is_refused(
    client: httpx.AsyncClient, sandbox: QboSandbox, body: dict[str, Any], code: str, element: str
) -> None:
    seeded = [i["Name"] for i in sandbox.documents(REALM, "Item")]
    error = fault(await create(client, "item", body))

    assert (error["code"], error["element"]) == (code, element)
    assert [i["Name"] for i in sandbox.documents(REALM, "Item")] == seeded


async def test_an_inventory_item_starts_with_its_quantity_and_date(
    client: httpx.AsyncClient,
) -> None:
    item = (await create(client, "item", STOCKED)).json()["Item"]

    assert (item["Type"], item["TrackQtyOnHand"], item["QtyOnHand"]) == ("Inventory", True, 0)
    assert item["InvStartDate"] == "2025-03-14"
    assert item["ExpenseAccountRef"]["value"] == COGS and item["AssetAccountRef"]["value"] == ASSET


async def test_a_name_is_taken_whatever_its_case_and_even_by_an_inactive_item(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.add(REALM, "Item", {"Name": "Old Mug", "Type": "NonInventory", "Active": False})
    await create(client, "item", MUG)

    for name in ("mug", "OLD MUG"):
        error = fault(await create(client, "item", {**MUG, "Name": name, "Sku": "OTHER"}))
        assert (error["code"], error["Message"]) == ("6240", "Duplicate Name Exists Error")
    assert len([i for i in sandbox.documents(REALM, "Item") if "Mug" in i["Name"]]) == 2


async def test_a_replayed_requestid_answers_the_first_create_even_after_a_timeout(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.inject_fault("commit_then_timeout", path_contains="/item", seconds=5)
    params = {"requestid": "item-timeout"}

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(create(client, "item", MUG, **params), 0.2)
    [stored] = [i for i in sandbox.documents(REALM, "Item") if i["Name"] == "Mug"]

    replay = await create(client, "item", MUG, **params)
    assert replay.status_code == 200 and replay.json()["Item"]["Id"] == stored["Id"]
    again = fault(await create(client, "item", MUG, requestid="item-new"))
    assert again["code"] == "6240"  # without the replay QBO would refuse the name
    assert len([i for i in sandbox.documents(REALM, "Item") if i["Name"] == "Mug"]) == 1
    assert (await client.get(f"{API}/item/{stored['Id']}")).json()["Item"]["Sku"] == "MUG-1"

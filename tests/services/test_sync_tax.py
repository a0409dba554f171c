"""Line-item tax: each Shopify tax rate on an order needs a QBO tax code, which the receipt
carries; automated sales tax and untaxed orders need none."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.models import SyncStatus
from app.services.sync_order import sync_order
from tests.harness import FIXTURE_TAX, FIXTURE_TAX_CODE, add_tax_code, order_fixture
from tests.services.conftest import REALM, SKU, World, paid_order

OHIO, FRANKLIN = ("Ohio State Tax", "0.0575"), ("Franklin County Tax", "0.0175")


async def ready_untaxed(world: World) -> int:
    """Ready for the fixture order in every way but its tax rate, which has no code yet."""
    shop = await world.install(map_tax=False)
    world.add_customer("Maya Okafor", "maya.okafor@example.com")
    await world.map_sku(shop.shop_id, SKU, "Organic Cotton Tee")
    return shop.shop_id


async def ready_two_rates(world: World) -> int:
    """Ready for fixture 02 (Ohio state + Franklin county tax) but for its tax rates."""
    shop = await world.install(map_tax=False)
    world.add_customer("Daniel Reyes", "d.reyes@example.net")
    await world.map_sku(shop.shop_id, "TRS-GB-10", "Trail Shorts")
    await world.map_sku(shop.shop_id, "SOCK-MER-M", "Merino Socks")
    return shop.shop_id


def untaxed(order: dict[str, Any], *, zero_rate_lines: bool) -> dict[str, Any]:
    """The order without its tax: no tax lines at all, or lines of rate 0 and amount 0."""
    zero = {"amount": "0.00", "currency_code": "USD"}
    lines = []
    for line in order["line_items"]:
        taxes = [
            {**tax, "rate": 0, "price": "0.00", "price_set": {"shop_money": zero}}
            for tax in line["tax_lines"]
        ]
        lines.append({**line, "tax_lines": taxes if zero_rate_lines else []})
    return {
        **order,
        "line_items": lines,
        "total_tax": "0.00",
        "total_tax_set": {"shop_money": zero, "presentment_money": zero},
        "total_price": "50.00",
        "total_price_set": {"shop_money": {"amount": "50.00", "currency_code": "USD"}},
    }


async def test_an_unmapped_tax_rate_is_tax_not_mapped_naming_it(world: World) -> None:
    shop_id = await ready_untaxed(world)
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.error

    record = await world.record(shop_id, order_id)
    assert (record.status, record.error_code) == ("error", "tax_not_mapped")
    assert record.next_attempt_at is None  # a tax mapping re-queues it, not a timer
    assert record.message is not None
    assert "Kentucky State Tax" in record.message and "6%" in record.message
    [entry] = await world.audit(shop_id)
    assert entry.error_code == "tax_not_mapped"
    assert entry.detail == {
        "unmapped": [
            {"key": "Kentucky State Tax|0.06", "title": "Kentucky State Tax", "rate": "0.06"}
        ]
    }
    assert world.receipts() == []


async def test_a_mapped_tax_rate_puts_its_code_on_the_receipt(world: World) -> None:
    shop_id = await ready_untaxed(world)
    order_id = await world.receive(shop_id, paid_order())
    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.error
    code = world.tax_code(FIXTURE_TAX_CODE)

    await world.map_tax(shop_id, *FIXTURE_TAX, code)
    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.synced

    [receipt] = world.receipts()
    assert receipt["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == code
    assert receipt["TxnTaxDetail"]["TotalTax"] == 3.0 and receipt["TotalAmt"] == 53.0
    [item] = [ln for ln in receipt["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert item["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "TAX"
    record = await world.record(shop_id, order_id)
    assert (record.status, record.qbo_id) == ("synced", receipt["Id"])


async def test_rates_mapped_to_different_codes_are_tax_not_mapped(world: World) -> None:
    shop_id = await ready_two_rates(world)
    ohio = add_tax_code(world.qbo, REALM, "Ohio", "5.75")
    franklin = add_tax_code(world.qbo, REALM, "Franklin County", "1.75")
    await world.map_tax(shop_id, *OHIO, ohio)
    await world.map_tax(shop_id, *FRANKLIN, franklin)
    order_id = await world.receive(
        shop_id, order_fixture("02_multiline_discount_shipping_two_taxes")
    )

    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.error

    record = await world.record(shop_id, order_id)
    assert (record.status, record.error_code) == ("error", "tax_not_mapped")
    assert record.message is not None and "one combined code" in record.message
    [entry] = await world.audit(shop_id)
    assert entry.detail == {
        "codes": {"Ohio State Tax|0.0575": ohio, "Franklin County Tax|0.0175": franklin}
    }
    assert world.receipts() == []


async def test_rates_mapped_to_one_combined_code_sync(world: World) -> None:
    shop_id = await ready_two_rates(world)
    combined = add_tax_code(world.qbo, REALM, "Columbus", "7.5")
    await world.map_tax(shop_id, *OHIO, combined)
    order_id = await world.receive(
        shop_id, order_fixture("02_multiline_discount_shipping_two_taxes")
    )

    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.error
    [entry] = await world.audit(shop_id)
    assert entry.detail is not None
    assert [row["title"] for row in entry.detail["unmapped"]] == ["Franklin County Tax"]

    await world.map_tax(shop_id, *FRANKLIN, combined)
    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.synced

    [receipt] = world.receipts()
    assert receipt["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == combined
    assert receipt["TxnTaxDetail"]["TotalTax"] == 12.64


async def test_automated_sales_tax_needs_no_tax_mapping(world: World) -> None:
    shop_id = await ready_untaxed(world)
    async with world.uow() as uow:
        await uow.configs.save(shop_id, {"accounting": {"tax_mode": "automated_sales_tax"}})
        await uow.commit()
    order_id = await world.receive(shop_id, paid_order())

    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.synced

    [receipt] = world.receipts()
    assert "TxnTaxCodeRef" not in receipt["TxnTaxDetail"]  # QBO's engine picks the code
    assert receipt["TxnTaxDetail"]["TotalTax"] == 3.0  # Shopify's tax, which AST honours


@pytest.mark.parametrize("zero_rate_lines", [False, True], ids=["no-tax-lines", "zero-rate"])
async def test_an_untaxed_order_needs_no_tax_mapping(world: World, zero_rate_lines: bool) -> None:
    shop_id = await ready_untaxed(world)
    order = untaxed(paid_order(), zero_rate_lines=zero_rate_lines)
    order_id = await world.receive(shop_id, order)

    assert await sync_order(world.deps, shop_id, order_id) == SyncStatus.synced

    [receipt] = world.receipts()
    assert "TxnTaxCodeRef" not in receipt["TxnTaxDetail"]
    assert (receipt["TxnTaxDetail"]["TotalTax"], receipt["TotalAmt"]) == (0, 50.0)

"""Each reference order (/work/shared/reference/shopify_orders), delivered as a webhook, ends as
its README says: the document QBO holds is compared field by field with the one written by
hand in reference_books, and its postings (the sandbox ledger) with income, tax and
liability; order 05, pending payment, waits on hold until its status is a trigger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.db.tables import SyncRecord
from app.adapters.queue.inprocess import InProcessQueue
from app.services.shops import map_product
from ledgerport_sandbox import qbo_ledger
from ledgerport_sandbox.qbo_countries import GB_STANDARD, US_OHIO_FRANKLIN, US_TEXAS
from ledgerport_sandbox.qbo_seed import CHECKING_ID, SALES_INCOME_ID, SHOPIFY_CLEARING_ID
from tests.harness import REALM, SHOP, Harness, Installed, make_settings, order_fixture, running
from tests.integration.reference_books import (
    DEFAULT_ITEM,
    ORDER_01,
    ORDER_02,
    ORDER_03,
    ORDER_04,
    ORDER_05,
    ORDER_06,
    ORDER_07_PRESENTMENT,
    ORDER_07_SHOP,
    WALK_IN,
)
from tests.integration.reference_fields import assert_books

BASE = f"/v1/shops/{SHOP}"
GB_REALM = "9130355300000044"
MULTICURRENCY_REALM = "9130355300000077"
US_TAXES = {
    ("Ohio State Tax", "0.0575"): US_OHIO_FRANKLIN,
    ("Franklin County Tax", "0.0175"): US_OHIO_FRANKLIN,
    ("Texas State Tax", "0.0625"): US_TEXAS,
}
DEPOSITS = {"shopify_payments": SHOPIFY_CLEARING_ID, "Bank Deposit": CHECKING_ID}


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    settings = make_settings(database_url, LEDGERPORT_HTTP_TIMEOUT_S=0.5)
    async with running(settings, queue=InProcessQueue(max_tries=1)) as harness:
        yield harness


async def configure(h: Harness, shop: Installed, section: str, body: dict[str, Any]) -> None:
    answer = await h.api.patch(f"{BASE}/config/{section}", json=body, headers=h.auth(shop))
    assert answer.status_code == 200, answer.text


async def company(h: Harness, order: dict[str, Any], realm: str = REALM) -> Installed:
    """A shop connected to `realm` with the order's products on items named after their
    titles, its buyer as a QBO customer (in the buyer's currency on a multicurrency
    company), its tax rates mapped, and each gateway's deposit account set."""
    shop = await h.install()
    if realm != REALM:
        await h.connect(shop, realm)
    for line in order["line_items"]:
        if key := _product_key(line):
            body = {"Name": line["title"], "Type": "NonInventory"}
            body["IncomeAccountRef"] = {"value": SALES_INCOME_ID}
            item_id = str(h.qbo.add(realm, "Item", body)["Id"])
            await map_product(h.container.uow(), shop.shop_id, key, item_id, line["title"])
    if buyer := order.get("customer"):
        customer = {
            "DisplayName": f"{buyer['first_name']} {buyer['last_name']}",
            "PrimaryEmailAddr": {"Address": buyer["email"]},
        }
        if h.qbo.realm(realm).multicurrency:
            customer["CurrencyRef"] = {"value": order["presentment_currency"]}
        h.qbo.add(realm, "Customer", customer)
    for (title, rate), code in US_TAXES.items():
        await h.map_tax(shop, title, rate, code)
    await configure(h, shop, "payments", {"deposit_accounts": DEPOSITS})
    return shop


def _product_key(line: dict[str, Any]) -> str | None:
    """How the merchant maps the line: by SKU, else (SKU "") by variant; a custom sale with
    neither is left to the default item."""
    if line.get("sku"):
        return f"sku:{line['sku']}"
    return f"variant:{line['variant_id']}" if line.get("variant_id") else None


async def deliver(h: Harness, order: dict[str, Any], topic: str = "orders/create") -> SyncRecord:
    assert (await h.deliver(order, topic=topic)).status_code == 200
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        found = await session.scalar(select(SyncRecord).where(SyncRecord.entity == "order"))
    assert found is not None
    return found


# --- the orders ------------------------------------------------------------------------------


async def test_01_a_paid_order_with_one_taxed_line(h: Harness) -> None:
    order = order_fixture("01_paid_single_taxed_line")
    await company(h, order)
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_01)


async def test_02_two_lines_a_code_across_the_order_taxed_shipping_and_two_taxes(
    h: Harness,
) -> None:
    order = order_fixture("02_multiline_discount_shipping_two_taxes")
    await company(h, order)
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_02)


async def test_03_vat_included_in_pounds_on_a_uk_company(h: Harness) -> None:
    h.qbo.add_realm(GB_REALM, country="GB")
    order = order_fixture("03_vat_taxes_included_gbp")
    shop = await company(h, order, GB_REALM)
    await h.map_tax(shop, "GB VAT", "0.2", GB_STANDARD)
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_03, GB_REALM)


async def test_04_a_guest_pos_cash_sale_with_a_blank_sku_and_a_custom_item(h: Harness) -> None:
    order = order_fixture("04_guest_no_email_empty_sku_pos")
    shop = await company(h, order)
    walk_in = str(h.qbo.add(REALM, "Customer", {"DisplayName": WALK_IN})["Id"])
    await configure(h, shop, "customers", {"generic_customer_id": walk_in})
    default = next(i for i in h.qbo.documents(REALM, "Item") if i["Name"] == DEFAULT_ITEM)
    products = {"unmatched": "use_default", "default_item_id": str(default["Id"])}
    await configure(h, shop, "products", products)
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_04)


async def test_05_a_pending_bank_deposit_waits_on_hold_by_default(h: Harness) -> None:
    order = order_fixture("05_pending_payment_bank_deposit")
    await company(h, order)
    record = await deliver(h, order)
    assert (record.status, record.error_code) == ("on_hold", "on_hold")
    assert "pending" in (record.message or "")
    assert h.qbo.documents(REALM, "SalesReceipt") == []


async def test_05_with_pending_as_a_trigger_it_books_shopifys_rounded_tax(h: Harness) -> None:
    order = order_fixture("05_pending_payment_bank_deposit")
    shop = await company(h, order)
    await configure(h, shop, "orders", {"trigger_financial_statuses": ["paid", "pending"]})
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_05)
    (receipt,) = h.qbo.documents(REALM, "SalesReceipt")
    own = qbo_ledger.ledger(h.qbo.realm(REALM), "SalesReceipt", receipt)["qbo_tax"]
    assert own == "24.63"  # QBO's 6.25% of 394.00; the books keep Shopify's 24.62


async def test_06_a_partially_refunded_order_books_the_sale_as_placed(h: Harness) -> None:
    order = order_fixture("06_partially_refunded")
    await company(h, order)
    record = await deliver(h, order, topic="orders/updated")
    assert record.status == "synced", record.message
    assert_books(h, ORDER_06)
    assert h.qbo.documents(REALM, "RefundReceipt") == []  # refunds are booked by part 2


async def test_07_a_cad_order_in_the_shops_dollars(h: Harness) -> None:
    order = order_fixture("07_bonus_multicurrency_cad_presentment")
    await company(h, order)
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_07_SHOP)


async def test_07_a_cad_order_in_the_buyers_dollars_on_a_multicurrency_company(
    h: Harness,
) -> None:
    h.qbo.add_realm(MULTICURRENCY_REALM, multicurrency=True)
    order = order_fixture("07_bonus_multicurrency_cad_presentment")
    shop = await company(h, order, MULTICURRENCY_REALM)
    await configure(h, shop, "orders", {"currency": "presentment"})
    record = await deliver(h, order)
    assert record.status == "synced", record.message
    assert_books(h, ORDER_07_PRESENTMENT, MULTICURRENCY_REALM)

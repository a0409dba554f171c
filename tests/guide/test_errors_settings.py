"""The guide's errors fixed by a mapping or a setting (customer not found, product not
mapped, tax not mapped, invalid account), by the order itself (missing field, on hold):
each produced by its real cause, fixed by following the catalogue's actions for its code."""

from __future__ import annotations

import pytest

from tests.e2e.books import KENTUCKY, Books, order
from tests.e2e.live import LiveShop
from tests.guide.steps import failing, fix, synced

pytestmark = pytest.mark.e2e

JUN = {"id": 7302200002, "first_name": "Jun", "last_name": "Park", "email": "jun@example.com"}


def test_customer_not_found_option_a_map_the_customer_then_resync(
    shop: LiveShop, books: Books
) -> None:
    shop.send_order(order(2001, customer=JUN))
    assert "Jun Park" in failing(shop, 2001, "customer_not_found")["message"]

    unmapped = fix(shop, "customer_not_found", "list_unmapped_customers")["items"]
    assert [c["source_key"] for c in unmapped] == [f"customer:{JUN['id']}"]
    trading = shop.qbo_add("Customer", {"DisplayName": "Park Trading Co."})
    fix(shop, "customer_not_found", "list_qbo_customers")
    saved = fix(shop, "customer_not_found", "map_customer", qbo_customer_id=trading)
    assert saved["requeued"] == 1
    fix(shop, "customer_not_found", "sync_orders", id="2001")
    synced(shop, 2001)
    assert shop.receipts()["SH2001"]["CustomerRef"]["value"] == trading


def test_product_not_mapped_option_a_auto_map(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(2101, ("SOCKS",)))
    failing(shop, 2101, "product_not_mapped")
    socks = books.item("Merino Socks", sku="SOCKS")  # QuickBooks has the SKU now

    mapped = fix(shop, "product_not_mapped", "auto_map_products")
    assert (mapped["mapped"], mapped["requeued"], mapped["remaining"]) == (1, 1, [])
    assert fix(shop, "product_not_mapped", "list_unmapped_products")["items"] == []
    synced(shop, 2101)
    lines = shop.receipts()["SH2101"]["Line"]
    assert socks in {
        ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in lines if "SalesItemLineDetail" in ln
    }


def test_tax_not_mapped_map_the_rate(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(2201, tax=KENTUCKY))
    failing(shop, 2201, "tax_not_mapped")

    assert fix(shop, "tax_not_mapped", "view_config")["accounting"]["tax_mode"] == "line_item"
    rates = fix(shop, "tax_not_mapped", "list_unmapped_tax_rates")["items"]
    assert [r["source_key"] for r in rates] == ["Kentucky State Tax|0.06"]
    kentucky = shop.qbo_find("TaxCode", "Kentucky")
    saved = fix(shop, "tax_not_mapped", "map_tax_rate", qbo_tax_code_id=kentucky)
    assert saved["requeued"] == 1
    synced(shop, 2201)
    assert shop.receipts()["SH2201"]["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == kentucky


def test_invalid_account_point_the_setting_at_an_active_account(
    shop: LiveShop, books: Books
) -> None:
    shop.qbo_set_active("Account", books.clearing, False)  # made inactive in QuickBooks
    shop.send_order(order(2301))
    record = failing(shop, 2301, "invalid_account")
    assert "payments.deposit_accounts.shopify_payments" in record["message"]

    accounts = fix(shop, "invalid_account", "list_qbo_accounts")["items"]
    assert books.clearing not in {a["id"] for a in accounts}
    saved = fix(shop, "invalid_account", "update_payments_config")
    assert saved["requeued"] == 1
    synced(shop, 2301)
    deposit = shop.receipts()["SH2301"]["DepositToAccountRef"]["value"]
    assert deposit == saved["values"]["deposit_accounts"]["shopify_payments"] != books.clearing


def test_on_hold_sync_it_now_whatever_its_status(shop: LiveShop, books: Books) -> None:
    shop.send_order({**order(2401), "financial_status": "pending"})
    held = shop.wait_for_records([2401], lambda r: r["status"] == "on_hold")[2401]
    assert held["error_code"] == "on_hold"

    triggers = fix(shop, "on_hold", "view_config")["orders"]
    assert "paid" in triggers["trigger_financial_statuses"]
    started = fix(shop, "on_hold", "sync_orders", id="2401")
    assert started["queued"] == 1
    synced(shop, 2401)


def test_missing_field_complete_the_order_in_shopify_then_resync(
    shop: LiveShop, books: Books
) -> None:
    nameless = {"id": 7304400004, "first_name": None, "last_name": None, "email": None}
    shop.send_order(order(2501, customer=nameless))
    failing(shop, 2501, "missing_field")
    seen = fix(shop, "missing_field", "view_record", id="2501", entity="order")
    assert "neither a name nor an email" in seen["message"]

    corrected = order(2501, updated_at="2025-03-14T11:05:00-04:00")  # the buyer is Maya now
    shop.send_order(corrected, topic="orders/updated")
    fix(shop, "missing_field", "sync_orders", id="2501")
    synced(shop, 2501)
    posted = [r for r in shop.qbo_list("SalesReceipt") if r["DocNumber"] == "SH2501"]
    assert len(posted) == 1  # the re-sync after the update posted nothing twice

"""The guide's other sections: mapping by hand, the sync settings' fallbacks (a default
product, a generic customer), the connections, and resolving a record without syncing it."""

from __future__ import annotations

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import LiveShop
from tests.guide.steps import failing, fix, synced

pytestmark = pytest.mark.e2e

JUN = {"id": 7302200002, "first_name": "Jun", "last_name": "Park", "email": "jun@example.com"}


def item_ids(shop: LiveShop, number: int) -> list[str]:
    lines = shop.receipts()[f"SH{number}"]["Line"]
    return [
        ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in lines if "SalesItemLineDetail" in ln
    ]


def test_mapping_a_product_by_hand(shop: LiveShop, books: Books) -> None:
    shorts = books.item("Trail Shorts")  # no SKU in QuickBooks: auto-map cannot match it
    shop.send_order(order(4001, ("SHORTS",)))
    failing(shop, 4001, "product_not_mapped")

    left = fix(shop, "product_not_mapped", "auto_map_products")["remaining"]
    assert [r["source_key"] for r in left] == ["sku:SHORTS"]
    unmapped = fix(shop, "product_not_mapped", "list_unmapped_products")["items"]
    assert [p["source_key"] for p in unmapped] == ["sku:SHORTS"]
    items = fix(shop, "product_not_mapped", "list_qbo_items")["items"]
    assert shorts in {i["id"] for i in items}
    saved = fix(shop, "product_not_mapped", "map_product", qbo_item_id=shorts)
    assert (saved["mapping"]["source_key"], saved["requeued"]) == ("sku:SHORTS", 1)
    synced(shop, 4001)
    assert item_ids(shop, 4001) == [shorts]


def test_sync_config_default_product_and_generic_customer(shop: LiveShop, books: Books) -> None:
    shop.send_order(order(4101, ("SOCKS",)))
    shop.send_order(order(4102, customer=JUN))
    failing(shop, 4101, "product_not_mapped")
    failing(shop, 4102, "customer_not_found")

    # Sync Config » Products: unmatched products use a placeholder item.
    misc = books.item("Miscellaneous sale")
    saved = fix(shop, "product_not_mapped", "update_products_config", qbo_item_id=misc)
    assert (saved["values"]["unmatched"], saved["requeued"]) == ("use_default", 1)
    synced(shop, 4101)
    assert item_ids(shop, 4101) == [misc]

    # Sync Config » Customers: every unmatched buyer becomes one generic customer.
    walk_in = shop.qbo_add("Customer", {"DisplayName": "Online sales"})
    saved = fix(shop, "customer_not_found", "update_customers_config", qbo_customer_id=walk_in)
    assert (saved["values"]["strategy"], saved["requeued"]) == ("generic", 1)
    fix(shop, "customer_not_found", "sync_orders", id="4102")
    synced(shop, 4102)
    assert shop.receipts()["SH4102"]["CustomerRef"]["value"] == walk_in


def test_connections_show_both_healthy_and_reconnect_keeps_the_company(
    shop: LiveShop, books: Books
) -> None:
    listed = {c["provider"]: c for c in fix(shop, "qbo_auth", "view_connections")["items"]}
    assert {p: c["status"] for p, c in listed.items()} == {
        "quickbooks": "healthy",
        "shopify": "healthy",
    }
    assert listed["quickbooks"]["external_id"] == shop.realm
    shop.consent_quickbooks(fix(shop, "qbo_auth", "reconnect_quickbooks")["authorize_url"])
    again = {c["provider"]: c for c in fix(shop, "qbo_auth", "view_connections")["items"]}
    assert (again["quickbooks"]["status"], again["quickbooks"]["external_id"]) == (
        "healthy",
        shop.realm,
    )
    shop.send_order(order(4201))
    synced(shop, 4201)


def test_resolve_keeps_a_sale_out_of_quickbooks_until_synced_by_hand(
    shop: LiveShop, books: Books
) -> None:
    nameless = {"id": 7304400004, "first_name": None, "last_name": None, "email": None}
    shop.send_order(order(4301, customer=nameless))
    failing(shop, 4301, "missing_field")

    resolved = fix(shop, "missing_field", "resolve_record", entity="order", id="4301")
    assert resolved["status"] == "resolved"
    record = shop.record(4301)
    assert record is not None and record["status"] == "resolved"
    assert record["history"][0]["status"] == "resolved"
    assert "SH4301" not in shop.receipts()
    listed = shop.ok("GET", "/records", params={"status": "resolved"})["items"]
    assert [r["shopify_id"] for r in listed] == ["4301"]

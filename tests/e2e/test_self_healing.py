"""The merchant's controls, end to end: each error the guide lists with a fix in LedgerPort is
produced by its real cause on real processes, the guide's fix is applied through the HTTP API
alone, and exactly the records waiting on that fix heal by themselves.

For each of customer_not_found, product_not_mapped, tax_not_mapped and invalid_account: two
orders fail for one cause and a control fails with the same code for another (another SKU,
customer, tax rate or setting). The fix answers the exact number it re-queued; the two orders
are synced without any call to /sync and with the sweep's interval far beyond the test (their
synced attempt is the fix's, actor `manual`, no run); the control keeps its attempts. The
receipts in the QBO company carry what was mapped and the payment method and deposit account
from the payments settings. missing_field heals the way the guide says: the corrected order
arrives from Shopify (an orders/updated webhook with a newer updated_at).

One stack per module: the sandbox and the API with its in-process worker on SQLite; the
product case runs again on PostgreSQL with Redis and an arq worker process. Each test has a
shop and a QBO company of its own, set up over HTTP (tests/e2e/live.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.e2e.books import (
    GATEWAY,
    KENTUCKY,
    MAYA,
    OHIO,
    UPDATED,
    Books,
    failed,
    order,
    unmapped,
)
from tests.e2e.live import Json, LiveShop, Stack, new_shop, running_stack

pytestmark = pytest.mark.e2e

# -- the stacks ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("heal-sqlite"), production=False) as stack:
        yield stack


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("heal-postgres"), production=True) as stack:
        yield stack


@pytest.fixture
def shop(sqlite_stack: Stack) -> LiveShop:
    return new_shop(sqlite_stack)


def healed(shop: LiveShop, ids: list[int], control: int, before: Json, actor: str) -> None:
    """The records are synced by one more attempt, made by the fix (no run, no sweep); the
    control was not re-queued and keeps its attempts."""
    right_after = shop.record(control)
    assert right_after is not None and right_after["status"] == "error", right_after
    records = shop.wait_for_records(ids, lambda r: r["status"] == "synced")
    for oid, record in records.items():
        assert (record["attempts"], record["error_code"]) == (2, None), record
        assert record["qbo_document"]["doc_number"] == f"SH{oid}"
        synced = [e for e in record["history"] if e["status"] == "synced"]
        assert [(e["actor"], e["run_id"]) for e in synced] == [(actor, None)], record["history"]
    untouched(shop, control, before)


def untouched(shop: LiveShop, control: int, before: Json) -> None:
    now = shop.record(control)
    assert now is not None
    keys = ("status", "error_code", "attempts", "message", "last_attempt_at")
    assert {k: now[k] for k in keys} == {k: before[k] for k in keys}
    assert len(now["history"]) == len(before["history"])
    assert f"SH{control}" not in shop.receipts()


def receipt_of(
    books: Books,
    number: int,
    *,
    items: list[str],
    customer: str,
    deposit: str | None = None,
    tax_code: str | None = None,
) -> Json:
    """The order's sales receipt in the QBO company, checked against what was mapped and the
    payments settings."""
    receipt = books.shop.receipts()[f"SH{number}"]
    item_lines = [
        ln["SalesItemLineDetail"]["ItemRef"]["value"]
        for ln in receipt["Line"]
        if ln.get("DetailType") == "SalesItemLineDetail"
    ]
    assert item_lines == items
    assert receipt["CustomerRef"]["value"] == customer
    assert receipt["PaymentMethodRef"]["value"] == books.visa
    assert receipt["DepositToAccountRef"]["value"] == (deposit or books.clearing)
    if tax_code is not None:
        assert receipt["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_code
    return receipt


# -- the cases -----------------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["embedded-sqlite", "postgres-arq"])
def test_product_not_mapped_heals_when_the_sku_is_mapped_then_by_auto_map(
    request: pytest.FixtureRequest, deployment: str
) -> None:
    stack_fixture = "sqlite_stack" if deployment == "embedded-sqlite" else "postgres_stack"
    shop = new_shop(request.getfixturevalue(stack_fixture))
    books = Books(shop)
    shorts = books.item("Trail Shorts")  # no SKU in QBO: only a person can map it
    shop.send_order(order(2001, ("SHORTS",)))
    shop.send_order(order(2002, ("TEE", "SHORTS")))
    shop.send_order(order(2003, ("SOCKS",)))  # the control: another SKU
    before = failed(shop, [2001, 2002, 2003], "product_not_mapped")
    assert "SHORTS" in before[2001]["message"] and "SOCKS" in before[2003]["message"]
    assert unmapped(shop, "products") == {"sku:SHORTS", "sku:SOCKS"}

    # Mapping » Products: select the QuickBooks item for the unmapped product.
    saved = shop.ok("PUT", "/mappings/products/sku:SHORTS", json={"qbo_id": shorts})
    assert saved["requeued"] == 2
    assert saved["mapping"]["qbo_name"] == "Trail Shorts"
    healed(shop, [2001, 2002], 2003, before[2003], actor="manual")
    receipt_of(books, 2001, items=[shorts], customer=books.maya)
    receipt_of(books, 2002, items=[books.tee, shorts], customer=books.maya)
    assert unmapped(shop, "products") == {"sku:SOCKS"}

    # Auto-Map: the QuickBooks item now has the SKU; auto-map maps it and heals the control.
    socks = books.item("Merino Socks", sku="SOCKS")
    automapped = shop.ok("POST", "/mappings/products/auto-map")
    assert (automapped["mapped"], automapped["requeued"]) == (1, 1)
    assert automapped["remaining"] == []
    shop.wait_for_records([2003], lambda r: r["status"] == "synced")
    receipt_of(books, 2003, items=[socks], customer=books.maya)


def test_customer_not_found_heals_when_the_customer_is_mapped(shop: LiveShop) -> None:
    books = Books(shop)
    jun = {"id": 7302200002, "first_name": "Jun", "last_name": "Park",
           "email": "jun.park@example.com"}  # fmt: skip
    ana = {"id": 7303300003, "first_name": "Ana", "last_name": "Ruiz",
           "email": "ana.ruiz@example.com"}  # fmt: skip
    shop.send_order(order(3001, customer=jun))
    shop.send_order(order(3002, customer=jun))
    shop.send_order(order(3003, customer=ana))  # the control: another unknown buyer
    before = failed(shop, [3001, 3002, 3003], "customer_not_found")
    assert "Jun Park" in before[3001]["message"] and "Ana Ruiz" in before[3003]["message"]
    assert unmapped(shop, "customers") == {f"customer:{jun['id']}", f"customer:{ana['id']}"}

    # Mapping » Customers: Jun buys for a company QBO knows under another name and email,
    # so only the mapping can say who it is. The bare Shopify id is accepted.
    email = {"Address": "ap@parktrading.example"}
    trading = shop.qbo_add(
        "Customer", {"DisplayName": "Park Trading Co.", "PrimaryEmailAddr": email}
    )
    saved = shop.ok("PUT", f"/mappings/customers/{jun['id']}", json={"qbo_id": trading})
    assert saved["requeued"] == 2
    assert saved["mapping"]["source_key"] == f"customer:{jun['id']}"
    healed(shop, [3001, 3002], 3003, before[3003], actor="manual")
    for number in (3001, 3002):
        receipt_of(books, number, items=[books.tee], customer=trading)
    assert unmapped(shop, "customers") == {f"customer:{ana['id']}"}


def test_tax_not_mapped_heals_when_the_tax_rate_is_mapped(shop: LiveShop) -> None:
    books = Books(shop)
    assert shop.ok("GET", "/config/accounting")["tax_mode"] == "line_item"
    shop.send_order(order(4001, tax=KENTUCKY))
    shop.send_order(order(4002, ("TEE", "TEE"), tax=KENTUCKY))
    shop.send_order(order(4003, tax=OHIO))  # the control: another tax rate
    before = failed(shop, [4001, 4002, 4003], "tax_not_mapped")
    assert unmapped(shop, "tax-rates") == {"Kentucky State Tax|0.06", "Ohio State Tax|0.0575"}

    # Sync Config » Accounting, line-item tax: map the Shopify rate to a QuickBooks tax code.
    kentucky = shop.qbo_find("TaxCode", "Kentucky")
    key = quote("Kentucky State Tax|0.06", safe="")
    saved = shop.ok("PUT", f"/mappings/tax-rates/{key}", json={"qbo_id": kentucky})
    assert saved["requeued"] == 2
    healed(shop, [4001, 4002], 4003, before[4003], actor="manual")
    first = receipt_of(books, 4001, items=[books.tee], customer=books.maya, tax_code=kentucky)
    second = receipt_of(
        books, 4002, items=[books.tee, books.tee], customer=books.maya, tax_code=kentucky
    )
    assert (first["TxnTaxDetail"]["TotalTax"], second["TxnTaxDetail"]["TotalTax"]) == (0.6, 1.2)


def test_invalid_account_heals_when_the_payments_setting_is_fixed(shop: LiveShop) -> None:
    books = Books(shop)
    freight = books.item("Freight", kind="Service")
    saved = shop.ok("PATCH", "/config/accounting", json={"shipping_item_id": freight})
    assert saved["requeued"] == 0
    # Someone makes both records inactive in QuickBooks after they were saved in LedgerPort.
    shop.qbo_set_active("Account", books.clearing, False)
    shop.qbo_set_active("Item", freight, False)
    shop.send_order(order(5001))
    shop.send_order(order(5002, ("TEE", "TEE")))
    # The control fails on another setting only: the shipping item (it has a charged shipping
    # line, and was paid in cash, a gateway without payments settings).
    shop.send_order(order(5003, shipping="7.50", gateway="cash"))
    before = failed(shop, [5001, 5002, 5003], "invalid_account")
    for number in (5001, 5002):
        assert f"payments.deposit_accounts.{GATEWAY}" in before[number]["message"]
        assert "inactive" in before[number]["message"]
    assert "accounting.shipping_item_id" in before[5003]["message"]

    # Sync Config » Payments: point the field at an active account.
    active = books.account("Shopify Payments Clearing (new)")
    saved = shop.ok("PATCH", "/config/payments", json={"deposit_accounts": {GATEWAY: active}})
    assert saved["requeued"] == 2
    assert saved["values"]["payment_methods"] == {GATEWAY: books.visa}
    healed(shop, [5001, 5002], 5003, before[5003], actor="manual")
    receipt_of(books, 5001, items=[books.tee], customer=books.maya, deposit=active)
    receipt_of(books, 5002, items=[books.tee] * 2, customer=books.maya, deposit=active)
    logged = shop.ok("GET", "/audit-log", params={"entity": "config"})["items"]
    assert [(e["label"], e["detail"]["requeued"]) for e in logged][0] == ("payments", 2)


def test_missing_billing_address_heals_when_shopify_sends_the_corrected_order(
    shop: LiveShop,
) -> None:
    books = Books(shop)
    saved = shop.ok("PATCH", "/config/customers", json={"require_billing_address": True})
    assert saved["requeued"] == 0
    shop.send_order(order(6001, billing=False))
    shop.send_order(order(6002, billing=False))
    shop.send_order(order(6003, billing=False))  # the control: nobody corrects it
    before = failed(shop, [6001, 6002, 6003], "missing_field")
    assert "billing address" in before[6001]["message"]

    # The merchant adds the address in Shopify, which sends orders/updated.
    for number in (6001, 6002):
        shop.send_order(order(number, updated_at=UPDATED), topic="orders/updated")
    healed(shop, [6001, 6002], 6003, before[6003], actor="webhook")
    for number in (6001, 6002):
        receipt_of(books, number, items=[books.tee], customer=books.maya)


def test_missing_customer_name_heals_when_shopify_sends_the_corrected_order(
    shop: LiveShop,
) -> None:
    books = Books(shop)
    nameless = {"id": MAYA["id"], "first_name": None, "last_name": None, "email": None}
    other = {"id": 7304400004, "first_name": None, "last_name": None, "email": None}
    shop.send_order(order(6101, customer=nameless))
    shop.send_order(order(6102, customer=nameless))
    shop.send_order(order(6103, customer=other))  # the control: nobody corrects it
    before = failed(shop, [6101, 6102, 6103], "missing_field")
    assert "neither a name nor an email" in before[6101]["message"]

    for number in (6101, 6102):
        shop.send_order(order(number, updated_at=UPDATED), topic="orders/updated")
    healed(shop, [6101, 6102], 6103, before[6103], actor="webhook")
    for number in (6101, 6102):
        receipt_of(books, number, items=[books.tee], customer=books.maya)

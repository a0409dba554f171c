"""Sync settings through the API: read, patch and replace by section; values and QuickBooks
records checked (422 naming the field); a change heals exactly the records waiting on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from app.adapters.db.tables import SyncRecord
from tests.harness import REALM, Harness, make_settings, running
from tests.integration.test_self_healing_mappings import item, order

BASE = "/v1/shops/northwind.myshopify.com"
UNDEPOSITED, CHECKING, INCOME = "2", "1", "5"  # the sandbox company's seeded accounts


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def records(h: Harness) -> dict[str, SyncRecord]:
    async with h.container.sessions() as session:
        return {r.label: r for r in (await session.scalars(select(SyncRecord))).all()}


async def test_reading_the_defaults_and_one_section(h: Harness) -> None:
    shop = await h.install()
    whole = await h.api.get(f"{BASE}/config", headers=h.auth(shop))
    assert whole.status_code == 200
    assert whole.json()["customers"] == {
        "strategy": "match",
        "generic_customer_id": None,
        "require_billing_address": False,
    }
    orders = await h.api.get(f"{BASE}/config/orders", headers=h.auth(shop))
    assert orders.json()["transaction_type"] == "sales_receipt"
    assert orders.json()["trigger_financial_statuses"] == ["paid"]


@pytest.mark.parametrize(
    ("section", "body", "field", "words"),
    [
        ("customers", {"strategy": "generic"}, "customers.generic_customer_id", "required"),
        ("customers", {"strategy": "sometimes"}, "customers.strategy", "not one of"),
        ("customers", {"colour": "blue"}, "customers.colour", "unknown field"),
        ("orders", {"currency": "CAD"}, "orders.currency", "not one of"),
        ("orders", {"cancellation_policy": "void"}, "orders.cancellation_policy", "only"),
        ("accounting", {"gift_card_account_id": INCOME},
         "accounting.gift_card_account_id", "Income account"),
        ("payments", {"deposit_accounts": {"shopify_payments": INCOME}},
         "payments.deposit_accounts.shopify_payments", "Income account"),
        ("payments", {"default_deposit_account_id": "999"},
         "payments.default_deposit_account_id", "no Account 999"),
        ("products", {"unmatched": "use_default", "default_item_id": "777"},
         "products.default_item_id", "no Item 777"),
        ("payments", {"payment_methods": {"shopify_payments": "404"}},
         "payments.payment_methods.shopify_payments", "no PaymentMethod 404"),
    ],
)  # fmt: skip
async def test_a_value_or_record_refused_is_422_naming_the_field(
    h: Harness, section: str, body: dict[str, object], field: str, words: str
) -> None:
    shop = await h.install()
    answer = await h.api.patch(f"{BASE}/config/{section}", json=body, headers=h.auth(shop))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    [param] = answer.json()["invalid_params"]
    assert param["name"] == field and words in param["reason"]
    unchanged = await h.api.get(f"{BASE}/config/{section}", headers=h.auth(shop))
    assert (
        unchanged.json()
        == (await h.api.get(f"{BASE}/config", headers=h.auth(shop))).json()[section]
    )


async def test_an_inactive_account_is_refused(h: Harness) -> None:
    shop = await h.install()
    h.qbo.set_active(REALM, "Account", CHECKING, False)
    answer = await h.api.patch(
        f"{BASE}/config/payments",
        json={"deposit_accounts": {"shopify_payments": CHECKING}},
        headers=h.auth(shop),
    )
    assert answer.status_code == 422 and "inactive" in answer.json()["detail"]


async def test_with_quickbooks_disconnected_references_cannot_be_checked(h: Harness) -> None:
    shop = await h.install()
    await h.api.delete(f"{BASE}/connections/quickbooks", headers=h.auth(shop))
    refs = await h.api.patch(
        f"{BASE}/config/payments",
        json={"default_deposit_account_id": UNDEPOSITED},
        headers=h.auth(shop),
    )
    assert refs.status_code == 409 and refs.json()["code"] == "qbo_auth"
    # The cause as the connection recorded it, and the call that fixes it.
    assert "disconnected by a person" in refs.json()["detail"]
    assert "connections/quickbooks/authorize" in refs.json()["detail"]
    plain = await h.api.patch(
        f"{BASE}/config/orders", json={"doc_number_prefix": "WEB"}, headers=h.auth(shop)
    )
    assert plain.status_code == 200 and plain.json()["values"]["doc_number_prefix"] == "WEB"


async def test_put_replaces_the_section_and_patch_keeps_the_rest(h: Harness) -> None:
    shop = await h.install()
    await h.api.patch(
        f"{BASE}/config/orders",
        json={"doc_number_prefix": "WEB", "trigger_fulfillment_statuses": ["fulfilled"]},
        headers=h.auth(shop),
    )
    patched = await h.api.patch(
        f"{BASE}/config/orders", json={"doc_number_prefix": "POS"}, headers=h.auth(shop)
    )
    assert patched.json()["values"]["trigger_fulfillment_statuses"] == ["fulfilled"]
    replaced = await h.api.put(
        f"{BASE}/config/orders", json={"doc_number_prefix": "X"}, headers=h.auth(shop)
    )
    assert replaced.json()["values"]["trigger_fulfillment_statuses"] == []
    assert replaced.json()["values"]["doc_number_prefix"] == "X"


async def test_generic_customers_heal_customer_not_found(h: Harness) -> None:
    shop = await h.install()
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    await h.deliver(order(3001, ["SKU-A"], customer_id=801))
    await h.deliver(order(3002, ["SKU-A"], customer_id=802))
    await h.deliver(order(3003, ["SKU-B"], customer_id=803))  # another cause: untouched
    await settle(h)
    before = await records(h)
    generic = h.add_customer("Shopify Sales", "sales@northwind.example")

    answer = await h.api.patch(
        f"{BASE}/config/customers",
        json={"strategy": "generic", "generic_customer_id": generic},
        headers=h.auth(shop),
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["requeued"] == 2
    await settle(h)
    after = await records(h)
    assert after["#3001"].status == after["#3002"].status == "synced"
    assert after["#3003"].attempts == before["#3003"].attempts
    receipts = {r["DocNumber"]: r for r in h.qbo.documents(REALM, "SalesReceipt")}
    assert receipts["SH3001"]["CustomerRef"]["value"] == generic


async def test_a_deposit_account_made_inactive_heals_when_the_setting_is_fixed(
    h: Harness,
) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    saved = await h.api.patch(
        f"{BASE}/config/payments",
        json={"deposit_accounts": {"shopify_payments": CHECKING}},
        headers=h.auth(shop),
    )
    assert saved.status_code == 200
    shipping = item(h, "Freight")
    shipping_saved = await h.api.patch(
        f"{BASE}/config/accounting", json={"shipping_item_id": shipping}, headers=h.auth(shop)
    )
    assert shipping_saved.status_code == 200, shipping_saved.text
    h.qbo.set_active(REALM, "Account", CHECKING, False)  # someone retires it in QBO
    h.qbo.set_active(REALM, "Item", shipping, False)
    await h.deliver(order(3101, ["SKU-A"]))
    await h.deliver(order(3102, ["SKU-A"]))
    control = order(3103, ["SKU-A"])
    control["payment_gateway_names"] = ["manual"]  # no deposit setting: fails on shipping
    shipping_line = control["shipping_lines"][0]
    shipping_line.update(title="Ground", price="5.00", discounted_price="5.00")
    for key in ("price_set", "discounted_price_set"):
        shipping_line.pop(key)
    control["total_price"] = "15.00"
    await h.deliver(control)
    await settle(h)
    before = await records(h)
    assert {r.error_code for r in before.values()} == {"invalid_account"}
    assert "payments.deposit_accounts.shopify_payments" in (before["#3101"].message or "")
    assert "accounting.shipping_item_id" in (before["#3103"].message or "")

    fixed = await h.api.patch(
        f"{BASE}/config/payments",
        json={"deposit_accounts": {"shopify_payments": UNDEPOSITED}},
        headers=h.auth(shop),
    )

    assert fixed.json()["requeued"] == 2
    await settle(h)
    after = await records(h)
    assert after["#3101"].status == after["#3102"].status == "synced"
    assert after["#3103"].attempts == before["#3103"].attempts
    receipts = {r["DocNumber"]: r for r in h.qbo.documents(REALM, "SalesReceipt")}
    assert receipts["SH3101"]["DepositToAccountRef"]["value"] == UNDEPOSITED


async def test_widening_the_triggers_releases_the_orders_on_hold(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    pending = order(3201, ["SKU-A"])
    pending["financial_status"] = "pending"
    await h.deliver(pending)
    await settle(h)
    assert (await records(h))["#3201"].status == "on_hold"

    answer = await h.api.patch(
        f"{BASE}/config/orders",
        json={"trigger_financial_statuses": ["paid", "pending"]},
        headers=h.auth(shop),
    )

    assert answer.json()["requeued"] == 1
    await settle(h)
    assert (await records(h))["#3201"].status == "synced"


async def test_saving_a_setting_unchanged_after_fixing_its_record_in_qbo_retries(
    h: Harness,
) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    a = item(h, "Trail Shorts", sku="SKU-A")
    await h.api.put(f"{BASE}/mappings/products/SKU-A", json={"qbo_id": a}, headers=h.auth(shop))
    setting = {"deposit_accounts": {"shopify_payments": CHECKING}}
    await h.api.patch(f"{BASE}/config/payments", json=setting, headers=h.auth(shop))
    h.qbo.set_active(REALM, "Account", CHECKING, False)
    await h.deliver(order(3301, ["SKU-A"]))
    await settle(h)
    assert (await records(h))["#3301"].error_code == "invalid_account"
    h.qbo.set_active(REALM, "Account", CHECKING, True)  # fixed inside QuickBooks

    again = await h.api.patch(f"{BASE}/config/payments", json=setting, headers=h.auth(shop))

    assert again.json()["requeued"] == 1
    await settle(h)
    assert (await records(h))["#3301"].status == "synced"

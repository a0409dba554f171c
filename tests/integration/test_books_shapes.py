"""Each kind of sale, posted to the QBO sandbox through the webhook path: tips, gift cards sold
and spent, cash rounding, an invoice with its payment, the buyer's currency, and a total that
does not add up. Expected figures are worked out here from the order, not read off the code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.adapters.db.tables import AuditEntry, SyncRecord
from app.adapters.queue.inprocess import InProcessQueue
from app.services.shops import map_product
from tests.harness import REALM, SHOP, Harness, Installed, make_settings, order_fixture, running

BASE = f"/v1/shops/{SHOP}"
SKU, ITEM = "TEE-ORG-HG-M", "Organic Cotton Tee"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    settings = make_settings(database_url, LEDGERPORT_HTTP_TIMEOUT_S=0.5)
    async with running(settings, queue=InProcessQueue(max_tries=1)) as harness:
        yield harness


async def ready(h: Harness) -> Installed:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, SKU, ITEM)
    return shop


async def configure(h: Harness, shop: Installed, section: str, body: dict[str, Any]) -> None:
    answer = await h.api.patch(f"{BASE}/config/{section}", json=body, headers=h.auth(shop))
    assert answer.status_code == 200, answer.text


def account(h: Harness, name: str, kind: str, realm: str = REALM) -> str:
    return str(h.qbo.add(realm, "Account", {"Name": name, "AccountType": kind})["Id"])


def item(h: Harness, name: str, income_account: str, realm: str = REALM) -> str:
    body = {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": income_account}}
    return str(h.qbo.add(realm, "Item", body)["Id"])


async def post(h: Harness, payload: dict[str, Any]) -> SyncRecord:
    assert (await h.deliver(payload)).status_code == 200
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        found = await session.scalar(select(SyncRecord))
    assert found is not None
    return found


def only(h: Harness, entity: str = "SalesReceipt", realm: str = REALM) -> dict[str, Any]:
    (document,) = h.qbo.documents(realm, entity)
    return document


def sale_lines(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [ln for ln in document["Line"] if ln["DetailType"] == "SalesItemLineDetail"]


def by_item(document: dict[str, Any], item_id: str) -> list[dict[str, Any]]:
    return [
        ln
        for ln in sale_lines(document)
        if ln["SalesItemLineDetail"]["ItemRef"]["value"] == item_id
    ]


async def test_a_tip_books_to_the_tip_item_untaxed_and_the_total_includes_it(h: Harness) -> None:
    shop = await ready(h)
    tips = item(h, "Tips", account(h, "Tips Payable", "Other Current Liability"))
    await configure(h, shop, "accounting", {"tip_item_id": tips})
    order = order_fixture()
    order["total_tip_received"] = "5.00"
    order["total_price"] = "58.00"  # Shopify's total holds the tip: 50.00 + 3.00 tax + 5.00
    order.pop("total_price_set", None)

    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h)
    assert float(receipt["TotalAmt"]) == 58.00
    (tip,) = by_item(receipt, tips)
    assert float(tip["Amount"]) == 5.00
    assert tip["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
    assert float(receipt["TxnTaxDetail"]["TotalTax"]) == 3.00


async def test_a_tip_without_a_tip_item_is_an_error_naming_the_setting(h: Harness) -> None:
    await ready(h)
    order = order_fixture()
    order["total_tip_received"] = "5.00"
    order["total_price"] = "58.00"
    order.pop("total_price_set", None)

    record = await post(h, order)
    assert (record.status, record.error_code) == ("error", "invalid_account")
    assert "accounting.tip_item_id" in (record.message or "")
    assert h.qbo.documents(REALM, "SalesReceipt") == []


def gift_card_line(amount: str) -> dict[str, Any]:
    return {
        "id": 990001,
        "product_id": 880001,
        "variant_id": 770001,
        "sku": "",
        "title": "Gift Card",
        "name": "Gift Card - $50",
        "quantity": 1,
        "price": amount,
        "gift_card": True,
        "taxable": False,
        "tax_lines": [],
        "discount_allocations": [],
    }


def with_gift_card_sold() -> dict[str, Any]:
    """The sample order (53.00) with a 50.00 gift card bought alongside: 103.00."""
    order = order_fixture()
    order["line_items"].append(gift_card_line("50.00"))
    order["total_price"], order["subtotal_price"] = "103.00", "100.00"
    for key in ("total_price_set", "subtotal_price_set"):
        order.pop(key, None)
    return order


async def test_a_gift_card_sold_sits_on_the_liability_never_on_income(h: Harness) -> None:
    shop = await ready(h)
    liability = account(h, "Gift Card Liability", "Other Current Liability")
    await configure(h, shop, "accounting", {"gift_card_account_id": liability})
    order = with_gift_card_sold()

    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h)
    assert float(receipt["TotalAmt"]) == 103.00
    (own,) = [i for i in h.qbo.documents(REALM, "Item") if i["Name"].startswith("Shopify gift")]
    assert own["IncomeAccountRef"]["value"] == liability  # LedgerPort's item on that account
    (card,) = by_item(receipt, str(own["Id"]))
    assert float(card["Amount"]) == 50.00
    assert card["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
    product_lines = [ln for ln in sale_lines(receipt) if ln is not card]
    assert [float(ln["Amount"]) for ln in product_lines] == [50.00]


async def test_an_order_paid_by_gift_card_books_that_part_against_the_liability(
    h: Harness,
) -> None:
    shop = await ready(h)
    cards = item(h, "Gift cards", account(h, "Gift Card Liability", "Other Current Liability"))
    await configure(h, shop, "accounting", {"gift_card_item_id": cards})
    order = order_fixture()
    order["payment_gateway_names"] = ["gift_card"]

    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h)
    (redeemed,) = by_item(receipt, cards)
    assert float(redeemed["Amount"]) == -53.00  # the whole sale, taken off what is deposited
    assert float(receipt["TotalAmt"]) == 0.00
    assert float(receipt["TxnTaxDetail"]["TotalTax"]) == 3.00  # the tax is still Shopify's


async def test_cash_rounding_books_a_rounding_line_and_the_cash_taken(h: Harness) -> None:
    shop = await ready(h)
    rounding = account(h, "Cash Rounding", "Other Income")
    await configure(h, shop, "accounting", {"rounding_account_id": rounding})
    order = order_fixture()
    bag = {"amount": "-0.03", "currency_code": "USD"}
    order["total_cash_rounding_payment_adjustment_set"] = {
        "shop_money": bag,
        "presentment_money": bag,
    }

    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h)
    assert float(receipt["TotalAmt"]) == 52.97  # 53.00 charged, rounded to 52.97 in cash
    (own,) = [i for i in h.qbo.documents(REALM, "Item") if i["Name"].startswith("Cash rounding")]
    (line,) = by_item(receipt, str(own["Id"]))
    assert float(line["Amount"]) == -0.03


async def test_a_total_that_does_not_add_up_is_an_error_naming_both_totals(h: Harness) -> None:
    await ready(h)
    order = order_fixture()
    order["total_price"] = "55.00"  # e.g. duties the order carries and the books do not
    order.pop("total_price_set", None)

    record = await post(h, order)
    assert (record.status, record.error_code) == ("error", "missing_field")
    assert "53.00" in (record.message or "") and "55.00" in (record.message or "")
    assert h.qbo.documents(REALM, "SalesReceipt") == []


async def test_invoice_and_payment_when_the_settings_ask_for_it(h: Harness) -> None:
    shop = await ready(h)
    clearing = account(h, "Shopify Payments Clearing", "Other Current Asset")
    await configure(h, shop, "orders", {"transaction_type": "invoice_payment"})
    await configure(h, shop, "payments", {"deposit_accounts": {"shopify_payments": clearing}})

    record = await post(h, order_fixture())
    assert record.status == "synced"
    invoice = only(h, "Invoice")
    assert (invoice["DocNumber"], float(invoice["TotalAmt"])) == ("SH1001", 53.00)
    assert float(invoice["Balance"]) == 0.00
    payment = only(h, "Payment")
    assert float(payment["TotalAmt"]) == 53.00
    assert payment["DepositToAccountRef"]["value"] == clearing
    assert payment["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    assert h.qbo.documents(REALM, "SalesReceipt") == []
    assert record.qbo_id == invoice["Id"]
    async with h.container.sessions() as session:
        last = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()[-1]
    assert "invoice SH1001" in last.message and "payment" in last.message


CAD_REALM = "9130355300000777"


async def foreign(h: Harness, currency: str, *, multicurrency: bool = True) -> Installed:
    """A USD company for the CAD-presentment order, its customer kept in the books' currency."""
    h.qbo.add_realm(CAD_REALM, multicurrency=multicurrency)
    shop = await h.install(map_tax=False)
    await h.connect(shop, CAD_REALM)
    item_id = str(h.qbo.add(CAD_REALM, "Item", {"Name": "Parka", "Type": "NonInventory"})["Id"])
    order = order_fixture("07_bonus_multicurrency_cad_presentment")
    customer = order["customer"]
    kept_in = "CAD" if currency == "presentment" else "USD"
    name = f"{customer['first_name']} {customer['last_name']}"
    h.qbo.add(
        CAD_REALM,
        "Customer",
        {
            "DisplayName": name,
            "PrimaryEmailAddr": {"Address": customer["email"]},
            "CurrencyRef": {"value": kept_in},
        },
    )
    for line in order["line_items"]:
        if sku := line.get("sku"):
            await map_product(h.container.uow(), shop.shop_id, f"sku:{sku}", item_id, sku)
    await configure(h, shop, "orders", {"currency": currency})
    return shop


async def test_a_foreign_order_is_booked_in_shop_money_by_default(h: Harness) -> None:
    await foreign(h, "shop")
    order = order_fixture("07_bonus_multicurrency_cad_presentment")
    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h, realm=CAD_REALM)
    assert receipt["CurrencyRef"]["value"] == "USD"
    assert float(receipt["TotalAmt"]) == 140.00
    assert "ExchangeRate" not in receipt or float(receipt["ExchangeRate"]) == 1


async def test_a_foreign_order_in_the_buyers_currency_carries_shopifys_rate(h: Harness) -> None:
    await foreign(h, "presentment")
    order = order_fixture("07_bonus_multicurrency_cad_presentment")
    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h, realm=CAD_REALM)
    assert receipt["CurrencyRef"]["value"] == "CAD"
    assert float(receipt["TotalAmt"]) == 190.12
    rate = float(receipt["ExchangeRate"])  # USD per CAD: 140.00 / 190.12
    assert abs(rate - 140.00 / 190.12) < 1e-6
    assert round(190.12 * rate, 2) == 140.00


async def test_the_buyers_currency_needs_multicurrency_in_quickbooks(h: Harness) -> None:
    shop = await foreign(h, "shop", multicurrency=False)
    # Saving it now is refused (see the settings test below); a setting saved before that
    # check, or kept across a switch to another company, is caught when an order posts.
    async with h.container.uow() as uow:
        await uow.configs.save(shop.shop_id, {"orders": {"currency": "presentment"}})
        await uow.commit()
    record = await post(h, order_fixture("07_bonus_multicurrency_cad_presentment"))
    assert (record.status, record.error_code) == ("error", "invalid_account")
    assert "multicurrency" in (record.message or "")
    assert h.qbo.documents(CAD_REALM, "SalesReceipt") == []


async def test_a_buyer_kept_in_another_currency_is_customer_not_found_naming_both(
    h: Harness,
) -> None:
    await foreign(h, "presentment")
    order = order_fixture("07_bonus_multicurrency_cad_presentment")
    (cad,) = h.qbo.documents(CAD_REALM, "Customer")
    h.qbo.realm(CAD_REALM).replace("Customer", {**cad, "CurrencyRef": {"value": "USD"}})

    record = await post(h, order)
    assert (record.status, record.error_code) == ("error", "customer_not_found")
    assert "CAD" in (record.message or "") and "USD" in (record.message or "")
    assert h.qbo.documents(CAD_REALM, "SalesReceipt") == []


async def test_a_gift_card_item_booking_to_income_is_refused_naming_the_setting(
    h: Harness,
) -> None:
    shop = await ready(h)
    on_income = item(h, "Gift cards", "5")  # Sales of Product Income
    saving = {"gift_card_item_id": on_income}
    refused = await h.api.patch(f"{BASE}/config/accounting", json=saving, headers=h.auth(shop))
    assert refused.status_code == 422
    [param] = refused.json()["invalid_params"]
    assert param["name"] == "accounting.gift_card_item_id" and "Liability" in param["reason"]

    liability = account(h, "Gift Card Liability", "Other Current Liability")
    await configure(h, shop, "accounting", {"gift_card_item_id": item(h, "Cards", liability)})


async def test_automated_sales_tax_books_shopifys_tax_and_audits_qbos_own(h: Harness) -> None:
    shop = await ready(h)
    h.qbo.set_sales_tax(REALM, automated=True)
    h.add_customer("Priya Raman", "priya@ramandesign.example")
    await h.map_sku(shop, "DESK-FRM-BLK", "Standing Desk Frame")
    await configure(h, shop, "accounting", {"tax_mode": "automated_sales_tax"})
    order = {**order_fixture("05_pending_payment_bank_deposit"), "financial_status": "paid"}

    record = await post(h, order)
    assert record.status == "synced", record.message
    receipt = only(h)
    # Shopify rounded each line's tax: 21.81 + 2.81 = 24.62; QBO's engine, 6.25 % of the
    # Texas code on 394.00, would have charged 24.63. The books show what the buyer paid.
    assert float(receipt["TxnTaxDetail"]["TotalTax"]) == 24.62
    assert float(receipt["TotalAmt"]) == 418.62
    async with h.container.sessions() as session:
        last = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()[-1]
    assert last.detail is not None
    assert last.detail["tax"] == {"shopify": "24.62", "quickbooks": "24.63"}
    assert "24.63" in last.message


async def test_the_preview_and_the_record_name_the_invoice_and_its_payments(h: Harness) -> None:
    shop = await ready(h)
    clearing = account(h, "Shopify Payments Clearing", "Other Current Asset")
    await configure(h, shop, "orders", {"transaction_type": "invoice_payment"})
    await configure(h, shop, "payments", {"deposit_accounts": {"shopify_payments": clearing}})
    await configure(h, shop, "orders", {"trigger_fulfillment_statuses": ["fulfilled"]})
    record = await post(h, order_fixture())  # held: not fulfilled yet
    assert record.status == "on_hold"
    orders = f"{BASE}/orders/{record.shopify_id}"

    shown = (await h.api.get(f"{orders}/preview", headers=h.auth(shop))).json()
    document = shown["document"]
    assert document["entity"] == "Invoice" and document["payload"]["DocNumber"] == "SH1001"
    (payment,) = document["payments"]
    assert payment["TotalAmt"] == 53.0 and payment["DepositToAccountRef"] == {"value": clearing}
    assert payment["Line"][0]["LinkedTxn"] == [{"TxnId": "new:invoice", "TxnType": "Invoice"}]
    assert "invoice" in shown["manual_sync"]["note"] and "payment" in shown["manual_sync"]["note"]
    assert h.qbo.documents(REALM, "Invoice") == []  # the preview posts nothing

    synced = await h.api.post(
        f"{BASE}/sync", json={"order_ids": [record.shopify_id]}, headers=h.auth(shop)
    )
    assert synced.status_code == 202
    await h.queue.join()  # type: ignore[attr-defined]
    detail = await h.api.get(f"{BASE}/records/order/{record.shopify_id}", headers=h.auth(shop))
    invoice = only(h, "Invoice")
    assert detail.json()["qbo_document"] == {
        "id": invoice["Id"],
        "doc_number": "SH1001",
        "entity": "Invoice",
    }
    again = (await h.api.get(f"{orders}/preview", headers=h.auth(shop))).json()
    assert again["summary"].startswith("Already in QuickBooks as invoice SH1001")


async def test_settings_the_company_cannot_honour_are_refused_naming_the_field(
    h: Harness,
) -> None:
    shop = await ready(h)  # a company without multicurrency, booking tax by hand
    for section, body, field in (
        ("orders", {"currency": "presentment"}, "orders.currency"),
        ("accounting", {"tax_mode": "automated_sales_tax"}, "accounting.tax_mode"),
    ):
        refused = await h.api.patch(f"{BASE}/config/{section}", json=body, headers=h.auth(shop))
        assert refused.status_code == 422, refused.text
        [param] = refused.json()["invalid_params"]
        assert param["name"] == field
    config = (await h.api.get(f"{BASE}/config", headers=h.auth(shop))).json()
    assert config["orders"]["currency"] == "shop"
    assert config["accounting"]["tax_mode"] == "line_item"


async def test_a_gift_card_account_uses_the_companys_own_item_on_it(h: Harness) -> None:
    shop = await ready(h)
    seeded = [i for i in h.qbo.documents(REALM, "Item") if i["Name"] == "Gift Card"]
    (own,) = seeded  # the sandbox company's gift-card item, on Gift Card Liability (12)
    await configure(h, shop, "accounting", {"gift_card_account_id": "12"})
    items_before = len(h.qbo.documents(REALM, "Item"))

    record = await post(h, with_gift_card_sold())

    assert record.status == "synced", record.message
    assert len(h.qbo.documents(REALM, "Item")) == items_before  # no item of LedgerPort's own
    (card,) = by_item(only(h), str(own["Id"]))
    assert float(card["Amount"]) == 50.00


async def test_a_document_number_past_21_characters_keeps_its_tail_and_the_audit_says_so(
    h: Harness,
) -> None:
    await ready(h)
    order = {**order_fixture(), "order_number": 12345678901234567890}  # "SH" + 20 digits

    record = await post(h, order)

    assert record.status == "synced", record.message
    receipt = only(h)
    assert receipt["DocNumber"] == "S12345678901234567890"  # the whole number, prefix cut
    async with h.container.sessions() as session:
        last = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()[-1]
    assert last.detail is not None and "shortened" in last.detail["doc_number"]


async def test_a_split_tender_with_a_part_still_pending_leaves_that_part_owed(
    h: Harness,
) -> None:
    shop = await ready(h)
    await h.connect_shopify(shop)
    clearing = account(h, "Shopify Payments Clearing", "Other Current Asset")
    await configure(h, shop, "payments", {"deposit_accounts": {"shopify_payments": clearing}})
    order = {
        **order_fixture(),
        "financial_status": "partially_paid",
        "payment_gateway_names": ["shopify_payments", "paypal"],
    }
    h.shopify.create_order(SHOP, order)  # Shopify holds the order and its transactions
    h.shopify.set_transactions(
        SHOP,
        int(order["id"]),
        [
            {"kind": "sale", "status": "success", "gateway": "shopify_payments", "amount": "30.00"},
            {"kind": "sale", "status": "pending", "gateway": "paypal", "amount": "23.00"},
        ],
    )
    statuses = {"trigger_financial_statuses": ["paid", "partially_paid"]}
    await configure(h, shop, "orders", statuses)

    await post(h, order)

    async with h.container.sessions() as session:
        record = await session.scalar(select(SyncRecord))
    assert record is not None and record.status == "synced", record and record.message
    assert h.qbo.documents(REALM, "SalesReceipt") == []
    invoice = only(h, "Invoice")
    assert (float(invoice["TotalAmt"]), float(invoice["Balance"])) == (53.00, 23.00)
    payment = only(h, "Payment")  # only what Shopify Payments took; PayPal's part is owed
    assert float(payment["TotalAmt"]) == 30.00
    assert payment["DepositToAccountRef"]["value"] == clearing


async def test_an_unpaid_order_gets_no_payment_under_invoice_and_payment(h: Harness) -> None:
    shop = await ready(h)
    await configure(h, shop, "orders", {"transaction_type": "invoice_payment"})
    await configure(h, shop, "orders", {"trigger_financial_statuses": ["paid", "pending"]})
    order = {**order_fixture(), "financial_status": "pending"}

    record = await post(h, order)

    assert record.status == "synced", record.message
    invoice = only(h, "Invoice")
    assert (float(invoice["TotalAmt"]), float(invoice["Balance"])) == (53.00, 53.00)
    assert h.qbo.documents(REALM, "Payment") == []  # nothing was received yet


async def test_multicurrency_turned_on_later_is_seen_by_the_next_sync(h: Harness) -> None:
    shop = await foreign(h, "shop", multicurrency=False)
    first = order_fixture("07_bonus_multicurrency_cad_presentment")
    assert (await post(h, first)).status == "synced"  # the company's profile is now kept

    h.qbo.set_multicurrency(CAD_REALM, True)
    (buyer,) = h.qbo.documents(CAD_REALM, "Customer")
    h.qbo.realm(CAD_REALM).replace("Customer", {**buyer, "CurrencyRef": {"value": "CAD"}})
    await configure(h, shop, "orders", {"currency": "presentment"})
    second = {**first, "id": 5910002001077, "name": "#1077", "order_number": 1077}
    assert (await h.deliver(second)).status_code == 200
    await h.queue.join()  # type: ignore[attr-defined]

    cad = [r for r in h.qbo.documents(CAD_REALM, "SalesReceipt") if r["DocNumber"] == "SH1077"]
    assert [r["CurrencyRef"]["value"] for r in cad] == ["CAD"]


async def test_a_shipping_item_booking_to_a_liability_is_refused(h: Harness) -> None:
    shop = await ready(h)
    on_liability = item(h, "Freight", account(h, "Deposits held", "Other Current Liability"))
    saving = {"shipping_item_id": on_liability}

    refused = await h.api.patch(f"{BASE}/config/accounting", json=saving, headers=h.auth(shop))

    assert refused.status_code == 422
    [param] = refused.json()["invalid_params"]
    assert param["name"] == "accounting.shipping_item_id" and "Income" in param["reason"]


async def test_a_tax_rate_cannot_be_mapped_to_a_pseudo_code(h: Harness) -> None:
    shop = await h.install(map_tax=False)
    rate = quote("Kentucky State Tax|0.06", safe="")
    for pseudo in ("TAX", "NON"):
        refused = await h.api.put(
            f"{BASE}/mappings/tax-rates/{rate}", json={"qbo_id": pseudo}, headers=h.auth(shop)
        )
        assert refused.status_code == 422, refused.text
        [param] = refused.json()["invalid_params"]
        assert param["name"] == "qbo_id" and "pseudo code" in param["reason"]

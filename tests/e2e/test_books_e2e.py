"""Each kind of sale, end to end on real processes: a split tender, a gift card sold, an order
paid partly by gift card, a tip, and an order in the buyer's currency under each currency
option. The order goes from the sandbox Shopify to our webhook over HTTP; the test then reads
what the sandbox QBO company holds (its records, and its ledger view of each document: which
account every line posts to) and what our API says of the sync.

The figures are worked out here from the order, never read off the code. The accounts and
items are those every sandbox company starts with (a Shopify connector's Gift Card Liability,
Tips Payable, Shopify Payments and PayPal clearing accounts, and the Gift Card and Tip items
on them), found by name as a merchant would pick them in the settings.

One stack for the module (the API with its in-process worker on SQLite, and the sandboxes);
each case installs a shop of its own with a QBO company of its own (tests/e2e/live.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.books import GATEWAY, KENTUCKY, MAYA, UPDATED, order
from tests.e2e.live import Json, LiveShop, Stack, new_shop, running_stack
from tests.harness import order_fixture

pytestmark = pytest.mark.e2e

PAYPAL = "paypal"
GIFT_CARD = "gift_card"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("books"), production=False) as running:
        yield running


# -- a shop's books, set over HTTP -----------------------------------------------------------


def ready(stack: Stack, company: Mapping[str, Any] | None = None) -> LiveShop:
    """A shop whose company has the buyer Maya, an item for SKU TEE, the Kentucky rate
    mapped to its tax code, and a clearing account per gateway (payments.deposit_accounts)."""
    shop = new_shop(stack, "books", company)
    shop.qbo_add(
        "Customer",
        {"DisplayName": "Maya Okafor", "PrimaryEmailAddr": {"Address": MAYA["email"]}},
    )
    tee = shop.qbo_add("Item", {"Name": "Organic Cotton Tee", "Type": "NonInventory",
                                "IncomeAccountRef": {"value": income(shop)}})  # fmt: skip
    shop.ok("PUT", "/mappings/products/sku:TEE", json={"qbo_id": tee})
    key = quote(f"{KENTUCKY[0]}|{KENTUCKY[1]}", safe="")
    shop.ok("PUT", f"/mappings/tax-rates/{key}", json={"qbo_id": tax_code(shop, "Kentucky")})
    deposits = {GATEWAY: clearing(shop, GATEWAY), PAYPAL: clearing(shop, PAYPAL)}
    configure(shop, "payments", {"deposit_accounts": deposits})
    return shop


def configure(shop: LiveShop, section: str, changes: Json) -> None:
    shop.ok("PATCH", f"/config/{section}", json=changes)


def income(shop: LiveShop) -> str:
    return shop.qbo_find("Account", "Sales of Product Income")


def tax_code(shop: LiveShop, name: str) -> str:
    return shop.qbo_find("TaxCode", name)


def clearing(shop: LiveShop, gateway: str) -> str:
    name = {GATEWAY: "Shopify Payments Clearing", PAYPAL: "PayPal Clearing"}[gateway]
    return shop.qbo_find("Account", name)


def gift_card_liability(shop: LiveShop) -> str:
    return shop.qbo_find("Account", "Gift Card Liability")


# -- what the company holds ------------------------------------------------------------------


def synced(shop: LiveShop, order_id: int) -> Json:
    (record,) = shop.settled([order_id]).values()
    assert (record["status"], record["error_code"]) == ("synced", None), record
    return record


def document(shop: LiveShop, entity: str, qbo_id: str) -> Json:
    (found,) = [d for d in shop.qbo_list(entity) if str(d["Id"]) == qbo_id]
    return found


def ledger(shop: LiveShop, entity: str, qbo_id: str) -> Json:
    """The sandbox's view of how the stored document posts (account and class per line)."""
    url = f"{shop.stack.qbo}/_sandbox/realms/{shop.realm}/ledger/{entity}/{qbo_id}"
    answer = shop.stack.http.get(url)
    assert answer.status_code == 200, answer.text
    found: Json = answer.json()
    return found


def lines_of(doc: Json, item_id: str) -> list[Json]:
    return [
        line
        for line in doc["Line"]
        if line.get("DetailType") == "SalesItemLineDetail"
        and line["SalesItemLineDetail"]["ItemRef"]["value"] == item_id
    ]


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def set_transactions(shop: LiveShop, order_id: int, parts: Mapping[str, str]) -> None:
    """How Shopify recorded the payment: one successful sale per gateway, for its part."""
    transactions = [
        {"kind": "sale", "status": "success", "gateway": gateway, "amount": amount}
        for gateway, amount in parts.items()
    ]
    url = f"{shop.stack.shopify}/_sandbox/shops/{shop.domain}/orders/{order_id}/transactions"
    answer = shop.stack.http.put(url, json=transactions)
    assert answer.status_code == 200, answer.text


def paid_in_parts(shop: LiveShop, payload: Json, parts: Mapping[str, str]) -> None:
    """The order arrives awaiting payment (held: the triggers want paid), the gateways take
    their parts, and Shopify sends the paid order: its transactions are there to be read."""
    payload["payment_gateway_names"] = list(parts)
    shop.send_order({**payload, "financial_status": "pending"})
    shop.wait_for_records([payload["id"]], lambda r: r["status"] == "on_hold")
    set_transactions(shop, payload["id"], parts)
    shop.send_order({**payload, "updated_at": UPDATED}, topic="orders/paid")


# -- the cases ------------------------------------------------------------------------------


def test_a_split_tender_is_an_invoice_with_a_payment_per_gateway(stack: Stack) -> None:
    shop = ready(stack)
    payload = order(6101, ("TEE", "TEE"), tax=KENTUCKY)  # 20.00 + 6% = 21.20
    paid_in_parts(shop, payload, {GATEWAY: "15.00", PAYPAL: "6.20"})

    record = synced(shop, 6101)
    assert shop.qbo_list("SalesReceipt") == []
    invoice = document(shop, "Invoice", record["qbo_id"])
    assert invoice["DocNumber"] == record["qbo_doc_number"] == "SH6101"
    assert (money(invoice["TotalAmt"]), money(invoice["Balance"])) == (money("21.20"), 0)
    payments = shop.qbo_list("Payment")
    deposited = {p["DepositToAccountRef"]["value"]: money(p["TotalAmt"]) for p in payments}
    assert deposited == {
        clearing(shop, GATEWAY): money("15.00"),
        clearing(shop, PAYPAL): money("6.20"),
    }
    for payment in payments:
        assert payment["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    entry = next(e for e in record["history"] if e["status"] == "synced")
    assert "invoice SH6101" in entry["message"] and "2 payment(s)" in entry["message"]
    assert sorted(entry["detail"]["payment_ids"]) == sorted(str(p["Id"]) for p in payments)


def test_a_gift_card_sold_sits_on_the_liability_never_on_income(stack: Stack) -> None:
    shop = ready(stack)
    liability = gift_card_liability(shop)
    configure(shop, "accounting", {"gift_card_account_id": liability})
    payload = order(6201, tax=KENTUCKY)  # a tee: 10.00 + 0.60 tax
    payload["line_items"].append(
        {"id": 620199, "product_id": 880001, "variant_id": 770001, "sku": "",
         "title": "Gift Card", "name": "Gift Card - $50", "quantity": 1, "price": "50.00",
         "gift_card": True, "taxable": False, "tax_lines": [], "discount_allocations": []}
    )  # fmt: skip
    payload["subtotal_price"], payload["total_price"] = "60.00", "60.60"
    shop.send_order(payload)

    record = synced(shop, 6201)
    receipt = document(shop, "SalesReceipt", record["qbo_id"])
    assert money(receipt["TotalAmt"]) == money("60.60")
    books = ledger(shop, "SalesReceipt", record["qbo_id"])
    assert books["by_classification"] == {
        "income": "10.00", "liability": "50.00", "rounding": "0.00", "tax": "0.60"
    }  # fmt: skip
    assert books["by_account"][liability] == "50.00"
    (card,) = [ln for ln in books["lines"] if ln["account_id"] == liability]
    assert card["taxable"] is False


def test_an_order_paid_partly_by_gift_card_debits_the_liability_by_that_part(
    stack: Stack,
) -> None:
    shop = ready(stack)
    cards = shop.qbo_find("Item", "Gift Card")
    configure(shop, "accounting", {"gift_card_item_id": cards})
    payload = order(6301, ("TEE", "TEE", "TEE"), tax=KENTUCKY)  # 30.00 + 1.80 = 31.80
    paid_in_parts(shop, payload, {GIFT_CARD: "20.00", GATEWAY: "11.80"})

    record = synced(shop, 6301)
    receipt = document(shop, "SalesReceipt", record["qbo_id"])
    (redeemed,) = lines_of(receipt, cards)
    assert money(redeemed["Amount"]) == money("-20.00")
    assert money(receipt["TotalAmt"]) == money("11.80")  # what Shopify Payments took
    assert receipt["DepositToAccountRef"]["value"] == clearing(shop, GATEWAY)
    assert money(receipt["TxnTaxDetail"]["TotalTax"]) == money("1.80")
    books = ledger(shop, "SalesReceipt", record["qbo_id"])
    assert books["by_account"][gift_card_liability(shop)] == "-20.00"
    assert books["by_classification"] == {
        "income": "30.00", "liability": "-20.00", "rounding": "0.00", "tax": "1.80"
    }  # fmt: skip


def test_a_tip_is_booked_untaxed_to_the_tip_item_and_the_total_includes_it(
    stack: Stack,
) -> None:
    shop = ready(stack)
    tip_item = shop.qbo_find("Item", "Tip")
    configure(shop, "accounting", {"tip_item_id": tip_item})
    payload = order(6401, tax=KENTUCKY)  # 10.00 + 0.60 tax, and a 5.00 tip
    payload["total_tip_received"], payload["total_price"] = "5.00", "15.60"
    shop.send_order(payload)

    record = synced(shop, 6401)
    receipt = document(shop, "SalesReceipt", record["qbo_id"])
    assert money(receipt["TotalAmt"]) == money("15.60")
    (tip,) = lines_of(receipt, tip_item)
    assert money(tip["Amount"]) == money("5.00")
    assert tip["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
    assert money(receipt["TxnTaxDetail"]["TotalTax"]) == money("0.60")
    books = ledger(shop, "SalesReceipt", record["qbo_id"])
    assert books["by_account"][shop.qbo_find("Account", "Tips Payable")] == "5.00"
    assert books["by_classification"]["income"] == "10.00"


# -- the buyer's currency: the reference order 07, USD shop, buyer paying CAD ------------------


def foreign_order(order_id: int) -> Json:
    payload = order_fixture("07_bonus_multicurrency_cad_presentment")
    payload["id"] = order_id
    return payload


def foreign_shop(stack: Stack, currency: str, *, multicurrency: bool) -> LiveShop:
    """A USD company for order 07: its shoe mapped, its buyer kept in the books' currency."""
    shop = new_shop(stack, "books", {"multicurrency": multicurrency})
    shoe = shop.qbo_add("Item", {"Name": "Trail Running Shoe", "Type": "NonInventory",
                                 "IncomeAccountRef": {"value": income(shop)}})  # fmt: skip
    shop.ok("PUT", "/mappings/products/sku:TRS-GB-10", json={"qbo_id": shoe})
    buyer: Json = {"DisplayName": "Luc Tremblay",
                   "PrimaryEmailAddr": {"Address": "luc.tremblay@example.ca"}}  # fmt: skip
    if multicurrency:
        buyer["CurrencyRef"] = {"value": "CAD" if currency == "presentment" else "USD"}
    shop.qbo_add("Customer", buyer)
    configure(shop, "orders", {"currency": currency})
    return shop


def test_a_foreign_order_is_booked_in_the_shops_money_by_default(stack: Stack) -> None:
    shop = foreign_shop(stack, "shop", multicurrency=False)
    shop.send_order(foreign_order(6501))

    record = synced(shop, 6501)
    receipt = document(shop, "SalesReceipt", record["qbo_id"])
    assert receipt["CurrencyRef"]["value"] == "USD"
    assert money(receipt["TotalAmt"]) == money("140.00")  # 120.00 shoe + 20.00 shipping
    books = ledger(shop, "SalesReceipt", record["qbo_id"])
    assert (books["exchange_rate"], books["home_total"]) == ("1", "140.00")


def test_a_foreign_order_in_the_buyers_money_carries_shopifys_rate(stack: Stack) -> None:
    shop = foreign_shop(stack, "presentment", multicurrency=True)
    shop.send_order(foreign_order(6502))

    record = synced(shop, 6502)
    receipt = document(shop, "SalesReceipt", record["qbo_id"])
    assert receipt["CurrencyRef"]["value"] == "CAD"
    assert money(receipt["TotalAmt"]) == money("190.12")  # 162.96 shoe + 27.16 shipping
    rate = Decimal(str(receipt["ExchangeRate"]))  # USD per CAD, as QBO keeps it
    assert abs(rate - Decimal("140.00") / Decimal("190.12")) < Decimal("1e-6")
    books = ledger(shop, "SalesReceipt", record["qbo_id"])
    assert books["home_total"] == "140.00"


def test_the_buyers_money_without_multicurrency_is_an_error_saying_so(stack: Stack) -> None:
    shop = foreign_shop(stack, "presentment", multicurrency=False)
    shop.send_order(foreign_order(6503))

    (record,) = shop.settled([6503]).values()
    assert (record["status"], record["error_code"]) == ("error", "invalid_account"), record
    assert "multicurrency" in record["message"]
    assert shop.qbo_list("SalesReceipt") == []

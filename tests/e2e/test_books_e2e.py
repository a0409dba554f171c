"""Each kind of sale, end to end on real processes: a split tender (also with a gift card,
and in the buyer's currency), a gift card sold, an order paid partly by gift card, a tip, and
the reference order in the buyer's currency under each currency option. The order goes from
the sandbox Shopify to our webhook over HTTP; the test then reads what the sandbox QBO company
holds (its records, and its ledger view of each document: which account every line posts to)
and what our API says of the sync. The figures are worked out here from the order, never read
off the code.

One stack for the module (the API with its in-process worker on SQLite, and the sandboxes),
and one on PostgreSQL with an arq worker for the split tender; each case installs a shop of
its own with a QBO company of its own (tests/e2e/live.py, tests/e2e/sales.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.e2e.books import GATEWAY, KENTUCKY, order
from tests.e2e.live import Stack, running_stack
from tests.e2e.sales import (
    GIFT_CARD,
    PAYPAL,
    both_monies,
    clearing,
    configure,
    document,
    foreign_order,
    foreign_shop,
    gift_card_liability,
    gift_card_line,
    ledger,
    lines_of,
    money,
    paid_in_parts,
    ready,
    synced,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """QBO calls time out after 2 s, and a sync QBO failed is retried within a second or two
    rather than after minutes."""
    settings = {"LEDGERPORT_HTTP_TIMEOUT_S": "2", "LEDGERPORT_SYNC_RETRY_BASE_S": "0.5"}
    tmp = tmp_path_factory.mktemp("books")
    with running_stack(tmp, production=False, settings=settings) as running:
        yield running


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("books-pg"), production=True) as running:
        yield running


# -- the cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["embedded-sqlite", "postgres-arq"])
def test_a_split_tender_is_an_invoice_with_a_payment_per_gateway(
    request: pytest.FixtureRequest, deployment: str
) -> None:
    """On both deployments: with PostgreSQL the arq worker process reads the transactions."""
    shop = ready(
        request.getfixturevalue("stack" if deployment == "embedded-sqlite" else "postgres_stack")
    )
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


def test_a_payment_qbo_wrote_but_never_answered_is_not_posted_again(stack: Stack) -> None:
    """QBO writes the first payment and holds its answer past the client's timeout, for the
    call and both of the client's immediate replays: the attempt is an error, the invoice in
    QBO part paid. The sync's retry finds the invoice by its number and completes it: the
    first payment is not written a second time (the invoice's balance shows it applied, and
    a replay carries its requestid), the second is."""
    shop = ready(stack)
    held = {"kind": "commit_then_timeout", "path_contains": "/payment", "count": 3, "seconds": 3}
    shop.qbo_admin("/faults", {**held, "realm_id": shop.realm})
    payload = order(6103, ("TEE", "TEE"), tax=KENTUCKY)  # 21.20
    paid_in_parts(shop, payload, {GATEWAY: "15.00", PAYPAL: "6.20"})

    done = shop.wait_for_records([6103], lambda r: r["status"] == "synced", seconds=40)
    history = [(e["status"], e["error_code"]) for e in done[6103]["history"]]  # newest first
    assert history == [("synced", None), ("error", "qbo_timeout"), ("on_hold", "on_hold")]
    (invoice,) = shop.qbo_list("Invoice")
    assert (invoice["Id"], money(invoice["Balance"])) == (done[6103]["qbo_id"], 0)
    deposited = sorted(money(p["TotalAmt"]) for p in shop.qbo_list("Payment"))
    assert deposited == [money("6.20"), money("15.00")]


def test_a_gift_card_and_two_gateways_are_an_invoice_net_of_the_card_and_two_payments(
    stack: Stack,
) -> None:
    shop = ready(stack)
    cards = shop.qbo_find("Item", "Gift Card")
    configure(shop, "accounting", {"gift_card_item_id": cards})
    payload = order(6102, ("TEE", "TEE", "TEE", "TEE"), tax=KENTUCKY)  # 40.00 + 2.40 = 42.40
    paid_in_parts(shop, payload, {GIFT_CARD: "12.40", GATEWAY: "25.00", PAYPAL: "5.00"})

    record = synced(shop, 6102)
    invoice = document(shop, "Invoice", record["qbo_id"])
    (redeemed,) = lines_of(invoice, cards)
    assert money(redeemed["Amount"]) == money("-12.40")
    assert (money(invoice["TotalAmt"]), money(invoice["Balance"])) == (money("30.00"), 0)
    deposited = {
        p["DepositToAccountRef"]["value"]: money(p["TotalAmt"]) for p in shop.qbo_list("Payment")
    }
    assert deposited == {
        clearing(shop, GATEWAY): money("25.00"),
        clearing(shop, PAYPAL): money("5.00"),
    }
    books = ledger(shop, "Invoice", record["qbo_id"])
    assert books["by_classification"] == {
        "income": "40.00",
        "liability": "-12.40",
        "rounding": "0.00",
        "tax": "2.40",
    }


def test_a_gift_card_sold_sits_on_the_liability_never_on_income(stack: Stack) -> None:
    shop = ready(stack)
    liability = gift_card_liability(shop)
    configure(shop, "accounting", {"gift_card_account_id": liability})
    payload = order(6201, tax=KENTUCKY)  # a tee: 10.00 + 0.60 tax
    payload["line_items"].append(gift_card_line(620199, "50.00"))
    payload["subtotal_price"], payload["total_price"] = "60.00", "60.60"
    shop.send_order(payload)

    record = synced(shop, 6201)
    receipt = document(shop, "SalesReceipt", record["qbo_id"])
    assert money(receipt["TotalAmt"]) == money("60.60")
    books = ledger(shop, "SalesReceipt", record["qbo_id"])
    assert books["by_classification"] == {
        "income": "10.00",
        "liability": "50.00",
        "rounding": "0.00",
        "tax": "0.60",
    }
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
        "income": "30.00",
        "liability": "-20.00",
        "rounding": "0.00",
        "tax": "1.80",
    }


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


# -- the buyer's currency: the reference order 07, a USD shop whose buyer pays CAD ----------


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


def test_the_buyers_money_without_multicurrency_is_refused_when_saved(stack: Stack) -> None:
    shop = foreign_shop(stack, "shop", multicurrency=False)

    refused = shop.call("PATCH", "/config/orders", json={"currency": "presentment"})

    assert refused.status_code == 422, refused.text
    [param] = refused.json()["invalid_params"]
    assert param["name"] == "orders.currency" and "multicurrency" in param["reason"]
    shop.send_order(foreign_order(6503))  # still booked in the shop's money
    (record,) = shop.settled([6503]).values()
    assert record["status"] == "synced", record
    (receipt,) = shop.qbo_list("SalesReceipt")
    assert receipt["CurrencyRef"]["value"] == "USD"


def test_a_split_tender_in_the_buyers_money_pays_the_invoice_at_shopifys_rate(
    stack: Stack,
) -> None:
    shop = foreign_shop(stack, "presentment", multicurrency=True)
    deposits = {GATEWAY: clearing(shop, GATEWAY), PAYPAL: clearing(shop, PAYPAL)}
    configure(shop, "payments", {"deposit_accounts": deposits})
    paid = {GATEWAY: both_monies("100.00", "135.80"), PAYPAL: both_monies("40.00", "54.32")}
    paid_in_parts(shop, foreign_order(6504), paid)  # 140.00 USD = 190.12 CAD at 1.3580

    record = synced(shop, 6504)
    invoice = document(shop, "Invoice", record["qbo_id"])
    assert invoice["CurrencyRef"]["value"] == "CAD"
    assert (money(invoice["TotalAmt"]), money(invoice["Balance"])) == (money("190.12"), 0)
    payments = {p["DepositToAccountRef"]["value"]: p for p in shop.qbo_list("Payment")}
    assert set(payments) == set(deposits.values())
    for gateway, (cad, usd) in {GATEWAY: ("135.80", "100.00"), PAYPAL: ("54.32", "40.00")}.items():
        payment = payments[deposits[gateway]]
        assert (payment["CurrencyRef"]["value"], money(payment["TotalAmt"])) == ("CAD", money(cad))
        assert payment["ExchangeRate"] == invoice["ExchangeRate"]
        assert ledger(shop, "Payment", str(payment["Id"]))["home_total"] == usd

"""The fake QBO keeps a US company's books as QBO does: gift cards on a liability, tips and cash
rounding on their own accounts, no negative totals, a split tender paid into one account per
gateway; and its ledger view says where each amount of a document goes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_countries import US_KENTUCKY
from ledgerport_sandbox.qbo_ledger import recompute
from ledgerport_sandbox.qbo_seed import (
    CASH_ROUNDING_ID,
    DISCOUNTS_ACCOUNT_ID,
    GIFT_CARD_ITEM,
    GIFT_CARD_LIABILITY_ID,
    PAYPAL_CLEARING_ID,
    ROUNDING_ITEM,
    SALES_INCOME_ID,
    SALES_TAX_PAYABLE_ID,
    SHIPPING_INCOME_ID,
    SHOPIFY_CLEARING_ID,
    TIP_ITEM,
    TIPS_PAYABLE_ID,
)
from ledgerport_sandbox.qbo_wire import QboFaultError
from tests.integration.test_sandbox_qbo import REALM, create, fault

ACCOUNTS_RECEIVABLE, ACCOUNTS_PAYABLE = "3", "17"


@pytest.fixture
def sandbox() -> QboSandbox:
    box = QboSandbox(seed_realms=[REALM])
    box.add(
        REALM, "Account", {"Id": ACCOUNTS_PAYABLE, "Name": "A/P", "AccountType": "Accounts Payable"}
    )
    mug = {
        "Name": "Mug",
        "Type": "NonInventory",
        "IncomeAccountRef": {"value": SALES_INCOME_ID},
    }
    box.add(REALM, "Item", {"Id": "50", **mug})
    return box


def line(
    amount: Any, item: str = "50", qty: Any = None, price: Any = None, tax: str = "NON"
) -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": item}, "TaxCodeRef": {"value": tax}}
    if qty is not None:
        detail.update(Qty=qty, UnitPrice=price)
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def discount(amount: Any) -> dict[str, Any]:
    detail = {"PercentBased": False, "DiscountAccountRef": {"value": DISCOUNTS_ACCOUNT_ID}}
    return {"Amount": amount, "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail}


def books(
    sandbox: QboSandbox, body: dict[str, Any], entity: str = "SalesReceipt"
) -> dict[str, Any]:
    return recompute(sandbox.realm(REALM), entity, body)[1]


def refused(sandbox: QboSandbox, body: dict[str, Any]) -> QboFaultError:
    with pytest.raises(QboFaultError) as raised:
        recompute(sandbox.realm(REALM), "SalesReceipt", body)
    return raised.value


def test_a_taxed_sale_with_shipping_and_a_discount_posts_to_income_and_sales_tax(
    sandbox: QboSandbox,
) -> None:
    """Reference order 02's figures: 174.00 − 17.40 + 12.00 + 12.64 tax = 181.24."""
    body = {
        "Line": [
            line(120, qty=2, price=60, tax="TAX"),
            line(54, qty=3, price=18, tax="TAX"),
            discount("17.40"),
            line(12, item="SHIPPING_ITEM_ID", tax="TAX"),
        ],
        "TxnTaxDetail": {"TotalTax": 12.64},
    }
    ledger = books(sandbox, body)

    assert (ledger["total"], ledger["tax"], ledger["currency"]) == ("181.24", "12.64", "USD")
    assert ledger["by_account"] == {
        SALES_INCOME_ID: "174.00",
        DISCOUNTS_ACCOUNT_ID: "-17.40",
        SHIPPING_INCOME_ID: "12.00",
        SALES_TAX_PAYABLE_ID: "12.64",
    }
    assert ledger["by_classification"] == {
        "income": "168.60",
        "liability": "0.00",
        "rounding": "0.00",
        "tax": "12.64",
    }
    assert [e["kind"] for e in ledger["lines"]] == ["item", "item", "shipping", "discount", "tax"]


def test_a_gift_card_sale_sits_on_the_liability_and_never_reaches_income(
    sandbox: QboSandbox,
) -> None:
    body = {
        "Line": [line(30, tax="TAX"), line(50, item=GIFT_CARD_ITEM)],
        "TxnTaxDetail": {"TotalTax": 1.8},
    }
    ledger = books(sandbox, body)

    assert ledger["total"] == "81.80"
    assert ledger["by_account"][GIFT_CARD_LIABILITY_ID] == "50.00"
    assert ledger["by_classification"]["income"] == "30.00"
    assert ledger["by_classification"]["liability"] == "50.00"
    card = ledger["lines"][1]
    assert (card["kind"], card["account_type"], card["taxable"]) == (
        "liability",
        "Other Current Liability",
        False,
    )


def test_an_order_paid_partly_by_gift_card_takes_that_part_off_the_liability(
    sandbox: QboSandbox,
) -> None:
    """The redeemed part is a negative line of the gift-card item (Intuit's community answer
    "Sell and redeem gift cards or certificates in QuickBooks Online")."""
    body = {
        "Line": [
            line(50, qty=2, price=25, tax="TAX"),
            line(-20, item=GIFT_CARD_ITEM, qty=1, price=-20),
        ],
        "TxnTaxDetail": {"TotalTax": 3},
        "DepositToAccountRef": {"value": SHOPIFY_CLEARING_ID},
    }
    ledger = books(sandbox, body)

    assert (ledger["total"], ledger["deposit_account"]) == ("33.00", SHOPIFY_CLEARING_ID)
    assert ledger["by_account"][GIFT_CARD_LIABILITY_ID] == "-20.00"
    assert ledger["by_classification"]["income"] == "50.00"


def test_an_order_paid_in_full_by_gift_card_totals_zero_and_is_saved(sandbox: QboSandbox) -> None:
    body = {"Line": [line(40), line(-40, item=GIFT_CARD_ITEM)]}
    assert books(sandbox, body)["total"] == "0.00"


def test_a_negative_total_is_refused_as_qbo_refuses_it(sandbox: QboSandbox) -> None:
    error = refused(sandbox, {"Line": [line(10), line(-25, item=GIFT_CARD_ITEM)]})

    assert (error.code, error.element) == ("6000", "TotalAmt")
    assert error.detail == "Business Validation Error: Transaction amount must be positive."


def test_tip_and_cash_rounding_lines_post_to_their_own_accounts(sandbox: QboSandbox) -> None:
    body = {
        "Line": [
            line("29.00", tax="TAX"),
            line(5, item=TIP_ITEM),
            line("-0.04", item=ROUNDING_ITEM),
        ],
        "TxnTaxDetail": {"TotalTax": 1.74},
    }
    ledger = books(sandbox, body)

    assert ledger["total"] == "35.70"
    assert ledger["by_account"][TIPS_PAYABLE_ID] == "5.00"
    assert ledger["by_account"][CASH_ROUNDING_ID] == "-0.04"
    assert ledger["by_classification"]["rounding"] == "-0.04"
    assert ledger["by_classification"]["income"] == "29.00"
    kinds = {e["account_id"]: e["kind"] for e in ledger["lines"]}
    assert (kinds[CASH_ROUNDING_ID], kinds[SALES_INCOME_ID]) == ("rounding", "item")


def test_an_order_without_rounding_has_nothing_on_the_rounding_account(sandbox: QboSandbox) -> None:
    ledger = books(sandbox, {"Line": [line(10)]})
    assert ledger["by_classification"]["rounding"] == "0.00"
    assert CASH_ROUNDING_ID not in ledger["by_account"]


async def test_an_item_may_post_to_a_liability_but_never_to_receivables_or_payables(
    client: httpx.AsyncClient,
) -> None:
    def item(name: str, account: str) -> dict[str, Any]:
        return {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": account}}

    card = await create(client, "item", item("eGift card", GIFT_CARD_LIABILITY_ID))
    receivable = await create(client, "item", item("Bad AR", ACCOUNTS_RECEIVABLE))
    payable = await create(client, "item", item("Bad AP", ACCOUNTS_PAYABLE))

    assert card.status_code == 200
    assert card.json()["Item"]["IncomeAccountRef"]["value"] == GIFT_CARD_LIABILITY_ID
    for answer in (receivable, payable):
        error = fault(answer)
        assert (error["code"], error["element"]) == ("6000", "IncomeAccountRef")
        assert "Invalid account type used" in error["Detail"]


async def test_the_ledger_route_reads_a_stored_document(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    body = {
        "Line": [line(50, qty=2, price=25, tax="TAX")],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": US_KENTUCKY}, "TotalTax": 3},
    }
    created = (await create(client, "salesreceipt", body)).json()["SalesReceipt"]
    answer = await client.get(f"/_sandbox/realms/{REALM}/ledger/salesreceipt/{created['Id']}")
    missing = await client.get(f"/_sandbox/realms/{REALM}/ledger/salesreceipt/999")

    assert answer.status_code == 200
    ledger = answer.json()
    assert (ledger["id"], ledger["total"], ledger["tax"], ledger["qbo_tax"]) == (
        created["Id"],
        "53.00",
        "3.00",
        "3.00",
    )
    assert missing.status_code == 404


async def test_recompute_checks_like_a_create_and_stores_nothing(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    route = f"/_sandbox/realms/{REALM}/recompute/salesreceipt"
    good = await client.post(route, json={"Line": [line(10)]})
    bad = await client.post(route, json={"Line": [line(10, qty=3, price=4)]})

    assert good.status_code == 200 and good.json()["record"]["TotalAmt"] == 10
    assert good.json()["ledger"]["by_account"] == {SALES_INCOME_ID: "10.00"}
    assert fault(bad)["code"] == "6070"  # Amount is not equal to UnitPrice * Qty
    assert sandbox.documents(REALM, "SalesReceipt") == []


def test_a_payment_posts_to_its_deposit_account_against_receivables(sandbox: QboSandbox) -> None:
    realm = sandbox.realm(REALM)
    customer = realm.insert("Customer", {"DisplayName": "Ann"})
    invoice = realm.insert(
        "Invoice",
        recompute(realm, "Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(40)]})[
            0
        ],
    )
    payment = {
        "CustomerRef": {"value": customer["Id"]},
        "TotalAmt": 40,
        "DepositToAccountRef": {"value": SHOPIFY_CLEARING_ID},
        "Line": [{"Amount": 40, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    }
    ledger = recompute(realm, "Payment", payment)[1]

    assert ledger["by_account"] == {SHOPIFY_CLEARING_ID: "40.00", ACCOUNTS_RECEIVABLE: "-40.00"}


async def test_a_split_tender_is_an_invoice_paid_by_one_payment_per_gateway(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    customer = (await create(client, "customer", {"DisplayName": "Split"})).json()["Customer"]
    who = {"CustomerRef": {"value": customer["Id"]}}
    invoice = (await create(client, "invoice", {**who, "Line": [line(100)]})).json()["Invoice"]

    def payment(amount: int, account: str) -> dict[str, Any]:
        link = {"TxnId": invoice["Id"], "TxnType": "Invoice"}
        return {
            **who,
            "TotalAmt": amount,
            "DepositToAccountRef": {"value": account},
            "Line": [{"Amount": amount, "LinkedTxn": [link]}],
        }

    first = await create(client, "payment", payment(70, SHOPIFY_CLEARING_ID))
    second = await create(client, "payment", payment(30, PAYPAL_CLEARING_ID))
    too_much = await create(client, "payment", payment(1, PAYPAL_CLEARING_ID))

    assert first.status_code == second.status_code == 200
    paid = sandbox.realm(REALM).get("Invoice", invoice["Id"])
    assert paid is not None and paid["Balance"] == 0
    assert fault(too_much)["code"] == "6000"  # more than the invoice's open balance
    deposits = [
        (
            await client.get(f"/_sandbox/realms/{REALM}/ledger/payment/{p.json()['Payment']['Id']}")
        ).json()["by_account"]
        for p in (first, second)
    ]
    assert deposits == [
        {SHOPIFY_CLEARING_ID: "70.00", ACCOUNTS_RECEIVABLE: "-70.00"},
        {PAYPAL_CLEARING_ID: "30.00", ACCOUNTS_RECEIVABLE: "-30.00"},
    ]

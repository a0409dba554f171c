"""The tenders an order is booked by: what each gateway took, from the order's transactions as
the GraphQL Admin API returns them (OrderTransaction: kind, status, gateway, amountSet)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.domain.models import InvalidPayload
from app.domain.tenders import (
    Tender,
    needs_lookup,
    single_tender,
    tendered,
    tenders_from_transactions,
)


def txn(
    kind: str,
    gateway: str,
    shop: str,
    status: str = "SUCCESS",
    presentment: str | None = None,
    currency: tuple[str, str] = ("USD", "USD"),
) -> dict[str, Any]:
    """One OrderTransaction node in the shape `transactions { … amountSet { … } }` returns."""
    return {
        "id": f"gid://shopify/OrderTransaction/{abs(hash((kind, gateway, shop, status)))}",
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "amountSet": {
            "shopMoney": {"amount": shop, "currencyCode": currency[0]},
            "presentmentMoney": {"amount": presentment or shop, "currencyCode": currency[1]},
        },
    }


def test_a_card_and_a_gift_card_are_two_tenders_in_the_order_they_were_taken() -> None:
    transactions = [
        txn("SALE", "gift_card", "25.00"),
        txn("SALE", "shopify_payments", "56.24"),
    ]

    tenders = tenders_from_transactions(transactions, presentment=False)

    assert tenders == (
        Tender("gift_card", Decimal("25.00")),
        Tender("shopify_payments", Decimal("56.24")),
    )
    assert [t.gift_card for t in tenders] == [True, False]
    assert tendered(tenders) == Decimal("81.24")


def test_cash_change_handed_back_is_taken_off_the_cash_tender() -> None:
    # A POS buyer hands over 40.00 for a 30.74 order and gets 9.26 back.
    transactions = [txn("SALE", "cash", "40.00"), txn("CHANGE", "cash", "9.26")]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("cash", Decimal("30.74")),
    )


def test_change_reported_as_a_negative_amount_is_still_taken_off() -> None:
    transactions = [txn("SALE", "cash", "40.00"), txn("CHANGE", "cash", "-9.26")]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("cash", Decimal("30.74")),
    )


def test_an_authorization_counts_once_through_its_capture() -> None:
    transactions = [
        txn("AUTHORIZATION", "shopify_payments", "53.00"),
        txn("CAPTURE", "shopify_payments", "53.00"),
    ]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("shopify_payments", Decimal("53.00")),
    )


def test_an_authorization_never_captured_received_nothing() -> None:
    transactions = [txn("AUTHORIZATION", "shopify_payments", "53.00")]

    assert tenders_from_transactions(transactions, presentment=False) == ()


def test_a_declined_attempt_then_a_success_counts_the_success_once() -> None:
    transactions = [
        txn("SALE", "shopify_payments", "181.24", status="FAILURE"),
        txn("SALE", "shopify_payments", "181.24", status="ERROR"),
        txn("SALE", "paypal", "181.24"),
    ]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("paypal", Decimal("181.24")),
    )


def test_pending_money_and_voided_authorizations_are_not_received() -> None:
    # A gift card covered part; the rest is a bank transfer still awaited.
    transactions = [
        txn("SALE", "gift_card", "18.62"),
        txn("SALE", "Bank Deposit", "400.00", status="PENDING"),
        txn("AUTHORIZATION", "shopify_payments", "400.00"),
        txn("VOID", "shopify_payments", "400.00"),
    ]

    tenders = tenders_from_transactions(transactions, presentment=False)

    assert tenders == (Tender("gift_card", Decimal("18.62")),)


def test_refunds_are_left_to_the_refund_sync() -> None:
    transactions = [
        txn("SALE", "shopify_payments", "76.96"),
        txn("REFUND", "shopify_payments", "31.80"),
    ]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("shopify_payments", Decimal("76.96")),
    )


def test_two_captures_on_one_gateway_add_up() -> None:
    transactions = [
        txn("AUTHORIZATION", "shopify_payments", "100.00"),
        txn("CAPTURE", "shopify_payments", "60.00"),
        txn("SALE", "gift_card", "10.00"),
        txn("CAPTURE", "shopify_payments", "40.00"),
    ]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("shopify_payments", Decimal("100.00")),
        Tender("gift_card", Decimal("10.00")),
    )


def test_presentment_money_is_read_when_the_document_is_kept_in_the_buyers_currency() -> None:
    # Fixture 07: a USD shop, a buyer paying CAD.
    transactions = [
        txn("SALE", "shopify_payments", "140.00", presentment="190.12", currency=("USD", "CAD"))
    ]

    assert tenders_from_transactions(transactions, presentment=True) == (
        Tender("shopify_payments", Decimal("190.12")),
    )
    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("shopify_payments", Decimal("140.00")),
    )


def test_kind_and_status_are_read_whatever_their_case() -> None:
    transactions = [txn("sale", "cash", "5.00", status="success")]

    assert tenders_from_transactions(transactions, presentment=False) == (
        Tender("cash", Decimal("5.00")),
    )


@pytest.mark.parametrize("amount", [None, "", "abc", "NaN", True])
def test_an_unreadable_amount_is_an_invalid_payload_naming_the_transaction(amount: Any) -> None:
    bad = txn("SALE", "cash", "1.00")
    bad["amountSet"]["shopMoney"]["amount"] = amount

    with pytest.raises(InvalidPayload) as raised:
        tenders_from_transactions([txn("SALE", "cash", "1.00"), bad], presentment=False)

    assert raised.value.field == "transactions[1].amountSet.shopMoney.amount"


def test_one_gateway_takes_the_whole_total_without_a_lookup() -> None:
    assert not needs_lookup(["shopify_payments"])
    assert single_tender(Decimal("53.00"), ["shopify_payments"]) == (
        Tender("shopify_payments", Decimal("53.00")),
    )


def test_a_gateway_named_twice_is_still_one_gateway() -> None:
    assert not needs_lookup(["cash", "cash"])
    assert single_tender(Decimal("9.00"), ["cash", "cash"]) == (Tender("cash", Decimal("9.00")),)


def test_no_gateway_is_no_tender() -> None:
    assert not needs_lookup([])
    assert single_tender(Decimal("0.00"), []) == ()


def test_an_order_paid_wholly_by_gift_card_is_one_gift_card_tender() -> None:
    assert not needs_lookup(["gift_card"])
    [tender] = single_tender(Decimal("25.00"), ["gift_card"])
    assert tender.gift_card and tender.amount == Decimal("25.00")


def test_several_gateways_need_the_transactions() -> None:
    assert needs_lookup(["gift_card", "shopify_payments"])
    with pytest.raises(ValueError, match="2 gateways"):
        single_tender(Decimal("81.24"), ["gift_card", "shopify_payments"])

"""How much of an order each payment gateway took: the tenders a split-tender order is booked
by, read from the order's transactions (the GraphQL Admin API's `OrderTransaction`).

Shopify's kinds (shopify.dev/docs/api/admin-graphql/latest/enums/OrderTransactionKind): SALE
is an authorization and capture in one step, CAPTURE moves money an AUTHORIZATION reserved,
CHANGE is "the money returned to the customer when they've paid too much during a cash
transaction"; AUTHORIZATION, EMV_AUTHORIZATION and VOID move no money. Only a transaction
whose status (OrderTransactionStatus) is SUCCESS moved anything. A gift card pays through the
gateway "gift_card" (REST order transactions show it so, with `receipt.gift_card_id`, in the
Stack Overflow answer "How do you know a Gift Card was used with a Shopify Order"). Whether
Shopify signs a CHANGE amount is not documented; its size is what the buyer got back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.models import InvalidPayload

GIFT_CARD = "gift_card"
_RECEIVED = frozenset({"SALE", "CAPTURE"})
_GIVEN_BACK = frozenset({"CHANGE"})
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Tender:
    """Money an order received through one gateway (its sales and captures, less the change
    given back), in the currency the document is kept in."""

    gateway: str  # as Shopify names it: "shopify_payments", "gift_card", "cash", "Bank Deposit"
    amount: Decimal

    @property
    def gift_card(self) -> bool:
        """Paid with a gift card: booked against the gift-card liability, not a clearing
        account."""
        return self.gateway == GIFT_CARD


def needs_lookup(gateway_names: Iterable[str]) -> bool:
    """Whether the webhook leaves the split unknown: it names each gateway but not how much
    each took, so an order paid through more than one needs its transactions. One gateway
    (a gift card alone included) took the whole total."""
    return len(set(gateway_names)) > 1


def single_tender(order_total: Decimal, gateway_names: Iterable[str]) -> tuple[Tender, ...]:
    """The whole total through the order's one gateway; no tender when it names none (a
    free order, or one Shopify recorded no payment for)."""
    names = tuple(dict.fromkeys(gateway_names))
    if len(names) > 1:
        raise ValueError(f"{len(names)} gateways: the split needs the order's transactions")
    return (Tender(names[0], order_total),) if names else ()


def tenders_from_transactions(
    transactions: Iterable[Mapping[str, Any]], *, presentment: bool
) -> tuple[Tender, ...]:
    """What each gateway received, in the order gateways first appear: successful SALE and
    CAPTURE amounts, less successful CHANGE. An authorization counts once, through its
    capture; failed, pending and voided attempts count nothing. Refunds are left out: this is
    the sale as placed. `presentment` picks presentmentMoney over shopMoney."""
    received: dict[str, Decimal] = {}
    for index, txn in enumerate(transactions):
        kind, status = str(txn.get("kind") or "").upper(), str(txn.get("status") or "").upper()
        if status != "SUCCESS" or kind not in _RECEIVED | _GIVEN_BACK:
            continue
        gateway = str(txn.get("gateway") or "")
        amount = _amount(txn, presentment, f"transactions[{index}]")
        amount = -abs(amount) if kind in _GIVEN_BACK else amount
        received[gateway] = received.get(gateway, Decimal("0.00")) + amount
    return tuple(Tender(gateway, amount.quantize(_CENT)) for gateway, amount in received.items())


def tendered(tenders: Iterable[Tender]) -> Decimal:
    """The sum of the tenders: what the order has received so far."""
    return sum((t.amount for t in tenders), Decimal("0.00"))


def _amount(txn: Mapping[str, Any], presentment: bool, where: str) -> Decimal:
    bag = txn.get("amountSet")
    key = "presentmentMoney" if presentment else "shopMoney"
    money = bag.get(key) if isinstance(bag, Mapping) else None
    raw = money.get("amount") if isinstance(money, Mapping) else None
    try:
        plain = isinstance(raw, str | int | float) and not isinstance(raw, bool)
        amount = Decimal(str(raw)) if plain else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidPayload(f"{where}.amountSet.{key}.amount", "not a decimal amount")
    return amount

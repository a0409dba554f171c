"""The tenders an order is booked by: from the webhook when one gateway took it all, else from
the order's transactions, read through the GraphQL Admin API (the webhook's
`payment_gateway_names` lists the gateways of a split tender, not how much each took)."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from app.domain.errors import ErrorCode, SyncError
from app.domain.faults import ExternalError
from app.domain.models import Order
from app.domain.ports import ShopifyOrdersPort
from app.domain.tenders import Tender, needs_lookup, single_tender, tenders_from_transactions
from app.services.backfill import ShopifySessions


class PaidOrder(Protocol):
    """What of an order its tenders depend on."""

    @property
    def id(self) -> str: ...

    @property
    def payment_gateway_names(self) -> tuple[str, ...]: ...


async def order_tenders(
    shopify: ShopifyOrdersPort,
    sessions: ShopifySessions,
    shop_id: int,
    order: PaidOrder,
    *,
    total: Decimal,
    presentment: bool,
) -> tuple[Tender, ...]:
    """Each gateway's part of the order, in the document's currency (`total` is the order's
    total in it; `presentment` picks the buyer's money over the shop's).

    One gateway: the whole `total`, with no call to Shopify. Several: what the transactions
    say each received, which may sum to less than `total` (a part still pending, an
    authorization not yet captured); the caller compares and decides. Raises the Shopify
    adapter's faults, and `ExternalAuthExpired` when the shop's Shopify is not connected.
    """
    if not needs_lookup(order.payment_gateway_names):
        return single_tender(total, order.payment_gateway_names)
    return await _read(shopify, sessions, shop_id, order.id, presentment)


async def _read(
    shopify: ShopifyOrdersPort,
    sessions: ShopifySessions,
    shop_id: int,
    order_id: str,
    presentment: bool,
) -> tuple[Tender, ...]:
    session = await sessions.session(shop_id)
    transactions = await shopify.order_transactions(session.shop, session.access_token, order_id)
    return tenders_from_transactions(transactions, presentment=presentment)


# Payment statuses under which the order's money is not (all) in: pending and authorized
# received nothing yet (an authorization is not a payment); partially_paid, part of it.
NOTHING_RECEIVED = frozenset({"pending", "authorized"})
PART_RECEIVED = frozenset({"partially_paid"})


async def tenders_of(
    shopify: ShopifyOrdersPort | None,
    sessions: ShopifySessions | None,
    shop_id: int,
    order: Order,
) -> tuple[Tender, ...]:
    """The order's tenders in the currency it is read in, for the sync and its preview.

    Without a Shopify reader, or when Shopify cannot be read, a split tender cannot be told
    apart: that is a missing_field error saying so (a later delivery or a manual sync tries
    again), never a guess at which gateway took what."""
    if order.financial_status in NOTHING_RECEIVED:
        return ()  # nothing received yet: no payment to book, whatever the gateways
    if order.financial_status not in PART_RECEIVED and not needs_lookup(
        order.payment_gateway_names
    ):
        return single_tender(order.sale_total, order.payment_gateway_names)
    # A split tender, or a part still owed: only the order's transactions tell who took what.
    if shopify is None or sessions is None:
        raise _unreadable(order, "no Shopify reader is configured")
    try:
        return await _read(shopify, sessions, shop_id, order.id, order.exchange_rate is not None)
    except ExternalError as exc:
        raise _unreadable(order, str(exc)) from None


def _unreadable(order: Order, reason: str) -> SyncError:
    gateways = ", ".join(order.payment_gateway_names)
    message = (
        f"Order {order.name} was paid through {gateways}; how much each took is read from the "
        f"order's transactions in Shopify, which could not be read ({reason}). It is tried "
        "again when Shopify sends the order again, or by a manual sync."
    )
    return SyncError(ErrorCode.missing_field, message, detail={"field": "transactions"})

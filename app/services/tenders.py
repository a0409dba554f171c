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
    session = await sessions.session(shop_id)
    transactions = await shopify.order_transactions(session.shop, session.access_token, order.id)
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
    presentment = order.exchange_rate is not None
    if order.financial_status in NOTHING_RECEIVED:
        return ()  # nothing received yet: no payment to book, whatever the gateways
    part = order.financial_status in PART_RECEIVED
    if not (part or needs_lookup(order.payment_gateway_names)):
        return single_tender(order.sale_total, order.payment_gateway_names)
    if shopify is None or sessions is None:  # no reader: only a whole payment is known
        return () if part else single_tender(order.sale_total, order.payment_gateway_names)
    try:
        return await order_tenders(
            shopify, sessions, shop_id, order, total=order.sale_total, presentment=presentment
        )
    except ExternalError as exc:
        gateways = ", ".join(order.payment_gateway_names)
        message = (
            f"Order {order.name} was paid through {gateways}; how much each took is read from "
            f"the order's transactions in Shopify, which could not be read ({exc}). It is "
            "tried again when Shopify sends the order again, or by a manual sync."
        )
        raise SyncError(
            ErrorCode.missing_field, message, detail={"field": "transactions"}
        ) from None

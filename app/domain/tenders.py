"""How an order was paid: the money each payment gateway took (a placeholder until the tenders
branch lands; its module replaces this one)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

GIFT_CARD_GATEWAY = "gift_card"


@dataclass(frozen=True)
class Tender:
    gateway: str
    amount: Decimal

    @property
    def gift_card(self) -> bool:
        return self.gateway == GIFT_CARD_GATEWAY


def single_tender(order_total: Decimal, gateway_names: tuple[str, ...]) -> tuple[Tender, ...]:
    """The whole total through the order's one gateway (none: nothing is known)."""
    return (Tender(gateway_names[0], order_total),) if len(gateway_names) == 1 else ()

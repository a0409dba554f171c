"""The QBO items of the lines that are not products: gift cards, tips and cash rounding.

Each is an item from the accounting settings, or — for gift cards and rounding, where the
merchant may name just the account — the company's first active item on that account, else an
item of LedgerPort's own on it, found by its name or created once (a deterministic requestid,
so a retry never makes a second).
"""

from __future__ import annotations

import uuid

from app.domain.booking import Booking, LineKind
from app.domain.config import AccountingConfig
from app.domain.ports import QboSession, QuickBooksPort

ITEM_NAMESPACE = uuid.UUID("5d7c1e0a-3f52-4a8e-9a61-0f0b3c9e2d14")
GIFT_CARD_ITEM = "Shopify gift cards"
ROUNDING_ITEM = "Cash rounding"


async def special_items(
    qbo: QuickBooksPort,
    session: QboSession,
    booking: Booking,
    accounting: AccountingConfig,
) -> tuple[str | None, str | None, str | None]:
    """The gift-card, tip and rounding items this booking needs (None where it has no such
    line or nothing is set; the document builder names the missing setting)."""
    kinds = {line.kind for line in booking.lines}
    gift_card = tip = rounding = None
    if kinds & {LineKind.gift_card, LineKind.redeemed}:
        gift_card = accounting.gift_card_item_id or await _own_item(
            qbo, session, GIFT_CARD_ITEM, accounting.gift_card_account_id
        )
    if LineKind.tip in kinds:
        tip = accounting.tip_item_id
    if LineKind.rounding in kinds:
        rounding = accounting.rounding_item_id or await _own_item(
            qbo, session, ROUNDING_ITEM, accounting.rounding_account_id
        )
    return gift_card, tip, rounding


async def _own_item(
    qbo: QuickBooksPort, session: QboSession, name: str, account_id: str | None
) -> str | None:
    if account_id is None:
        return None
    # An item the company already books to that account does (QBO's own gift-card item on the
    # gift-card liability, say); else LedgerPort's own, one per account.
    on_account = [o for o in await qbo.list_entities(session, "Item") if o.account_id == account_id]
    if on_account:
        return min(on_account, key=lambda o: (len(o.id), o.id)).id
    named = f"{name} ({account_id})"
    found = await qbo.find_item(session, name=named)
    if found is not None:
        return found.id
    payload = {
        "Name": named,
        "Type": "Service",
        "IncomeAccountRef": {"value": account_id},
        "Description": f"Booked by LedgerPort: {name.lower()} from Shopify orders",
    }
    request_id = str(uuid.uuid5(ITEM_NAMESPACE, f"{session.realm_id}:{named}"))
    created = await qbo.create_item(session, payload, request_id=request_id)
    return created.id

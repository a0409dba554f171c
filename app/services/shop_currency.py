"""The currency a shop sells in, asked of Shopify (`shop { currencyCode }`): its orders' shop
money, and so the home currency its QuickBooks company must keep its books in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from app.domain.faults import ExternalError
from app.domain.ports import QboSession, QuickBooksPort, ShopifyOrdersPort
from app.services.backfill import ShopifySessions

log = logging.getLogger(__name__)


class ShopCurrencies(Protocol):
    async def currency(self, shop_id: int) -> str | None:
        """The shop's currency code; None when Shopify cannot tell now."""
        ...


@dataclass(frozen=True)
class ShopifyCurrencies:
    """Reads it through the shop's Shopify session and the GraphQL Admin API."""

    shopify: ShopifyOrdersPort
    sessions: ShopifySessions

    async def currency(self, shop_id: int) -> str | None:
        try:
            session = await self.sessions.session(shop_id)
            code = await self.shopify.shop_currency(session.shop, session.access_token)
        except ExternalError as exc:
            log.warning(
                "shop %s: Shopify did not tell its currency (%s: %s)",
                shop_id,
                type(exc).__name__,
                exc.message,
            )
            return None
        return code.upper() or None


async def company_home_currency(qbo: QuickBooksPort, session: QboSession) -> str | None:
    """The QBO company's home currency; None when QBO cannot tell now."""
    try:
        return (await qbo.currency_prefs(session)).home_currency
    except (ExternalError, ValueError) as exc:
        log.warning(
            "QuickBooks company %s: could not read its home currency (%s)",
            session.realm_id,
            type(exc).__name__,
        )
        return None


def currency_mismatch(
    shop: str, shop_currency: str | None, realm_id: str, home_currency: str | None
) -> str | None:
    """Why the company cannot keep the shop's books, naming both currencies and the ways out;
    None when they agree or either is unknown."""
    if shop_currency is None or home_currency is None or shop_currency == home_currency:
        return None
    return (
        f"QuickBooks company {realm_id} keeps its books in {home_currency}, and {shop} sells "
        f"in {shop_currency}; LedgerPort books every order in the shop's currency, so nothing "
        f"was connected. Connect a QuickBooks company whose home currency is {shop_currency}; "
        f"or, if this company's home currency is wrong and it never turned multicurrency on, "
        f"change it to {shop_currency} in QuickBooks (Settings → Account and settings → "
        f"Advanced → Currency) and connect again."
    )

"""Checking the QBO records the settings name against the company, through the reference
cache: at save time (a 422 naming the setting) and before an order is posted
(invalid_account naming the setting)."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.config import BookCurrency, SyncConfig, TaxMode
from app.domain.lines import unmapped_lines
from app.domain.models import Order
from app.domain.ports import QboSession, QuickBooksPort, ReferenceData
from app.domain.references import (
    Reference,
    invalid_account,
    item_references,
    order_references,
    section_references,
    unusable,
    unusable_item_account,
)
from app.domain.signals import InvalidReference


async def check_order(
    reference: ReferenceData | None,
    session: QboSession,
    order: Order,
    config: SyncConfig,
    products: Mapping[str, str],
    *,
    fresh: bool = False,
) -> None:
    """Raises invalid_account for the first setting the order's document would name that the
    company cannot use; `fresh` reloads the company's records first (QBO refused a reference
    the cache still held as good). Without a reference cache nothing is checked."""
    if reference is None:
        return
    default_item = bool(unmapped_lines(order, products))
    for ref in order_references(order, config, default_item=default_item):
        reason = await _problem(reference, session, ref, fresh=fresh)
        if reason is not None:
            raise invalid_account(order, ref, reason)


async def check_item_accounts(
    reference: ReferenceData, session: QboSession, order: Order, config: SyncConfig
) -> None:
    """Raises invalid_account for the first products account that an item LedgerPort creates
    would name and the company cannot use (deleted, inactive or of the wrong type)."""
    for ref in item_references(config):
        reason = await _problem(reference, session, ref)
        if reason is not None:
            raise invalid_account(order, ref, reason)


async def check_section(
    reference: ReferenceData, session: QboSession, config: SyncConfig, section: str
) -> None:
    """Raises InvalidReference naming the first setting of `section` the company cannot use."""
    for ref in section_references(config, section):
        reason = await _problem(reference, session, ref)
        if reason is not None:
            raise InvalidReference(reason, ref.field)


async def _problem(
    reference: ReferenceData, session: QboSession, ref: Reference, *, fresh: bool = False
) -> str | None:
    reason = await _reason(reference, session, ref, fresh)
    if reason is None or fresh:
        return reason
    # The cache may be older than the change the merchant just made in QBO: look again.
    return await _reason(reference, session, ref, True)


async def _reason(
    reference: ReferenceData, session: QboSession, ref: Reference, fresh: bool
) -> str | None:
    options = await reference.options(session, ref.entity, refresh=fresh)
    if (reason := unusable(ref, options)) is not None or not ref.account_kinds:
        return reason
    accounts = await reference.options(session, "Account", refresh=fresh)
    return unusable_item_account(ref, options, accounts)


def company_features(config: SyncConfig, section: str) -> bool:
    """Whether saving `section` asks the QBO company for a feature: multicurrency (orders in
    the buyer's currency) or automated sales tax."""
    if section == "orders":
        return config.orders.currency is BookCurrency.presentment
    return section == "accounting" and config.accounting.tax_mode is TaxMode.automated_sales_tax


async def check_company(
    qbo: QuickBooksPort, session: QboSession, *, config: SyncConfig, section: str
) -> None:
    """Raises InvalidReference naming the setting when the company lacks what it asks for."""
    if section == "orders" and not (await qbo.company_profile(session)).multicurrency:
        raise InvalidReference(
            "the QuickBooks company has multicurrency off, so it cannot hold documents in "
            "the buyer's currency; turn multicurrency on in QuickBooks (Settings → Account "
            "and settings → Advanced → Currency) or keep currency: shop",
            "orders.currency",
        )
    if section == "accounting" and not (await qbo.tax_prefs(session)).automated_sales_tax:
        raise InvalidReference(
            "the QuickBooks company books sales tax by hand (it is not on automated sales "
            "tax), so QuickBooks would compute nothing; keep tax_mode: line_item and map "
            "each Shopify tax rate to a QuickBooks tax code",
            "accounting.tax_mode",
        )

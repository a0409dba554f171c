"""A shop books sales tax the way its QBO company does, until a person chooses otherwise."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from app.domain.config import ConfigError, SyncConfig, TaxMode
from app.domain.faults import ExternalError
from app.domain.ports import CompanyTaxPrefs, QboSession, QuickBooksPort, UnitOfWork

log = logging.getLogger(__name__)


async def company_tax_prefs(qbo: QuickBooksPort, session: QboSession) -> CompanyTaxPrefs | None:
    """The company's tax preferences; None when QBO cannot tell now, which never stops a
    connection (the shop keeps line-item tax until it chooses, or until a reconnect reads
    them)."""
    try:
        return await qbo.tax_prefs(session)
    except (ExternalError, ValueError) as exc:
        status = getattr(exc, "status", None)
        log.warning(
            "QuickBooks company %s: could not read its preferences (%s, HTTP status %s); "
            "the shop's tax mode stays line_item unless it chooses one",
            session.realm_id,
            type(exc).__name__,
            status,
        )
        return None


async def default_tax_mode(
    uow: UnitOfWork, shop_id: int, prefs: CompanyTaxPrefs | None
) -> TaxMode | None:
    """Saves the company's tax mode as the shop's when the shop has none saved yet; returns
    the mode saved, None when nothing changed. The caller commits."""
    if prefs is None:
        return None
    stored = await uow.configs.get(shop_id)
    accounting = stored.get("accounting")
    if isinstance(accounting, Mapping) and accounting.get("tax_mode") is not None:
        return None  # chosen (or defaulted) before: a reconnect never overrides it
    mode = prefs.tax_mode
    chosen = {**stored, "accounting": {**(accounting or {}), "tax_mode": mode.value}}
    try:
        SyncConfig.from_dict(chosen)
    except ConfigError as exc:
        log.warning("shop %s: stored config refused (%s); tax mode left as it is", shop_id, exc)
        return None
    await uow.configs.save(shop_id, chosen)
    log.info("shop %s: tax mode %s, as its QuickBooks company books sales tax", shop_id, mode)
    return mode

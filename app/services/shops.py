"""Installing a shop: the tenant row, its API key, its QBO connection and mappings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.domain.entities import QUICKBOOKS, Mapping
from app.domain.models import ZERO, TaxLine
from app.domain.ports import Cipher, QboSession, QuickBooksPort, TokenSet, UnitOfWork
from app.domain.translate import tax_key
from app.services.api_keys import new_api_key
from app.services.connections import store_tokens
from app.services.tax_mode import company_tax_prefs, default_tax_mode


@dataclass(frozen=True)
class Installed:
    shop_id: int
    domain: str
    api_key: str


async def install_shop(
    uow: UnitOfWork,
    domain: str,
    name: str,
    plan: str = "free",
    *,
    key_label: str = "installed",
    sole_key_at: datetime | None = None,
) -> Installed:
    """Creates the shop (or finds it) and issues a new API key for it. With `sole_key_at`,
    the shop's earlier keys are revoked at that time: the new one is its only key."""
    async with uow:
        shop = await uow.shops.get_by_domain(domain) or await uow.shops.add(domain, name, plan)
        shop.uninstalled_at = None  # installing again resumes syncing
        await uow.shops.save(shop)
        if sole_key_at is not None:
            await uow.api_keys.revoke_for_shop(shop.id, sole_key_at)
        key, key_hash = new_api_key()
        await uow.api_keys.add(shop.id, key_hash, key[:8], key_label)
        await uow.commit()
        return Installed(shop.id, shop.domain, key)


async def issue_ops_key(uow: UnitOfWork, label: str = "ops") -> str:
    """A new operator key, which may act on every shop. Shown once: only its hash is kept."""
    async with uow:
        key, key_hash = new_api_key()
        await uow.api_keys.add(None, key_hash, key[:8], label)
        await uow.commit()
    return key


async def connect_quickbooks(
    uow: UnitOfWork,
    cipher: Cipher,
    shop_id: int,
    realm_id: str,
    tokens: TokenSet,
    *,
    qbo: QuickBooksPort,
) -> None:
    """Stores the tokens; a shop that has not chosen a tax mode takes its company's."""
    prefs = await company_tax_prefs(qbo, QboSession(realm_id, tokens.access_token))
    async with uow:
        connection = await uow.connections.get_or_create(shop_id, QUICKBOOKS)
        connection.external_id = realm_id
        store_tokens(connection, tokens, cipher)
        await uow.connections.save(connection)
        await default_tax_mode(uow, shop_id, prefs)
        await uow.commit()


async def map_product(
    uow: UnitOfWork, shop_id: int, source_key: str, qbo_id: str, label: str = ""
) -> None:
    async with uow:
        await uow.mappings.put(Mapping(shop_id, "product", source_key, qbo_id, source_label=label))
        await uow.commit()


async def map_tax_rate(
    uow: UnitOfWork, shop_id: int, title: str, rate: Decimal | str, qbo_tax_code_id: str
) -> None:
    """Maps a Shopify tax rate (title and rate as a fraction, "0.06") to a QBO tax code."""
    tax = TaxLine(title, Decimal(str(rate)), ZERO)
    label = f"{title} ({(tax.rate * 100).normalize():f}%)"
    async with uow:
        mapping = Mapping(shop_id, "tax_rate", tax_key(tax), qbo_tax_code_id, source_label=label)
        await uow.mappings.put(mapping)
        await uow.commit()

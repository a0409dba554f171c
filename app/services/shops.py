"""Shops: installing one (the tenant row, its API key, its QBO connection and mappings), what
an operator sees of each, and its plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.domain.entities import QUICKBOOKS, SHOPIFY, ApiKey, AuditEntry, Connection, Mapping, Shop
from app.domain.models import ZERO, TaxLine
from app.domain.ports import Cipher, QboSession, QuickBooksPort, TokenSet, UnitOfWork
from app.domain.taxes import tax_key
from app.services.api_keys import new_api_key
from app.services.connections import store_tokens
from app.services.healing import CHANGE, actor_of, who
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
    uow: UnitOfWork, shop_id: int, source_key: str, qbo_id: str, label: str = "", qbo_name: str = ""
) -> None:
    async with uow:
        mapping = Mapping(
            shop_id, "product", source_key, qbo_id, source_label=label, qbo_name=qbo_name
        )
        await uow.mappings.put(mapping)
        await uow.commit()


async def map_tax_rate(
    uow: UnitOfWork,
    shop_id: int,
    title: str,
    rate: Decimal | str,
    qbo_tax_code_id: str,
    qbo_name: str = "",
) -> None:
    """Maps a Shopify tax rate (title and rate as a fraction, "0.06") to a QBO tax code."""
    tax = TaxLine(title, Decimal(str(rate)), ZERO)
    label = f"{title} ({(tax.rate * 100).normalize():f}%)"
    async with uow:
        mapping = Mapping(
            shop_id,
            "tax_rate",
            tax_key(tax),
            qbo_tax_code_id,
            source_label=label,
            qbo_name=qbo_name,
        )
        await uow.mappings.put(mapping)
        await uow.commit()


@dataclass(frozen=True)
class ShopOverview:
    """A shop as an operator sees it: its plan, its connections' health, its records."""

    shop: Shop
    connections: dict[str, Connection | None]  # by provider; None: never connected
    record_counts: dict[str, int]  # by status


async def overview(uow: UnitOfWork, shop: Shop) -> ShopOverview:
    async with uow:
        return await _overview(uow, shop)


async def overviews(uow: UnitOfWork, key: ApiKey) -> list[ShopOverview]:
    """Every shop, by domain, for an operator key; a shop's own key sees its shop alone."""
    async with uow:
        if key.shop_id is None:
            shops = await uow.shops.all()
        else:
            own = await uow.shops.get(key.shop_id)
            shops = [own] if own is not None else []
        return [await _overview(uow, shop) for shop in shops]


async def _overview(uow: UnitOfWork, shop: Shop) -> ShopOverview:
    connections = {p: await uow.connections.get(shop.id, p) for p in (QUICKBOOKS, SHOPIFY)}
    return ShopOverview(shop, connections, await uow.records.status_counts(shop.id))


async def change_plan(uow: UnitOfWork, shop_id: int, plan: str, key: ApiKey) -> ShopOverview:
    """Moves the shop to `plan` (one of app.domain.plans.PLANS), in the audit log with who did
    it. Nothing is deleted: history the old plan hid shows again under a plan keeping more."""
    async with uow:
        shop = await uow.shops.get(shop_id)
        assert shop is not None, "the route found the shop"
        before = shop.plan
        if plan != before:
            shop.plan = plan
            await uow.shops.save(shop)
            entry = AuditEntry(
                shop_id=shop.id,
                entity="shop",
                shopify_id=shop.domain,
                label=shop.domain,
                status=CHANGE,
                actor=actor_of(key),
                message=f"Plan changed from {before} to {plan}",
                detail={"from": before, "to": plan, **who(key)},
            )
            await uow.audit.add(entry)
        changed = await _overview(uow, shop)
        await uow.commit()
    return changed

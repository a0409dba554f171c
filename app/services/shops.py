"""Installing a shop: the tenant row, its API key and its QBO connection."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.entities import QUICKBOOKS, Mapping
from app.domain.ports import Cipher, TokenSet, UnitOfWork
from app.services.api_keys import new_api_key
from app.services.connections import store_tokens


@dataclass(frozen=True)
class Installed:
    shop_id: int
    domain: str
    api_key: str


async def install_shop(uow: UnitOfWork, domain: str, name: str, plan: str = "free") -> Installed:
    """Creates the shop (or finds it) and issues a new API key for it."""
    async with uow:
        shop = await uow.shops.get_by_domain(domain) or await uow.shops.add(domain, name, plan)
        shop.uninstalled_at = None  # installing again resumes syncing
        await uow.shops.save(shop)
        key, key_hash = new_api_key()
        await uow.api_keys.add(shop.id, key_hash, key[:8], "installed")
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
    uow: UnitOfWork, cipher: Cipher, shop_id: int, realm_id: str, tokens: TokenSet
) -> None:
    async with uow:
        connection = await uow.connections.get_or_create(shop_id, QUICKBOOKS)
        connection.external_id = realm_id
        store_tokens(connection, tokens, cipher)
        await uow.connections.save(connection)
        await uow.commit()


async def map_product(
    uow: UnitOfWork, shop_id: int, source_key: str, qbo_id: str, label: str = ""
) -> None:
    async with uow:
        await uow.mappings.put(Mapping(shop_id, "product", source_key, qbo_id, source_label=label))
        await uow.commit()

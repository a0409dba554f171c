"""Mappings: the merchant links what the orders show (products, customers, tax rates) to
QuickBooks records, by hand or by auto-map; each save re-queues the records it unblocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial

from app.domain.entities import ApiKey, Mapping, Source
from app.domain.healing import mapping_keys
from app.domain.mapping import AutoMatch, auto_match
from app.domain.models import Entity, SyncStatus, TaxLine
from app.domain.ports import QboOption, ReferenceData, UnitOfWork, UnitOfWorkFactory
from app.domain.signals import InvalidInput, InvalidReference, NotFound
from app.domain.taxes import tax_key
from app.services.connections import TokenKeeper
from app.services.healing import Changed, actor_of, record_change, requeue_blocked

# What each kind of mapping points at in QBO.
TARGETS = {"product": "Item", "customer": "Customer", "tax_rate": "TaxCode"}
PSEUDO_TAX_CODES = frozenset({"TAX", "NON"})
PAGE = 500


@dataclass(frozen=True)
class MappingDeps:
    uow: UnitOfWorkFactory
    tokens: TokenKeeper
    reference: ReferenceData


@dataclass(frozen=True)
class Saved:
    mappings: list[Mapping]
    requeued: int


@dataclass(frozen=True)
class AutoMapped:
    matches: list[AutoMatch]
    requeued: int

    @property
    def mapped(self) -> list[AutoMatch]:
        return [m for m in self.matches if m.item is not None]

    @property
    def remaining(self) -> list[AutoMatch]:
        return [m for m in self.matches if m.item is None]


def source_key(kind: str, given: str, field: str = "source_id") -> str:
    """The stored key for what a person typed: "sku:TEE-1" as is, a bare SKU or customer id
    with its prefix added; a tax rate's key "Title|rate" (the rate a fraction, "0.06") in the
    form orders give it. Raises InvalidInput, naming `field`, for a key no order can have."""
    given = given.strip()
    if kind == "product" and not given.startswith(("sku:", "variant:", "title:")):
        return f"sku:{given}"
    if kind == "customer" and not given.startswith("customer:"):
        return f"customer:{given}"
    if kind == "tax_rate":
        return _tax_rate_key(given, field)
    return given


def source_keys(kind: str, given: Sequence[str]) -> list[str]:
    """The keys of a batch (`mappings[i].source_key`); a key given twice is refused."""
    keys: list[str] = []
    for i, key in enumerate(given):
        field = f"mappings[{i}].source_key"
        stored = source_key(kind, key, field)
        if stored in keys:
            raise InvalidInput(f"{stored} is mapped twice in this request", field)
        keys.append(stored)
    return keys


def _tax_rate_key(given: str, field: str) -> str:
    title, _, rate = given.rpartition("|")
    try:
        fraction = Decimal(rate)
    except InvalidOperation:
        fraction = Decimal(-1)
    if not title.strip() or not fraction.is_finite() or not 0 <= fraction <= 1:
        reason = 'a tax rate is "Title|rate" with the rate a fraction, e.g. "Ohio State Tax|0.0575"'
        raise InvalidInput(reason, field)
    return tax_key(TaxLine(title.strip(), fraction, Decimal(0)))


async def list_sources(
    uow: UnitOfWork,
    shop_id: int,
    kind: str,
    *,
    state: str | None,
    search: str | None,
    after: str | None,
    limit: int,
) -> list[Source]:
    async with uow:
        return await uow.sources.list(
            shop_id, kind, state=state, search=search, after=after, limit=limit
        )


async def set_mappings(
    deps: MappingDeps,
    shop_id: int,
    kind: str,
    pairs: Sequence[tuple[str, str]],
    key: ApiKey | None,
    fields: Sequence[str] | None = None,
) -> Saved:
    """Maps each (source key, QBO id); all or none. A QBO id that is unknown or inactive in the
    company is refused, naming `fields[i]` (default "qbo_id")."""
    options = await _targets(deps, shop_id, kind)
    known = {option.id for option in options}
    if any(qbo_id not in known for _, qbo_id in pairs):  # created in QBO since we last looked
        options = await _targets(deps, shop_id, kind, refresh=True)
    names = []
    for index, (_, qbo_id) in enumerate(pairs):
        field = fields[index] if fields else "qbo_id"
        names.append(_usable(options, qbo_id, TARGETS[kind], field).name)
    async with deps.uow() as uow:
        saved = []
        for (source, qbo_id), name in zip(pairs, names, strict=True):
            seen = await uow.sources.get(shop_id, kind, source)
            label = seen.label if seen is not None else ""
            mapping = Mapping(shop_id, kind, source, qbo_id, label, name, "manual")
            await uow.mappings.put(mapping)
            saved.append(mapping)
        requeued = await _heal(uow, shop_id, kind, saved, key, "Mapped")
        await uow.commit()
    return Saved(saved, requeued)


async def clear_mapping(
    deps: MappingDeps, shop_id: int, kind: str, source: str, key: ApiKey | None
) -> None:
    """Removes one mapping; orders that need it fail again on their next sync."""
    async with deps.uow() as uow:
        if not await uow.mappings.delete(shop_id, kind, source):
            raise NotFound(f"no {kind} mapping for {source}", "source_id")
        message = f"Cleared the {kind} mapping of {source}"
        detail = {"kind": kind, "source_key": source}
        change = Changed("mapping", f"{kind} {source}", message, detail)
        await record_change(uow, shop_id, change, key, 0)
        await uow.commit()


async def auto_map_products(deps: MappingDeps, shop_id: int, key: ApiKey | None) -> AutoMapped:
    """Maps every unmapped product to the active QBO item with its SKU, else its name."""
    items = await _targets(deps, shop_id, "product", refresh=True)
    async with deps.uow() as uow:
        unmapped = await _all_unmapped(uow, shop_id)
        matches = auto_match(unmapped, items)
        saved = []
        for match in matches:
            if match.item is not None:
                source = match.source
                item = match.item
                mapping = Mapping(
                    shop_id, "product", source.source_key, item.id, source.label, item.name, "auto"
                )
                await uow.mappings.put(mapping)
                saved.append(mapping)
        requeued = await _heal(uow, shop_id, "product", saved, key, "Auto-mapped")
        await uow.commit()
    return AutoMapped(matches, requeued)


async def _all_unmapped(uow: UnitOfWork, shop_id: int) -> list[Source]:
    found: list[Source] = []
    while True:
        after = found[-1].source_key if found else None
        page = await uow.sources.list(shop_id, "product", state="unmapped", after=after, limit=PAGE)
        found += page
        if len(page) < PAGE:
            return found


async def _heal(
    uow: UnitOfWork,
    shop_id: int,
    kind: str,
    saved: list[Mapping],
    key: ApiKey | None,
    verb: str,
) -> int:
    if not saved:
        return 0
    keys = mapping_keys(kind, [m.source_key for m in saved])
    requeued = await requeue_blocked(uow, shop_id, keys, actor_of(key))
    if kind == "product":
        await _close_product_errors(uow, shop_id, saved)
    subject = f"{kind} {saved[0].source_key}" if len(saved) == 1 else f"{len(saved)} {kind}s"
    pairs = [{"source_key": m.source_key, "qbo_id": m.qbo_id} for m in saved]
    message = f"{verb} {subject} to QuickBooks"
    change = Changed("mapping", subject, message, {"kind": kind, "mappings": pairs})
    await record_change(uow, shop_id, change, key, requeued)
    return requeued


async def _close_product_errors(uow: UnitOfWork, shop_id: int, saved: list[Mapping]) -> None:
    """Products whose QBO item LedgerPort could not make (unmatched `create`) and that are
    mapped now: each record is resolved, naming the item it maps to."""
    for mapping in saved:
        record = await uow.records.get(shop_id, Entity.product, mapping.source_key)
        if record is None or record.status != SyncStatus.error:
            continue
        record.status, record.error_code = SyncStatus.resolved, None
        record.qbo_id = mapping.qbo_id
        record.message = f'Mapped to QuickBooks item "{mapping.qbo_name}" (id {mapping.qbo_id})'
        await uow.records.save(record)


async def _targets(
    deps: MappingDeps, shop_id: int, kind: str, *, refresh: bool = False
) -> list[QboOption]:
    """The company's records a mapping of `kind` may point at. Raises SyncError(qbo_auth)
    when QBO is not connected: a mapping is never accepted unchecked."""
    load = partial(deps.reference.options, entity=TARGETS[kind], refresh=refresh)
    return await deps.tokens.call(shop_id, load)


def _usable(options: list[QboOption], qbo_id: str, entity: str, field: str) -> QboOption:
    if entity == "TaxCode" and qbo_id in PSEUDO_TAX_CODES:
        raise InvalidReference(
            f"{qbo_id} is QuickBooks' pseudo code marking a US line taxable or not, not a tax "
            "code with rates; map the rate to the tax code that charges it",
            field,
        )
    found = next((o for o in options if o.id == qbo_id), None)
    if found is None:
        raise InvalidReference(f"no QuickBooks {entity} has id {qbo_id}", field)
    if not found.active:
        raise InvalidReference(f"QuickBooks {entity} {qbo_id} ({found.name}) is inactive", field)
    return found

"""Mappings: what the shop's orders show (products, customers, tax rates) and the QuickBooks
records they are booked to. Saving one re-queues the orders that waited on it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api import cursors
from app.api.deps import ApiKeyDep, ContainerDep, ShopDep
from app.api.errors import qbo_problem, responses
from app.api.schemas_mappings import (
    AutoMapOut,
    MappingIn,
    MappingOut,
    MappingSaved,
    MappingsIn,
    MappingsSaved,
    SourcePage,
    automap_out,
    source_out,
)
from app.domain.errors import SyncError
from app.domain.faults import ExternalError
from app.services import mappings as service

router = APIRouter(prefix="/v1/shops/{shop}/mappings", tags=["mappings"])


class MappingKind(StrEnum):
    customers = "customers"
    products = "products"
    tax_rates = "tax-rates"


KIND = {
    MappingKind.customers: "customer",
    MappingKind.products: "product",
    MappingKind.tax_rates: "tax_rate",
}
SourceId = Annotated[
    str,
    Path(
        description="What is mapped: `sku:<SKU>` or `variant:<id>` (a bare value is a SKU), "
        "a Shopify customer id (`customer:<id>` or the bare id), or a tax rate "
        "`<title>|<rate>` such as `Ohio State Tax|0.0575`",
        examples=["sku:TEE-ORG-HG-M"],
    ),
]
SAVE_ERRORS = responses(401, 404, 409, 422, 429, 503)


@router.get("/{kind}", response_model=SourcePage, responses=responses(400, 401, 404, 422))
async def list_mappings(
    shop: ShopDep,
    container: ContainerDep,
    kind: MappingKind,
    state: Annotated[
        str | None, Query(pattern="^(mapped|unmapped)$", description="mapped or unmapped")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="In the key or label")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SourcePage:
    """What the shop's orders have shown of this kind, each with its QuickBooks mapping (null
    while unmapped), in key order."""
    found = await service.list_sources(
        container.uow(),
        shop.id,
        KIND[kind],
        state=state,
        search=q,
        after=_after(cursor),
        limit=limit + 1,
    )
    page = found[:limit]
    more = len(found) > limit
    return SourcePage(
        items=[source_out(s) for s in page],
        next_cursor=_cursor(page[-1].source_key) if more and page else None,
    )


@router.put("/{kind}/{source_id}", response_model=MappingSaved, responses=SAVE_ERRORS)
async def map_one(
    shop: ShopDep,
    key: ApiKeyDep,
    container: ContainerDep,
    kind: MappingKind,
    source_id: SourceId,
    body: MappingIn,
) -> MappingSaved:
    """Maps one product, customer or tax rate to a QuickBooks record, which must exist and be
    active. Orders that failed for want of this mapping are queued again (`requeued`)."""
    source = service.source_key(KIND[kind], source_id)
    saved = await _save(container, shop.id, kind, [(source, body.qbo_id)], key, None)
    return MappingSaved(mapping=MappingOut.of(saved.mappings[0]), requeued=saved.requeued)


@router.patch("/{kind}", response_model=MappingsSaved, responses=SAVE_ERRORS)
async def map_many(
    shop: ShopDep, key: ApiKeyDep, container: ContainerDep, kind: MappingKind, body: MappingsIn
) -> MappingsSaved:
    """Maps several at once, all or none: one unusable QuickBooks id refuses the lot, naming
    it (`mappings[i].qbo_id`)."""
    keys = service.source_keys(KIND[kind], [m.source_key for m in body.mappings])
    pairs = [(key, m.qbo_id) for key, m in zip(keys, body.mappings, strict=True)]
    fields = [f"mappings[{i}].qbo_id" for i in range(len(pairs))]
    saved = await _save(container, shop.id, kind, pairs, key, fields)
    return MappingsSaved(
        mappings=[MappingOut.of(m) for m in saved.mappings], requeued=saved.requeued
    )


@router.delete("/{kind}/{source_id}", status_code=204, responses=responses(401, 404))
async def clear_mapping(
    shop: ShopDep, key: ApiKeyDep, container: ContainerDep, kind: MappingKind, source_id: SourceId
) -> None:
    """Removes one mapping. Orders that need it will fail again on their next sync."""
    source = service.source_key(KIND[kind], source_id)
    await service.clear_mapping(_deps(container), shop.id, KIND[kind], source, key)


AUTO_MAP_EXAMPLE = {
    "mapped": 1,
    "items": [
        {
            "source_key": "sku:TRS-GB-10",
            "label": "Trail Shorts - Green / 10",
            "qbo_id": "21",
            "qbo_name": "Trail Shorts",
            "matched_by": "sku",
        }
    ],
    "remaining": [
        {
            "source_key": "sku:SOCK-MER-M",
            "label": "Merino Socks - M",
            "candidates": [{"id": "22", "name": "Merino Sock"}],
        }
    ],
    "requeued": 2,
}


@router.post(
    "/products/auto-map",
    response_model=AutoMapOut,
    responses={
        **SAVE_ERRORS,
        200: {"content": {"application/json": {"example": AUTO_MAP_EXAMPLE}}},
    },
)
async def auto_map_products(shop: ShopDep, key: ApiKeyDep, container: ContainerDep) -> AutoMapOut:
    """Maps every unmapped product to the active QuickBooks item with the same SKU, else the
    same name (ignoring case). Answers what it mapped, what remains with close QuickBooks
    items as candidates, and how many waiting orders it queued again."""
    try:
        result = await service.auto_map_products(_deps(container), shop.id, key)
    except (SyncError, ExternalError) as exc:
        raise qbo_problem(exc) from exc
    return automap_out(result)


async def _save(
    container: ContainerDep,
    shop_id: int,
    kind: MappingKind,
    pairs: list[tuple[str, str]],
    key: ApiKeyDep,
    fields: list[str] | None,
) -> service.Saved:
    try:
        return await service.set_mappings(_deps(container), shop_id, KIND[kind], pairs, key, fields)
    except (SyncError, ExternalError) as exc:
        raise qbo_problem(exc) from exc


def _deps(container: ContainerDep) -> service.MappingDeps:
    return service.MappingDeps(container.uow, container.tokens, container.reference)


def _cursor(source_key: str) -> str:
    return cursors.encode("key", source_key)


def _after(cursor: str | None) -> str | None:
    found = cursors.decode(cursor, {"key"})
    return found[1] if found is not None else None

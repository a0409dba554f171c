"""Bodies of the mapping routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.entities import Mapping, Source
from app.services.mappings import AutoMapped

_QBO_ID = Field(min_length=1, max_length=64, description="The QuickBooks record's Id")


class MappingOut(BaseModel):
    source_key: str = Field(examples=["sku:TEE-ORG-HG-M"])
    qbo_id: str = Field(examples=["19"])
    qbo_name: str = Field(examples=["Organic Cotton Tee"])
    origin: str = Field(description="manual (a person) or auto (auto-map, or learnt)")

    @classmethod
    def of(cls, mapping: Mapping) -> MappingOut:
        return cls(
            source_key=mapping.source_key,
            qbo_id=mapping.qbo_id,
            qbo_name=mapping.qbo_name,
            origin=mapping.origin,
        )


class SourceOut(BaseModel):
    kind: str = Field(description="product, customer or tax_rate")
    source_key: str = Field(
        description="sku:<SKU> or variant:<id> for products, customer:<id> for customers, "
        "<title>|<rate> for tax rates",
        examples=["sku:TEE-ORG-HG-M"],
    )
    label: str = Field(examples=["Organic Cotton Tee - Heather Grey / M"])
    detail: dict[str, Any] = Field(description="What the orders showed: SKU, title, price…")
    last_seen_at: datetime | None
    mapping: MappingOut | None = Field(description="Null while unmapped")


def source_out(source: Source) -> SourceOut:
    mapping = MappingOut.of(source.mapping) if source.mapping is not None else None
    return SourceOut(
        kind=source.kind,
        source_key=source.source_key,
        label=source.label,
        detail=source.detail,
        last_seen_at=source.last_seen_at,
        mapping=mapping,
    )


class SourcePage(BaseModel):
    items: list[SourceOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class MappingIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"qbo_id": "19"}]})

    qbo_id: str = _QBO_ID


class MappingPair(BaseModel):
    source_key: str = Field(min_length=1, max_length=255, examples=["sku:TRS-GB-10"])
    qbo_id: str = _QBO_ID


class MappingsIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mappings": [
                        {"source_key": "sku:TRS-GB-10", "qbo_id": "21"},
                        {"source_key": "sku:SOCK-MER-M", "qbo_id": "22"},
                    ]
                }
            ]
        }
    )

    mappings: list[MappingPair] = Field(min_length=1, max_length=500)


class MappingSaved(BaseModel):
    mapping: MappingOut
    requeued: int = Field(description="Records that waited on this mapping, queued again")


class MappingsSaved(BaseModel):
    mappings: list[MappingOut]
    requeued: int = Field(description="Records that waited on these mappings, queued again")


class QboCandidate(BaseModel):
    id: str
    name: str


class AutoMappedOut(BaseModel):
    source_key: str
    label: str
    qbo_id: str
    qbo_name: str
    matched_by: str = Field(description="sku or name")


class UnmatchedOut(BaseModel):
    source_key: str
    label: str
    candidates: list[QboCandidate] = Field(description="QuickBooks items with close names")


class AutoMapOut(BaseModel):
    mapped: int = Field(description="How many products auto-map mapped now")
    items: list[AutoMappedOut]
    remaining: list[UnmatchedOut] = Field(description="Still unmapped: map these by hand")
    requeued: int = Field(description="Records that waited on these products, queued again")


def automap_out(result: AutoMapped) -> AutoMapOut:
    items = [
        AutoMappedOut(
            source_key=m.source.source_key,
            label=m.source.label,
            qbo_id=m.item.id,
            qbo_name=m.item.name,
            matched_by=m.by or "",
        )
        for m in result.mapped
        if m.item is not None
    ]
    remaining = [
        UnmatchedOut(
            source_key=m.source.source_key,
            label=m.source.label,
            candidates=[QboCandidate(id=c.id, name=c.name) for c in m.candidates],
        )
        for m in result.remaining
    ]
    return AutoMapOut(mapped=len(items), items=items, remaining=remaining, requeued=result.requeued)

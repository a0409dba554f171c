"""The shop's webhook inbox as an operator reads it: above all the deliveries parked as failed,
with the reason and the tries it took. Bodies are not shown: they hold buyers' personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.api import cursors
from app.api.deps import ShopDep, UowDep
from app.api.errors import responses
from app.domain.entities import Delivery
from app.services.deliveries import MAX_ATTEMPTS, list_deliveries

router = APIRouter(prefix="/v1/shops/{shop}/deliveries", tags=["deliveries"])
DeliveryStatus = Literal["received", "processed", "ignored", "failed", "deferred"]


class DeliveryOut(BaseModel):
    id: int
    topic: str = Field(examples=["orders/create"])
    event_id: str = Field(description="Shopify's X-Shopify-Event-Id (or webhook id)")
    status: str = Field(
        description="received (waiting to be processed), processed, ignored (a topic not "
        "handled), deferred (kept until LedgerPort can post it: refunds), or failed (parked: "
        "processing cannot handle it and will not try again)",
        examples=["failed"],
    )
    reason: str | None = Field(
        description="Why it failed, was ignored or deferred",
        examples=["the body nests deeper than 64 levels"],
    )
    attempts: int = Field(
        description=f"Processing's tries; one that keeps failing is parked after {MAX_ATTEMPTS}"
    )
    received_at: datetime | None
    processed_at: datetime | None = Field(description="When it was settled; null while waiting")

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            topic=delivery.topic,
            event_id=delivery.event_id,
            status=delivery.status,
            reason=delivery.note,
            attempts=delivery.attempts,
            received_at=delivery.received_at,
            processed_at=delivery.processed_at,
        )


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next, older page")


@router.get("", response_model=DeliveryPage, responses=responses(400, 401, 404, 422))
async def list_shop_deliveries(
    shop: ShopDep,
    uow: UowDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="failed: the parked deliveries")
    ] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """The shop's webhook deliveries, newest first; `status=failed` lists those parked with
    the reason processing could not handle them."""
    before = cursors.decode_id(cursor, {"id"})
    found = await list_deliveries(
        uow, shop.domain, status, before[1] if before else None, limit + 1
    )
    more = len(found) > limit
    items = [DeliveryOut.of(d) for d in found[:limit]]
    return DeliveryPage(
        items=items, next_cursor=cursors.encode("id", items[-1].id) if more else None
    )

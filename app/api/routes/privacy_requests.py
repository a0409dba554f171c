"""Shopify's privacy requests as the merchant reads them: what came, by when to answer, and
the customers/data_request report to hand over to the customer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from app.api.cursors import MAX_ID
from app.api.deps import ShopDep, UowDep
from app.api.errors import not_found, responses
from app.domain.privacy import ReceivedPrivacyRequest
from app.services import privacy as service

router = APIRouter(prefix="/v1/shops/{shop}/privacy-requests", tags=["privacy"])


class PrivacyRequestOut(BaseModel):
    id: int
    topic: Literal["customers/data_request", "customers/redact"] = Field(
        description="The Shopify webhook topic that made the request"
    )
    customer_id: str | None = Field(description="The Shopify customer the request is about")
    received_at: datetime = Field(description="When Shopify's webhook reached LedgerPort")
    due_at: datetime = Field(
        description="When the request must be answered: Shopify allows 30 days from receipt"
    )
    status: Literal["report_ready", "completed"] = Field(
        description="report_ready: the data_request report is assembled, and handing it to the "
        "customer is the merchant's to do by due_at; completed: LedgerPort erased the "
        "customer's personal data when the redact request came"
    )
    summary: str = Field(description="What LedgerPort did about it")

    @classmethod
    def of(cls, seen: ReceivedPrivacyRequest) -> PrivacyRequestOut:
        request = seen.request
        return cls(
            id=seen.id,
            topic=request.kind,
            customer_id=request.shopify_customer_id,
            received_at=seen.received_at,
            due_at=seen.due_at,
            status=seen.status,
            summary=request.summary,
        )


class PrivacyRequestDetailOut(PrivacyRequestOut):
    report: dict[str, Any] | None = Field(
        description="customers/data_request: what LedgerPort holds about the customer (the "
        "customer as Shopify sent it, each of their orders' contact, address and note fields, "
        "and the QuickBooks customer they map to); emptied of their personal data if a "
        "customers/redact followed. Null for customers/redact."
    )


@router.get("", response_model=list[PrivacyRequestOut], responses=responses(401, 404, 422))
async def list_privacy_requests(
    shop: ShopDep,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many")] = 100,
) -> list[PrivacyRequestOut]:
    """The shop's customers/data_request and customers/redact requests, newest first, each
    with its due date."""
    found = await service.list_requests(uow, shop.id, limit)
    return [PrivacyRequestOut.of(seen) for seen in found]


@router.get(
    "/{request_id}", response_model=PrivacyRequestDetailOut, responses=responses(401, 404, 422)
)
async def get_privacy_request(
    shop: ShopDep,
    uow: UowDep,
    request_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The request's id")],
) -> PrivacyRequestDetailOut:
    """One request, with the data_request report the merchant hands over to the customer."""
    seen = await service.get_request(uow, shop.id, request_id)
    if seen is None:
        raise not_found(f"Privacy request {request_id}")
    base = PrivacyRequestOut.of(seen).model_dump()
    return PrivacyRequestDetailOut(**base, report=seen.request.report)

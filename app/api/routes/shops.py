"""Shops: what an operator sees of each (plan, connections' health, records by status), and
the plan, which only an operator key changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ApiKeyDep, ShopDep, UowDep
from app.api.errors import AppError, responses
from app.domain.entities import RETENTION_DAYS, Connection
from app.domain.models import SyncStatus
from app.domain.plans import FALLBACK_PLAN
from app.services import shops as service

router = APIRouter(prefix="/v1/shops", tags=["shops"])
Plan = Literal["free", "growth", "scale", "enterprise"]  # app.domain.plans.PLANS


class ConnectionHealthOut(BaseModel):
    status: str = Field(
        description="healthy, unhealthy, disconnected, company_mismatch, or not_connected"
    )
    reason: str | None = Field(None, description="Why it is not healthy, when known")


class ShopOut(BaseModel):
    domain: str = Field(examples=["demo.myshopify.com"])
    name: str
    plan: str = Field(description="free, growth, scale or enterprise", examples=["growth"])
    retention_days: int | None = Field(
        description="Days of history the plan shows in the audit log and records; null: all"
    )
    installed: bool = Field(description="False once Shopify said the app was uninstalled")
    created_at: datetime | None
    connections: dict[str, ConnectionHealthOut] = Field(
        description="By provider: quickbooks and shopify"
    )
    records: dict[str, int] = Field(
        description="The shop's records by status (orders still waiting in the webhook inbox "
        "have no record yet and are not counted)",
        examples=[{"synced": 41, "error": 2, "pending": 1, "on_hold": 0, "resolved": 0}],
    )

    @classmethod
    def of(cls, seen: service.ShopOverview) -> ShopOut:
        shop = seen.shop
        return cls(
            domain=shop.domain,
            name=shop.name,
            plan=shop.plan,
            retention_days=RETENTION_DAYS.get(shop.plan, RETENTION_DAYS[FALLBACK_PLAN]),
            installed=shop.uninstalled_at is None,
            created_at=shop.created_at,
            connections={p: _health(c) for p, c in seen.connections.items()},
            records={s.value: seen.record_counts.get(s.value, 0) for s in SyncStatus},
        )


def _health(connection: Connection | None) -> ConnectionHealthOut:
    if connection is None:
        return ConnectionHealthOut(status="not_connected")
    return ConnectionHealthOut(status=connection.status, reason=connection.status_reason)


class ShopsOut(BaseModel):
    items: list[ShopOut]


class PlanIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"plan": "growth"}]})

    plan: Plan = Field(description="free (7 days of history), growth (30), scale (90), enterprise")


@router.get("", response_model=ShopsOut, responses=responses(401))
async def list_shops(key: ApiKeyDep, uow: UowDep) -> ShopsOut:
    """Every shop, by domain, with its plan, its connections' health and its records counted
    by status: for an operator key. A shop's own key sees its shop alone."""
    return ShopsOut(items=[ShopOut.of(seen) for seen in await service.overviews(uow, key)])


@router.get("/{shop}", response_model=ShopOut, responses=responses(401, 404))
async def get_shop(shop: ShopDep, uow: UowDep) -> ShopOut:
    """The shop: its plan, its connections' health and its records counted by status."""
    return ShopOut.of(await service.overview(uow, shop))


@router.patch("/{shop}", response_model=ShopOut, responses=responses(401, 403, 404, 422))
async def update_shop(shop: ShopDep, key: ApiKeyDep, uow: UowDep, body: PlanIn) -> ShopOut:
    """Sets the shop's plan: operator keys only (a shop's own key is a 403). The change is in
    the audit log, by ops. Nothing is deleted: history a shorter plan hid shows again under
    a longer one."""
    if key.shop_id is not None:
        raise AppError(
            403,
            "operator_key_required",
            "An operator key is needed",
            "A shop's plan is changed with an operator key (python -m app.cli create-key --ops); "
            "the shop's own key cannot change it.",
        )
    return ShopOut.of(await service.change_plan(uow, shop.id, body.plan, key))

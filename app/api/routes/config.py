"""Sync settings, by the sections of the settings screens. Saving a section checks the
QuickBooks records it names and re-queues the records that waited on it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from app.api.deps import ApiKeyDep, ContainerDep, ShopDep
from app.api.errors import qbo_problem, responses
from app.domain.errors import SyncError
from app.domain.faults import ExternalError
from app.services import config as service

router = APIRouter(prefix="/v1/shops/{shop}/config", tags=["config"])


class Section(StrEnum):
    customers = "customers"
    products = "products"
    accounting = "accounting"
    payments = "payments"
    orders = "orders"


EXAMPLES: dict[str, dict[str, Any]] = {
    "customers": {"strategy": "generic", "generic_customer_id": "58"},
    "products": {"unmatched": "use_default", "default_item_id": "19"},
    "accounting": {"discount_account_id": "8", "tip_item_id": "5"},
    "payments": {
        "deposit_accounts": {"shopify_payments": "2", "Cash on Delivery (COD)": "1"},
        "default_deposit_account_id": "2",
        "payment_methods": {"shopify_payments": "3"},
    },
    "orders": {"trigger_financial_statuses": ["paid", "partially_paid"]},
}
SectionBody = Annotated[
    dict[str, Any],
    Body(
        description="Fields of the section (see GET …/config for them all)",
        openapi_examples={name: {"summary": name, "value": v} for name, v in EXAMPLES.items()},
    ),
]
SAVE_ERRORS = responses(401, 404, 409, 422, 429, 503)


class ConfigOut(BaseModel):
    customers: dict[str, Any] = Field(
        description="strategy (match, create, generic) and generic_customer_id",
        examples=[{"strategy": "match", "generic_customer_id": None}],
    )
    products: dict[str, Any] = Field(
        description="unmatched (fail, use_default, create), default_item_id, and the income, "
        "COGS and asset accounts of items LedgerPort creates"
    )
    accounting: dict[str, Any] = Field(
        description="tax_mode (line_item, automated_sales_tax), the discount account, the "
        "shipping item, the gift-card item or liability account, the tip item, the cash-rounding "
        "item or account, the tax code for untaxed lines outside the US, and the income and COGS "
        "accounts items LedgerPort creates use when the products section names none"
    )
    payments: dict[str, Any] = Field(
        description="deposit_accounts and payment_methods per payment gateway, and the "
        "default deposit account"
    )
    orders: dict[str, Any] = Field(
        description="sync triggers by financial and fulfilment status, doc_number_prefix, "
        "transaction_type (sales_receipt, invoice_payment), cancellation_policy, currency (shop: "
        "Shopify's shop money; presentment: the buyer's currency with Shopify's exchange rate)"
    )


class SectionSavedOut(BaseModel):
    section: str = Field(examples=["customers"])
    values: dict[str, Any] = Field(examples=[EXAMPLES["customers"]])
    requeued: int = Field(description="Records that waited on this section, queued again")


@router.get("", response_model=ConfigOut, responses=responses(401, 404))
async def get_config(shop: ShopDep, container: ContainerDep) -> ConfigOut:
    """Every section of the shop's sync settings, defaults filled in."""
    config = await service.read(container.uow(), shop.id)
    return ConfigOut(**config.to_dict())


@router.get(
    "/{section}",
    response_model=dict[str, Any],
    responses={
        **responses(401, 404, 422),
        200: {"content": {"application/json": {"example": EXAMPLES["payments"]}}},
    },
)
async def get_config_section(shop: ShopDep, container: ContainerDep, section: Section) -> Any:
    """One section of the settings."""
    return (await service.read(container.uow(), shop.id)).to_dict()[section]


@router.put("/{section}", response_model=SectionSavedOut, responses=SAVE_ERRORS)
async def replace_config_section(
    shop: ShopDep, key: ApiKeyDep, container: ContainerDep, section: Section, body: SectionBody
) -> SectionSavedOut:
    """Replaces the section: fields left out take their defaults."""
    return await _save(shop.id, key, container, section, body, replace=True)


@router.patch("/{section}", response_model=SectionSavedOut, responses=SAVE_ERRORS)
async def update_config_section(
    shop: ShopDep, key: ApiKeyDep, container: ContainerDep, section: Section, body: SectionBody
) -> SectionSavedOut:
    """Changes the given fields of the section; the others stay. A QuickBooks record named
    must exist, be active and be of the right type (422 naming the field); QuickBooks must be
    connected to check it (409 otherwise)."""
    return await _save(shop.id, key, container, section, body, replace=False)


async def _save(
    shop_id: int,
    key: ApiKeyDep,
    container: ContainerDep,
    section: Section,
    body: dict[str, Any],
    *,
    replace: bool,
) -> SectionSavedOut:
    deps = service.ConfigDeps(
        container.uow, container.tokens, container.reference, qbo=container.qbo
    )
    try:
        saved = await service.save_section(deps, shop_id, section, body, key, replace=replace)
    except (SyncError, ExternalError) as exc:
        raise qbo_problem(exc) from exc
    return SectionSavedOut(section=section, values=saved.section, requeued=saved.requeued)

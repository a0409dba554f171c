"""QBO reference data for the SPA's dropdowns (mappings, configuration)."""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ContainerDep, ShopDep
from app.api.errors import qbo_problem, responses
from app.api.schemas import QboOptionOut, QboOptions
from app.domain.errors import SyncError
from app.domain.faults import ExternalError

router = APIRouter(prefix="/v1/shops/{shop}/quickbooks", tags=["quickbooks"])


class ReferenceKind(StrEnum):
    customers = "customers"
    items = "items"
    accounts = "accounts"
    tax_codes = "tax-codes"
    tax_rates = "tax-rates"
    payment_methods = "payment-methods"


ENTITY = {
    ReferenceKind.customers: "Customer",
    ReferenceKind.items: "Item",
    ReferenceKind.accounts: "Account",
    ReferenceKind.tax_codes: "TaxCode",
    ReferenceKind.tax_rates: "TaxRate",
    ReferenceKind.payment_methods: "PaymentMethod",
}


@router.get("/{kind}", response_model=QboOptions, responses=responses(401, 404, 409, 429, 503))
async def list_quickbooks_options(
    shop: ShopDep,
    container: ContainerDep,
    kind: ReferenceKind,
    active_only: bool = True,
    refresh: Annotated[bool, Query(description="Reload from QuickBooks now")] = False,
    q: Annotated[str | None, Query(description="Only names containing this text")] = None,
) -> QboOptions:
    """Records of the shop's QuickBooks company, cached for a few minutes per company."""
    try:
        load = partial(container.reference.options, entity=ENTITY[kind], refresh=refresh)
        options = await container.tokens.call(shop.id, load)
    except (SyncError, ExternalError) as exc:
        raise qbo_problem(exc) from exc
    needle = (q or "").casefold()
    items = [
        QboOptionOut(
            id=o.id,
            name=o.name,
            active=o.active,
            kind=o.kind,
            account_id=o.account_id,
            currency=o.currency,
        )
        for o in options
        if (o.active or not active_only) and needle in o.name.casefold()
    ]
    return QboOptions(items=items)

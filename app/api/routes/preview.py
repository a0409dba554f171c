"""Order preview: a dry run of the sync for one stored order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import ContainerDep, ShopDep
from app.api.errors import not_found, qbo_problem, responses
from app.api.preview_schemas import PreviewOut
from app.domain.faults import ExternalError
from app.services.preview import PreviewDeps, preview_order

router = APIRouter(prefix="/v1/shops/{shop}/orders", tags=["orders"])


@router.get(
    "/{order_id}/preview", response_model=PreviewOut, responses=responses(401, 404, 409, 429, 503)
)
async def preview(
    shop: ShopDep,
    container: ContainerDep,
    order_id: Annotated[str, Path(description="The Shopify order id", examples=["5910002001001"])],
) -> PreviewOut:
    """What a sync would do with the order now: the exact QuickBooks payload it would post,
    or the errors that stop it (each with its catalogue entry), from the sync's own steps.
    Nothing is written to QuickBooks or to LedgerPort: customers and items the sync would
    create are listed in `creates`, and the document refers to them by placeholder ids.
    QuickBooks is read (customers, items, the settings' records, a receipt with the same
    number). For an order on hold the on_hold error is listed together with the document a
    manual sync would post; a shop without a QuickBooks connection is answered with the
    qbo_auth error that stops its orders. An order LedgerPort has not stored is a 404; 409 when
    QuickBooks refuses a freshly renewed token, 429 or 503 when it cannot be read now."""
    deps = PreviewDeps(
        container.uow,
        container.qbo,
        container.tokens,
        container.reference,
        shopify=container.shopify,
        shopify_sessions=container.shopify_tokens,
    )
    try:
        found = await preview_order(deps, shop.id, order_id)
    except ExternalError as exc:
        raise qbo_problem(exc) from exc
    if found is None:
        raise not_found(f"Order {order_id}")
    return PreviewOut.of(found)

"""Records: the current state of each Shopify object in QBO (the audit log keeps the history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from app.api import cursors
from app.api.deps import ApiKeyDep, ContainerDep, ShopDep, UowDep
from app.api.errors import not_found, qbo_problem, responses
from app.api.params import Moment
from app.api.record_schemas import (
    DETAIL_EXAMPLE,
    LIST_EXAMPLE,
    RecordDetailOut,
    RecordOut,
    RecordPage,
)
from app.domain.entities import RecordFilter
from app.domain.errors import ErrorCode, SyncError
from app.domain.faults import ExternalError
from app.domain.models import SyncStatus
from app.domain.plans import Retention
from app.domain.ports import QboDocument, QboSession
from app.domain.records import RecordEntity
from app.services import history
from app.services import records as service
from app.services.records import Position
from app.services.resolve import resolve_record as resolve

router = APIRouter(prefix="/v1/shops/{shop}/records", tags=["records"])
# A cursor names where the last page ended: a pending delivery ("p") or a record ("r").
KINDS = {"p": True, "r": False}
ENTITIES = frozenset(e.value for e in RecordEntity)


def _cursor(position: Position) -> str:
    return cursors.encode("p" if position.pending else "r", position.id)


def _position(cursor: str | None) -> Position | None:
    found = cursors.decode_id(cursor, KINDS)
    return Position(KINDS[found[0]], found[1]) if found is not None else None


@router.get(
    "", response_model=RecordPage, responses={**responses(400, 401, 404, 422), **LIST_EXAMPLE}
)
async def list_records(
    shop: ShopDep,
    uow: UowDep,
    entity: RecordEntity | None = None,
    status: SyncStatus | None = None,
    code: Annotated[ErrorCode | None, Query(description="The record's error code")] = None,
    since: Annotated[Moment | None, Query(description="Last change at or after")] = None,
    until: Annotated[Moment | None, Query(description="Last change before")] = None,
    order: Annotated[
        str | None, Query(max_length=64, description="Order name: #1001 or 1001")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Text in the label, Shopify id, QBO doc number or message, any case",
        ),
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> RecordPage:
    """The current state of each order (products and customers LedgerPort creates in QBO, and
    refunds, once they have records), filtered, cursor-paged.

    Orders whose webhook is stored but not processed yet have no record: they are listed
    first, as `pending`, newest delivery first, with the Shopify id and name their delivery
    carries (a record, once there is one, wins). Records follow, newest first. Filters apply
    to both: a status other than `pending`, any `code`, or an entity other than `order`
    leaves the waiting orders out; `since`/`until` compare a record's last change and a
    waiting order's arrival (a time without an offset is UTC); `order` and `q` look at the
    name and Shopify id a waiting order has.
    """
    where = RecordFilter(
        entity=entity,
        status=status,
        error_code=code,
        since=since,
        until=until,
        order=order,
        text=q,
    )
    page = await service.list_records(uow, shop, where, _position(cursor), limit)
    return RecordPage(
        items=[RecordOut.of(view) for view in page.items],
        next_cursor=_cursor(page.next) if page.next is not None else None,
    )


@router.get(
    "/{entity}/{id}",
    response_model=RecordDetailOut,
    responses={**responses(401, 404, 422), **DETAIL_EXAMPLE},
)
async def get_record(
    shop: ShopDep,
    uow: UowDep,
    container: ContainerDep,
    entity: Annotated[str, Path(description="order, product, customer or refund")],
    id: Annotated[str, Path(description="The Shopify id", examples=["5910002001001"])],
) -> RecordDetailOut:
    """One record: its state, its QBO document, the steps and actions that fix its error, and
    its attempts and events from the audit log (newest first, at most 100; `more_history`
    says when the plan's retention holds more). Entries older than the shop's plan keeps are
    hidden, not deleted: `retention` says where the plan cuts and whether it hid any. An
    order whose webhook is stored but not processed yet answers as `pending`. Another shop's
    record is a 404."""
    if entity not in ENTITIES:
        raise not_found(f"Record {entity}/{id}")
    now = container.clock()
    horizon = Retention.of(shop.plan, now).hidden_before
    detail = await service.get_record(uow, shop, entity, id, horizon)
    if detail is None:
        raise not_found(f"Record {entity}/{id}")
    shown = await history.record_history_shown(uow, shop, entity, id, now)
    return RecordDetailOut.of_detail(detail.view, detail.history, detail.more_history, shown)


class ResolveIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"note": "SH1001 in QuickBooks is this order", "qbo_txn_id": "146"}]
        }
    )

    note: str = Field(min_length=1, max_length=1000, description="Why, for the audit log")
    qbo_txn_id: str | None = Field(
        None, max_length=64, description="For a duplicate: the QuickBooks transaction it is"
    )


class ResolvedOut(BaseModel):
    entity: str
    shopify_id: str
    status: str = Field(examples=["resolved"])
    qbo_id: str | None


@router.post(
    "/{entity}/{id}/resolve", response_model=ResolvedOut, responses=responses(401, 404, 409, 422)
)
async def resolve_record(
    shop: ShopDep,
    key: ApiKeyDep,
    uow: UowDep,
    container: ContainerDep,
    entity: Annotated[str, Path(description="order, product, customer or refund")],
    id: Annotated[str, Path(description="The Shopify id", examples=["5910002001001"])],
    body: ResolveIn,
) -> ResolvedOut:
    """Closes the record's error without syncing, with a note (and, for a duplicate, the
    QuickBooks transaction it corresponds to). Nothing is written to QuickBooks; the record
    is not synced again unless someone syncs it by hand (POST …/sync). A synced record has
    nothing to resolve (409)."""
    if entity not in ENTITIES:
        raise not_found(f"Record {entity}/{id}")

    async def find_receipt(qbo_id: str) -> QboDocument | None:
        async def read(session: QboSession) -> QboDocument | None:
            return await container.qbo.find_sales_receipt(session, qbo_id=qbo_id)

        return await container.tokens.call(shop.id, read)

    try:
        record = await resolve(
            uow, shop.id, entity, id, body.note, body.qbo_txn_id, key, find_receipt
        )
    except (SyncError, ExternalError) as exc:
        raise qbo_problem(exc) from exc
    return ResolvedOut(
        entity=record.entity,
        shopify_id=record.shopify_id,
        status=record.status,
        qbo_id=record.qbo_id,
    )

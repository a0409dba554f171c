"""`POST /v3/company/{realmId}/batch`: up to 30 creates, updates and queries in one call.

Each item is validated exactly like the single call and answered on its own (partial
success, nothing rolled back). Items run in order against the books as they stood when
the batch began: a record created by an earlier item cannot be referenced, read or
queried by a later one (Intuit's documented rule). Uniqueness (DocNumber, DisplayName,
Item Name) still sees earlier items, because the books never hold duplicates.

A bId has no length limit of its own. Intuit's requestid blog (2015-04-06, "15346") says that
"for each batch ID, only 10 characters are allowed when RequestID is also specified": QBO
joins the requestid and the bId into one item request id of at most 50 characters, and
faults each item over it with 6000 (intuit/QuickBooks-V3-Java-SDK#180: a 32-character
requestid with 36-character uuid bIds, "…which is 68 characters"). Without a requestid,
python-quickbooks' 36-character uuid4 bIds pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledgerport_sandbox.qbo_checks import check_string
from ledgerport_sandbox.qbo_query import parse_error, parse_query
from ledgerport_sandbox.qbo_query_run import run_query
from ledgerport_sandbox.qbo_schema import WRITABLE
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import (
    JsonDict,
    QboFaultError,
    bad_property,
    business_error,
    required_missing,
    response_time,
)
from ledgerport_sandbox.qbo_writes import delete_entity, write_entity

MAX_BATCH_ITEMS = 30
MAX_BATCH_REQUEST_ID = 36
MAX_ITEM_REQUEST_ID = 50  # the batch's requestid and an item's bId, joined
_ITEM_KEYS = {"bId", "operation", "optionsData"}


@dataclass
class BatchView(Realm):
    """The realm's live records, with lookups limited to those present at `visible`."""

    visible: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, realm: Realm) -> BatchView:
        ids = {entity: set(records) for entity, records in realm.records.items()}
        return cls(
            realm.realm_id,
            realm.home_currency,
            realm.multicurrency,
            realm.records,
            realm.sequences,
            realm.replies,
            realm.automated_sales_tax,
            realm.books_closed_through,
            realm.subscription_active,
            realm.deleted,
            visible=ids,
        )

    def get(self, entity: str, record_id: object) -> JsonDict | None:
        if str(record_id) not in self.visible.get(entity, set()):
            return None
        return super().get(entity, record_id)

    def visible_records(self, entity: str) -> list[JsonDict]:
        return [r for r in self.all(entity) if r["Id"] in self.visible.get(entity, set())]


def run_batch(realm: Realm, body: Any, request_id: str | None = None) -> JsonDict:
    """The whole batch answer; raises QboFaultError (400) when the batch itself is invalid."""
    items = _items(body)
    view = BatchView.of(realm)
    answers = [_run_item(view, item, request_id or "") for item in items]
    return {"BatchItemResponse": answers, "time": response_time()}


def too_many_items(supplied: int) -> QboFaultError:
    return business_error(
        f"The maximum number of payloads in a single batch request is {MAX_BATCH_ITEMS}. "
        f"Supplied: {supplied}.",
        element="BatchItemRequest",
    )


def _items(body: Any) -> list[JsonDict]:
    raw = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(raw, list) or not raw:
        raise required_missing("BatchItemRequest")
    if len(raw) > MAX_BATCH_ITEMS:
        raise too_many_items(len(raw))
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise bad_property("Can not deserialize instance of BatchItemRequest")
        bid = check_string(item, "bId")
        if not bid:
            raise required_missing("bId")
        if bid in seen:
            raise business_error(f"The bId {bid} is used more than once.", element="bId")
        seen.add(bid)
    return raw


def _run_item(view: BatchView, item: JsonDict, request_id: str) -> JsonDict:
    bid = str(item["bId"])
    try:
        _check_item_request_id(request_id + bid)
        return {"bId": bid, **_answer(view, item)}
    except QboFaultError as fault:
        return {"bId": bid, "Fault": fault.body()["Fault"]}


def _check_item_request_id(joined: str) -> None:
    if len(joined) > MAX_ITEM_REQUEST_ID:
        raise business_error(
            f"You cannot enter more than {MAX_ITEM_REQUEST_ID} characters in the request_id "
            f"field. You tried entering {joined[:10]}..., which is {len(joined)} characters."
        )


def _answer(view: BatchView, item: JsonDict) -> JsonDict:
    if "Query" in item:
        text = check_string(item, "Query") or ""
        if not text.strip():
            raise parse_error('Encountered "<EOF>" at line 1, column 1.')
        query = parse_query(text)
        return {"QueryResponse": run_query(query, view.visible_records(query.entity))}
    entity, payload = _payload(item)
    operation = item.get("operation")
    if operation is None:
        raise required_missing("operation")
    if operation == "create":
        body = {k: v for k, v in payload.items() if k not in ("Id", "SyncToken")}
        return {entity: write_entity(view, entity, body)}
    if operation == "update":
        if payload.get("Id") in (None, ""):
            raise required_missing("Id")
        return {entity: write_entity(view, entity, payload)}
    if operation == "delete":
        return {entity: delete_entity(view, entity, payload)}
    raise _unsupported(f"Operation {operation} on {entity}")


def _payload(item: JsonDict) -> tuple[str, JsonDict]:
    keys = [key for key in item if key not in _ITEM_KEYS]
    if len(keys) != 1:
        raise bad_property("a BatchItemRequest needs exactly one entity or Query")
    entity, payload = keys[0], item[keys[0]]
    if entity not in WRITABLE:
        raise _unsupported(f"Operation on {entity}")
    if not isinstance(payload, dict):
        raise bad_property(f"Can not deserialize instance of {entity}")
    return entity, payload


def _unsupported(what: str) -> QboFaultError:
    return QboFaultError(
        "500", "Unsupported Operation", f"{what} is not supported by this sandbox's batch."
    )

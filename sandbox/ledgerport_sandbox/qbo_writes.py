"""Create, update and read of one record: shared by single calls and batch items."""

from __future__ import annotations

from ledgerport_sandbox.qbo_names import build_customer, build_item
from ledgerport_sandbox.qbo_schema import NAME_LISTS
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_txns import apply_payment, build_payment, build_sales_txn
from ledgerport_sandbox.qbo_void import voided
from ledgerport_sandbox.qbo_wire import JsonDict, QboFaultError, today

_SERVER_FIELDS = ("MetaData", "domain", "sparse", "SyncToken", "Id")
_NAME_LISTS = frozenset({"Customer", "Item", "Account", "PaymentMethod"})


def write_entity(realm: Realm, entity: str, body: JsonDict) -> JsonDict:
    """Create (no Id) or update (Id + SyncToken) a record; raises QboFaultError."""
    check_company(realm, entity, body)
    if body.get("Id") not in (None, ""):
        return _update(realm, entity, body)
    if entity == "Payment":
        record, applications = build_payment(realm, body)
        stored = realm.insert(entity, record)
        apply_payment(realm, stored, applications)
        return stored
    return realm.insert(entity, _build(realm, entity, body, None))


def delete_entity(realm: Realm, entity: str, body: JsonDict) -> JsonDict:
    """`?operation=delete` of a transaction (Id + current SyncToken), as a person deleting it
    in QBO. Name-list records cannot be deleted, only made inactive."""
    if entity in NAME_LISTS or entity == "Payment":
        raise QboFaultError(
            "500", "Unsupported Operation", f"Operation Delete is not supported for {entity}."
        )
    existing = read_entity(realm, entity, str(body.get("Id", "")))
    _check_sync_token(body, existing)
    realm.remove(entity, existing["Id"])
    return {"Id": existing["Id"], "status": "Deleted", "domain": "QBO"}


def void_entity(realm: Realm, entity: str, body: JsonDict) -> JsonDict:
    """Void a sales document (Id + current SyncToken): it stays, its amounts become 0."""
    existing = read_entity(realm, entity, str(body.get("Id", "")))
    _check_sync_token(body, existing)
    check_company(realm, entity, existing)
    return realm.replace(entity, voided(existing))


def check_company(realm: Realm, entity: str, body: JsonDict) -> None:
    """What the company's own state refuses, whatever the document says: a lapsed
    subscription (6190, Intuit blog 2017-06-08) and closed books (6210, Intuit's
    handling-common-errors page), which only a change inside QuickBooks lifts."""
    if not realm.subscription_active:
        raise QboFaultError(
            "6190",
            "Invalid Company Status",
            "Subscription period has ended or canceled or there was a billing problem : You "
            "can't add data to QuickBooks Online Plus because your trial or subscription period "
            "ended, you canceled your subscription, or there was a billing problem. To update "
            "your subscription, click the gear icon and view your account information.",
        )
    closed, dated = realm.books_closed_through, body.get("TxnDate") or today()
    if entity not in _NAME_LISTS and closed and isinstance(dated, str) and dated <= closed:
        raise QboFaultError(
            "6210",
            "Account Period Closed",
            "The account period has closed and the account books cannot be updated through "
            "the QBO Services API. Please use the QBO website to make these changes.",
        )


def read_entity(realm: Realm, entity: str, record_id: str) -> JsonDict:
    record = realm.get(entity, record_id)
    if record is None:
        raise QboFaultError(
            "610",
            "Object Not Found",
            "Object Not Found : Something you're trying to use has been made inactive. "
            "Check the fields with accounts, customers, items, vendors or employees.",
        )
    return record


def _build(realm: Realm, entity: str, body: JsonDict, own_id: str | None) -> JsonDict:
    clean = {k: v for k, v in body.items() if k not in _SERVER_FIELDS}
    if entity == "Customer":
        return build_customer(realm, clean, own_id)
    if entity == "Item":
        return build_item(realm, clean, own_id)
    return build_sales_txn(realm, entity, clean, own_id)


def _update(realm: Realm, entity: str, body: JsonDict) -> JsonDict:
    """Full or sparse update: needs the current SyncToken, like QBO's optimistic locking."""
    existing = read_entity(realm, entity, str(body["Id"]))
    if entity == "Payment":
        raise QboFaultError(
            "500", "Unsupported Operation", "Payment updates are not supported by this sandbox."
        )
    _check_sync_token(body, existing)
    merged = {**existing, **body} if body.get("sparse") is True else dict(body)
    record = _build(realm, entity, merged, existing["Id"])
    record.update({k: existing[k] for k in ("Id", "SyncToken", "MetaData", "domain")})
    record["sparse"] = False
    return realm.replace(entity, record)


def _check_sync_token(body: JsonDict, existing: JsonDict) -> None:
    if str(body.get("SyncToken")) != existing["SyncToken"]:
        raise QboFaultError(
            "5010",
            "Stale Object Error",
            "Stale Object Error : You and Sandbox User were working on this at the same time. "
            "Sandbox User finished before you did, so your work was not saved.",
        )

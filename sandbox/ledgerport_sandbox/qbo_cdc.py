"""`GET /v3/company/{realmId}/cdc?entities=…&changedSince=…`: what changed since a moment.

Intuit's change-data-capture page (learn/explore-the-quickbooks-online-api/change-data-capture):
`entities` is a comma-separated list, `changedSince` a date-time at most 30 days back, the
answer holds at most 1000 objects, and a deleted record comes back as its Id with
`"status": "Deleted"`. Further back, QBO answers "Operation cdc with changedSince date … which
is older than fixed days is not supported." (quoted in Wish-Org/QuickBooksSharp#19; the fault
code is not quoted there, so this fake uses its Unsupported Operation code).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ledgerport_sandbox.qbo_schema import FILTERABLE
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import (
    COMPANY_TZ,
    JsonDict,
    QboFaultError,
    bad_property,
    now_local,
    required_missing,
    response_time,
)

MAX_LOOKBACK = timedelta(days=30)
MAX_OBJECTS = 1000


def run_cdc(realm: Realm, entities: str, changed_since: str) -> JsonDict:
    """The CDC answer: one QueryResponse per entity asked for, in the order asked."""
    names = [_entity(name.strip()) for name in entities.split(",") if name.strip()]
    if not names:
        raise required_missing("entities")
    since = _since(changed_since)
    budget, responses = MAX_OBJECTS, []
    for entity in names:
        changed = _changed(realm, entity, since)[:budget]
        budget -= len(changed)
        found = {entity: changed, "startPosition": 1, "maxResults": len(changed)}
        responses.append(found if changed else {})
    return {"CDCResponse": [{"QueryResponse": responses}], "time": response_time()}


def _changed(realm: Realm, entity: str, since: datetime) -> list[JsonDict]:
    records = [r for r in realm.all(entity) if _stamp(r["MetaData"]["LastUpdatedTime"]) >= since]
    gone = [
        {"domain": "QBO", "status": "Deleted", "Id": record_id, "MetaData": {"LastUpdatedTime": at}}
        for record_id, at in realm.deleted.get(entity, {}).items()
        if _stamp(at) >= since
    ]
    return sorted(records + gone, key=lambda r: _stamp(r["MetaData"]["LastUpdatedTime"]))


def _entity(name: str) -> str:
    for entity in FILTERABLE:
        if entity.lower() == name.lower():
            return entity
    raise QboFaultError(
        "500", "Unsupported Operation", f"Operation cdc is not supported for entity {name}."
    )


def _since(raw: str) -> datetime:
    if not raw:
        raise required_missing("changedSince")
    try:
        since = _stamp(raw)
    except ValueError:
        raise bad_property(f"Invalid changedSince date-time: {raw}") from None
    if since < now_local() - MAX_LOOKBACK:
        raise QboFaultError(
            "500",
            "Unsupported Operation",
            f"Operation cdc with changedSince date {raw} which is older than fixed days is "
            "not supported.",
        )
    return since


def _stamp(text: str) -> datetime:
    """An ISO date or date-time; without an offset it is the company's local time."""
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=COMPANY_TZ)

"""Running a parsed QBO query over in-memory records: filter, hide inactive, sort, page."""

from __future__ import annotations

import functools
import operator
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerport_sandbox.qbo_query import Condition, Query
from ledgerport_sandbox.qbo_schema import (
    BOOLEAN_FIELDS,
    DATETIME_FIELDS,
    NAME_LISTS,
    NUMERIC_FIELDS,
)
from ledgerport_sandbox.qbo_wire import COMPANY_TZ, JsonDict


def run_query(query: Query, records: list[JsonDict]) -> JsonDict:
    """Evaluate a parsed query; returns the `QueryResponse` object."""
    rows = [r for r in records if all(_matches(r, c) for c in query.where)]
    if query.entity in NAME_LISTS and not any(c.field == "Active" for c in query.where):
        rows = [r for r in rows if r.get("Active", True)]
    if query.count:
        return {"totalCount": len(rows)}
    rows.sort(key=lambda r: _sort_key("Id", r.get("Id")))
    for prop, descending in reversed(query.order_by):  # stable sorts, last key first
        rows.sort(key=functools.partial(_row_key, prop), reverse=descending)
    page = rows[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}

    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def _lookup(record: JsonDict, prop: str) -> Any:
    value: Any = record
    for part in prop.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):  # refs and e-mail addresses compare on their scalar
        return value.get("value", value.get("Address"))
    return value


def _row_key(prop: str, record: JsonDict) -> tuple[int, Any]:
    return _sort_key(prop, _lookup(record, prop))


def _sort_key(prop: str, value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    converted = _convert(prop, value)
    return (1, converted) if not isinstance(converted, str) else (2, converted)


def _convert(prop: str, value: Any) -> Any:
    if prop in BOOLEAN_FIELDS:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if prop in NUMERIC_FIELDS or prop == "Id":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value).lower()
    if prop in DATETIME_FIELDS:
        try:
            stamp = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=COMPANY_TZ)
    return str(value).lower()


def _matches(record: JsonDict, cond: Condition) -> bool:
    actual = _lookup(record, cond.field)
    if cond.field == "Active" and actual is None:
        actual = True
    if actual is None:
        return False
    left = _convert(cond.field, actual)
    rights = [_convert(cond.field, v) for v in cond.values]
    if cond.op == "IN":
        return left in rights
    if cond.op == "LIKE":
        pattern = ".*".join(re.escape(part) for part in str(cond.values[0]).lower().split("%"))
        return re.fullmatch(pattern, str(actual).lower(), re.DOTALL) is not None
    return _compare(left, cond.op, rights[0])


def _compare(left: Any, op: str, right: Any) -> bool:
    if type(left) is not type(right):
        left, right = str(left), str(right)
    compare = {
        "=": operator.eq,
        "<": operator.lt,
        ">": operator.gt,
        "<=": operator.le,
        ">=": operator.ge,
    }[op]
    try:
        return bool(compare(left, right))
    except TypeError:
        return False

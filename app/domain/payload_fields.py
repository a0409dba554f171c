"""Reading one field of a Shopify payload: money and numbers, ids, integers, timestamps,
text and lists, tolerating null and "" alike and naming the field when a value is unusable."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from app.domain.models import InvalidPayload

T = TypeVar("T")


def as_money(raw: Any) -> Decimal:
    return as_number(raw if isinstance(raw, str) else None)


def as_number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise TypeError(raw)
    value = Decimal(str(raw).strip())
    if not value.is_finite():
        raise ValueError(raw)
    return value


def parse(raw: Any, where: str, convert: Callable[[Any], T], what: str) -> T | None:
    if raw is None or raw == "":
        return None
    try:
        return convert(raw)
    except (TypeError, ValueError, ArithmeticError):
        raise InvalidPayload(where, f"not {what}: {raw!r}") from None


def identifier(raw: Any) -> str | None:
    value = None if isinstance(raw, bool) else text(raw)
    # GraphQL ids ("gid://shopify/Order/123") carry the REST id as their last segment.
    return value.rsplit("/", 1)[-1] if value and value.startswith("gid://") else value


def require(value: T | None, where: str) -> T:
    if value is None:
        raise InvalidPayload(where, "is missing")
    return value


def integer(raw: Any, where: str) -> int | None:
    return parse(raw, where, int, "an integer")


def timestamp(raw: Any, where: str) -> datetime | None:
    return parse(raw, where, lambda v: datetime.fromisoformat(str(v)), "an ISO 8601 timestamp")


def text(raw: Any) -> str | None:
    return None if raw is None else (str(raw).strip() or None)


def listed(obj: Mapping[str, Any], key: str) -> Sequence[Mapping[str, Any]]:
    raw = obj.get(key) or []
    if not isinstance(raw, list):
        raise InvalidPayload(key, "must be a list")
    return [item for item in raw if isinstance(item, Mapping)]

"""What every request's text must be: no control characters in its path, query or JSON body
(PostgreSQL refuses NUL in text, and nothing a person types holds the others), and moments as
ISO 8601 with a time zone, or dates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

from app.api.errors import AppError, InvalidParam

# C0 controls and DEL; tab, line feed and carriage return are allowed in JSON bodies only.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MOMENT_RULE = "an ISO 8601 date-time with a time zone (2025-06-01T09:30:00Z) or a date (2025-06-01)"
_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[Zz]|[+-]\d{2}:\d{2}))?",
    re.ASCII,
)


def has_control_character(text: str) -> bool:
    return CONTROL.search(text) is not None


def _moment(value: object) -> object:
    """A date is its midnight in UTC; a number, or a time without its zone, is refused."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise ValueError(f"expected {MOMENT_RULE}")
    moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_moment),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
            ],
            "description": f"A moment: {MOMENT_RULE}; a date is its midnight in UTC",
        }
    ),
]


async def refuse_control_characters(request: Request) -> None:
    """A 422 problem naming the path parameter, query parameter or body field holding a
    control character (a NUL, say), before anything reads it."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and has_control_character(value):
            raise _refused(name)
    for name, value in request.query_params.multi_items():
        if has_control_character(name) or has_control_character(value):
            raise _refused(name)
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.body_field is not None:
        for name in _body_faults(await _json(request)):
            raise _refused(name)


async def _json(request: Request) -> Any:
    if not await request.body():
        return None
    try:
        return await request.json()  # already parsed (and cached) for the route's body
    except ValueError:
        return None  # a malformed body is refused by the route's own parsing


def _body_faults(body: Any) -> Iterator[str]:
    """The fields holding a control character; a walk without recursion, however deep."""
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and BODY_CONTROL.search(value):
            yield path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if BODY_CONTROL.search(str(key)):
                    yield path or "body"
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{n}" if path else str(n), item) for n, item in enumerate(value))


def _refused(name: str) -> AppError:
    reason = "holds a control character (such as NUL); send printable text"
    return AppError(
        422,
        "validation_error",
        "Invalid request",
        f"{name}: {reason}",
        [InvalidParam(name=name, reason=reason)],
    )

"""Opaque page cursors: a kind and a value, base64url-encoded. A cursor this API did not
issue is a 400 problem naming `cursor`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection

from app.api.errors import AppError, InvalidParam
from app.api.params import has_control_character

MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds


def encode(kind: str, value: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode(cursor: str | None, kinds: Collection[str]) -> tuple[str, str] | None:
    """(kind, value) of a cursor `encode` made with one of `kinds`; None for no cursor."""
    if cursor is None:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind in kinds and value and not has_control_character(value):
            return kind, value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid()


def decode_id(cursor: str | None, kinds: Collection[str]) -> tuple[str, int] | None:
    """(kind, id) of a cursor whose value is a row id; None for no cursor."""
    found = decode(cursor, kinds)
    if found is None:
        return None
    kind, value = found
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise invalid()
    return kind, int(value)


def invalid() -> AppError:
    reason = "not a cursor this API issued"
    params = [InvalidParam(name="cursor", reason=reason)]
    return AppError(400, "invalid_cursor", "Invalid cursor", "use next_cursor as given", params)

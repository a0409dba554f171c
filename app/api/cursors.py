"""Opaque page cursors: a kind and a value, base64url-encoded. A cursor this API did not
issue is a 400 problem naming `cursor`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection

from app.api.errors import AppError, InvalidParam


def encode(kind: str, value: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode(cursor: str | None, kinds: Collection[str]) -> tuple[str, str] | None:
    """(kind, value) of a cursor `encode` made with one of `kinds`; None for no cursor."""
    if cursor is None:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind in kinds and value:
            return kind, value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid()


def invalid() -> AppError:
    reason = "not a cursor this API issued"
    params = [InvalidParam(name="cursor", reason=reason)]
    return AppError(400, "invalid_cursor", "Invalid cursor", "use next_cursor as given", params)

"""Exactly-once creates: the requestid a create goes out under, and what QBO's answer to it
settles for the next attempt.

QBO answers a requestid it has seen with its first answer, fault included (reference §1). So
an id is replayed only while its create is in doubt, and a new one is minted once the books
have answered it; a refusal at Intuit's gateway (auth, throttle) never reaches the books and
leaves nothing to replay.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from enum import StrEnum
from typing import Any

from app.domain.faults import (
    ExternalAuthExpired,
    ExternalError,
    ExternalRateLimited,
    ExternalRejected,
)

REQUEST_IDS = uuid.UUID("6f1c0b7e-2f55-4b7a-9a51-3c1f1d1e5a10")


class CreateFate(StrEnum):
    """What became of the create an attempt sent, as the next attempt must know it."""

    unsent = "unsent"  # no create went out: whatever was in doubt stays so
    in_doubt = "in_doubt"  # no answer, a 5xx, an unreadable success: it may have committed
    refused = "refused"  # refused at the gateway before the books saw it: nothing committed
    answered = "answered"  # the books answered, a document or a fault: the id is spent


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def request_id(record_id: int, attempt: int, digest: str) -> str:
    """The id of one logical write: the record, its attempt number and the exact payload.

    Deterministic, so a crash between saving it and sending it costs nothing. The payload's
    hash (which names the order through its DocNumber) keeps ids apart where record ids
    repeat: two LedgerPort databases on one company, or SQLite reusing the ids of an erased
    shop; QBO keeps requestids per company, so a collision would replay another order's
    answer.
    """
    return str(uuid.uuid5(REQUEST_IDS, f"{record_id}:{attempt}:{digest}"))


def fate_of(exc: ExternalError, *, replay: bool) -> CreateFate:
    """What a failed create settles. A replay refused at the gateway leaves the first send in
    doubt; a fresh create refused there committed nothing, and its id was never spent (the
    client itself resends it after a short throttle)."""
    if isinstance(exc, ExternalRejected):
        return CreateFate.answered
    if isinstance(exc, ExternalAuthExpired | ExternalRateLimited):
        return CreateFate.in_doubt if replay else CreateFate.refused
    if exc.status is not None and 400 <= exc.status < 500:
        return CreateFate.answered  # a fault from the books asking to try again later
    return CreateFate.in_doubt


def settles_doubt(fate: CreateFate) -> bool:
    """Whether the record's pending request is settled: nothing of it can still commit."""
    return fate in (CreateFate.answered, CreateFate.refused)

"""What QBO's answer to a create settles for the next attempt, and the ids creates go out under."""

from __future__ import annotations

import pytest

from app.domain.faults import (
    ExternalAuthExpired,
    ExternalError,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
    QboFault,
)
from app.domain.idempotency import CreateFate, fate_of, payload_hash, request_id, settles_doubt

DUPLICATE = ExternalRejected("6140", 400, [QboFault("6140", "Duplicate Document Number Error")])


@pytest.mark.parametrize(
    ("exc", "fresh", "replayed"),
    [
        (DUPLICATE, CreateFate.answered, CreateFate.answered),
        (ExternalUnavailable("6000 try again", status=400), "answered", "answered"),
        (ExternalAuthExpired("401", status=401), CreateFate.refused, CreateFate.in_doubt),
        (ExternalRateLimited("429", status=429), CreateFate.refused, CreateFate.in_doubt),
        (ExternalUnavailable("no answer in time"), CreateFate.in_doubt, CreateFate.in_doubt),
        (ExternalUnavailable("503", status=503), CreateFate.in_doubt, CreateFate.in_doubt),
        (ExternalUnavailable("no SalesReceipt", status=200), "in_doubt", "in_doubt"),
    ],
)
def test_what_a_failed_create_settles(exc: ExternalError, fresh: str, replayed: str) -> None:
    assert fate_of(exc, replay=False) == fresh
    assert fate_of(exc, replay=True) == replayed


def test_only_an_answer_or_a_refusal_settles_the_doubt() -> None:
    settled = {fate for fate in CreateFate if settles_doubt(fate)}
    assert settled == {CreateFate.answered, CreateFate.refused}


def test_request_ids_name_the_record_the_attempt_and_the_payload() -> None:
    digest = payload_hash({"DocNumber": "SH1001", "Line": []})
    same = payload_hash({"Line": [], "DocNumber": "SH1001"})
    rid = request_id(7, 2, digest)

    assert rid == request_id(7, 2, same) and len(rid) <= 36
    others = {request_id(7, 3, digest), request_id(8, 2, digest), request_id(7, 2, "0" * 64)}
    assert rid not in others and len(others) == 3

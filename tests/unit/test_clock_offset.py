"""LEDGERPORT_CLOCK_OFFSET: how it is written, and the clock it gives the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.bootstrap import shifted
from app.settings import Settings


def offset(value: object) -> timedelta:
    settings = Settings.model_validate({"LEDGERPORT_CLOCK_OFFSET": value, "LEDGERPORT_SANDBOX": 1})
    return settings.clock_offset


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("8d", timedelta(days=8)),
        ("36h", timedelta(hours=36)),
        ("90m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("-2d", timedelta(days=-2)),
        ("3600", timedelta(hours=1)),
        (86400, timedelta(days=1)),
        ("P8D", timedelta(days=8)),
        ("", timedelta(0)),
    ],
)
def test_an_offset_is_a_number_with_a_unit_seconds_or_iso_8601(
    written: object, meant: timedelta
) -> None:
    assert offset(written) == meant


def test_no_offset_by_default_and_a_word_is_refused() -> None:
    assert Settings.model_validate({"LEDGERPORT_SANDBOX": 1}).clock_offset == timedelta(0)
    with pytest.raises(ValidationError, match="LEDGERPORT_CLOCK_OFFSET"):
        offset("eight days")


def test_the_shifted_clock_runs_ahead_by_the_offset() -> None:
    fixed = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert shifted(lambda: fixed, timedelta(days=8))() == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    assert shifted(lambda: fixed, timedelta(0))() == fixed

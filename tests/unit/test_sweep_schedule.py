"""The arq cron ticks every minute; `sweep_due` picks the minutes that sweep."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.workers.settings import sweep_due

HOUR = datetime(2025, 3, 1, 14, 0, tzinfo=UTC).timestamp()
TICK = 0.123456  # arq fires a cron a little after the second it is set for


def sweeping_minutes(interval_s: float, minutes: int = 60, lag: float = TICK) -> list[int]:
    return [m for m in range(minutes) if sweep_due(HOUR + m * 60 + lag, interval_s)]


def test_the_default_sweeps_every_fifth_minute_as_the_old_cron_did() -> None:
    assert sweeping_minutes(300) == list(range(0, 60, 5))


@pytest.mark.parametrize("interval_s", [60, 120, 600, 900, 1800, 3600])
def test_an_interval_dividing_an_hour_sweeps_on_its_minutes(interval_s: int) -> None:
    assert sweeping_minutes(interval_s) == list(range(0, 60, interval_s // 60))


def test_any_other_interval_sweeps_once_per_interval_on_average() -> None:
    assert len(sweeping_minutes(90, minutes=180)) == 120  # 180 min / 1.5 min
    assert len(sweeping_minutes(420, minutes=7 * 60)) == 60
    assert len(sweeping_minutes(7200, minutes=24 * 60)) == 12


def test_an_interval_under_a_minute_sweeps_every_minute() -> None:
    assert sweeping_minutes(0.2) == list(range(60))


def test_a_tick_a_few_seconds_late_keeps_its_minute() -> None:
    assert sweeping_minutes(300, lag=20.0) == list(range(0, 60, 5))
    assert sweeping_minutes(300, lag=-0.9) == list(range(0, 60, 5))  # queued early

"""The retry bases and the sweep interval are settings: tests and operators shorten them."""

from __future__ import annotations

import time

from app.adapters.queue.inprocess import InProcessQueue
from app.domain.errors import ErrorCode, SyncError
from app.domain.policies import retry_delay
from app.domain.signals import crash_backoff
from app.settings import Settings


def test_the_settings_default_to_the_waits_used_so_far() -> None:
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert defaults["sweep_interval_s"] == 300.0
    assert defaults["job_retry_base_s"] == 2.0 and defaults["sync_retry_base_s"] == 30.0
    shortened = Settings.model_validate(
        {
            "LEDGERPORT_SWEEP_INTERVAL_S": "0.2",
            "LEDGERPORT_JOB_RETRY_BASE_S": "0.05",
            "LEDGERPORT_SYNC_RETRY_BASE_S": "1.5",
        }
    )
    assert (shortened.sweep_interval_s, shortened.job_retry_base_s) == (0.2, 0.05)
    assert shortened.sync_retry_base_s == 1.5


def test_a_timeout_backs_off_from_the_configured_base() -> None:
    timeout = SyncError(ErrorCode.qbo_timeout, "timed out")
    assert retry_delay(timeout, 1, base=1.5, jitter=lambda: 1.0) == 1.5
    assert retry_delay(timeout, 3, base=1.5, jitter=lambda: 1.0) == 6.0
    assert retry_delay(timeout, 1, jitter=lambda: 1.0) == 30.0  # the default base


def test_a_crash_backs_off_from_the_configured_base() -> None:
    assert [crash_backoff(n, 0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert crash_backoff(20, 0.5) == 300.0


async def test_the_in_process_queue_retries_a_crashed_job_after_its_base() -> None:
    queue = InProcessQueue(max_tries=3, retry_base_s=0.1)
    started: list[float] = []

    async def crashes_twice(*, attempt: int) -> None:
        started.append(time.monotonic())
        if attempt < 3:
            raise RuntimeError("connection reset")

    queue.runners = {"crashes_twice": crashes_twice}
    queue.start()
    await queue.enqueue("crashes_twice", job_id="c")
    await queue.join()
    await queue.stop()

    first, second = started[1] - started[0], started[2] - started[1]
    assert len(started) == 3
    assert 0.1 <= first < 1.0 and 0.2 <= second < 1.5  # the default base would wait 2 s, 4 s

"""The embedded queue keeps arq's promises: one job per id at a time, retries on RetryLater."""

from __future__ import annotations

import asyncio

from app.adapters.queue.inprocess import InProcessQueue
from app.domain.signals import RetryLater


async def test_a_job_id_already_queued_or_running_is_not_queued_again() -> None:
    queue = InProcessQueue(concurrency=2)
    runs: list[str] = []
    gate = asyncio.Event()

    async def job(name: str, *, attempt: int) -> None:
        runs.append(name)
        await gate.wait()

    queue.runners = {"job": job}
    queue.start()
    for _ in range(3):
        await queue.enqueue("job", "a", job_id="job:a")
    await asyncio.sleep(0.01)
    await queue.enqueue("job", "a", job_id="job:a")  # running now: still a duplicate
    gate.set()
    await queue.join()
    await queue.enqueue("job", "a", job_id="job:a")  # finished: may run again
    await queue.join()
    await queue.stop()
    assert runs == ["a", "a"]


async def test_retry_later_runs_the_job_again_up_to_max_tries() -> None:
    queue = InProcessQueue(max_tries=3)
    attempts: list[int] = []

    async def flaky(*, attempt: int) -> None:
        attempts.append(attempt)
        raise RetryLater(0.0, "not yet")

    queue.runners = {"flaky": flaky}
    queue.start()
    await queue.enqueue("flaky", job_id="flaky")
    await queue.join()
    await queue.stop()
    assert attempts == [1, 2, 3]


async def test_a_job_that_crashes_is_tried_again() -> None:
    queue = InProcessQueue(max_tries=3)
    attempts: list[int] = []

    async def crashes_once(*, attempt: int) -> None:
        attempts.append(attempt)
        if attempt == 1:
            raise RuntimeError("deadlock detected")

    queue.runners = {"crashes_once": crashes_once}
    queue.start()
    await queue.enqueue("crashes_once", job_id="c")
    await queue.join()
    await queue.stop()
    assert attempts == [1, 2]

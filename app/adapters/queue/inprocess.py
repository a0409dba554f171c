"""The embedded default's queue: asyncio tasks in the API process, same job ids as arq."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.domain.signals import RetryLater, crash_backoff

Runner = Callable[..., Awaitable[None]]
log = logging.getLogger(__name__)


class InProcessQueue:
    """De-duplicates by job id while a job is queued or running, like arq with keep_result=0."""

    def __init__(
        self, *, concurrency: int = 2, max_tries: int = 8, retry_base_s: float = 2.0
    ) -> None:
        self.runners: Mapping[str, Runner] = {}
        self._concurrency = concurrency
        self._max_tries = max_tries
        self._retry_base_s = retry_base_s  # the first wait after a crash, doubled on each try
        self._queue: asyncio.Queue[tuple[str, tuple[Any, ...], str, int]] = asyncio.Queue()
        self._active: set[str] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._running = 0
        self._closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        if job_id in self._active:
            return
        self._active.add(job_id)
        self._queue.put_nowait((function, args, job_id, 1))

    def start(self) -> None:
        self._workers = [asyncio.create_task(self._work()) for _ in range(self._concurrency)]

    async def join(self) -> None:
        """Waits until nothing is queued, running or waiting to retry (tests)."""
        while self._active:
            await self._queue.join()
            await asyncio.sleep(0.01)

    async def stop(self, grace_s: float = 10.0) -> None:
        """Lets running jobs finish (a cancelled job could leave a transaction open), then
        stops. Queued jobs are dropped: the webhook inbox and sync records still say what is
        unfinished."""
        self._closing = True
        for timer in self._timers:
            timer.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace_s)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)

    async def _work(self) -> None:
        while not self._closing:
            function, args, job_id, attempt = await self._queue.get()
            self._running += 1
            self._idle.clear()
            try:
                await self.runners[function](*args, attempt=attempt)
                self._active.discard(job_id)
            except RetryLater as retry:
                self._retry(function, args, job_id, attempt, retry)
            except Exception:
                # As in the arq worker: a crash is retried, it must not strand the work.
                log.exception("job %s failed on try %d", job_id, attempt)
                crashed = RetryLater(crash_backoff(attempt, self._retry_base_s), "crashed")
                self._retry(function, args, job_id, attempt, crashed)
            finally:
                self._running -= 1
                if not self._running:
                    self._idle.set()
                self._queue.task_done()

    def _retry(
        self, function: str, args: tuple[Any, ...], job_id: str, attempt: int, retry: RetryLater
    ) -> None:
        if attempt >= self._max_tries:
            log.warning("job %s gave up after %d tries: %s", job_id, attempt, retry.reason)
            self._active.discard(job_id)
            return
        item = (function, args, job_id, attempt + 1)
        loop = asyncio.get_running_loop()
        timer = loop.call_later(retry.defer_s, self._queue.put_nowait, item)
        self._timers.add(timer)

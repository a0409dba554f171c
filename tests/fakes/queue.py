"""Fakes of the ports around the store: the job queue, the webhook inbox and the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.entities import Delivery, NewDelivery, Stored
from app.domain.signals import InboxUnavailable
from tests.fakes.store import FakeDatabase, stored

Job = tuple[str, tuple[Any, ...], str]  # (function, args, job id)


class RecordingQueue:
    """app.domain.ports.JobQueue that keeps the jobs; a job id already queued is ignored, as
    arq ignores it while the job is queued or its result kept."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        if job_id not in self.job_ids:
            self.jobs.append((function, args, job_id))

    @property
    def job_ids(self) -> list[str]:
        return [job_id for _, _, job_id in self.jobs]

    def take(self) -> list[Job]:
        """The jobs queued so far, forgetting them (their ids may be queued again)."""
        jobs, self.jobs = self.jobs, []
        return jobs


class FakeInbox:
    """app.domain.ports.Inbox over a FakeDatabase: each delivery committed on its own, for an
    installed shop only, once per (shop, topic, event id). Every committed batch goes to
    `after_commit` (the service's queueing hook, when given) and is kept in `queued`.
    Set `down` to refuse deliveries as an unreachable database would."""

    def __init__(
        self,
        db: FakeDatabase,
        after_commit: Callable[[list[Stored]], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.after_commit = after_commit
        self.queued: list[Stored] = []
        self.down = False

    async def add(self, delivery: NewDelivery) -> int | None:
        if self.down:
            raise InboxUnavailable("the database is unavailable (fake inbox down)")
        key = (delivery.shop_domain, delivery.topic, delivery.event_id)
        if self.db.find("shops", delivery.shop_domain) is None or self.db.find("inbox", key):
            return None
        delivery_id = self.db.next_id("inbox")
        row = Delivery(delivery_id, **asdict(delivery))
        self.db.tables.inbox[delivery_id] = stored(row)
        await self.queue_stored([Stored(delivery_id, delivery.topic, delivery.status)])
        return delivery_id

    async def drain(self) -> None:
        """Nothing to wait for: each delivery is written and queued within `add`."""

    async def queue_stored(self, stored: list[Stored]) -> None:
        self.queued.extend(stored)
        if self.after_commit is not None and stored:
            await self.after_commit(stored)


class FakeClock:
    """app.domain.ports.Clock standing still until told to move."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

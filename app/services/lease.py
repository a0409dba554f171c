"""A record's lease, held for as long as the job that took it runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from app.domain.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


@asynccontextmanager
async def heartbeat(
    uow: UnitOfWorkFactory,
    clock: Clock,
    record_id: int,
    owner: str,
    *,
    lease_s: float,
    every_s: float,
) -> AsyncIterator[None]:
    """Renews `owner`'s lease on the record to `lease_s` from now, every `every_s`, while
    the block runs. A worker killed mid-job stops renewing: its lease lapses `lease_s` later
    at most, and the re-queue pass hands the record to another worker."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                async with uow() as unit:
                    until = clock() + timedelta(seconds=lease_s)
                    held = await unit.records.renew_lease(record_id, owner, until)
                    await unit.commit()
            except Exception:  # the database blinked: try again at the next beat
                log.warning("could not renew the lease on record %s", record_id, exc_info=True)
                continue
            if not held:  # a stall outlived the lease; requestid and the look-up still hold
                log.warning("a job lost its lease on record %s", record_id)
                return

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

"""The JobQueue port on arq/Redis (the production deployment)."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool


class ArqJobQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        # arq returns None for a job id it already holds: that is the de-duplication we want.
        await self.pool.enqueue_job(function, *args, _job_id=job_id)

    async def aclose(self) -> None:
        await self.pool.aclose()


async def connect(redis_url: str) -> ArqJobQueue:
    return ArqJobQueue(await create_pool(RedisSettings.from_dsn(redis_url)))

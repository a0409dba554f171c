"""arq WorkerSettings: `arq app.workers.settings.WorkerSettings` (needs REDIS_URL)."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from arq import Retry, cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function

from app.bootstrap import bootstrap
from app.domain.signals import RetryLater, crash_backoff
from app.settings import Settings, refuse_unless_startable
from app.workers.arq_queue import ArqJobQueue
from app.workers.jobs import JOBS, requeue_due_orders, run_job, sweep_all

log = logging.getLogger(__name__)
MAX_TRIES = 8


def _arq_job(name: str) -> Function:
    async def run(ctx: dict[str, Any], *args: Any) -> None:
        try:
            await run_job(name, ctx["container"], *args, attempt=ctx["job_try"])
        except RetryLater as retry:
            raise Retry(defer=retry.defer_s) from retry
        except Exception as exc:
            # A crash (a deadlock, a lost connection) must not strand the work: try again.
            log.exception("job %s failed on try %s", name, ctx["job_try"])
            base = ctx["container"].settings.job_retry_base_s
            raise Retry(defer=crash_backoff(ctx["job_try"], base)) from exc

    run.__name__ = name
    # keep_result=0: a finished job must not block the same job id from running again.
    return func(run, name=name, max_tries=MAX_TRIES, keep_result=0)


async def startup(ctx: dict[str, Any]) -> None:
    settings = Settings()
    refuse_unless_startable(settings)  # `arq app.workers.settings.WorkerSettings` starts here
    ctx["container"] = bootstrap(settings, ArqJobQueue(ctx["redis"]))


async def shutdown(ctx: dict[str, Any]) -> None:
    if "container" in ctx:  # not when startup refused the settings
        await ctx["container"].aclose()


FUNCTIONS = [_arq_job(name) for name in JOBS]


def redis_settings(settings: Settings) -> RedisSettings:
    if not settings.redis_url:
        raise SystemExit("REDIS_URL is not set: the arq worker needs Redis")
    return RedisSettings.from_dsn(settings.redis_url)


async def sweep_cron(ctx: dict[str, Any]) -> None:
    """Runs every minute and sweeps in the minutes `sweep_due` picks for the interval."""
    container = ctx["container"]
    # The score is the tick's scheduled time in ms: a late start does not move the sweep.
    if sweep_due(ctx["score"] / 1000, container.settings.sweep_interval_s):
        await sweep_all(container)


async def requeue_cron(ctx: dict[str, Any]) -> None:
    """Runs every second and re-queues due orders once per LEDGERPORT_REQUEUE_INTERVAL_S."""
    container = ctx["container"]
    interval = container.settings.requeue_interval_s
    tick = ctx["score"] / 1000
    # One pass per interval counted from the epoch, whatever the interval (a whole-second grain).
    if tick // interval != (tick - 1) // interval:
        await requeue_due_orders(container)


def sweep_due(tick_s: float, interval_s: float) -> bool:
    """Whether an interval (counted from the epoch) begins in the minute ending at the tick.

    Whole minutes that divide an hour pick the minutes `cron(minute=…)` would (300 s: :00,
    :05 …); any other interval sweeps once per interval on average, in whole minutes; one
    under a minute sweeps every minute, the cron's grain."""
    minute = round(tick_s / 60) * 60  # the tick fires just after the minute
    return minute // interval_s != (minute - 60) // interval_s


class WorkerSettings:
    """For `arq app.workers.settings.WorkerSettings`; `python -m app.cli worker` is the same."""

    functions: ClassVar[list[Function]] = FUNCTIONS
    # Every minute, at second 0: the interval is a setting, read once the container exists.
    # Every second: the re-queue pass's interval is a setting too, and may be a few seconds.
    cron_jobs: ClassVar[list[CronJob]] = [
        cron(sweep_cron, second=0, run_at_startup=False),
        cron(requeue_cron, second=set(range(60)), run_at_startup=False),
    ]
    on_startup = startup
    on_shutdown = shutdown
    max_jobs = 10
    # A backstop only: each kind's own timeout (LEDGERPORT_*_JOB_TIMEOUT_S) cancels it first.
    # A killed worker's order does not wait for it: its lease lapses and the pass re-queues it.
    job_timeout = 7200
    keep_result = 0

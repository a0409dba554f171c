"""`python -m app.cli run|worker|migrate|seed-demo|create-key|openapi`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import time
from pathlib import Path

import httpx

from app.settings import Settings, refuse_unless_startable

ROOT = Path(__file__).resolve().parent.parent
WORKER_RESTART_S = 1.0  # between a worker that lost Redis and the next one


def migrate(settings: Settings) -> None:
    from alembic import command
    from alembic.config import Config

    if settings.is_embedded:
        Path(settings.database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.upgrade(config, "head")


def demo_key_file(settings: Settings) -> Path:
    return Path(settings.key_file).parent / "demo-api-key"


def openapi() -> None:
    from app.api.main import create_app

    print(json.dumps(create_app(docs_only=True).openapi(), indent=2, sort_keys=True))


async def seed(settings: Settings, *, with_qbo: bool, with_shopify: bool) -> str:
    """Seeds the demo shop (its company in the sandbox QBO at QBO_API_BASE when `with_qbo`,
    its connection to the sandbox Shopify when `with_shopify`) and returns its new API key,
    also written beside the token key."""
    from app.adapters.queue.inprocess import InProcessQueue
    from app.bootstrap import bootstrap
    from app.demo import connect_demo_shopify, seed_demo

    container = bootstrap(settings, InProcessQueue())  # nothing is queued: never started
    try:
        key = (await seed_demo(container, with_qbo=with_qbo)).api_key
        if with_shopify:
            await connect_demo_shopify(container)
    finally:
        await container.aclose()
    path = demo_key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, at start-up
    path.write_text(key + "\n")  # noqa: ASYNC240
    path.chmod(0o600)  # noqa: ASYNC240
    return key


def seed_demo(settings: Settings) -> None:
    """Seeds the demo shop and its company into a running sandbox QBO (QBO_API_BASE) and
    prints its new key; `run` also connects it to the sandbox Shopify."""
    print(asyncio.run(seed(settings, with_qbo=True, with_shopify=False)))


async def _issue_ops_key(settings: Settings, label: str) -> str:
    from app.adapters.queue.inprocess import InProcessQueue
    from app.bootstrap import bootstrap
    from app.services.shops import issue_ops_key

    container = bootstrap(settings, InProcessQueue())  # nothing is queued: never started
    try:
        return await issue_ops_key(container.uow(), label)
    finally:
        await container.aclose()


def create_key(settings: Settings, label: str) -> None:
    """Prints a new operator key (it acts on every shop); only its hash is stored."""
    migrate(settings)  # as `run` does: a fresh install can have its first key at once
    print(asyncio.run(_issue_ops_key(settings, label)))


def worker(settings: Settings) -> None:
    """The arq worker, until a signal stops it. Redis going away (a restart, a failover)
    makes arq's worker raise; it starts again once Redis answers, since the database holds
    all pending work and the re-queue pass rings the doorbell again."""
    from arq import run_worker
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    from app import logs
    from app.workers.settings import WorkerSettings, redis_settings

    logs.configure(settings.log_level)
    log = logging.getLogger("app.worker")
    while True:
        try:
            run_worker(WorkerSettings, redis_settings=redis_settings(settings))  # type: ignore[arg-type]
            return
        except (RedisDown, RedisSlow, OSError) as exc:
            log.warning("the queue's Redis is unreachable (%s); starting again", type(exc).__name__)
            time.sleep(WORKER_RESTART_S)


def wait_for(
    url: str, seconds: float = 20.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Until `url` answers at all; RuntimeError after `seconds`, or as soon as `process` (the
    server behind it) exits. Also used by the benches and the end-to-end tests."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ledgerport")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="API + worker (+ sandbox and demo shop)")
    run_parser.add_argument("--host", help="where the API listens (default: LEDGERPORT_HOST)")
    run_parser.add_argument("--port", type=int, help="the API's port (default: PORT, or 8000)")
    for name in ("worker", "migrate", "seed-demo", "openapi"):
        sub.add_parser(name)
    key_parser = sub.add_parser("create-key", help="print a new API key (migrates the DB first)")
    key_parser.add_argument("--ops", action="store_true", required=True, help="an operator key")
    key_parser.add_argument("--label", default="ops", help="a name to tell the key by")
    args = parser.parse_args(argv)
    if args.command == "openapi":
        return openapi()
    if getattr(args, "port", None) is not None:
        # As PORT: the settings' redirect URIs follow it, here and in the processes started.
        os.environ["PORT"] = str(args.port)
    settings = Settings()
    if args.command in ("run", "worker"):
        refuse_unless_startable(settings)
    if args.command == "run":
        from app.launch import run

        return run(settings, args.host or settings.host)
    if args.command == "create-key":
        return create_key(settings, args.label)
    {"worker": worker, "migrate": migrate, "seed-demo": seed_demo}[args.command](settings)


if __name__ == "__main__":
    main()

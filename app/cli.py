"""`python -m app.cli run|worker|migrate|seed-demo|create-key|openapi`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.settings import Settings, refuse_unless_startable

ROOT = Path(__file__).resolve().parent.parent


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


async def _seed(settings: Settings) -> str:
    from app.adapters.queue.inprocess import InProcessQueue
    from app.bootstrap import bootstrap
    from app.demo import seed_demo

    container = bootstrap(settings, InProcessQueue())
    try:
        key = (await seed_demo(container)).api_key
    finally:
        await container.aclose()
    path = demo_key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, at start-up
    path.write_text(key + "\n")  # noqa: ASYNC240
    path.chmod(0o600)  # noqa: ASYNC240
    return key


def seed_demo(settings: Settings) -> None:
    print(asyncio.run(_seed(settings)))


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
    from arq import run_worker

    from app.workers.settings import WorkerSettings, redis_settings

    run_worker(WorkerSettings, redis_settings=redis_settings(settings))  # type: ignore[arg-type]


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


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT)


def _start_sandbox(settings: Settings, webhook_address: str) -> subprocess.Popen[bytes]:
    qbo_port = urlsplit(settings.qbo_api_base).port or 8101
    shopify_port = urlsplit(settings.shopify_api_base.replace("{shop}", "x")).port or 8102
    from app.demo import DEMO_REALM

    # The demo's company is the sandbox's only one, so its consent page (which approves the
    # first company) reconnects the demo shop to its own company, as a merchant would.
    return _spawn(
        "ledgerport_sandbox",
        "--host", "127.0.0.1",
        "--realm", DEMO_REALM,
        "--qbo-port", str(qbo_port),
        "--shopify-port", str(shopify_port),
        "--webhook-address", webhook_address,
        "--qbo-client-id", settings.qbo_client_id,
        "--qbo-client-secret", settings.qbo_client_secret.get_secret_value(),
        "--shopify-client-secret", settings.shopify_client_secret.get_secret_value(),
    )  # fmt: skip


def _banner(settings: Settings, host: str, port: int, key: str | None) -> None:
    redis = urlsplit(settings.redis_url).hostname if settings.redis_url else None
    print(f"LedgerPort API   http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    print(f"worker           {'arq worker on Redis at ' + str(redis) if redis else 'in-process'}")
    if key is not None:
        print(f"sandbox QBO      {settings.qbo_api_base}")
        print("demo shop        demo-store.myshopify.com")
        print(f"demo API key     {key}  (also in {demo_key_file(settings)})")
    print(f"webhooks         POST http://{host}:{port}/webhooks/shopify", flush=True)


def run(settings: Settings, host: str, port: int) -> None:
    """API, worker and (with LEDGERPORT_SANDBOX=1) the sandbox with the demo shop, until Ctrl-C."""
    import uvicorn

    migrate(settings)
    children: list[subprocess.Popen[bytes]] = []
    try:
        key = None
        if settings.sandbox:
            children.append(_start_sandbox(settings, f"http://{host}:{port}/webhooks/shopify"))
            try:
                wait_for(f"{settings.qbo_api_base}/_sandbox/health")
            except RuntimeError as exc:
                raise SystemExit(str(exc)) from exc
            key = asyncio.run(_seed(settings))
        if settings.redis_url:
            children.append(_spawn("app.cli", "worker"))
        _banner(settings, host, port, key)
        uvicorn.run("app.api.main:create_app", factory=True, host=host, port=port)
    finally:
        for child in children:
            child.send_signal(signal.SIGINT)
        for child in children:
            child.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ledgerport")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="API + worker (+ sandbox and demo shop)")
    run_parser.add_argument("--host", default=os.environ.get("LEDGERPORT_HOST", "127.0.0.1"))
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    for name in ("worker", "migrate", "seed-demo", "openapi"):
        sub.add_parser(name)
    key_parser = sub.add_parser("create-key", help="print a new API key (migrates the DB first)")
    key_parser.add_argument("--ops", action="store_true", required=True, help="an operator key")
    key_parser.add_argument("--label", default="ops", help="a name to tell the key by")
    args = parser.parse_args(argv)
    if args.command == "openapi":
        return openapi()
    settings = Settings()
    if args.command in ("run", "worker"):
        refuse_unless_startable(settings)
    if args.command == "run":
        return run(settings, args.host, args.port)
    if args.command == "create-key":
        return create_key(settings, args.label)
    {"worker": worker, "migrate": migrate, "seed-demo": seed_demo}[args.command](settings)


if __name__ == "__main__":
    main()

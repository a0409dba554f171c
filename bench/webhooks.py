"""Webhook intake rate: the API under uvicorn as real processes, fired at by bench/loadgen.py.

Runs (a) the embedded default (SQLite, in-process queue, one API process: its jobs run there,
so the intake shares the CPU with processing) and (b) PostgreSQL + REDIS_URL (arq queue, two
API processes, no arq worker running: jobs wait in Redis, so the figure is the intake alone).
Each run migrates a fresh database, installs one shop, pre-signs distinct orders/create
deliveries, fires them with a fixed number in flight, then checks that the inbox holds exactly
one row per delivery and, on Redis, that every one of them has its processing job.

    .venv/bin/python bench/webhooks.py [--count 10000] [--concurrency 16] [--only postgres]

The last line is the PostgreSQL run: `webhooks_per_s=N p50_ms=N p99_ms=N`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from app.adapters.queue.inprocess import InProcessQueue  # noqa: E402
from app.bootstrap import bootstrap  # noqa: E402
from app.cli import wait_for  # noqa: E402
from app.services.shops import install_shop  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench import loadgen  # noqa: E402
from ledgerport_sandbox.shopify import sign_webhook  # noqa: E402
from tests.conftest import PG_ADMIN_DSN, _pg, _pg_url, alembic_config  # noqa: E402
from tests.harness import order_fixture  # noqa: E402

SHOP = "bench-shop.myshopify.com"
SECRET = "bench-shopify-secret"
REDIS = os.environ.get("LEDGERPORT_BENCH_REDIS", "redis://127.0.0.1:6379/14")
WARMUP = 300
PATH = "/webhooks/shopify"


@dataclass
class Result:
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    cpu: float = 0.0  # seconds the load generators spent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # uvicorn takes an --fd socket for a Unix one and leaves Nagle on; connections inherit this.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def deliveries(host: str, start: int, count: int) -> list[bytes]:
    """Signed orders/create deliveries, each with its own order id and X-Shopify-Event-Id,
    rendered as the bytes of a request."""
    template, rendered = order_fixture(), []
    for n in range(start, start + count):
        order = {**template, "id": 9_000_000 + n, "name": f"#{10_000 + n}"}
        body = json.dumps(order, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sign_webhook(body, SECRET),
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-API-Version": "2025-07",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-11-26T10:00:00.000000000Z",
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        }
        rendered.append(loadgen.render("POST", PATH, host, headers, body))
    return rendered


def generator(port: int, start: int, count: int, concurrency: int, barrier: Any, out: Any) -> None:
    """One load-generator process: renders its share first, then fires it after the barrier."""
    requests = deliveries(f"127.0.0.1:{port}", start, count)
    barrier.wait()
    spent = time.process_time()
    fired = loadgen.run("127.0.0.1", port, requests, concurrency)
    out.put((fired.seconds, fired.latencies, fired.statuses, time.process_time() - spent))


def load(port: int, start: int, count: int, concurrency: int, processes: int) -> Result:
    context = mp.get_context("spawn")
    barrier, out = context.Barrier(processes + 1), context.Queue()
    share = count // processes
    workers = [
        context.Process(
            target=generator,
            args=(
                port,
                start + i * share,
                share if i < processes - 1 else count - i * share,
                max(1, concurrency // processes),
                barrier,
                out,
            ),
        )  # fmt: skip
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    parts = [out.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    statuses: dict[int, int] = {}
    for _, _, part, _ in parts:
        for status, n in part.items():
            statuses[status] = statuses.get(status, 0) + n
    latencies = [x for _, part, _, _ in parts for x in part]
    return Result(elapsed, latencies, statuses, sum(part[3] for part in parts))


async def prepare(database_url: str, env: dict[str, str]) -> None:
    names = ("DATABASE_URL", "SHOPIFY_CLIENT_SECRET", "LEDGERPORT_ENCRYPTION_KEY",
             "LEDGERPORT_KEY_FILE", "LEDGERPORT_SANDBOX")  # fmt: skip
    settings = Settings(**{name: env[name] for name in names})
    container = bootstrap(settings, InProcessQueue())
    try:
        await install_shop(container.uow(), SHOP, "Bench Outfitters")
    finally:
        await container.aclose()


async def inbox_rows(database_url: str) -> tuple[int, int]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = "SELECT count(*), count(DISTINCT event_id) FROM webhook_inbox"
            rows, distinct = (await connection.execute(text(query))).one()
    finally:
        await engine.dispose()
    return int(rows), int(distinct)


def queued_deliveries(redis_url: str) -> tuple[int, int]:
    """(jobs waiting in arq, distinct deliveries they will process): every stored delivery
    must have its job, though jobs are queued after the 200."""
    from arq.jobs import deserialize_job
    from redis import Redis

    client, ids = Redis.from_url(redis_url), set[int]()
    job_ids = client.zrange("arq:queue", 0, -1)
    for job_id in job_ids:
        job = deserialize_job(client.get(b"arq:job:" + job_id))
        ids.update(job.args)
    client.close()
    return len(job_ids), len(ids)


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU time (user + system) of every process now alive, by pid, with its command name."""
    ticks, found = os.sysconf("SC_CLK_TCK"), {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        fields = rest.split()
        found[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / ticks)
    return found


def cpu_split(before: dict[int, tuple[str, float]], servers: set[int], seconds: float) -> str:
    """Where the CPU went during the run, in cores: the API, PostgreSQL, Redis, the rest."""
    after, spent = cpu_seconds(), {"api": 0.0, "postgres": 0.0, "redis": 0.0, "rest": 0.0}
    api = servers | {pid for pid in after if _parent(pid) in servers}
    for pid, (name, total) in after.items():
        used = total - before.get(pid, (name, 0.0))[1]
        group = "api" if pid in api else name if name in ("postgres", "redis-server") else "rest"
        spent[group.replace("-server", "")] += used
    return ", ".join(f"{group} {used / seconds:.2f}" for group, used in spent.items())


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def run(
    name: str,
    database_url: str,
    redis: str | None,
    workers: int,
    args: argparse.Namespace,
    tmp: Path,
) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBO_", "SHOPIFY_"))}
    env.pop("REDIS_URL", None)
    env.update(DATABASE_URL=database_url, SHOPIFY_CLIENT_SECRET=SECRET,
               LEDGERPORT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
               LEDGERPORT_KEY_FILE=str(tmp / f"{name}.key"), LEDGERPORT_SANDBOX="1")  # fmt: skip
    if redis:
        env["REDIS_URL"] = redis
        subprocess.run(["redis-cli", "-u", redis, "flushdb"], check=True, capture_output=True)
    command.upgrade(alembic_config(database_url), "head")
    asyncio.run(prepare(database_url, env))
    port = free_port()
    # One process per worker, each on its own SO_REUSEPORT socket of the same port: the kernel
    # spreads connections over them, as a load balancer would. (`uvicorn --workers` shares one
    # socket, and whichever process wakes first takes a burst of new connections whole.)
    sockets = [listening(port) for _ in range(workers)]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.api.main:create_app",
                "--factory",
                "--fd",
                str(sock.fileno()),
                "--no-access-log",
                "--log-level",
                "warning",
                *args.uvicorn,
            ],
            cwd=ROOT,
            env=env,
            pass_fds=[sock.fileno()],
        )  # fmt: skip
        for sock in sockets
    ]
    for sock in sockets:
        sock.close()
    base = f"http://127.0.0.1:{port}"
    try:
        for server in servers:
            wait_for(f"{base}/healthz", 30, server)
        load(port, 0, WARMUP, min(args.concurrency, 16), 1)
        before = cpu_seconds()
        result = load(port, WARMUP, args.count, args.concurrency, args.generators)
        cores = cpu_split(before, {server.pid for server in servers}, result.seconds)
        cores += f", generators {result.cpu / result.seconds:.2f}"
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    rows, distinct = asyncio.run(inbox_rows(database_url))
    expected = WARMUP + args.count
    accepted = result.statuses.get(200, 0)
    errors = args.count - accepted
    latencies = sorted(result.latencies)
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    rate = accepted / result.seconds
    print(f"{name:<22} {args.count} in {result.seconds:.2f} s, {rate:.0f} accepted/s, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms, "
          f"errors {errors} {dict(sorted(result.statuses.items()))}")  # fmt: skip
    print(f"{'':<22} cores busy ({workers} API processes): {cores} (rest: other processes)")
    print(f"{'':<22} inbox {rows} rows, {distinct} distinct event ids (expected {expected})")
    if rows != expected or distinct != expected:
        raise SystemExit(f"inbox holds {rows} rows ({distinct} distinct), expected {expected}")
    if redis:
        jobs, queued = queued_deliveries(redis)
        print(f"{'':<22} arq holds {jobs} jobs for {queued} deliveries (expected {expected})")
        if queued != expected:
            raise SystemExit(f"{queued} deliveries queued for processing, expected {expected}")
    return f"webhooks_per_s={rate:.0f} p50_ms={p50:.1f} p99_ms={p99:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight, total")
    parser.add_argument("--generators", type=int, default=1, help="load-generator processes")
    parser.add_argument("--workers", type=int, default=2, help="API processes on PostgreSQL")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("uvicorn", nargs="*", help="extra uvicorn flags, after --")
    args = parser.parse_args()
    print(f"{args.count} deliveries, {args.concurrency} in flight from {args.generators} "
          f"generator(s), uvicorn {' '.join(args.uvicorn)}, {os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "postgres":
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            # One process, as `make run` deploys it: SQLite has one writer, and the in-process
            # queue's jobs must run where the deliveries arrive.
            run("sqlite (embedded)", url, None, 1, args, Path(tmp))
        if args.only != "sqlite":
            database = f"ledgerport_bench_{uuid.uuid4().hex[:8]}"
            _pg(f'CREATE DATABASE "{database}"')
            try:
                url = _pg_url(database)
                line = run("postgres + arq", url, REDIS, args.workers, args, Path(tmp))
            finally:
                _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            print(line)


if __name__ == "__main__":
    assert PG_ADMIN_DSN
    main()

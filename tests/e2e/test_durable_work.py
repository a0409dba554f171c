"""The database, not the queue, holds the pending work: PostgreSQL, arq worker processes and a
Redis of the test's own (no persistence).

- Redis killed while jobs are provably still queued, and restarted empty: the re-queue pass
  finds every order again (from its record, or from its delivery still in the inbox), and
  each is posted exactly once.
- A worker SIGKILLed while it provably waits on QBO's answer to a create: a new worker takes
  the order once the dead one's lease lapses, and it is posted exactly once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import LiveShop, Stack, new_shop, running_stack
from tests.e2e.test_walking_skeleton import ROOT, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
PASS_S = 2.0
LEASE_S = 6.0
# Syncing the 40 orders once they are queued again: seconds on a quiet machine, more on a
# loaded one (a CI machine shared with other suites).
PROCESSING_S = 40.0
SETTINGS = {
    "LEDGERPORT_REQUEUE_INTERVAL_S": str(PASS_S),
    "LEDGERPORT_SYNC_LEASE_S": str(LEASE_S),
    "LEDGERPORT_SYNC_HEARTBEAT_S": "2",
    "LEDGERPORT_JOB_RETRY_BASE_S": "0.5",
    "LEDGERPORT_SYNC_RETRY_BASE_S": "1",
    "LEDGERPORT_LOG_LEVEL": "INFO",
}


class PrivateRedis:
    """A redis-server on a free port that keeps nothing on disk: killed, it forgets all."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while self.cli("ping") != "PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def cli(self, *args: str) -> str:
        command = ["redis-cli", "-p", str(self.port), *args]
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()


class Workers:
    """`python -m app.cli worker` processes with the stack's settings, each logging to its
    own file (shown when a test fails)."""

    def __init__(self, stack: Stack, tmp: Path) -> None:
        self.stack, self.tmp = stack, tmp
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self) -> subprocess.Popen[bytes]:
        path = self.tmp / f"worker-{len(self.processes)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "worker"],
                cwd=ROOT,
                env=self.stack.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append((process, path))
        return process

    def logs(self, chars: int = 8000) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}"
            for _, path in self.processes
        )

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def live(tmp_path: Path, redis: PrivateRedis) -> Iterator[tuple[LiveShop, Workers]]:
    settings = {**SETTINGS, "REDIS_URL": redis.url}
    with running_stack(tmp_path, production=True, settings=settings, worker=False) as stack:
        workers = Workers(stack, tmp_path)
        try:
            workers.start()
            shop = new_shop(stack, "durable")
            Books(shop)
            yield shop, workers
        finally:
            workers.stop()


def wait_until(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds:.0f} s: {what}"
        time.sleep(0.05)


def doc_numbers(shop: LiveShop) -> list[str]:
    return sorted(str(r["DocNumber"]) for r in shop.qbo_list("SalesReceipt"))


def test_orders_queued_in_a_redis_that_dies_are_each_synced_once(
    live: tuple[LiveShop, Workers], redis: PrivateRedis
) -> None:
    shop, workers = live
    orders = 40
    # QBO answers slowly: the worker (10 jobs at a time) cannot keep up with 40 orders.
    shop.qbo_admin("/faults", {"latency_ms": 1500})
    ids = [5_000 + n for n in range(orders)]
    for oid in ids:
        shop.send_order(order(oid))
    # Every delivery is stored (one still in the inbox shows as a pending record)…
    shop.wait_for_records(ids, lambda r: True, seconds=30)
    # …and jobs (processing deliveries, syncing orders) still wait in Redis when it dies.
    queued = int(redis.cli("zcard", "arq:queue"))
    synced_before = len(shop.receipts())
    assert queued > 0 and synced_before < orders, (queued, synced_before)
    redis.kill()
    time.sleep(1.5)  # down for a few of the worker's polls: arq's worker raises on each
    redis.start()
    assert redis.cli("dbsize") == "0"
    shop.qbo_admin("/faults", {"latency_ms": 0})
    killed_at = time.monotonic()

    try:
        # A job running at the kill holds its lease for LEASE_S at most; then one pass. A
        # delivery lost unprocessed waits one interval, to tell it from one just stored.
        records = shop.wait_for_records(
            ids, lambda r: r["status"] == "synced", seconds=LEASE_S + 2 * PASS_S + PROCESSING_S
        )
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n{workers.logs()}") from None
    took = time.monotonic() - killed_at
    numbers = doc_numbers(shop)
    assert numbers == sorted(f"SH{oid}" for oid in ids), numbers
    assert {r["qbo_document"]["doc_number"] for r in records.values()} == set(numbers)
    whole = workers.logs(chars=10**9)  # the pass's line may be far from the end
    assert "re-queue pass: " in whole, "the orders were not found by the pass"
    assert took < LEASE_S + 2 * PASS_S + PROCESSING_S, took
    assert all(process.poll() is None for process, _ in workers.processes), "a worker died"
    assert "Redis is unreachable" in whole  # it lost Redis, and started again


def creates_in_flight(shop: LiveShop) -> list[dict[str, object]]:
    """The sales receipt creates the sandbox QBO has received and not yet answered."""
    seen = shop.stack.http.get(f"{shop.stack.qbo}/_sandbox/requests").json()["items"]
    return [
        r
        for r in seen
        if r["method"] == "POST" and r["path"].endswith("/salesreceipt") and r["status"] is None
    ]


def test_an_order_whose_worker_is_killed_mid_create_is_synced_once_by_another(
    live: tuple[LiveShop, Workers],
) -> None:
    shop, workers = live
    [first] = [process for process, _ in workers.processes]
    # QBO writes the receipt, then holds its answer: the worker waits on a create that has
    # already reached the books when it dies.
    fault = {"kind": "commit_then_timeout", "path_contains": "/salesreceipt", "seconds": 10}
    shop.qbo_admin("/faults", {**fault, "realm_id": shop.realm})
    shop.send_order(order(6_000))
    wait_until(lambda: creates_in_flight(shop) and shop.receipts(), 20, "a create in flight")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    assert list(shop.receipts()) == ["SH6000"]
    dying = shop.record(6_000)
    assert dying is not None and dying["status"] == "pending", dying

    workers.start()
    try:
        [record] = shop.wait_for_records([6_000], lambda r: r["status"] == "synced", 60).values()
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n{workers.logs()}") from None
    took = time.monotonic() - killed_at
    assert took < 60, took
    assert doc_numbers(shop) == ["SH6000"]
    assert record["qbo_document"]["doc_number"] == "SH6000"

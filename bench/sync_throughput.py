"""Webhook → QBO sales receipt throughput on the embedded default (SQLite, in-process queue),
against the in-process QBO sandbox. Prints its figures; asserts nothing.

    .venv/bin/python bench/sync_throughput.py [orders] [database-url]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command  # noqa: E402

from app.adapters.queue.inprocess import InProcessQueue  # noqa: E402
from ledgerport_sandbox.qbo import QboSandbox  # noqa: E402
from tests.conftest import alembic_config  # noqa: E402
from tests.harness import REALM, make_settings, order_fixture, running  # noqa: E402


async def main(orders: int, database_url: str) -> None:
    # QBO's limits lifted on both sides (our limiter, the sandbox) so the figure is
    # LedgerPort's own cost; bench/qbo_throughput.py measures the limits themselves.
    big = 10**9
    settings = make_settings(
        database_url, QBO_REQUESTS_PER_MINUTE=big, QBO_REQUESTS_PER_SECOND=big,
        QBO_MAX_CONCURRENT=big,
    )  # fmt: skip
    unlimited = QboSandbox(
        seed_realms=[REALM], requests_per_minute=10**9, requests_per_second=10**9
    )
    async with running(settings, queue=InProcessQueue(concurrency=4), qbo=unlimited) as h:
        shop = await h.install()
        h.add_customer("Maya Okafor", "maya.okafor@example.com")
        await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
        template = order_fixture()
        latencies = []
        started = time.perf_counter()
        for n in range(orders):
            order = {**template, "id": 7_000_000 + n, "name": f"#{5000 + n}",
                     "order_number": 5000 + n}  # fmt: skip
            sent = time.perf_counter()
            response = await h.deliver(order)
            latencies.append(time.perf_counter() - sent)
            assert response.status_code == 200, response.text
        acked = time.perf_counter() - started
        await h.queue.join()  # type: ignore[attr-defined]
        total = time.perf_counter() - started
        receipts = len(h.qbo.documents(REALM, "SalesReceipt"))
    p50 = statistics.median(latencies) * 1000
    p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000
    print(f"database            {database_url.split(':', 1)[0]}")
    print(f"orders              {orders} ({receipts} sales receipts in the sandbox)")
    print(f"webhook ack         p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"ingest rate         {orders / acked:.0f} webhooks/s")
    print(f"end-to-end          {orders / total:.0f} orders/s synced ({total:.2f} s)")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite+aiosqlite:///{tmp}/bench.db"
        command.upgrade(alembic_config(url), "head")
        asyncio.run(main(count, url))

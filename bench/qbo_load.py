"""The loads bench/qbo_throughput.py --busy puts beside the limiter: a slowed Redis (a TCP
proxy that holds every chunk back by a random delay, in order), CPU hogs and an I/O hog.
Event-loop stalls are injected inside the worker processes (`stall_ms` in their spec)."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import urlsplit, urlunsplit

_CPU_HOG = "while True: pass"
_IO_HOG = """
import os, sys
with open(sys.argv[1], "wb") as f:
    while True:
        f.write(os.urandom(1 << 20)); f.flush(); os.fsync(f.fileno())
        if f.tell() > 64 << 20: f.seek(0)
"""


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, most_delay: float
) -> None:
    """Forwards every chunk after a random delay of up to `most_delay`, keeping their order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await queue.get()
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if not chunk:
                writer.close()
                return
            writer.write(chunk)
            await writer.drain()

    sender, last = asyncio.create_task(deliver()), 0.0
    try:
        while True:
            chunk = await reader.read(65536)
            last = max(last, time.monotonic() + random.uniform(0, most_delay))
            queue.put_nowait((last, chunk))
            if not chunk:
                break
        await sender
    except (ConnectionError, asyncio.CancelledError):
        sender.cancel()
        writer.close()


@asynccontextmanager
async def slow_redis(redis_url: str, most_delay: float) -> AsyncIterator[str]:
    """A proxy in front of `redis_url` delaying both directions; yields the proxy's URL."""
    target = urlsplit(redis_url)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        redis_r, redis_w = await asyncio.open_connection(target.hostname, target.port or 6379)
        await asyncio.gather(
            _pump(client_r, redis_w, most_delay),
            _pump(redis_r, client_w, most_delay),
            return_exceptions=True,
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield urlunsplit(target._replace(netloc=f"127.0.0.1:{port}"))
    finally:
        server.close()


@contextmanager
def hogs(cpu: int, io: bool) -> Iterator[None]:
    """`cpu` busy-looping processes and, if `io`, one that writes and fsyncs without end."""
    argv = [[sys.executable, "-c", _CPU_HOG]] * cpu
    with tempfile.TemporaryDirectory() as scratch:
        if io:
            argv.append([sys.executable, "-c", _IO_HOG, os.path.join(scratch, "hog")])
        running = [subprocess.Popen(args) for args in argv]
        try:
            yield
        finally:
            for process in running:
                process.kill()
                process.wait()

"""A lean HTTP/1.1 load generator for the benchmarks.

httpx spends about 3 ms of CPU per request on this machine's slow cores, more than the server
under test spends answering it, so on two cores a generator built on it mostly measures itself.
This one writes pre-rendered requests on keep-alive connections through asyncio Protocols and
reads only the status line, Content-Length, Transfer-Encoding and Connection of each answer:
a few tens of microseconds of CPU per request.

Each connection has one request in flight (no pipelining). A connection the server closes is
reopened; a request it left unanswered counts as status 0 and is not sent again. No timeouts.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from typing import cast


@dataclass
class Fired:
    seconds: float  # from the first request written to the last answer
    latencies: list[float]  # one per request, in seconds
    statuses: dict[int, int]  # status -> count; 0 = no answer (transport error, closed)


def render(method: str, path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    """One complete request; Content-Length is computed, any given one is dropped."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "content-length"]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _header(head: bytes, name: bytes) -> bytes:
    """The value of header `name` in a lowercased head ending in CRLF; b"" when absent."""
    start = head.find(b"\r\n" + name + b":")
    if start < 0:
        return b""
    start += len(name) + 3
    return head[start : head.find(b"\r\n", start)].strip()


class _Run:
    """What the connections share: the requests left, and the answers so far."""

    def __init__(self, requests: list[bytes]) -> None:
        self.pending = iter(requests)
        self.exhausted = False
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.first = self.last = 0.0

    def take(self) -> bytes | None:
        request = next(self.pending, None)
        self.exhausted = request is None
        return request

    def record(self, status: int, sent: float) -> None:
        self.last = time.perf_counter()
        self.latencies.append(self.last - sent)
        self.statuses[status] = self.statuses.get(status, 0) + 1


class _Connection(asyncio.Protocol):
    transport: asyncio.Transport

    def __init__(self, run: _Run, closed: asyncio.Future[None]) -> None:
        self.run, self.closed = run, closed
        self.buffer = bytearray()
        self.sent = 0.0  # when the request in flight was written; 0.0 when none is
        self.bodyless = False  # the request in flight is a HEAD
        self.status = 0  # of the answer being read; 0 until its head is in
        self.keep = self.chunked = False
        self.length: int | None = None  # body bytes; None = until the server closes
        self.pos = 0  # where the body (or the next chunk-size line) starts in the buffer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.send()

    def send(self) -> None:
        request = self.run.take()
        if request is None:
            self.transport.close()
            return
        self.bodyless = request.startswith(b"HEAD ")
        self.sent = time.perf_counter()
        self.run.first = self.run.first or self.sent
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.status:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[: end + 2]).lower()
            self.status = int(head[9:12])
            connection = _header(head, b"connection")
            self.keep = b"close" not in connection and (
                head.startswith(b"http/1.1") or b"keep-alive" in connection
            )
            self.chunked = b"chunked" in _header(head, b"transfer-encoding")
            length = _header(head, b"content-length")
            self.length = int(length) if length and not self.chunked else None
            if self.bodyless or self.status < 200 or self.status in (204, 304):
                self.length, self.chunked = 0, False
            self.pos = end + 4
        if self.chunked:
            end = self.chunks()
        elif self.length is None:
            return  # the body ends when the connection does
        else:
            end = self.pos + self.length
        if end < 0 or len(buf) < end:
            return
        del buf[:end]
        self.run.record(self.status, self.sent)
        self.sent, self.status = 0.0, 0
        if self.keep:
            self.send()
        else:
            self.transport.close()

    def chunks(self) -> int:
        """Where the chunked body ends in the buffer, or -1 while it is incomplete."""
        buf, pos = self.buffer, self.pos
        while (line := buf.find(b"\r\n", pos)) >= 0:
            size = int(bytes(buf[pos:line]).split(b";")[0], 16)
            if size == 0:  # last chunk, then trailers up to an empty line
                end = buf.find(b"\r\n\r\n", line)
                self.pos = pos
                return end + 4 if end >= 0 else -1
            if len(buf) < line + size + 4:
                break
            pos = line + size + 4
        self.pos = pos
        return -1

    def connection_lost(self, exc: Exception | None) -> None:
        if self.sent:  # a request in flight: answered only if its body ran to the close
            until_close = self.status and exc is None and self.length is None and not self.chunked
            self.run.record(self.status if until_close else 0, self.sent)
            self.sent = 0.0
        if not self.closed.done():
            self.closed.set_result(None)


async def _lane(host: str, port: int, run: _Run) -> None:
    """One connection slot: reconnects whenever the server closes, until no request is left."""
    loop = asyncio.get_running_loop()
    while not run.exhausted:
        closed: asyncio.Future[None] = loop.create_future()
        try:
            await loop.create_connection(functools.partial(_Connection, run, closed), host, port)
        except OSError:
            if run.take() is not None:  # the request it would have carried goes unanswered
                run.record(0, time.perf_counter())
            continue
        await closed


async def fire(host: str, port: int, requests: list[bytes], concurrency: int) -> Fired:
    """Send every request once over `concurrency` keep-alive connections."""
    run = _Run(requests)
    await asyncio.gather(*(_lane(host, port, run) for _ in range(concurrency)))
    seconds = run.last - run.first if run.first else 0.0  # 0.0 when nothing was written
    return Fired(seconds, run.latencies, run.statuses)


def run(host: str, port: int, requests: list[bytes], concurrency: int) -> Fired:
    """`fire` on uvloop when it is installed, else on the default asyncio loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(fire(host, port, requests, concurrency))
    return uvloop.run(fire(host, port, requests, concurrency))

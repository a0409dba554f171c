"""Refused API keys per client, in fixed windows: in this process for the embedded
deployment, in Redis when several API processes answer for one service."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis

# Clients tracked in this process at most: beyond it the oldest windows are forgotten, so a
# flood from many addresses cannot grow the table without bound.
MAX_CLIENTS = 10_000


@dataclass
class InProcessFailures:
    limit: int
    window_s: float
    clock: Callable[[], float] = time.monotonic
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    async def failed(self, client: str) -> float | None:
        now = self.clock()
        started, count = self._windows.pop(client, (now, 0))
        if now - started >= self.window_s:
            started, count = now, 0
        self._windows[client] = (started, count + 1)  # last in: the most recently seen
        while len(self._windows) > MAX_CLIENTS:
            del self._windows[next(iter(self._windows))]
        if count + 1 <= self.limit:
            return None
        return max(started + self.window_s - now, 0.001)


@dataclass
class RedisFailures:
    redis: Redis
    limit: int
    window_s: float
    prefix: str = "ledgerport:auth-failures:"

    async def failed(self, client: str) -> float | None:
        key = self.prefix + client
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            # NX: the window starts at the first refusal and is not pushed back by later ones.
            pipe.pexpire(key, max(int(self.window_s * 1000), 1), nx=True)
            pipe.pttl(key)
            count, _, ttl_ms = await pipe.execute()
        if int(count) <= self.limit:
            return None
        return max(int(ttl_ms), 1) / 1000

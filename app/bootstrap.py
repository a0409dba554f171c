"""The composition root, used by the API lifespan, the arq worker and the CLI."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.adapters.crypto import TokenCipher
from app.adapters.db.uow import SqlUnitOfWork
from app.adapters.quickbooks.cache import CachingQuickBooks, ReferenceCache
from app.adapters.quickbooks.client import QuickBooksClient
from app.adapters.quickbooks.limiter import (
    InProcessLimiter,
    LimitConfig,
    RealmLimiter,
    RedisLimiter,
)
from app.adapters.quickbooks.oauth import QboOAuthClient
from app.domain.ports import JobQueue
from app.services.connections import RefreshLocks, TokenKeeper
from app.services.sync_order import SyncDeps
from app.settings import Settings


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    queue: JobQueue
    qbo: QuickBooksClient
    oauth: QboOAuthClient
    cipher: TokenCipher
    clock: Callable[[], datetime]
    http_clients: list[httpx.AsyncClient] = field(default_factory=list)
    limiter_redis: Redis | None = None
    worker_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    refresh_locks: RefreshLocks = field(default_factory=RefreshLocks)
    reference: ReferenceCache = field(init=False)

    def __post_init__(self) -> None:
        self.reference = ReferenceCache(self.qbo)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self.queue)

    @property
    def tokens(self) -> TokenKeeper:
        return TokenKeeper(self.uow, self.oauth, self.cipher, self.clock, self.refresh_locks)

    @property
    def sync_deps(self) -> SyncDeps:
        qbo = CachingQuickBooks(self.qbo, self.reference)
        return SyncDeps(self.uow, qbo, self.tokens, self.clock, self.worker_id)

    async def aclose(self) -> None:
        for client in self.http_clients:
            await client.aclose()
        if self.limiter_redis is not None:
            await self.limiter_redis.aclose()
        await self.engine.dispose()


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One writer at a time: wait for the lock instead of failing with "database is locked".
        return create_async_engine(url, connect_args={"timeout": 30})
    return create_async_engine(url, pool_pre_ping=True)


def make_limiter(settings: Settings) -> tuple[RealmLimiter, Redis | None]:
    """The per-realm QBO limiter: in Redis when workers share it, else in this process."""
    config = LimitConfig(
        per_minute=settings.qbo_requests_per_minute,
        per_second=settings.qbo_requests_per_second,
        max_concurrent=settings.qbo_max_concurrent,
        batch_per_minute=settings.qbo_batch_per_minute,
        minute_seconds=settings.qbo_limit_minute_seconds,
    )
    if not settings.redis_url:
        return InProcessLimiter(config), None
    redis = Redis.from_url(settings.redis_url)  # its own pool: arq's belongs to the worker
    return RedisLimiter(redis, config), redis


def bootstrap(
    settings: Settings,
    queue: JobQueue,
    *,
    qbo_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_clock,
) -> Container:
    """Builds every adapter once. The caller owns the container and must `aclose()` it."""
    engine = make_engine(settings.database_url)
    timeout = httpx.Timeout(settings.http_timeout_s, connect=5.0)
    qbo_http = httpx.AsyncClient(
        base_url=settings.qbo_api_base, timeout=timeout, transport=qbo_transport
    )
    oauth_http = httpx.AsyncClient(timeout=timeout, transport=qbo_transport)
    oauth = QboOAuthClient(
        oauth_http,
        token_url=settings.qbo_token_url,
        revoke_url=settings.qbo_revoke_url,
        auth_url=settings.qbo_auth_url,
        client_id=settings.qbo_client_id,
        client_secret=settings.qbo_client_secret.get_secret_value(),
        clock=clock,
    )
    limiter, limiter_redis = make_limiter(settings)
    return Container(
        settings=settings,
        engine=engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        queue=queue,
        qbo=QuickBooksClient(qbo_http, minor_version=settings.qbo_minor_version, limiter=limiter),
        oauth=oauth,
        cipher=TokenCipher(settings.fernet_key),
        clock=clock,
        http_clients=[qbo_http, oauth_http],
        limiter_redis=limiter_redis,
    )

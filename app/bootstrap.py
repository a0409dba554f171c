"""The composition root, used by the API lifespan, the arq worker and the CLI."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.adapters.attempts import InProcessFailures, RedisFailures
from app.adapters.crypto import TokenCipher
from app.adapters.db import engine as db
from app.adapters.db.idempotency import SqlIdempotencyStore
from app.adapters.db.inbox_writer import InboxWriter
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
from app.adapters.shopify.graphql import ShopifyGraphQL
from app.adapters.shopify.oauth import ShopifyOAuth
from app.adapters.shopify.webhooks import verify_hmac
from app.domain.ports import (
    Cipher,
    Clock,
    Inbox,
    JobQueue,
    QboOAuthPort,
    QuickBooksPort,
    ReferenceData,
    ShopifyOAuthPort,
    ShopifyOrdersPort,
    UnitOfWork,
    WebhookVerifier,
)
from app.domain.ports.attempts import FailureCounter
from app.domain.ports.idempotency import IdempotencyStore
from app.metrics import SWEEP_CAUGHT
from app.services.backfill import BackfillDeps
from app.services.connections import RefreshLocks, TokenKeeper
from app.services.quickbooks_connection import QboConnector
from app.services.shop_currency import ShopifyCurrencies
from app.services.shopify_connection import ShopifyInstaller, ShopifyTokenKeeper
from app.services.sync_order import SyncDeps
from app.services.webhooks import queue_processing
from app.settings import Settings


def utc_clock() -> datetime:
    return datetime.now(UTC)


def shifted(clock: Callable[[], datetime], offset: timedelta) -> Callable[[], datetime]:
    """`clock` moved by `offset` (LEDGERPORT_CLOCK_OFFSET, a testing and demo aid)."""
    if not offset:
        return clock
    return lambda: clock() + offset


@dataclass
class Container:
    """Every adapter, built once; the API and the workers take what they need from here."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    queue: JobQueue
    qbo: QuickBooksPort
    oauth: QboOAuthPort
    cipher: Cipher
    clock: Clock
    shopify_oauth: ShopifyOAuthPort
    shopify: ShopifyOrdersPort
    http_clients: list[httpx.AsyncClient] = field(default_factory=list)
    limiter_redis: Redis | None = None
    worker_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    refresh_locks: RefreshLocks = field(default_factory=RefreshLocks)
    # Separate from QBO's: one job may hold a QBO session while it asks for a Shopify one.
    shopify_refresh_locks: RefreshLocks = field(default_factory=RefreshLocks)
    reference: ReferenceData = field(init=False)
    inbox: Inbox = field(init=False)
    verify_webhook: WebhookVerifier = field(init=False)
    idempotency: IdempotencyStore = field(init=False)
    auth_failures: FailureCounter = field(init=False)

    def __post_init__(self) -> None:
        self._cache = ReferenceCache(self.qbo)
        self.reference = self._cache
        self.inbox = InboxWriter(self.engine, partial(queue_processing, self.queue))
        secret = self.settings.shopify_client_secret.get_secret_value()
        self.verify_webhook = partial(_verify_webhook, secret=secret)
        self.idempotency = SqlIdempotencyStore(self.sessions)
        self.auth_failures = _auth_failures(self.settings, self.limiter_redis)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions, self.queue, self.clock)

    async def ping(self) -> None:
        """Raises unless the database answers."""
        await db.ping(self.engine)

    @property
    def qbo_connector(self) -> QboConnector:
        redirect = self.settings.qbo_redirect_uri
        currencies = ShopifyCurrencies(self.shopify, self.shopify_tokens)
        return QboConnector(
            self.uow, self.oauth, self.cipher, redirect, self.clock, self.qbo, currencies
        )

    @property
    def shopify_installer(self) -> ShopifyInstaller:
        settings = self.settings
        return ShopifyInstaller(
            self.uow,
            self.shopify_oauth,
            self.cipher,
            self.clock,
            settings.shopify_scopes,
            settings.shopify_redirect_uri,
        )

    @property
    def tokens(self) -> TokenKeeper:
        return TokenKeeper(self.uow, self.oauth, self.cipher, self.clock, self.refresh_locks)

    @property
    def backfill_deps(self) -> BackfillDeps:
        return BackfillDeps(
            self.uow, self.shopify, self.shopify_tokens, self.clock, SWEEP_CAUGHT.inc
        )

    @property
    def shopify_tokens(self) -> ShopifyTokenKeeper:
        return ShopifyTokenKeeper(
            self.uow, self.shopify_oauth, self.cipher, self.clock, self.shopify_refresh_locks
        )

    @property
    def sync_deps(self) -> SyncDeps:
        qbo = CachingQuickBooks(self.qbo, self._cache)
        return SyncDeps(
            self.uow,
            qbo,
            self.tokens,
            self.clock,
            self.worker_id,
            retry_base_s=self.settings.sync_retry_base_s,
            reference=self._cache,
            lease_s=self.settings.sync_lease_s,
            heartbeat_s=self.settings.sync_heartbeat_s,
            shopify=self.shopify,
            shopify_sessions=self.shopify_tokens,
        )

    async def aclose(self) -> None:
        await self.inbox.drain()
        for client in self.http_clients:
            await client.aclose()
        if self.limiter_redis is not None:
            await self.limiter_redis.aclose()
        await self.engine.dispose()


def _verify_webhook(raw_body: bytes, header: str | None, *, secret: str) -> bool:
    return verify_hmac(raw_body, header, secret)


def _auth_failures(settings: Settings, redis: Redis | None) -> FailureCounter:
    """Refused API keys per client: in Redis when REDIS_URL is set (every API process counts
    into one window), else in this process."""
    limit, window = settings.auth_failure_limit, settings.auth_failure_window_s
    if redis is None:
        return InProcessFailures(limit, window)
    return RedisFailures(redis, limit, window)


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


def make_shopify_oauth(
    settings: Settings,
    clock: Callable[[], datetime],
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[ShopifyOAuth, httpx.AsyncClient]:
    """Shopify's OAuth adapter and the client it owns (the caller closes it)."""
    timeout = httpx.Timeout(settings.http_timeout_s, connect=5.0)
    http = httpx.AsyncClient(timeout=timeout, transport=transport)
    oauth = ShopifyOAuth(
        http,
        api_base_template=settings.shopify_api_base,
        client_id=settings.shopify_client_id,
        client_secret=settings.shopify_client_secret.get_secret_value(),
        clock=clock,
    )
    return oauth, http


def bootstrap(
    settings: Settings,
    queue: JobQueue,
    *,
    qbo_transport: httpx.AsyncBaseTransport | None = None,
    shopify_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utc_clock,
) -> Container:
    """Builds every adapter once. The caller owns the container and must `aclose()` it.
    Its clock is `clock` shifted by the settings' clock offset (LEDGERPORT_CLOCK_OFFSET)."""
    clock = shifted(clock, settings.clock_offset)
    engine = db.make_engine(settings.database_url)
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
    shopify_oauth, shopify_http = make_shopify_oauth(settings, clock, shopify_transport)
    return Container(
        settings=settings,
        engine=engine,
        sessions=db.session_factory(engine),
        queue=queue,
        qbo=QuickBooksClient(
            qbo_http,
            minor_version=settings.qbo_minor_version,
            limiter=limiter,
            throttle_wait=settings.qbo_limit_minute_seconds,
        ),
        oauth=oauth,
        cipher=TokenCipher(settings.fernet_key),
        clock=clock,
        shopify_oauth=shopify_oauth,
        shopify=ShopifyGraphQL(
            shopify_http, settings.shopify_api_base, settings.shopify_api_version
        ),
        http_clients=[qbo_http, oauth_http, shopify_http],
        limiter_redis=limiter_redis,
    )

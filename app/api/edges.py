"""What every answer passes through, outside the routes and their error handlers (so a 500
gets it too): the access log line, the security headers and the header size limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import Problem, problem_response

access_log = logging.getLogger("app.access")
HSTS = b"max-age=31536000; includeSubDomains"


def install(app: FastAPI, *, max_header_bytes: int, trusted_proxies: Collection[str] = ()) -> None:
    """Wraps the app's whole middleware stack, its error middleware included."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_edges() -> ASGIApp:
        inner = HeaderLimit(build(), max_header_bytes)
        return AccessLog(SecurityHeaders(inner, frozenset(trusted_proxies)))

    app.build_middleware_stack = build_with_edges  # type: ignore[method-assign]


class AccessLog:
    """One line per request: method, path, status, duration. Never the query string, which
    carries OAuth codes and states and search terms (buyers' names), nor any header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            path = printable(scope.get("path", ""))
            access_log.info("%s %s %d %.0f ms", scope["method"], path, status, elapsed_ms)


def printable(text: str) -> str:
    """Control characters escaped, so a request cannot write a line of its own into the log."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class SecurityHeaders:
    """no-store (answers hold merchants' data and keys), nosniff, and HSTS when the request
    came over TLS: to us directly, or to a trusted proxy that says so in X-Forwarded-Proto."""

    def __init__(self, app: ASGIApp, trusted_proxies: frozenset[str]) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = [(b"x-content-type-options", b"nosniff")]
        if self._over_tls(scope):
            added.append((b"strict-transport-security", HSTS))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                headers += [h for h in added if h[0] not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _over_tls(self, scope: Scope) -> bool:
        if scope.get("scheme") == "https":
            return True
        client = scope.get("client")
        if client is None or client[0] not in self.trusted_proxies:
            return False
        forwarded: bytes = dict(scope["headers"]).get(b"x-forwarded-proto", b"")
        return forwarded.split(b",")[0].strip().lower() == b"https"


class HeaderLimit:
    """431 for a request whose header names and values total more than the limit. uvicorn's
    httptools parser, used when installed, accepts headers of any size."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > self.max_bytes:
                await _too_large(size, self.max_bytes)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _too_large(size: int, limit: int) -> Any:
    problem = Problem(
        type="https://ledgerport.dev/problems/headers_too_large",
        title="Request headers too large",
        status=431,
        detail=f"The request's headers total {size} bytes; at most {limit} are accepted.",
        code="headers_too_large",
    )
    return problem_response(problem)

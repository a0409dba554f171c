"""The sandbox's request log: every call as the fake saw it, secrets removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SECRET_HEADERS = {"authorization", "cookie", "x-shopify-access-token"}
_SECRET_FIELDS = ("code=", "refresh_token=", "client_secret=", '"token"')


@dataclass
class RecordedRequest:
    """One request as the sandbox saw it, secrets removed."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    status: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RequestLog:
    """Pure ASGI middleware: records method, path, query, headers and body of every call."""

    def __init__(self, app: ASGIApp, log: list[RecordedRequest]) -> None:
        self.inner, self.log = app, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        request = Request(scope)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _SECRET_HEADERS}
        entry = RecordedRequest(scope["method"], scope["path"], dict(request.query_params), headers)
        self.log.append(entry)

        async def receive_logged() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                entry.body += message.get("body", b"")
                if any(marker in entry.body.decode(errors="replace") for marker in _SECRET_FIELDS):
                    entry.body = b"<redacted>"
            return message

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            await send(message)

        await self.inner(scope, receive_logged, send_logged)

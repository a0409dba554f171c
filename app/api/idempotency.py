"""Idempotency-Key for every POST under /v1: one store, whatever the route.

The same key from the same caller (a shop's keys share one space, an operator key has its own)
for the same method, path and body is answered with the first answer, marked
`Idempotent-Replayed: true`, and starts nothing new. Another request under a used key is a
422; a key whose first request has not answered yet is a 409. Answers are kept for 24 hours.
Webhooks are not covered: they are deduplicated by their webhook id.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import AppError, InvalidParam, problem_response
from app.domain.ports.idempotency import KeyState, StoredAnswer
from app.services.api_keys import KEY_PREFIX, hash_key

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
TTL = timedelta(hours=24)
MAX_KEY = 255
DESCRIPTION = (
    "Optional. Send the same key again (same body) and the first answer is replayed with "
    f"`{REPLAYED}: true`, starting nothing new; a different body under a used key is a 422, "
    "and a key whose first request is still running a 409. Kept 24 hours, per shop."
)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _covered(scope):  # the lifespan, websockets, other methods: nothing to keep
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        container = scope["app"].state.container
        caller = await _caller(container, headers.get("authorization"))
        if caller is None:  # the route answers 401 as it always does
            await self.app(scope, receive, send)
            return
        if not 0 < len(key) <= MAX_KEY:
            await _problem(scope, receive, send, _bad_key(f"give 1 to {MAX_KEY} characters"))
            return
        body = await _read(receive)
        now = container.clock()
        claim = await container.idempotency.claim(
            caller, key, _fingerprint(scope, body), now, now + TTL
        )
        if claim.state == KeyState.mismatch:
            reason = "this key was used for another request; use a new key for a new request"
            await _problem(scope, receive, send, _bad_key(reason))
        elif claim.state == KeyState.running:
            busy = AppError(
                409, "idempotency_conflict", "Request still running", "The first request "
                "with this Idempotency-Key has not answered yet; try again in a moment.",
            )  # fmt: skip
            await _problem(scope, receive, send, busy)
        elif claim.state == KeyState.done:
            assert claim.answer is not None
            await _replay(claim.answer, send)
        else:
            await _run_and_keep(self.app, scope, body, receive, send, container, caller, key)


def _covered(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and str(scope["path"]).startswith("/v1/")
    )


async def _caller(container: Any, authorization: str | None) -> str | None:
    """The key's space: a shop's keys share their shop's, an operator key has its own."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not token.startswith(KEY_PREFIX):
        return None
    async with container.uow() as uow:
        key = await uow.api_keys.find_active(hash_key(token))
    if key is None:
        return None
    return f"shop:{key.shop_id}" if key.shop_id is not None else f"operator:{key.id}"


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode()):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _run_and_keep(
    app: ASGIApp,
    scope: Scope,
    body: bytes,
    receive: Receive,
    send: Send,
    container: Any,
    caller: str,
    key: str,
) -> None:
    sent = False
    status, content_type, chunks = 500, "application/json", []

    async def replay_body() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    async def keep(message: Message) -> None:
        nonlocal status, content_type
        if message["type"] == "http.response.start":
            status = message["status"]
            content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    try:
        await app(scope, replay_body, keep)
    except BaseException:
        await container.idempotency.release(caller, key)
        raise
    if status >= 500:  # our failure: the same request may be tried again under its key
        await container.idempotency.release(caller, key)
    else:
        answer = StoredAnswer(status, content_type, b"".join(chunks))
        await container.idempotency.finish(caller, key, answer)


async def _replay(answer: StoredAnswer, send: Send) -> None:
    headers = [
        (b"content-type", answer.content_type.encode()),
        (b"content-length", str(len(answer.body)).encode()),
        (REPLAYED.lower().encode(), b"true"),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def _bad_key(reason: str) -> AppError:
    return AppError(
        422,
        "validation_error",
        "Invalid request",
        f"{HEADER}: {reason}",
        [InvalidParam(name=HEADER, reason=reason)],
    )


async def _problem(scope: Scope, receive: Receive, send: Send, error: AppError) -> None:
    await problem_response(error.problem, headers=error.headers)(scope, receive, send)


def document(schema: dict[str, Any]) -> None:
    """Names the header on every POST under /v1 in the OpenAPI document."""
    parameter = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": DESCRIPTION,
        "schema": {"type": "string", "maxLength": MAX_KEY},
    }
    for path, operations in schema.get("paths", {}).items():
        post = operations.get("post")
        if path.startswith("/v1/") and post is not None:
            post.setdefault("parameters", []).append(parameter)

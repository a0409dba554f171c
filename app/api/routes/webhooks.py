"""Shopify webhooks. Authenticated by HMAC over the raw body, stored before the 200."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.deps import AppContext
from app.api.errors import PROBLEM_JSON, refusal
from app.api.schemas import WebhookAccepted
from app.domain.signals import Refused
from app.metrics import WEBHOOKS
from app.services.webhooks import (
    HEADER_NAMES,
    MAX_BODY_BYTES,
    WebhookHeaders,
    ingest_webhook,
    too_large,
)

router = APIRouter()
_STORED, _REPEAT = WEBHOOKS.labels("stored"), WEBHOOKS.labels("repeat")

# The intake is the busiest route by far, so it is a plain Starlette route: FastAPI's per-request
# machinery (parameter models, dependency solving, response validation) cost a tenth of its
# CPU. Errors still go through the app's problem+json handlers; `document` adds it to OpenAPI.
_HEADER_DOCS = {  # WebhookHeaders field -> (required, what it is)
    "topic": (True, "The event, such as orders/create."),
    "hmac": (True, "Base64 HMAC-SHA256 of the raw body with the app secret."),
    "shop_domain": (True, "The shop's myshopify.com domain."),
    "event_id": (False, "Shared by every delivery of one event: the dedupe key."),
    "webhook_id": (False, "One delivery; the dedupe key when Event-Id is absent."),
    "api_version": (False, "The Admin API version of the payload."),
    "triggered_at": (False, "When the event happened."),
}
_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": HEADER_NAMES[field],
            "in": "header",
            "required": required,
            "description": text,
            "schema": {"type": "string"},
        }
        for field, (required, text) in _HEADER_DOCS.items()
    ],
    "requestBody": {
        "required": True,
        "description": "The topic's payload, a JSON object, signed as sent (at most 5 MiB); stored "
        "even when it is not one, and parked as failed",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


async def _bounded_body(request: Request) -> bytes:
    """The raw body, refused as soon as it passes MAX_BODY_BYTES (not read whole first)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def receive_shopify_webhook(request: Request) -> Response:
    """Receives any Shopify topic. A repeat of a stored event (same Event-Id) is acknowledged
    and ignored, so Shopify's at-least-once delivery yields one order. A signed delivery is
    stored whatever its body holds (NUL characters removed): one that processing cannot read
    is parked as failed with its reason, listed by `GET /v1/shops/{shop}/deliveries`."""
    headers = WebhookHeaders.read(request.headers.get)
    container: AppContext = request.app.state.container
    try:
        body = await _bounded_body(request)
        result = await ingest_webhook(
            container.inbox, container.uow, headers, body, container.verify_webhook, container.clock
        )
    except Refused as exc:
        error = refusal(exc)
        WEBHOOKS.labels(error.problem.code).inc()
        raise error from exc
    (_REPEAT if result.duplicate else _STORED).inc()
    answer = WebhookAccepted(delivery_id=result.delivery_id, duplicate=result.duplicate)
    return Response(answer.__pydantic_serializer__.to_json(answer), media_type="application/json")


router.add_route("/webhooks/shopify", receive_shopify_webhook, ["POST"], include_in_schema=False)


def document(openapi: dict[str, Any]) -> None:
    """Adds the intake to an OpenAPI document FastAPI rendered without it."""
    schemas = openapi["components"]["schemas"]
    schemas["WebhookAccepted"] = WebhookAccepted.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    accepted = {"$ref": "#/components/schemas/WebhookAccepted"}
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    problems: dict[str, Any] = {
        "400": {
            "description": "A required header is missing, or a header is longer than "
            "LedgerPort stores",
            "content": problem,
        },
        "401": {
            "description": "The signature does not match, or the shop is unknown",
            "content": problem,
        },
        "413": {"description": "The body is over 5 MiB", "content": problem},
        "503": {
            "description": "The database is unavailable or too many deliveries wait to "
            "be stored; retry after Retry-After seconds",
            "content": problem,
        },
    }
    openapi["paths"]["/webhooks/shopify"] = {
        "post": {
            "tags": ["webhooks"],
            "summary": "Receive Shopify Webhook",
            "description": inspect.getdoc(receive_shopify_webhook),
            "operationId": "receive_shopify_webhook",
            **_OPENAPI,
            "responses": {
                "200": {
                    "description": "Stored, or a repeat",
                    "content": {"application/json": {"schema": accepted}},
                },
                **problems,
            },
        }
    }

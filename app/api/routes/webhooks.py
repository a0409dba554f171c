"""Shopify webhooks. Authenticated by HMAC over the raw body, stored before the 200."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.errors import PROBLEM_JSON, AppError, InvalidParam, problem_response
from app.api.schemas import WebhookAccepted
from app.bootstrap import Container
from app.metrics import WEBHOOKS
from app.services.webhooks import (
    MAX_BODY_BYTES,
    WebhookHeaders,
    WebhookRejected,
    ingest_webhook,
)

router = APIRouter()

# The intake is the busiest route by far, so it is a plain Starlette route: FastAPI's per-request
# machinery (parameter models, dependency solving, response validation) cost a tenth of its
# CPU. Errors still go through the app's problem+json handlers; `document` adds it to OpenAPI.
_HEADERS = {
    "X-Shopify-Topic": (True, "The event, such as orders/create."),
    "X-Shopify-Hmac-Sha256": (True, "Base64 HMAC-SHA256 of the raw body with the app secret."),
    "X-Shopify-Shop-Domain": (True, "The shop's myshopify.com domain."),
    "X-Shopify-Event-Id": (False, "Shared by every delivery of one event: the dedupe key."),
    "X-Shopify-Webhook-Id": (False, "One delivery; the dedupe key when Event-Id is absent."),
    "X-Shopify-API-Version": (False, "The Admin API version of the payload."),
    "X-Shopify-Triggered-At": (False, "When the event happened."),
}
_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": required,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, (required, text) in _HEADERS.items()
    ],  # fmt: skip
    "requestBody": {
        "required": True,
        "description": "The topic's payload, a JSON object, signed as sent (at most 5 MiB).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


async def _bounded_body(request: Request) -> bytes:
    """The raw body, refused as soon as it passes MAX_BODY_BYTES (not read whole first)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise WebhookRejected(413, "Webhook body too large", f"over {MAX_BODY_BYTES} bytes",
                                  "body")  # fmt: skip
        chunks.append(chunk)
    return b"".join(chunks)


async def receive_shopify_webhook(request: Request) -> Response:
    """Receives any Shopify topic. A repeat of a stored event (same Event-Id) is acknowledged
    and ignored, so Shopify's at-least-once delivery yields one order."""
    get = request.headers.get
    headers = WebhookHeaders(
        topic=get("x-shopify-topic"),
        shop_domain=get("x-shopify-shop-domain"),
        hmac=get("x-shopify-hmac-sha256"),
        event_id=get("x-shopify-event-id"),
        webhook_id=get("x-shopify-webhook-id"),
        api_version=get("x-shopify-api-version"),
        triggered_at=get("x-shopify-triggered-at"),
    )
    container: Container = request.app.state.container
    secret = container.settings.shopify_client_secret.get_secret_value()
    try:
        body = await _bounded_body(request)
        result = await ingest_webhook(container.inbox, container.uow(), headers, body, secret)
    except WebhookRejected as exc:
        params = [InvalidParam(name=exc.field, reason=exc.detail)] if exc.field else None
        code = {
            401: "unauthorized_webhook",
            413: "webhook_too_large",
            503: "intake_unavailable",
        }.get(exc.status, "invalid_webhook")
        WEBHOOKS.labels(code).inc()
        error = AppError(exc.status, code, exc.title, exc.detail, params)
        if exc.status == 503:  # nothing stored: Shopify retries the delivery
            return problem_response(error.problem, headers={"Retry-After": "5"})
        raise error from exc
    WEBHOOKS.labels("repeat" if result.duplicate else "stored").inc()
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
        "400": {"description": "A header is missing or the body is not a JSON object",
                "content": problem},
        "401": {"description": "The signature does not match, or the shop is unknown",
                "content": problem},
        "413": {"description": "The body is over 5 MiB", "content": problem},
        "503": {"description": "The database is unavailable or too many deliveries wait to "
                "be stored; retry after Retry-After seconds", "content": problem},
    }  # fmt: skip
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
            },  # fmt: skip
        }
    }

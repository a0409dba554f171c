"""Shopify webhooks. Authenticated by HMAC over the raw body, stored before the 200."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from app.api.errors import AppError, InvalidParam, responses
from app.api.schemas import WebhookAccepted
from app.bootstrap import Container
from app.services.webhooks import (
    MAX_BODY_BYTES,
    WebhookHeaders,
    WebhookRejected,
    ingest_webhook,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Hdr = Annotated[str | None, Header()]


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


@router.post("/shopify", response_model=WebhookAccepted, responses=responses(400, 401, 413))
async def receive_shopify_webhook(
    request: Request,
    x_shopify_topic: Hdr = None,
    x_shopify_hmac_sha256: Hdr = None,
    x_shopify_shop_domain: Hdr = None,
    x_shopify_event_id: Hdr = None,
    x_shopify_webhook_id: Hdr = None,
    x_shopify_api_version: Hdr = None,
    x_shopify_triggered_at: Hdr = None,
) -> WebhookAccepted:
    """Receives any Shopify topic. A repeat of a stored event (same Event-Id) is acknowledged
    and ignored, so Shopify's at-least-once delivery yields one order."""
    headers = WebhookHeaders(
        topic=x_shopify_topic,
        shop_domain=x_shopify_shop_domain,
        hmac=x_shopify_hmac_sha256,
        event_id=x_shopify_event_id,
        webhook_id=x_shopify_webhook_id,
        api_version=x_shopify_api_version,
        triggered_at=x_shopify_triggered_at,
    )
    # Not ContainerDep: a sync dependency costs a thread-pool hop per request, this route's
    # largest overhead after the database.
    container: Container = request.app.state.container
    secret = container.settings.shopify_client_secret.get_secret_value()
    try:
        body = await _bounded_body(request)
        result = await ingest_webhook(container.uow(), headers, body, secret)
    except WebhookRejected as exc:
        params = [InvalidParam(name=exc.field, reason=exc.detail)] if exc.field else None
        code = {401: "unauthorized_webhook", 413: "webhook_too_large"}.get(
            exc.status, "invalid_webhook"
        )
        raise AppError(exc.status, code, exc.title, exc.detail, params) from exc
    return WebhookAccepted(delivery_id=result.delivery_id, duplicate=result.duplicate)

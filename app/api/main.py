"""The FastAPI app: `create_app` is uvicorn's factory; `make openapi` renders it docs_only."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from app import logs
from app.api import edges, errors
from app.api.idempotency import IdempotencyMiddleware
from app.api.idempotency import document as document_idempotency
from app.api.openapi_doc import document_problems
from app.api.params import refuse_control_characters
from app.api.routes import (
    audit,
    config,
    connections,
    deliveries,
    health,
    mappings,
    preview,
    privacy_requests,
    quickbooks,
    records,
    shopify_install,
    shops,
    sync,
    webhooks,
)
from app.api.routes import errors as error_routes
from app.bootstrap import Container
from app.settings import Settings, refuse_unless_startable
from app.workers.embedded import run_embedded

DESCRIPTION = (
    "Keeps a Shopify store's books in QuickBooks Online. Errors are RFC 9457 problem+json; "
    "each sync error carries a code from `/v1/errors` with the steps and actions that fix it."
)


def _operation_id(route: APIRoute) -> str:
    return route.name


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    if getattr(app.state, "container", None) is not None:
        yield  # a test built and owns the container
        return
    # What is loaded by now lives as long as the process: keep the collector from walking it.
    # A full collection over the frameworks' objects was the longest pause a webhook saw.
    gc.collect()
    gc.freeze()
    async with run_embedded(Settings()) as container:
        app.state.container = container
        yield


def create_app(container: Container | None = None, *, docs_only: bool = False) -> FastAPI:
    """Without a container (uvicorn's `--factory`) the app builds one from the settings when it
    starts, so it refuses here settings it could not run on."""
    settings = container.settings if container is not None else Settings()
    if container is None and not docs_only:
        refuse_unless_startable(settings)
        logs.configure(settings.log_level)
    app = FastAPI(
        title="LedgerPort",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.container = container
    errors.install(app)
    routers = (
        webhooks,
        error_routes,
        connections,
        quickbooks,
        mappings,
        config,
        sync,
        audit,
        health,
        shopify_install,
        records,
        preview,
        shops,
        privacy_requests,
        deliveries,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(IdempotencyMiddleware)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    edges.install(app, max_header_bytes=settings.max_header_bytes, trusted_proxies=proxies)
    render = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            webhooks.document(render())
            document_idempotency(app.openapi_schema or {})
            document_problems(app.openapi_schema or {})
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app

"""What every vendor adapter does with httpx: a request that fails in transport, or an answer
that is not a JSON object, becomes ExternalUnavailable (retryable)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx

from app.domain.faults import ExternalUnavailable


async def send(request: Awaitable[httpx.Response], vendor: str) -> httpx.Response:
    """Awaits `request`; a timeout or a connection failure is ExternalUnavailable. After a
    timeout a write may have committed: callers replay it idempotently."""
    try:
        return await request
    except httpx.TimeoutException as exc:
        raise ExternalUnavailable(f"{vendor} did not answer in time") from exc
    except httpx.RequestError as exc:
        raise ExternalUnavailable(f"could not reach {vendor} ({type(exc).__name__})") from exc


def json_object(response: httpx.Response, vendor: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ExternalUnavailable(f"{vendor} answered with a non-JSON body", status=200) from exc
    if not isinstance(body, dict):
        raise ExternalUnavailable(f"{vendor} answered with an unexpected JSON body", status=200)
    return body

"""How an OAuth 2.0 token endpoint says no (RFC 6749 §5.2), for Intuit and Shopify alike."""

from __future__ import annotations

import httpx

from app.adapters.quickbooks.faults import THROTTLE_DEFAULT_WAIT, retry_after_seconds, scrub
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalError,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
)

# The grant or the client is refused: only a person consenting again helps.
AUTH_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})


def token_endpoint_error(
    response: httpx.Response, *, vendor: str, remedy: str, secrets: list[str]
) -> ExternalError | None:
    """None for a 2xx; otherwise the closed-set exception, its message free of `secrets`."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    code, description = oauth_error(response)
    message = scrub(f"{vendor} refused the request ({status} {code}: {description})", secrets)
    if status == 429:
        wait = retry_after_seconds(response)
        retry_after = THROTTLE_DEFAULT_WAIT if wait is None else wait
        return ExternalRateLimited(message, status=status, retry_after=retry_after)
    if status >= 500:
        return ExternalUnavailable(
            message, status=status, retry_after=retry_after_seconds(response)
        )
    if status == 401 or code in AUTH_ERRORS:
        return ExternalAuthExpired(f"{message}; {remedy}", status=status)
    return ExternalRejected(message, status)


def oauth_error(response: httpx.Response) -> tuple[str, str]:
    """(error, description) of an RFC 6749 error body; Shopify's other errors use `errors`."""
    try:
        body = response.json()
    except ValueError:
        return "unknown_error", "no readable body"
    if not isinstance(body, dict):
        return "unknown_error", "no readable body"
    error = body.get("error") or "unknown_error"
    return str(error), str(body.get("error_description") or body.get("errors") or "")

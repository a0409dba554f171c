"""RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.config_values import ConfigError
from app.domain.errors import CATALOGUE, ErrorCode, SyncError
from app.domain.faults import ExternalAuthExpired, ExternalError, ExternalRateLimited
from app.domain.signals import (
    Conflict,
    ConnectionRefused,
    CurrencyMismatch,
    InboxUnavailable,
    InstallRefused,
    InstallUnsigned,
    InvalidInput,
    InvalidReference,
    NotFound,
    Refused,
    WebhookRefused,
    WebhookTooLarge,
    WebhookUnsigned,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class InvalidParam(BaseModel):
    name: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem detail, plus our `code` and, for 400/422, the fields at fault."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    invalid_params: list[InvalidParam] | None = None


class AppError(Exception):
    """An expected error: rendered as problem+json with its status, never a 500."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        invalid_params: list[InvalidParam] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.headers = headers
        self.problem = Problem(
            type=f"https://ledgerport.dev/problems/{code}",
            title=title,
            status=status,
            detail=detail,
            code=code,
            invalid_params=invalid_params,
        )


# The one table from a use case's refusal to its HTTP answer: status, problem code, the title
# when the refusal gives none, and headers. A subclass is found before its base.
REFUSALS: dict[type[Refused], tuple[int, str, str, dict[str, str] | None]] = {
    WebhookUnsigned: (401, "unauthorized_webhook", "Invalid webhook signature", None),
    WebhookTooLarge: (413, "webhook_too_large", "Webhook body too large", None),
    WebhookRefused: (400, "invalid_webhook", "Invalid webhook", None),
    # Nothing was stored: Shopify retries the delivery.
    InboxUnavailable: (503, "intake_unavailable", "Intake unavailable", {"Retry-After": "5"}),
    CurrencyMismatch: (409, "currency_mismatch", "QuickBooks company in another currency", None),
    ConnectionRefused: (400, "connection_refused", "QuickBooks connection failed", None),
    InstallUnsigned: (401, "shopify_install_refused", "Shopify install failed", None),
    InstallRefused: (400, "shopify_install_refused", "Shopify install failed", None),
    InvalidReference: (422, "invalid_reference", "Not a usable QuickBooks record", None),
    InvalidInput: (422, "validation_error", "Invalid request", None),
    NotFound: (404, "not_found", "Not found", None),
    Conflict: (409, "conflict", "Not possible in the current state", None),
    ConfigError: (422, "invalid_config", "Setting refused", None),
    Refused: (400, "refused", "Request refused", None),
}


def refusal(exc: Refused) -> AppError:
    """The problem a refusal is answered with."""
    kind = next(k for k in type(exc).__mro__ if k in REFUSALS)
    status, code, title, headers = REFUSALS[kind]
    params = [InvalidParam(name=exc.param, reason=exc.detail)] if exc.param else None
    return AppError(status, code, exc.title or title, exc.detail, params, headers=headers)


def qbo_problem(exc: SyncError | ExternalError) -> AppError:
    """What the API says when QuickBooks itself is the obstacle."""
    if isinstance(exc, ExternalAuthExpired) or (
        isinstance(exc, SyncError) and exc.code == ErrorCode.qbo_auth
    ):
        info = CATALOGUE[ErrorCode.qbo_auth]
        detail = (
            f"{exc.message}. To reconnect, POST …/connections/quickbooks/authorize (under this "
            "shop's /v1/shops/{shop}) and open the link it answers in the browser."
        )
        return AppError(409, ErrorCode.qbo_auth, info.title, detail)
    if isinstance(exc, ExternalRateLimited):
        info = CATALOGUE[ErrorCode.rate_limited]
        return AppError(429, ErrorCode.rate_limited, info.title, info.meaning)
    return AppError(503, ErrorCode.qbo_timeout, "QuickBooks did not answer", exc.message)


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    body = problem.model_dump(exclude_none=True)
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def not_found(what: str) -> AppError:
    return AppError(404, "not_found", "Not found", f"{what} does not exist")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each listed status documented as a Problem."""
    return {
        status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Problem"}
        for status in statuses
    }


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(exc.problem, headers=exc.headers)


async def _refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    error = refusal(exc)
    return problem_response(error.problem, headers=error.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params = [InvalidParam(name=_location(e["loc"]), reason=e["msg"]) for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in exc.errors()):
        return problem_response(_malformed_body(params))
    problem = Problem(
        type="https://ledgerport.dev/problems/validation_error",
        title="Invalid request",
        status=422,
        detail="; ".join(f"{p.name}: {p.reason}" for p in params),
        code="validation_error",
        invalid_params=params,
    )
    return problem_response(problem)


def _malformed_body(params: list[InvalidParam]) -> Problem:
    reason = "; ".join(p.reason for p in params)
    return Problem(
        type="https://ledgerport.dev/problems/malformed_body",
        title="Malformed body",
        status=400,
        detail=f"the body cannot be read as JSON: {reason}",
        code="malformed_body",
        invalid_params=[InvalidParam(name="body", reason=reason)],
    )


# FastAPI's answer to a body its JSON parser gave up on (nested past Python's recursion
# limit, say), where a decoding error would have been a RequestValidationError.
UNPARSED_BODY = "There was an error parsing the body"


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == UNPARSED_BODY:
        reason = "nested too deep, or otherwise beyond the parser"
        return problem_response(_malformed_body([InvalidParam(name="body", reason=reason)]))
    problem = Problem(title=str(exc.detail), status=exc.status_code, code="http_error")
    return problem_response(problem, headers=getattr(exc, "headers", None))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    problem = Problem(
        title="Internal error",
        status=500,
        detail="The request failed on our side; nothing you sent was at fault. Retrying is safe.",
        code="internal_error",
    )
    return problem_response(problem)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

"""The error taxonomy, for the SPA's help texts and buttons."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.errors import AppError, responses
from app.api.schemas import ErrorCatalogue, ErrorInfoOut
from app.domain.errors import CATALOGUE, ErrorCode

router = APIRouter(prefix="/v1/errors", tags=["errors"])


@router.get("", response_model=ErrorCatalogue)
async def list_errors() -> ErrorCatalogue:
    """Every error code LedgerPort can report, with its meaning and the steps that fix it."""
    return ErrorCatalogue(items=[ErrorInfoOut.of(info) for info in CATALOGUE.values()])


@router.get("/{code}", response_model=ErrorInfoOut, responses=responses(404))
async def get_error(code: str) -> ErrorInfoOut:
    """One catalogue entry."""
    try:
        return ErrorInfoOut.of(CATALOGUE[ErrorCode(code)])
    except ValueError as exc:
        raise AppError(404, "not_found", "Unknown error code", f"{code} is not a code") from exc

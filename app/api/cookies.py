"""The nonce cookie that binds an OAuth flow to the browser that started it."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

MAX_AGE_S = 600  # as long as the state it goes with


def set_nonce_cookie(
    response: Response, request: Request, name: str, value: str, path: str
) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (sent on the provider's top-level redirect
    back, not on cross-site subrequests), Secure whenever LedgerPort is served over https."""
    response.set_cookie(
        name,
        value,
        max_age=MAX_AGE_S,
        path=path,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )

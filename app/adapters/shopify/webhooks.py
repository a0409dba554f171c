"""Shopify webhook authentication: HMAC-SHA256 over the raw body, keyed by the app secret."""

from __future__ import annotations

import base64
import hashlib
import hmac


def expected_hmac(raw_body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_hmac(raw_body: bytes, header: str | None, secret: str) -> bool:
    """Constant-time check; a missing header never passes."""
    if not header:
        return False
    return hmac.compare_digest(expected_hmac(raw_body, secret).encode(), header.strip().encode())

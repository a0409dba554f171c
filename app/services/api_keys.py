"""API keys: shown once, stored as SHA-256 (they are random, so no slow hash is needed)."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "lp_"


def new_api_key() -> tuple[str, str]:
    """Returns (the key to show once, the hash to store)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()

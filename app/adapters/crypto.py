"""Tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) under LEDGERPORT_ENCRYPTION_KEY."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken as exc:
            raise ValueError("token was encrypted under another key") from exc


def mask(secret: str) -> str:
    """Enough of a token to tell two apart in a log, never enough to use it."""
    return f"{secret[:4]}…({len(secret)})" if secret else ""

"""Tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) under LEDGERPORT_ENCRYPTION_KEY."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def seal(self, plaintext: str, *, now: float | None = None) -> str:
        """An authenticated, timestamped, URL-safe token (e.g. an OAuth `state`), stamped with
        `now` (Unix seconds) when given, else the system clock."""
        data = plaintext.encode()
        if now is None:
            return self._fernet.encrypt(data).decode()
        return self._fernet.encrypt_at_time(data, int(now)).decode()

    def unseal(self, token: str, *, max_age_s: int, now: float | None = None) -> str:
        """The sealed text, if the token is ours and younger than `max_age_s`."""
        try:
            data = token.encode()
            if now is None:
                return self._fernet.decrypt(data, ttl=max_age_s).decode()
            return self._fernet.decrypt_at_time(data, max_age_s, int(now)).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise ValueError("not a valid or current token") from exc

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken as exc:
            raise ValueError("token was encrypted under another key") from exc


def mask(secret: str) -> str:
    """Enough of a token to tell two apart in a log, never enough to use it."""
    return f"{secret[:4]}…({len(secret)})" if secret else ""

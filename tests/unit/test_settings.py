"""Settings refuse what would be unsafe to run with."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from app.adapters.crypto import TokenCipher, mask
from app.settings import Settings


def test_placeholder_secrets_are_refused() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings.model_validate({"SHOPIFY_CLIENT_SECRET": "changeme"})


def test_postgres_deployment_needs_an_encryption_key() -> None:
    settings = Settings.model_validate({"DATABASE_URL": "postgresql+asyncpg://db/ledgerport"})
    with pytest.raises(ValueError, match="LEDGERPORT_ENCRYPTION_KEY"):
        _ = settings.fernet_key


def test_embedded_default_generates_one_private_key_and_keeps_it(tmp_path: Path) -> None:
    key_file = tmp_path / "var" / "key"
    settings = Settings.model_validate({"LEDGERPORT_KEY_FILE": str(key_file)})
    first = settings.fernet_key
    again = Settings.model_validate({"LEDGERPORT_KEY_FILE": str(key_file)}).fernet_key
    assert first == again
    assert key_file.stat().st_mode & 0o077 == 0


def test_tokens_are_encrypted_and_only_masked_in_text() -> None:
    cipher = TokenCipher(Fernet.generate_key())
    sealed = cipher.encrypt("eyJ-secret-access-token")
    assert b"secret" not in sealed
    assert cipher.decrypt(sealed) == "eyJ-secret-access-token"
    assert "secret" not in mask("eyJ-secret-access-token")
    with pytest.raises(ValueError):
        TokenCipher(Fernet.generate_key()).decrypt(sealed)

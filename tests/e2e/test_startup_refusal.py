"""Without LEDGERPORT_SANDBOX=1 and the real QBO and Shopify settings, each way of starting
LedgerPort stops at once with one line naming what is missing; rendering OpenAPI still works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.e2e.test_walking_skeleton import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
REFUSAL = (
    "LedgerPort will not start: missing QBO_API_BASE, QBO_CLIENT_ID, QBO_CLIENT_SECRET, "
    "QBO_REDIRECT_URI, SHOPIFY_CLIENT_ID, SHOPIFY_CLIENT_SECRET, SHOPIFY_REDIRECT_URI "
    "(set them for the real QuickBooks Online and Shopify, or set LEDGERPORT_SANDBOX=1 for the "
    "sandbox)"
)
ENTRY_POINTS = {
    "uvicorn factory": ["-m", "uvicorn", "app.api.main:create_app", "--factory", "--port"],
    "worker": ["-m", "app.cli", "worker"],
    "run": ["-m", "app.cli", "run", "--port"],
}


def _nothing_set(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh machine: none of LedgerPort's own settings, and a working
    directory without a .env."""
    prefixes = ("QBO_", "SHOPIFY_", "LEDGERPORT_", "DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'ledgerport.db'}"
    return env


def _start(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    try:
        done = subprocess.run(
            [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{args} started instead of refusing") from exc
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_each_entry_point_refuses_in_one_line(entry: str, tmp_path: Path) -> None:
    args = ENTRY_POINTS[entry]
    args = [*args, str(free_port())] if args[-1] == "--port" else args
    env = _nothing_set(tmp_path)
    if entry == "worker":
        env["REDIS_URL"] = REDIS_URL  # what it needs to get as far as the settings
    status, output = _start(args, env, tmp_path)
    assert status != 0
    assert output.strip().splitlines() == [REFUSAL]
    assert not (tmp_path / "ledgerport.db").exists()  # refused before migrating


@pytest.mark.redis
def test_the_arq_command_refuses_at_worker_startup(tmp_path: Path) -> None:
    args = ["-m", "arq", "app.workers.settings.WorkerSettings"]
    status, output = _start(args, _nothing_set(tmp_path), tmp_path)
    assert status != 0
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == REFUSAL


def test_openapi_renders_with_nothing_set(tmp_path: Path) -> None:
    status, output = _start(["-m", "app.cli", "openapi"], _nothing_set(tmp_path), tmp_path)
    assert status == 0, output
    assert json.loads(output) == json.loads((ROOT / "openapi.json").read_text())

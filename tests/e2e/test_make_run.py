"""`make run`: API, worker and sandbox come up with the demo shop, and say where they are."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.demo import DEMO_SHOP
from tests.e2e.test_walking_skeleton import free_port
from tests.harness import order_fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[str, str, list[str]]]:
    api_port, qbo_port, shopify_port = free_port(), free_port(), free_port()
    qbo = f"http://127.0.0.1:{qbo_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBO_", "SHOPIFY_"))}
    for name in ("REDIS_URL", "DATABASE_URL", "LEDGERPORT_ENCRYPTION_KEY", "MAKEFLAGS"):
        env.pop(name, None)
    env.pop("LEDGERPORT_SANDBOX", None)  # as on a fresh clone: `make run` sets it
    env.update(
        PORT=str(api_port),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'ledgerport.db'}",
        LEDGERPORT_KEY_FILE=str(tmp_path / "var" / "ledgerport.key"),
        QBO_API_BASE=qbo,
        QBO_AUTH_URL=f"{qbo}/connect/oauth2",
        QBO_TOKEN_URL=f"{qbo}/oauth2/v1/tokens/bearer",
        QBO_REVOKE_URL=f"{qbo}/v2/oauth2/tokens/revoke",
        SHOPIFY_API_BASE=f"http://127.0.0.1:{shopify_port}/shops/{{shop}}/admin/api",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            lines = _wait_for_banner(log, process, api_port)
            yield f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{shopify_port}", lines
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode is not None


def _wait_for_banner(log: Path, process: subprocess.Popen[bytes], port: int) -> list[str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if f"Uvicorn running on http://127.0.0.1:{port}" in text:
            return text.splitlines()
        if process.poll() is not None:
            raise AssertionError(f"make run exited {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.2)
    raise AssertionError("make run did not finish starting within 120 s")


def test_make_run_serves_the_api_docs_errors_and_a_working_demo_shop(
    make_run: tuple[str, str, list[str]],
) -> None:
    api, shopify, lines = make_run
    banner = "\n".join(lines)
    assert f"{api}/docs" in banner
    assert "worker" in banner and DEMO_SHOP in banner
    key = next(line.split()[3] for line in lines if line.startswith("demo API key"))

    assert httpx.get(f"{api}/docs").status_code == 200
    codes = [e["code"] for e in httpx.get(f"{api}/v1/errors").json()["items"]]
    assert len(codes) == 10

    sent = httpx.post(f"{shopify}/_sandbox/shops/{DEMO_SHOP}/orders", json=order_fixture())
    assert sent.status_code == 201, sent.text
    auth = {"Authorization": f"Bearer {key}"}
    deadline = time.monotonic() + 10
    statuses: list[str] = []
    while time.monotonic() < deadline and "synced" not in statuses:
        time.sleep(0.2)
        log = httpx.get(f"{api}/v1/shops/{DEMO_SHOP}/audit-log", headers=auth).json()
        statuses = [entry["status"] for entry in log["items"]]
    assert statuses == ["synced"]

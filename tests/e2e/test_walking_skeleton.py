"""Real processes on loopback ports: sandbox servers, the API under uvicorn and the worker.

A signed orders/create webhook goes over HTTP from the sandbox Shopify to the API; within 10 s
the QBO sandbox holds the sales receipt and the audit log says `synced`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from app.cli import wait_for
from app.demo import DEMO_REALM, DEMO_SHOP
from tests.conftest import REDIS_URL, _pg, _pg_url
from tests.harness import order_fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    api: str
    qbo: str
    shopify: str
    api_key: str


def _environment(database_url: str, qbo: str, redis: str | None, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBO_", "SHOPIFY_"))}
    env.update(
        DATABASE_URL=database_url,
        LEDGERPORT_SANDBOX="1",
        QBO_API_BASE=qbo,
        QBO_AUTH_URL=f"{qbo}/connect/oauth2",
        QBO_TOKEN_URL=f"{qbo}/oauth2/v1/tokens/bearer",
        QBO_REVOKE_URL=f"{qbo}/v2/oauth2/tokens/revoke",
        LEDGERPORT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        LEDGERPORT_KEY_FILE=str(tmp / "key"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    return env


@pytest.fixture(params=["embedded-sqlite", "postgres-arq"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    processes: list[subprocess.Popen[bytes]] = []
    database = f"ledgerport_e2e_{uuid.uuid4().hex[:8]}"
    production = request.param == "postgres-arq"
    if production:
        _pg(f'CREATE DATABASE "{database}"')
        database_url, redis = _pg_url(database), REDIS_URL
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    else:
        database_url, redis = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}", None
    api_port, qbo_port, shopify_port = free_port(), free_port(), free_port()
    api, qbo = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{qbo_port}"
    env = _environment(database_url, qbo, redis, tmp_path)
    logs = (tmp_path / "logs").open("wb")

    def start(*args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT
        )
        processes.append(process)
        return process

    try:
        sandbox = start(
            "-m",
            "ledgerport_sandbox",
            "--host",
            "127.0.0.1",
            "--qbo-port",
            str(qbo_port),
            "--shopify-port",
            str(shopify_port),
            "--realm",
            DEMO_REALM,
            "--webhook-address",
            f"{api}/webhooks/shopify",
        )
        wait_for(f"{qbo}/_sandbox/health", process=sandbox)
        subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        seeded = subprocess.run(
            [sys.executable, "-m", "app.cli", "seed-demo"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        server = start(
            "-m",
            "uvicorn",
            "app.api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(api_port),
        )
        if production:
            start("-m", "app.cli", "worker")
        wait_for(f"{api}/healthz", process=server)
        yield Stack(api, qbo, f"http://127.0.0.1:{shopify_port}", seeded.stdout.strip())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()
        if production:
            _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_signed_webhook_over_http_lands_in_qbo_and_the_audit_log(stack: Stack) -> None:
    auth = {"Authorization": f"Bearer {stack.api_key}"}
    delivered = httpx.post(
        f"{stack.shopify}/_sandbox/shops/{DEMO_SHOP}/orders", json=order_fixture(), timeout=10
    )
    assert delivered.status_code in (200, 201), delivered.text

    deadline = time.monotonic() + 10
    receipts: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    while time.monotonic() < deadline and not (receipts and entries):
        time.sleep(0.2)
        receipts = httpx.get(
            f"{stack.qbo}/_sandbox/realms/{DEMO_REALM}/records/SalesReceipt"
        ).json()
        log = httpx.get(f"{stack.api}/v1/shops/{DEMO_SHOP}/audit-log", headers=auth).json()
        entries = [e for e in log["items"] if e["status"] == "synced"]

    assert len(receipts) == 1, "no sales receipt in the QBO sandbox within 10 s"
    assert len(entries) == 1, "no synced audit entry within 10 s"
    assert entries[0]["qbo_id"] == receipts[0]["Id"]
    assert entries[0]["label"] == "#1001"

"""`make run`: API, worker and sandbox come up with the demo shop on the ports the settings
name, say where they are, refuse a busy port in one line, and stop quietly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.demo import DEMO_SHOP
from tests.e2e.test_walking_skeleton import free_port
from tests.harness import order_fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
PORTS = ("PORT", "SANDBOX_QBO_PORT", "SANDBOX_SHOPIFY_PORT")
MAKE_ERROR = re.compile(r"^make(\[\d+\])?: \*\*\*")


@dataclass
class Running:
    api: str
    shopify: str
    lines: list[str]
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def key(self) -> str:
        return next(line.split()[3] for line in self.lines if line.startswith("demo API key"))

    def connections(self) -> dict[str, str]:
        items = self.call("GET", "/connections").json()["items"]
        return {c["provider"]: c["status"] for c in items}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.api}/v1/shops/{DEMO_SHOP}{path}"
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.request(method, url, headers=headers, timeout=10, **kwargs)


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A fresh clone's environment (no LedgerPort settings; `make run` sets the sandbox),
    with a database of its own and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBO_", "SHOPIFY_"))}
    for name in (
        "REDIS_URL",
        "DATABASE_URL",
        "LEDGERPORT_ENCRYPTION_KEY",
        "MAKEFLAGS",
        "MAKELEVEL",
    ):
        env.pop(name, None)
    env.pop("LEDGERPORT_SANDBOX", None)
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'ledgerport.db'}",
        LEDGERPORT_KEY_FILE=str(tmp_path / "var" / "ledgerport.key"),
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return env


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """Starts `make run` with its ports on free ones (and `settings`), until the test ends."""
    started: list[subprocess.Popen[bytes]] = []

    def _start(**settings: str) -> Running:
        ports = {name: str(free_port()) for name in PORTS}
        env = _environment(tmp_path, **{**ports, **settings})
        log = tmp_path / f"make-run-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["make", "--no-print-directory", "run"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        api_port = env["PORT"]
        lines = _wait_for_banner(log, process, api_port)
        api, shopify = (
            f"http://127.0.0.1:{api_port}",
            f"http://127.0.0.1:{env['SANDBOX_SHOPIFY_PORT']}",
        )
        return Running(api, shopify, lines, log, process)

    yield _start
    for process in started:
        _interrupt(process)


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a terminal sends it: SIGINT to the whole foreground process group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def _wait_for_banner(log: Path, process: subprocess.Popen[bytes], port: str) -> list[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if f"Uvicorn running on http://127.0.0.1:{port}" in text:
            return text.splitlines()
        if process.poll() is not None:
            raise AssertionError(f"make run exited {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.2)
    raise AssertionError("make run did not finish starting within 60 s")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_make_run_serves_the_api_docs_errors_and_a_working_demo_shop(start: Any) -> None:
    run: Running = start()
    banner = "\n".join(run.lines)
    assert f"LedgerPort API   {run.api}" in banner  # on PORT
    assert f"{run.api}/docs" in banner
    assert f"sandbox Shopify  {run.shopify}" in banner
    assert "/v3/company/" in banner  # the demo company, not only the sandbox's base
    assert "worker" in banner and DEMO_SHOP in banner

    assert httpx.get(f"{run.api}/docs").status_code == 200
    codes = [e["code"] for e in httpx.get(f"{run.api}/v1/errors").json()["items"]]
    assert len(codes) == 10

    sent = httpx.post(f"{run.shopify}/_sandbox/shops/{DEMO_SHOP}/orders", json=order_fixture())
    assert sent.status_code == 201, sent.text
    deadline = time.monotonic() + 10
    statuses: list[str] = []
    while time.monotonic() < deadline and "synced" not in statuses:
        time.sleep(0.2)
        log = run.call("GET", "/audit-log").json()
        statuses = [entry["status"] for entry in log["items"]]
    assert statuses == ["synced"]


def test_a_date_range_sync_in_the_demo_finds_the_demo_orders(start: Any) -> None:
    run: Running = start()
    connections = run.connections()
    assert connections == {"quickbooks": "healthy", "shopify": "healthy"}

    since = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    started = run.call("POST", "/sync", json={"since": since})
    assert started.status_code == 202, started.text
    report = _finished(run, started.json()["run_id"])

    assert report["status"] == "done", report
    assert report["found"] >= 3
    synced = _records(run, report["found"])
    assert sorted(r["label"] for r in synced) == ["#901", "#902", "#903"]


def _finished(run: Running, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        report: dict[str, Any] = run.call("GET", f"/runs/{run_id}").json()
        if report["status"] != "running" or time.monotonic() > deadline:
            return report
        time.sleep(0.2)


def _records(run: Running, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        items: list[dict[str, Any]] = run.call("GET", "/records").json()["items"]
        synced = [r for r in items if r["status"] == "synced"]
        if len(synced) >= count or time.monotonic() > deadline:
            return synced
        time.sleep(0.2)


@pytest.mark.parametrize("setting", ["PORT", "SANDBOX_QBO_PORT", "SANDBOX_SHOPIFY_PORT"])
def test_a_busy_port_is_one_line_naming_the_setting(setting: str, tmp_path: Path) -> None:
    ports = {name: str(free_port()) for name in PORTS}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(ports[setting])))
        holder.listen()
        done = subprocess.run(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=_environment(tmp_path, **ports),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert done.returncode != 0
    # make adds its own line about the failed recipe; ours is the only other one.
    # make's own "make: *** … Error 1" (or "make[1]: ***" when make runs inside make, as in CI).
    ours = [line for line in done.stderr.splitlines() if not MAKE_ERROR.match(line)]
    assert len(ours) == 1, done.stderr
    assert f"port {ports[setting]} is in use" in ours[0] and f"set {setting} " in ours[0]
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "var" / "ledgerport.db").exists()  # refused before anything started
    others = [int(port) for name, port in ports.items() if name != setting]
    assert not any(_listening(port) for port in others)


def test_ctrl_c_stops_every_process_without_a_traceback(start: Any) -> None:
    run: Running = start()
    shopify_port = int(run.shopify.rsplit(":", 1)[1])

    _interrupt(run.process)

    text = run.log.read_text(errors="replace")
    assert "Traceback" not in text and "CancelledError" not in text, text[-3000:]
    assert not _listening(shopify_port)  # the sandbox stopped with it


def test_a_sigterm_to_the_process_group_stops_the_sandbox_too(start: Any) -> None:
    """As a supervisor or `kill -- -PGID` stops it (the trial left the sandbox running)."""
    run: Running = start()
    shopify_port = int(run.shopify.rsplit(":", 1)[1])

    os.killpg(run.process.pid, signal.SIGTERM)
    run.process.wait(timeout=15)

    deadline = time.monotonic() + 15
    while _listening(shopify_port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening(shopify_port)


def test_the_sandbox_serves_shopify_only_when_qbo_is_another_server(start: Any) -> None:
    elsewhere = f"http://127.0.0.1:{free_port()}"
    run: Running = start(
        QBO_API_BASE=elsewhere,
        QBO_AUTH_URL=f"{elsewhere}/connect/oauth2",
        QBO_TOKEN_URL=f"{elsewhere}/oauth2/v1/tokens/bearer",
        QBO_REVOKE_URL=f"{elsewhere}/v2/oauth2/tokens/revoke",
    )
    banner = "\n".join(run.lines)
    assert "QBO sandbox" not in banner and "sandbox QBO" not in banner
    assert f"QuickBooks       {elsewhere}  (QBO_API_BASE; not the sandbox)" in banner
    assert f"POST {run.api}/v1/shops/{DEMO_SHOP}/connections/quickbooks/authorize" in banner

    connections = run.connections()
    assert connections == {"quickbooks": "not_connected", "shopify": "healthy"}
    # The authorize action the banner names leads to the QBO server the settings name.
    link = run.call("POST", "/connections/quickbooks/authorize").json()["authorize_url"]
    opened = httpx.get(link)
    assert opened.status_code == 302, opened.text
    assert opened.headers["location"].startswith(f"{elsewhere}/connect/oauth2?")

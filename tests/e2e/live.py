"""Real processes for end-to-end tests, and a fresh shop per test set up over HTTP alone.

`running_stack` starts the sandbox (QBO and Shopify), migrates, and starts the API under
uvicorn (with the in-process worker on SQLite, or an arq worker process on PostgreSQL + Redis),
each on a free loopback port. `new_shop` installs a new shop the way a merchant does: Shopify
opens our app URL, the sandbox Shopify consents and sends the browser back to our callback
(which answers the shop's API key), then the shop connects its own new sandbox QBO company
through Intuit's OAuth. Nothing here reaches into the database or the app's Python objects.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from app.cli import wait_for
from ledgerport_sandbox.shopify_oauth import query_hmac
from tests.conftest import REDIS_URL, _pg, _pg_url
from tests.e2e.test_walking_skeleton import ROOT, _environment, free_port

SHOPIFY_SECRET = "sandbox-shopify-secret"  # the sandbox's and the sandbox settings' default
Json = dict[str, Any]


@dataclass
class Stack:
    api: str
    qbo: str
    shopify: str
    logs: Path
    http: httpx.Client
    env: dict[str, str] = field(default_factory=dict)
    start_api: Callable[[Mapping[str, str]], subprocess.Popen[bytes]] | None = None
    api_process: subprocess.Popen[bytes] | None = None

    def log_tail(self, chars: int = 6000) -> str:
        return self.logs.read_text(errors="replace")[-chars:]

    def cli(self, *args: str) -> str:
        """`python -m app.cli …` run with the stack's environment (its database); its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"app.cli {' '.join(args)}: {done.stderr}"
        return done.stdout

    def restart_api(self, **settings: str) -> None:
        """Stops the API process and starts it again on the same port and database with
        `settings` added to the stack's environment (e.g. LEDGERPORT_CLOCK_OFFSET="10d"), as
        an operator restarting the service would. The sandboxes, and a worker process if
        there is one, keep running as they were."""
        assert self.start_api is not None and self.api_process is not None
        self.api_process.terminate()
        self.api_process.wait(timeout=10)
        self.api_process = self.start_api(settings)
        wait_for(f"{self.api}/healthz", process=self.api_process)


@contextmanager
def running_stack(
    tmp: Path,
    *,
    production: bool,
    sweep_interval_s: float = 1e9,
    settings: Mapping[str, str] | None = None,
    worker: bool = True,
) -> Iterator[Stack]:
    """The processes, until the block ends. The sweep's interval is long by default, so that
    no sweep runs while a test watches records heal; `settings` adds environment variables;
    without `worker`, a production stack starts no worker process (the test starts its own)."""
    processes: list[subprocess.Popen[bytes]] = []
    database = f"ledgerport_e2e_{uuid.uuid4().hex[:8]}"
    if production:
        _pg(f'CREATE DATABASE "{database}"')
        database_url, redis = _pg_url(database), REDIS_URL
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    else:
        database_url, redis = f"sqlite+aiosqlite:///{tmp / 'e2e.db'}", None
    api_port, qbo_port, shopify_port = free_port(), free_port(), free_port()
    api, qbo = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{qbo_port}"
    shopify = f"http://127.0.0.1:{shopify_port}"
    env = _environment(database_url, qbo, redis, tmp)
    env.update(
        SHOPIFY_API_BASE=f"{shopify}/shops/{{shop}}/admin/api",
        SHOPIFY_REDIRECT_URI=f"{api}/v1/shopify/callback",
        QBO_REDIRECT_URI=f"{api}/v1/connections/quickbooks/callback",
        LEDGERPORT_SWEEP_INTERVAL_S=str(sweep_interval_s),
    )
    env.update(settings or {})
    log_path = tmp / "processes.log"
    logs = log_path.open("wb")

    def start(*args: str, env: Mapping[str, str] = env) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT
        )
        processes.append(process)
        return process

    http = httpx.Client(timeout=10)
    try:
        sandbox = start(
            "-m", "ledgerport_sandbox", "--host", "127.0.0.1",
            "--qbo-port", str(qbo_port), "--shopify-port", str(shopify_port),
            "--webhook-address", f"{api}/webhooks/shopify", "--log-level", "warning",
        )  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )

        def start_api(extra: Mapping[str, str]) -> subprocess.Popen[bytes]:
            return start(
                "-m", "uvicorn", "app.api.main:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(api_port), "--log-level", "warning",
                "--no-server-header", "--no-access-log", env={**env, **extra},
            )  # fmt: skip

        server = start_api({})
        if production and worker:
            start("-m", "app.cli", "worker")
        wait_for(f"{qbo}/_sandbox/health", process=sandbox)
        wait_for(f"{api}/healthz", process=server)
        yield Stack(api, qbo, shopify, log_path, http, env, start_api, server)
    finally:
        http.close()
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


@dataclass
class LiveShop:
    """One shop of the running service, with its own QBO company, driven over HTTP."""

    stack: Stack
    domain: str
    realm: str
    api_key: str

    # -- LedgerPort's API ---------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`path` under /v1/shops/{shop}, with the shop's key (and any `headers` given)."""
        url = f"{self.stack.api}/v1/shops/{self.domain}{path}"
        headers = {"Authorization": f"Bearer {self.api_key}", **kwargs.pop("headers", {})}
        return self.stack.http.request(method, url, headers=headers, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Json:
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.text}"
        body: Json = response.json()
        return body

    def record(self, order_id: int) -> Json | None:
        response = self.call("GET", f"/records/order/{order_id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body

    def wait_for_records(
        self,
        order_ids: list[int],
        done: Callable[[Json], bool],
        seconds: float = 15.0,
    ) -> dict[int, Json]:
        """Polls the records API until each order's record satisfies `done`."""
        deadline = time.monotonic() + seconds
        found: dict[int, Json | None] = {}
        while True:
            found = {oid: self.record(oid) for oid in order_ids}
            if all(r is not None and done(r) for r in found.values()):
                return {oid: r for oid, r in found.items() if r is not None}
            if time.monotonic() > deadline:
                states = {oid: r and (r["status"], r["error_code"]) for oid, r in found.items()}
                raise AssertionError(
                    f"records not there within {seconds:.0f} s: {states}\n{self.stack.log_tail()}"
                )
            time.sleep(0.05)

    def settled(self, order_ids: list[int], seconds: float = 15.0) -> dict[int, Json]:
        """Waits until each order has been attempted and is no longer pending."""
        return self.wait_for_records(
            order_ids, lambda r: r["status"] != "pending" and r["attempts"] > 0, seconds
        )

    def consent_quickbooks(self, start_link: str) -> None:
        """The browser opens our single-use start link and the person approves, at Intuit's
        consent page, access to the shop's company."""
        http = self.stack.http
        opened = http.get(start_link)
        assert opened.status_code == 302, opened.text
        consented = http.get(f"{opened.headers['location']}&realmId={quote(self.realm)}")
        assert consented.status_code == 302, consented.text
        connected = http.get(consented.headers["location"])
        assert connected.status_code == 200, connected.text

    # -- the sandbox Shopify -------------------------------------------------------------

    def send_order(self, payload: Mapping[str, Any], topic: str = "orders/create") -> None:
        """The sandbox Shopify stores the order and delivers it, signed, to our webhook."""
        url = f"{self.stack.shopify}/_sandbox/shops/{self.domain}/orders"
        sent = self.stack.http.post(url, params={"topic": topic}, json=dict(payload))
        assert sent.status_code == 201, sent.text
        assert sent.json()["status"] == 200, sent.json()

    # -- the sandbox QBO company ---------------------------------------------------------

    def qbo_add(self, entity: str, record: Mapping[str, Any]) -> str:
        url = f"{self.stack.qbo}/_sandbox/realms/{self.realm}/records/{entity}"
        added = self.stack.http.post(url, json=dict(record))
        assert added.status_code == 201, added.text
        return str(added.json()["Id"])

    def qbo_list(self, entity: str) -> list[Json]:
        url = f"{self.stack.qbo}/_sandbox/realms/{self.realm}/records/{entity}"
        listed = self.stack.http.get(url)
        assert listed.status_code == 200, listed.text
        rows: list[Json] = listed.json()
        return rows

    def qbo_find(self, entity: str, name: str) -> str:
        return next(str(r["Id"]) for r in self.qbo_list(entity) if r.get("Name") == name)

    def qbo_set_active(self, entity: str, record_id: str, active: bool) -> None:
        """As a person making the record inactive (or active again) in QBO's screens."""
        url = f"{self.stack.qbo}/_sandbox/realms/{self.realm}/records/{entity}/{record_id}/active"
        changed = self.stack.http.post(url, json={"active": active})
        assert changed.status_code == 200, changed.text

    def qbo_admin(self, path: str, body: Mapping[str, Any]) -> Json:
        """POSTs to the sandbox QBO's admin route `/_sandbox{path}`."""
        answer = self.stack.http.post(f"{self.stack.qbo}/_sandbox{path}", json=dict(body))
        assert answer.status_code in (200, 201, 204), answer.text
        return dict(answer.json()) if answer.content else {}

    def receipts(self) -> dict[str, Json]:
        """The company's sales receipts by document number."""
        return {str(r["DocNumber"]): r for r in self.qbo_list("SalesReceipt")}


def new_shop(
    stack: Stack, name: str = "heal", company: Mapping[str, Any] | None = None
) -> LiveShop:
    """A new shop, installed from Shopify and connected to a new QBO company of its own,
    created with the sandbox's `company` options (country, multicurrency, …)."""
    domain = f"{name}-{uuid.uuid4().hex[:10]}.myshopify.com"
    realm = str(9_340_000_000_000_000 + uuid.uuid4().int % 10**12)
    http = stack.http
    created = http.post(f"{stack.qbo}/_sandbox/realms/{realm}", json=dict(company or {}))
    assert created.status_code == 201, created.text

    # Shopify opens the app URL (signed), we redirect to the consent page, Shopify comes back.
    host = base64.urlsafe_b64encode(f"{domain}/admin".encode()).decode().rstrip("=")
    query = {"shop": domain, "timestamp": str(int(time.time())), "host": host}
    query["hmac"] = query_hmac(query, SHOPIFY_SECRET)
    begun = http.get(f"{stack.api}/v1/shopify/install", params=query)
    assert begun.status_code == 302, begun.text
    consented = http.get(begun.headers["location"])
    assert consented.status_code == 302, consented.text
    installed = http.get(consented.headers["location"])
    assert installed.status_code == 200, installed.text
    shop = LiveShop(stack, domain, realm, installed.json()["api_key"])

    # Connect QuickBooks: the browser opens our start link (which sets the nonce cookie, kept
    # in the client's jar) and the person picks the new company on Intuit's consent page.
    shop.consent_quickbooks(shop.ok("POST", "/connections/quickbooks/authorize")["authorize_url"])
    statuses = {c["provider"]: c["status"] for c in shop.ok("GET", "/connections")["items"]}
    assert statuses == {"quickbooks": "healthy", "shopify": "healthy"}, statuses
    return shop

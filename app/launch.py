"""`python -m app.cli run`: the API, the worker and, with LEDGERPORT_SANDBOX=1, the sandbox
fakes with the demo shop, each on its port, until Ctrl-C."""

from __future__ import annotations

import asyncio
import errno
import json
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.cli import ROOT, demo_key_file, migrate, seed, wait_for
from app.demo import DEMO_REALM, DEMO_SHOP
from app.demo_orders import demo_orders
from app.settings import Settings


def run(settings: Settings, host: str) -> None:
    """Refuses in one line when a port is taken, before starting anything; otherwise serves
    until Ctrl-C and stops every process it started."""
    _refuse_busy_ports(settings, host)
    # uvicorn shuts down on SIGTERM, then raises it again; as a KeyboardInterrupt here it ends
    # in the `finally` below, so the sandbox and the worker stop too (a plain SIGTERM would end
    # this process and leave them running).
    signal.signal(signal.SIGTERM, _interrupt)
    children: list[subprocess.Popen[bytes]] = []
    try:
        migrate(settings)
        key = None
        if settings.sandbox:
            children.append(_start_sandbox(settings, host))
            serves = (settings.sandbox_serves_qbo, _sandbox_serves_shopify(settings))
            key = asyncio.run(seed(settings, with_qbo=serves[0], with_shopify=serves[1]))
        if settings.redis_url:
            children.append(_spawn("app.cli", "worker"))
        _banner(settings, host, key)
        _serve(host, settings.port)
    except KeyboardInterrupt:
        pass  # Ctrl-C while starting: stop what started, quietly
    finally:
        _stop(children)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _serve(host: str, port: int) -> None:
    import uvicorn

    # No server banner; no uvicorn access line (it holds the query string: the app writes
    # its own, without it, see app.api.edges).
    uvicorn.run(
        "app.api.main:create_app",
        factory=True,
        host=host,
        port=port,
        server_header=False,
        access_log=False,
    )


def _ports(settings: Settings, host: str) -> list[tuple[str, int, str]]:
    """(host, port, the setting that moves it) for each server `run` starts."""
    ports = [(host, settings.port, "PORT")]
    if settings.sandbox:
        if settings.sandbox_serves_qbo:
            ports.append(("127.0.0.1", settings.sandbox_qbo_port, "SANDBOX_QBO_PORT"))
        ports.append(("127.0.0.1", settings.sandbox_shopify_port, "SANDBOX_SHOPIFY_PORT"))
    return ports


def _refuse_busy_ports(settings: Settings, host: str) -> None:
    taken: dict[int, str] = {}
    for address, port, name in _ports(settings, host):
        if port in taken:
            raise SystemExit(
                f"LedgerPort will not start: {taken[port]} and {name} are both {port}; "
                f"set {name} to another port"
            )
        taken[port] = name
        if _in_use(address, port):
            raise SystemExit(
                f"LedgerPort will not start: port {port} is in use; stop what holds it or "
                f"set {name} to a free port (e.g. {name}={_free_port()})"
            )


def _in_use(host: str, port: int) -> bool:
    # As uvicorn binds (SO_REUSEADDR): a port left in TIME_WAIT by the last run is free.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C reaches only this process, which stops each child once
    # (a second SIGINT would make uvicorn force its exit, with tracebacks).
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, start_new_session=True)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _sandbox_serves_shopify(settings: Settings) -> bool:
    return settings.shopify_api_base == settings.sandbox_defaults()["shopify_api_base"]


def _start_sandbox(settings: Settings, host: str) -> subprocess.Popen[bytes]:
    """The fakes, with the demo shop's orders in the sandbox Shopify. QBO too unless
    QBO_API_BASE names another server; its only company is the demo's, so its consent page
    (which approves the first company) reconnects the demo shop to its own company."""
    orders = demo_key_file(settings).with_name("demo-orders.json")
    orders.parent.mkdir(parents=True, exist_ok=True)
    orders.write_text(json.dumps(demo_orders(datetime.now(UTC))))
    args = ["ledgerport_sandbox", "--host", "127.0.0.1"]
    args += ["--shopify-port", str(settings.sandbox_shopify_port)]
    args += ["--webhook-address", f"http://{_local(host)}:{settings.port}/webhooks/shopify"]
    args += ["--shopify-client-secret", settings.shopify_client_secret.get_secret_value()]
    args += ["--orders", f"{DEMO_SHOP}={orders}"]
    if settings.sandbox_serves_qbo:
        args += ["--realm", DEMO_REALM, "--qbo-port", str(settings.sandbox_qbo_port)]
        args += ["--qbo-client-id", settings.qbo_client_id]
        args += ["--qbo-client-secret", settings.qbo_client_secret.get_secret_value()]
    else:
        args.append("--shopify-only")
    sandbox = _spawn(*args)
    try:
        wait_for(f"http://127.0.0.1:{settings.sandbox_shopify_port}/_sandbox/health", 20, sandbox)
        if settings.sandbox_serves_qbo:
            wait_for(f"{settings.qbo_api_base}/_sandbox/health", 20, sandbox)
    except RuntimeError as exc:
        _stop([sandbox])
        raise SystemExit(f"LedgerPort will not start: the sandbox did not start ({exc})") from None
    return sandbox


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _banner(settings: Settings, host: str, key: str | None) -> None:
    api = f"http://{_local(host)}:{settings.port}"
    redis = urlsplit(settings.redis_url).hostname if settings.redis_url else None
    lines = [
        f"LedgerPort API   {api}  (PORT)",
        f"API docs         {api}/docs",
        f"worker           {'arq worker on Redis at ' + str(redis) if redis else 'in-process'}",
    ]
    if settings.sandbox:
        lines += _sandbox_lines(settings, api, key)
    lines.append(f"webhooks         POST {api}/webhooks/shopify")
    print("\n".join(lines), flush=True)  # noqa: T201 - the banner is the command's output


def _sandbox_lines(settings: Settings, api: str, key: str | None) -> list[str]:
    shopify = f"http://127.0.0.1:{settings.sandbox_shopify_port}"
    shop = f"{api}/v1/shops/{DEMO_SHOP}"
    lines = [f"sandbox Shopify  {shopify}  (SANDBOX_SHOPIFY_PORT)"]
    if settings.sandbox_serves_qbo:
        company = f"{settings.qbo_api_base}/v3/company/{DEMO_REALM}"
        lines.append(f"sandbox QBO      {settings.qbo_api_base}  (SANDBOX_QBO_PORT)")
        lines.append(f"demo company     {company}  (realm {DEMO_REALM})")
    else:
        lines.append(f"QuickBooks       {settings.qbo_api_base}  (QBO_API_BASE; not the sandbox)")
        lines.append(
            f"connect QBO      POST {shop}/connections/quickbooks/authorize with the demo key, "
            "then open the authorize_url it answers in a browser"
        )
    lines.append(f"demo shop        {DEMO_SHOP}")
    lines.append(f"new demo order   POST {shopify}/_sandbox/shops/{DEMO_SHOP}/orders")
    if key is not None:
        lines.append(f"demo API key     {key}  (also in {demo_key_file(settings)})")
    return lines

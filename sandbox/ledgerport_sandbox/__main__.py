"""Run the fake QBO and fake Shopify side by side: `python -m ledgerport_sandbox --help`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections.abc import Generator, Sequence
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_limits import canonical_kind
from ledgerport_sandbox.shopify import ShopifySandbox

DEFAULT_REALM = "9130350000000001"


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to main(), so two can share a loop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ledgerport_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--qbo-port", type=int, default=8101)
    parser.add_argument("--shopify-port", type=int, default=8102)
    parser.add_argument(
        "--realm",
        action="append",
        dest="realms",
        metavar="REALM_ID",
        help=f"seed a QBO company (repeatable; default {DEFAULT_REALM})",
    )
    parser.add_argument(
        "--webhook-address", default=None, help="where the fake Shopify delivers webhooks"
    )
    parser.add_argument(
        "--shopify-only", action="store_true", help="serve the fake Shopify alone, no QBO"
    )
    parser.add_argument(
        "--orders",
        action="append",
        default=[],
        type=_shop_orders,
        metavar="SHOP=FILE",
        help="start with these orders in a shop (a JSON list, REST shape), no webhook sent",
    )
    parser.add_argument("--qbo-client-id", default="sandbox-client-id")
    parser.add_argument("--qbo-client-secret", default="sandbox-client-secret")
    parser.add_argument("--shopify-client-secret", default="sandbox-shopify-secret")
    parser.add_argument("--log-level", default="info")
    limits = parser.add_argument_group("QBO limits and faults")
    limits.add_argument("--requests-per-minute", type=int, default=500, metavar="N")
    limits.add_argument("--requests-per-second", type=int, default=10, metavar="N")
    limits.add_argument("--max-concurrent", type=int, default=None, metavar="N")
    limits.add_argument("--batch-per-minute", type=int, default=40, metavar="N")
    limits.add_argument(
        "--minute-seconds", type=float, default=60.0, metavar="S", help='length of a "minute"'
    )
    limits.add_argument("--latency-ms", type=float, default=0.0, metavar="MS")
    limits.add_argument(
        "--fault-rate",
        action="append",
        type=_fault_rate,
        default=[],
        metavar="KIND=P",
        help="fail accounting requests at random, e.g. server_error=0.05 (repeatable)",
    )
    limits.add_argument("--seed", type=int, default=None, help="seed for --fault-rate draws")
    return parser.parse_args(argv)


def _fault_rate(text: str) -> tuple[str, float]:
    kind, _, rate = text.partition("=")
    try:
        probability = float(rate)
        if not 0.0 <= probability <= 1.0:
            raise ValueError("the probability must be between 0 and 1")
        return canonical_kind(kind.strip()), probability
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected KIND=PROBABILITY ({exc})") from None


def _shop_orders(text: str) -> tuple[str, list[dict[str, object]]]:
    shop, _, path = text.partition("=")
    try:
        orders = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"expected SHOP=FILE with a JSON list ({exc})") from None
    if not shop or not isinstance(orders, list):
        raise argparse.ArgumentTypeError("expected SHOP=FILE with a JSON list")
    return shop, orders


def build_shopify(args: argparse.Namespace) -> ShopifySandbox:
    """The Shopify sandbox the command line asks for, with its starting orders."""
    shopify = ShopifySandbox(args.shopify_client_secret, webhook_address=args.webhook_address)
    for shop, orders in args.orders:
        for order in orders:
            shopify.create_order(shop, order)
    return shopify


def build_qbo(args: argparse.Namespace) -> QboSandbox:
    """The QBO sandbox the command line asks for."""
    return QboSandbox(
        args.qbo_client_id,
        args.qbo_client_secret,
        seed_realms=args.realms or [DEFAULT_REALM],
        requests_per_minute=args.requests_per_minute,
        requests_per_second=args.requests_per_second,
        max_concurrent=args.max_concurrent,
        batch_per_minute=args.batch_per_minute,
        minute_seconds=args.minute_seconds,
        fault_rates=dict(args.fault_rate),
        latency_ms=args.latency_ms,
        seed=args.seed,
    )


async def serve(args: argparse.Namespace) -> None:
    shopify = build_shopify(args)
    servers = [_server(shopify.app, args.host, args.shopify_port, args.log_level)]
    if not args.shopify_only:
        qbo = build_qbo(args)
        servers.append(_server(qbo.app, args.host, args.qbo_port, args.log_level))
        realms = ", ".join(qbo.realms)
        print(f"QBO sandbox:     http://{args.host}:{args.qbo_port} (realms: {realms})", flush=True)  # noqa: T201
    print(f"Shopify sandbox: http://{args.host}:{args.shopify_port}", flush=True)  # noqa: T201
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop, servers)
    await asyncio.gather(*(server.serve() for server in servers))


def _server(app: ASGIApp, host: str, port: int, log_level: str) -> _Server:
    return _Server(uvicorn.Config(app, host=host, port=port, log_level=log_level))


def _stop(servers: list[_Server]) -> None:
    for server in servers:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()

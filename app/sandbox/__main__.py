"""Run the fake QBO and fake Shopify side by side: `python -m app.sandbox --help`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Generator, Sequence

import uvicorn

from app.sandbox.qbo import QboSandbox
from app.sandbox.shopify import ShopifySandbox

DEFAULT_REALM = "9130350000000001"


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to main(), so two can share a loop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.sandbox", description=__doc__)
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
    parser.add_argument("--qbo-client-id", default="sandbox-client-id")
    parser.add_argument("--qbo-client-secret", default="sandbox-client-secret")
    parser.add_argument("--shopify-client-secret", default="sandbox-shopify-secret")
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    qbo = QboSandbox(
        args.qbo_client_id, args.qbo_client_secret, seed_realms=args.realms or [DEFAULT_REALM]
    )
    shopify = ShopifySandbox(args.shopify_client_secret, webhook_address=args.webhook_address)
    servers = [
        _Server(
            uvicorn.Config(qbo.app, host=args.host, port=args.qbo_port, log_level=args.log_level)
        ),
        _Server(
            uvicorn.Config(
                shopify.app, host=args.host, port=args.shopify_port, log_level=args.log_level
            )
        ),
    ]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop, servers)
    realms = ", ".join(qbo.realms)
    print(f"QBO sandbox:     http://{args.host}:{args.qbo_port} (realms: {realms})", flush=True)  # noqa: T201
    print(f"Shopify sandbox: http://{args.host}:{args.shopify_port}", flush=True)  # noqa: T201
    await asyncio.gather(*(server.serve() for server in servers))


def _stop(servers: list[_Server]) -> None:
    for server in servers:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()

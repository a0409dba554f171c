"""A fake Shopify that stores orders, signs and delivers webhooks, and answers GraphQL.

Deliveries carry exactly Shopify's headers and an HMAC over the raw compact-JSON bytes, so
the webhook endpoint that accepts them accepts Shopify's. Redelivery resends the identical
bytes and headers (same webhook id and event id), like Shopify's retry.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerport_sandbox.shopify_graphql import GraphQLApi, read_graphql_request
from ledgerport_sandbox.shopify_oauth import ShopifyOAuthSandbox
from ledgerport_sandbox.shopify_payments import Payments, payment_routes

JsonDict = dict[str, Any]
_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def sign_webhook(body: bytes, secret: str) -> str:
    """base64(HMAC-SHA256(client secret, raw body)): the X-Shopify-Hmac-Sha256 value."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _triggered_at() -> str:
    stamp = datetime.now(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond:06d}000Z"


@dataclass
class Delivery:
    """One webhook as built once and sent one or more times."""

    id: str
    topic: str
    shop_domain: str
    address: str
    headers: dict[str, str]
    body: bytes
    statuses: list[int | None] = field(default_factory=list)

    @property
    def status(self) -> int | None:
        return self.statuses[-1] if self.statuses else None


class ShopifySandbox:
    """Orders per shop, a delivery log, and the ASGI app (`.app`) exposing both."""

    def __init__(
        self,
        client_secret: str = "sandbox-shopify-secret",
        api_version: str = "2025-07",
        *,
        webhook_address: str | None = None,
        access_token: str = "shpat_sandbox_access_token",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        client_id: str = "sandbox-shopify-client",
    ) -> None:
        self.client_secret, self.api_version = client_secret, api_version
        self.webhook_address, self.access_token = webhook_address, access_token
        self.transport, self.timeout = transport, timeout  # Shopify gives up after 5 s
        self.orders: dict[str, dict[int, JsonDict]] = {}
        self.deliveries: dict[str, Delivery] = {}
        # OAuth codes and tokens; the GraphQL endpoint accepts what it issues (valid_token).
        self.tokens = ShopifyOAuthSandbox(client_id, client_secret)
        # Cost buckets (1000 points, 50/s by default) and bulk operations; tests resize them.
        self.graphql = GraphQLApi()
        self.payments = Payments()  # the shops' currencies and their orders' transactions
        self._order_ids = itertools.count(5_910_000_000_001)
        self.app = Starlette(
            routes=[
                Route("/_sandbox/shops/{shop}/orders", self._post_order, methods=["POST"]),
                *payment_routes(self.orders, self.payments),
                Route("/_sandbox/health", _health, methods=["GET"]),
                Route("/_sandbox/deliveries", self._list_deliveries, methods=["GET"]),
                Route("/_sandbox/deliveries/{id}/redeliver", self._redeliver, methods=["POST"]),
                Route(
                    "/shops/{shop}/admin/api/{version}/graphql.json",
                    self._graphql,
                    methods=["POST"],
                ),
                *self.tokens.routes(),
                Route("/_sandbox/bulk/{id:int}.jsonl", self._bulk_file, methods=["GET"]),
            ]
        )

    def valid_token(self, shop: str, token: str) -> bool:
        """The fixed sandbox token, or a live one issued to `shop` through OAuth."""
        fixed = hmac.compare_digest(token.encode(), self.access_token.encode())
        return fixed or self.tokens.valid(shop, token)

    # -- Python API ---------------------------------------------------------------------

    def build_delivery(
        self,
        topic: str,
        shop_domain: str,
        payload: JsonDict,
        *,
        event_id: str | None = None,
        webhook_id: str | None = None,
        triggered_at: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body exactly as Shopify would POST them."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign_webhook(body, self.client_secret),
            "X-Shopify-Shop-Domain": shop_domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": triggered_at or _triggered_at(),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        }
        return headers, body

    async def deliver(
        self,
        client: httpx.AsyncClient,
        address: str,
        topic: str,
        shop_domain: str,
        payload: JsonDict,
        **kw: str | None,
    ) -> httpx.Response:
        """Build, record and POST one delivery; transport errors propagate after recording."""
        headers, body = self.build_delivery(topic, shop_domain, payload, **kw)
        delivery = Delivery(str(uuid.uuid4()), topic, shop_domain, address, headers, body)
        self.deliveries[delivery.id] = delivery
        return await self._send(client, delivery)

    async def emit(
        self,
        client: httpx.AsyncClient,
        address: str,
        topic: str,
        shop_domain: str,
        payloads: list[JsonDict],
        *,
        drop_rate: float = 0.0,
        duplicate_rate: float = 0.0,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> list[Delivery]:
        """Delivers like a real, imperfect Shopify: some deliveries lost for good (never
        retried), some sent twice, in any order. Every delivery is recorded; a lost one has
        no status."""
        rng = random.Random(seed)
        order = list(payloads)
        if shuffle:
            rng.shuffle(order)
        sent: list[Delivery] = []
        for payload in order:
            headers, body = self.build_delivery(topic, shop_domain, payload)
            delivery = Delivery(str(uuid.uuid4()), topic, shop_domain, address, headers, body)
            self.deliveries[delivery.id] = delivery
            sent.append(delivery)
            if rng.random() < drop_rate:
                continue
            for _ in range(2 if rng.random() < duplicate_rate else 1):
                await self._send(client, delivery)
        return sent

    async def redeliver(self, client: httpx.AsyncClient, delivery_id: str) -> httpx.Response:
        """Resend a recorded delivery byte for byte, headers included."""
        return await self._send(client, self.deliveries[delivery_id])

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> httpx.Response:
        try:
            response = await client.post(
                delivery.address, content=delivery.body, headers=delivery.headers
            )
        except httpx.HTTPError:
            delivery.statuses.append(None)
            raise
        delivery.statuses.append(response.status_code)
        return response

    def create_order(self, shop_domain: str, payload: JsonDict) -> JsonDict:
        """Store an order (REST webhook shape), filling id, gid and name when absent."""
        order: JsonDict = copy.deepcopy(payload)
        order.setdefault("id", next(self._order_ids))
        order_id = int(order["id"])
        order.setdefault("admin_graphql_api_id", f"gid://shopify/Order/{order_id}")
        shop_orders = self.orders.setdefault(shop_domain, {})
        order.setdefault("order_number", 1001 + len(shop_orders))
        order.setdefault("name", f"#{order['order_number']}")
        shop_orders[order_id] = order
        return order

    def set_transactions(self, shop_domain: str, order_id: int, txns: list[JsonDict]) -> None:
        """How the order was paid, as its GraphQL `transactions` will show it."""
        self.payments.set_transactions(shop_domain, order_id, txns)

    def set_currency(self, shop_domain: str, code: str) -> None:
        """The currency the shop sells in (`shop { currencyCode }`); USD until set."""
        self.payments.set_currency(shop_domain, code)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=self.timeout)

    # -- HTTP ---------------------------------------------------------------------------

    async def _post_order(self, request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"errors": "body must be a JSON order"}, 400)
        if not isinstance(payload, dict):
            return JSONResponse({"errors": "body must be a JSON order"}, 400)
        order = self.create_order(request.path_params["shop"], payload)
        if self.webhook_address is None:
            return JSONResponse(
                {"order_id": order["id"], "errors": "no webhook_address configured"}, 409
            )
        topic = request.query_params.get("topic", "orders/create")
        result: JsonDict = {"order_id": order["id"]}
        async with self._client() as client:
            try:
                await self.deliver(
                    client, self.webhook_address, topic, request.path_params["shop"], order
                )
            except httpx.HTTPError as exc:
                result["error"] = f"{type(exc).__name__}: {exc}"
        delivery = list(self.deliveries.values())[-1]
        return JSONResponse({**result, "delivery_id": delivery.id, "status": delivery.status}, 201)

    async def _list_deliveries(self, request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "id": d.id,
                    "topic": d.topic,
                    "shop_domain": d.shop_domain,
                    "address": d.address,
                    "webhook_id": d.headers["X-Shopify-Webhook-Id"],
                    "statuses": d.statuses,
                }
                for d in self.deliveries.values()
            ]
        )

    async def _redeliver(self, request: Request) -> Response:
        delivery_id = request.path_params["id"]
        if delivery_id not in self.deliveries:
            return JSONResponse({"errors": "Not Found"}, 404)
        result: JsonDict = {"delivery_id": delivery_id}
        async with self._client() as client:
            try:
                await self.redeliver(client, delivery_id)
            except httpx.HTTPError as exc:
                result["error"] = f"{type(exc).__name__}: {exc}"
        return JSONResponse({**result, "status": self.deliveries[delivery_id].status})

    async def _graphql(self, request: Request) -> Response:
        token = request.headers.get("x-shopify-access-token", "")
        if not self.valid_token(request.path_params["shop"], token):
            return JSONResponse({"errors": _INVALID_TOKEN}, 401)
        if not _VERSION.match(request.path_params["version"]):
            return JSONResponse({"errors": "Not Found"}, 404)
        query, variables = read_graphql_request(
            await request.body(), request.headers.get("content-type", "")
        )
        if query is None:
            return JSONResponse({"errors": [{"message": "No query string was present"}]}, 400)
        shop = request.path_params["shop"]
        base = str(request.base_url)
        orders = self.orders.get(shop, {})
        body = self.graphql.execute(shop, query, variables, orders, base, self.payments)
        return JSONResponse(body)

    async def _bulk_file(self, request: Request) -> Response:
        op = self.graphql.bulk.operations.get(request.path_params["id"])
        if op is None or op.status != "COMPLETED":
            return JSONResponse({"errors": "Not Found"}, 404)
        return Response(op.jsonl(), media_type="application/jsonl")


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})

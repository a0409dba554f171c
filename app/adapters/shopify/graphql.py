"""Shopify GraphQL Admin API over httpx: orders in the REST webhook shape, paged or in bulk."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from app.adapters.http import json_object, send
from app.adapters.shopify.graphql_rest import (
    BULK_ORDER,
    BULK_POLL,
    BULK_RUN,
    CUSTOMER,
    LINE,
    LINES_PAGE,
    ORDER,
    PRODUCT,
    SHOP_CURRENCY,
    TRANSACTIONS,
    error_text,
    gid,
    order_to_rest,
    place_row,
    throttled,
    updated_range,
)
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
)

Json = dict[str, Any]
MAX_QUERY_COST = 1000  # Shopify refuses any single query requesting more
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_DONE = {"COMPLETED"}
_FAILED = {"FAILED", "CANCELED", "CANCELING", "EXPIRED"}
_LIST = """query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor } nodes { id } } }"""
_NODES = f"query Nodes($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Order {{ {ORDER} }} }} }}"
_ORDER = f"query Order($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"
_MORE_LINES = f"""query Lines($id: ID!, $after: String) {{ order(id: $id) {{
  lineItems(first: {LINES_PAGE}, after: $after) {{
    pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE} }} }} }} }}"""


@dataclass
class _Budget:
    """What Shopify last told us about a shop's bucket, and when."""

    available: float
    maximum: float
    rate: float
    stamp: float


class ShopifyGraphQL:
    """GraphQL Admin API adapter: orders (converted to the REST webhook shape), customers,
    products and bulk exports, for one app across many shops.

    `http` is owned by bootstrap; `api_base` is SHOPIFY_API_BASE (`…/{shop}/admin/api`).
    Cost throttling is handled here: it paces requests on the last `throttleStatus` and, when
    THROTTLED anyway, waits (requested − available) / restoreRate and retries, at most
    `throttle_retries` times. Transport errors and 5xx are retried `attempts` times with
    jitter; then every failure is an `app.domain.faults` exception.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_base: str,
        api_version: str,
        *,
        attempts: int = 3,
        throttle_retries: int = 5,
        poll_initial: float = 1.0,
        poll_max: float = 30.0,
        poll_limit: int = 400,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http, self._base, self._version = http, api_base, api_version
        self._attempts, self._throttle_retries = attempts, throttle_retries
        self._poll = (poll_initial, poll_max, poll_limit)
        self._clock, self._sleep = clock, sleep
        self._budgets: dict[str, _Budget] = {}
        self._unit_cost: dict[str, float] = {}  # last requested cost per query, per unit

    async def order(self, shop: str, token: str, order_id: str | int) -> Json | None:
        """One order in the REST webhook shape (all its line items), or None if unknown."""
        data = await self._graphql(shop, token, _ORDER, {"id": gid("Order", order_id)})
        node = data.get("order")
        return None if node is None else order_to_rest(await self._all_lines(shop, token, node))

    async def orders_updated_between(
        self, shop: str, token: str, since: datetime, until: datetime, page_size: int = 100
    ) -> AsyncIterator[Json]:
        """Orders with since ≤ updated_at < until, oldest update first, each once."""
        variables: Json = {"first": page_size, "after": None, "query": updated_range(since, until)}
        while True:
            page = (await self._graphql(shop, token, _LIST, variables))["orders"]
            ids = [node["id"] for node in page["nodes"]]
            while ids:
                # A full order costs hundreds of points: fetch as many as one query may cost.
                size = self._batch(shop, len(ids))
                data = await self._graphql(shop, token, _NODES, {"ids": ids[:size]}, size)
                for node in data["nodes"]:
                    if node is not None:
                        yield order_to_rest(await self._all_lines(shop, token, node))
                ids = ids[size:]
            if not page["pageInfo"]["hasNextPage"]:
                return
            variables["after"] = page["pageInfo"]["endCursor"]

    async def customer(self, shop: str, token: str, customer_id: str | int) -> Json | None:
        data = await self._graphql(shop, token, CUSTOMER, {"id": gid("Customer", customer_id)})
        found: Json | None = data.get("customer")
        return found

    async def product(self, shop: str, token: str, product_id: str | int) -> Json | None:
        data = await self._graphql(shop, token, PRODUCT, {"id": gid("Product", product_id)})
        found: Json | None = data.get("product")
        return found

    async def order_transactions(self, shop: str, token: str, order_id: str | int) -> list[Json]:
        """The order's transactions (OrderTransaction: id kind status gateway amountSet),
        oldest first; none for an order Shopify does not know."""
        data = await self._graphql(shop, token, TRANSACTIONS, {"id": gid("Order", order_id)})
        order = data.get("order") or {}
        return [txn for txn in order.get("transactions") or [] if isinstance(txn, dict)]

    async def shop_currency(self, shop: str, token: str) -> str:
        """The ISO 4217 code of the currency the shop sells in (its shop money); "" if none."""
        code = (await self._graphql(shop, token, SHOP_CURRENCY, {})).get("shop") or {}
        return str(code.get("currencyCode") or "")

    async def bulk_orders(
        self, shop: str, token: str, since: datetime, until: datetime
    ) -> AsyncIterator[Json]:
        """Start a bulk export of the orders updated in [since, until), poll it, stream it."""
        query = (
            f"{{ orders(query: {json.dumps(updated_range(since, until))}, sortKey: UPDATED_AT) "
            f"{{ edges {{ node {{ {BULK_ORDER} }} }} }} }}"
        )
        started = (await self._graphql(shop, token, BULK_RUN, {"query": query}))[
            "bulkOperationRunQuery"
        ]
        for error in started.get("userErrors") or []:
            if error.get("code") == "OPERATION_IN_PROGRESS":
                raise ExternalUnavailable(str(error.get("message")), status=200)
            raise ExternalRejected(f"bulk query refused: {error.get('message')}", status=200)
        url = await self._wait_for(shop, token, started["bulkOperation"]["id"])
        if url is not None:
            for order in await self._download(url):
                yield order_to_rest(order)

    async def _wait_for(self, shop: str, token: str, op_id: str) -> str | None:
        delay, longest, limit = self._poll
        for _ in range(limit):
            await self._sleep(delay)
            node = (await self._graphql(shop, token, BULK_POLL, {"id": op_id}))["node"] or {}
            if node.get("status") in _DONE:
                url: str | None = node.get("url")
                return url
            if node.get("status") in _FAILED:
                raise ExternalUnavailable(f"bulk operation {op_id}: {node.get('errorCode')}")
            delay = min(delay * 2, longest)
        raise ExternalUnavailable(f"bulk operation {op_id} still running", retry_after=longest)

    async def _download(self, url: str) -> list[Json]:
        # Children follow their parent but not always right after it: a parent is complete
        # only at the end of the file.
        orders: dict[str, Json] = {}
        try:
            async with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise ExternalUnavailable("bulk result download failed", status=200)
                async for line in response.aiter_lines():
                    if line.strip():
                        place_row(orders, json.loads(line))
        except httpx.RequestError as exc:
            raise ExternalUnavailable(f"bulk download failed ({type(exc).__name__})") from exc
        return list(orders.values())

    async def _all_lines(self, shop: str, token: str, node: Json) -> Json:
        lines = node["lineItems"]
        while lines["pageInfo"]["hasNextPage"]:
            variables = {"id": node["id"], "after": lines["pageInfo"]["endCursor"]}
            more = (await self._graphql(shop, token, _MORE_LINES, variables))["order"]["lineItems"]
            lines = {"pageInfo": more["pageInfo"], "nodes": lines["nodes"] + more["nodes"]}
        return {**node, "lineItems": lines}

    def _batch(self, shop: str, wanted: int) -> int:
        unit = self._unit_cost.get(_NODES)
        budget = self._budgets.get(shop)
        if unit is None or budget is None:
            return 1  # learn the per-order cost from one order first
        ceiling = min(MAX_QUERY_COST, budget.maximum)
        return max(1, min(wanted, int(ceiling // unit)))

    async def _graphql(
        self, shop: str, token: str, query: str, variables: Json, units: int = 1
    ) -> Json:
        wait = 0.0
        for _ in range(self._throttle_retries + 1):
            await self._pace(shop, query, units)
            body = await self._post(shop, token, query, variables)
            cost = (body.get("extensions") or {}).get("cost") or {}
            self._remember(shop, query, units, cost)
            errors = body.get("errors")
            if not errors:
                data: Json = body.get("data") or {}
                return data
            if not throttled(errors):
                raise ExternalRejected(error_text(errors), status=200)
            # At least 50 ms: THROTTLED with a zero shortfall means our view is a hair stale.
            wait = max(0.05, self._shortfall(shop, float(cost.get("requestedQueryCost") or 0)))
            await self._sleep(wait)
        raise ExternalRateLimited("Shopify kept throttling the shop", status=200, retry_after=wait)

    async def _pace(self, shop: str, query: str, units: int) -> None:
        unit = self._unit_cost.get(query)
        if unit is not None and shop in self._budgets:
            wait = self._shortfall(shop, unit * units)
            if wait > 0:
                await self._sleep(wait)

    def _shortfall(self, shop: str, needed: float) -> float:
        budget = self._budgets.get(shop)
        if budget is None or budget.rate <= 0:
            return 1.0
        elapsed = max(0.0, self._clock() - budget.stamp)
        available = min(budget.maximum, budget.available + elapsed * budget.rate)
        # Rounded up to 10 ms: arriving a hair early would only earn another THROTTLED.
        return max(0.0, math.ceil((needed - available) / budget.rate * 100) / 100)

    def _remember(self, shop: str, query: str, units: int, cost: Json) -> None:
        status = cost.get("throttleStatus")
        if isinstance(status, dict):
            self._budgets[shop] = _Budget(
                float(status["currentlyAvailable"]),
                float(status["maximumAvailable"]),
                float(status["restoreRate"]),
                self._clock(),
            )
        if cost.get("requestedQueryCost") is not None:
            self._unit_cost[query] = float(cost["requestedQueryCost"]) / max(units, 1)

    async def _post(self, shop: str, token: str, query: str, variables: Json) -> Json:
        if not _SHOP.match(shop):
            raise ValueError("shop must be a *.myshopify.com domain")
        url = f"{self._base.format(shop=shop)}/{self._version}/graphql.json"
        headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=_retry_wait,
            retry=retry_if_exception_type(ExternalUnavailable),
            sleep=self._sleep,
            reraise=True,
        )
        return await retrying(self._send, url, headers, {"query": query, "variables": variables})

    async def _send(self, url: str, headers: dict[str, str], payload: Json) -> Json:
        response = await send(self._http.post(url, json=payload, headers=headers), "Shopify")
        status = response.status_code
        if status in (401, 403):
            raise ExternalAuthExpired("Shopify refused the access token", status=status)
        if status == 429:
            after = response.headers.get("Retry-After")
            raise ExternalRateLimited("Shopify 429", status=429, retry_after=float(after or 2))
        if status >= 500:
            raise ExternalUnavailable(f"Shopify answered {status}", status=status)
        if status >= 400:
            raise ExternalRejected(f"Shopify answered {status}: {response.text[:200]}", status)
        return json_object(response, "Shopify")


_backoff = wait_random_exponential(multiplier=0.5, max=5.0)


def _retry_wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, ExternalUnavailable) and exc.retry_after is not None:
        return exc.retry_after
    return float(_backoff(state))

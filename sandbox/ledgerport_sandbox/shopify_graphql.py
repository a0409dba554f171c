"""A deliberately small GraphQL Admin API over the sandbox's stored (REST-shaped) orders.

Roots: order, orders (cursor pages, `query:` on updated_at/created_at, sortKey), nodes,
node, customer, product, shop, currentBulkOperation and the bulkOperationRunQuery mutation. Each
request is charged its calculated cost against a leaky bucket per shop; over budget it is
answered 200 with a THROTTLED error and no data, as Shopify does.
"""

from __future__ import annotations

import base64
import json
import math
import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledgerport_sandbox.shopify_bulk import BulkStore, flatten
from ledgerport_sandbox.shopify_nodes import Conn, customer_node, order_node, product_node, utc
from ledgerport_sandbox.shopify_payments import Payments
from ledgerport_sandbox.shopify_query import GraphQLError, Selection, cost, node_cost, parse

JsonDict = dict[str, Any]
MAX_QUERY_COST = 1000  # Shopify's single-query limit, whatever the bucket holds
MAX_PAGE = 250
_GID = re.compile(r"^gid://shopify/(\w+)/(\d+)$")
_FILTER = re.compile(r"\b(updated_at|created_at):(>=|<=|>|<)?['\"]?([^'\"\s]+)['\"]?")
_MUTATION_COST = 10
_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass
class Bucket:
    """A leaky bucket of query-cost points for one shop."""

    maximum: float
    rate: float
    available: float
    stamp: float

    def refill(self, now: float) -> None:
        self.available = min(self.maximum, self.available + (now - self.stamp) * self.rate)
        self.stamp = now

    def status(self) -> JsonDict:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": math.floor(self.available * 1000) / 1000,  # never overstate
            "restoreRate": self.rate,
        }


# -- execution --------------------------------------------------------------------------


@dataclass
class _Context:
    shop: str
    orders: dict[int, JsonDict]
    base_url: str
    payments: Payments
    bulk: bool = False
    refund: int = 0


@dataclass
class GraphQLApi:
    """The Admin API endpoint's brain: per-shop cost buckets, roots and bulk operations."""

    maximum_available: float = 1000.0
    restore_rate: float = 50.0
    clock: Callable[[], float] = time.monotonic
    buckets: dict[str, Bucket] = field(default_factory=dict)
    bulk: BulkStore = field(default_factory=BulkStore)

    def bucket(self, shop: str) -> Bucket:
        now = self.clock()
        found = self.buckets.setdefault(
            shop, Bucket(self.maximum_available, self.restore_rate, self.maximum_available, now)
        )
        found.refill(now)
        return found

    def execute(
        self,
        shop: str,
        query: str,
        variables: JsonDict,
        orders: dict[int, JsonDict],
        base: str,
        payments: Payments | None = None,
    ) -> JsonDict:
        """Run one request; returns the full body (`data`/`errors` plus `extensions.cost`)."""
        ctx = _Context(shop, orders, base, payments or Payments())
        try:
            kind, selections = parse(query, variables)
        except GraphQLError as exc:
            return {"errors": [exc.payload]}
        requested = _MUTATION_COST if kind == "mutation" else sum(map(cost, selections))
        requested = max(requested, 1)
        bucket = self.bucket(shop)
        if requested > MAX_QUERY_COST:
            message = f"Query cost is {requested}, which exceeds the single query max cost limit"
            error = GraphQLError(f"{message} ({MAX_QUERY_COST}).", "MAX_COST_EXCEEDED")
            return {"errors": [error.payload], "extensions": _cost(requested, None, bucket)}
        if requested > bucket.available:
            throttled = GraphQLError("Throttled", "THROTTLED")
            return {"errors": [throttled.payload], "extensions": _cost(requested, None, bucket)}
        try:
            data = {s.alias or s.name: self._root(kind, s, ctx) for s in selections}
        except GraphQLError as exc:
            return {"errors": [exc.payload]}
        actual = max(1, requested - ctx.refund) if kind == "query" else requested
        bucket.available -= actual
        return {"data": data, "extensions": _cost(requested, actual, bucket)}

    def _root(self, kind: str, sel: Selection, ctx: _Context) -> Any:
        if kind == "mutation":
            if sel.name != "bulkOperationRunQuery":
                raise _undefined(sel.name, "Mutation")
            return project(self._run_bulk(sel, ctx), sel.children, ctx)
        if sel.name == "shop":
            return project(ctx.payments.shop_node(ctx.shop), sel.children, ctx)
        if sel.name == "currentBulkOperation":
            op = self.bulk.current(ctx.shop)
            return None if op is None else project(op.node(ctx.base_url), sel.children, ctx)
        if sel.name in ("order", "customer", "product", "node"):
            found = self._node(str(sel.args.get("id") or ""), ctx, sel.name)
            return None if found is None else project(found, sel.children, ctx)
        if sel.name == "nodes":
            found_nodes = [self._node(str(i), ctx, "node") for i in sel.args.get("ids") or []]
            return [None if n is None else project(n, sel.children, ctx) for n in found_nodes]
        if sel.name == "orders":
            return connection(_orders(ctx, sel.args), sel, ctx)
        raise _undefined(sel.name, "QueryRoot")

    def _node(self, gid: str, ctx: _Context, root: str) -> JsonDict | None:
        match = _GID.match(gid)
        if match is None:
            raise GraphQLError(f"Invalid global id '{gid}'", "argumentLiteralsIncompatible")
        kind, number = match.group(1), int(match.group(2))
        if root != "node" and kind.lower() != root:
            return None
        if kind == "BulkOperation":
            op = self.bulk.get(ctx.shop, gid)
            return None if op is None else op.node(ctx.base_url)
        finders: dict[str, Callable[[dict[int, JsonDict], int], JsonDict | None]] = {
            "Order": lambda orders, n: _order(ctx, orders[n]) if n in orders else None,
            "Customer": customer_node,
            "Product": product_node,
        }
        finder = finders.get(kind)
        return None if finder is None else finder(ctx.orders, number)

    def _run_bulk(self, sel: Selection, ctx: _Context) -> JsonDict:
        kind, selections = parse(str(sel.args.get("query") or ""), {})
        roots = [s for s in selections if s.name == "orders"]
        if kind != "query" or len(selections) != 1 or not roots:
            return self.bulk.rejected("Bulk queries need exactly one root connection (orders).")
        bulk_ctx = _Context(ctx.shop, ctx.orders, ctx.base_url, ctx.payments, bulk=True)
        page = connection(_orders(ctx, roots[0].args), roots[0], bulk_ctx)
        return self.bulk.start(ctx.shop, flatten(page), ctx.base_url)


def _cost(requested: int, actual: int | None, bucket: Bucket) -> JsonDict:
    status = bucket.status()
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status,
        }
    }


def _undefined(name: str, type_name: str) -> GraphQLError:
    return GraphQLError(f"Field '{name}' doesn't exist on type '{type_name}'", "undefinedField")


def _order(ctx: _Context, order: JsonDict) -> JsonDict:
    return order_node(order, ctx.payments.order_transactions(ctx.shop, order))


def _orders(ctx: _Context, args: JsonDict) -> Conn:
    rows = [_order(ctx, order) for order in ctx.orders.values()]
    sort_key = str(args.get("sortKey") or "ID")
    terms = _FILTER.findall(str(args.get("query") or ""))
    rows = [r for r in rows if all(_matches(r, term) for term in terms)]
    stamp = {"UPDATED_AT": "updatedAt", "CREATED_AT": "createdAt"}.get(sort_key)
    keyed = sorted(([r[stamp] if stamp else "", int(r["legacyResourceId"])], r) for r in rows)
    if args.get("reverse"):
        keyed.reverse()
    return Conn([r for _, r in keyed], [k for k, _ in keyed], reverse=bool(args.get("reverse")))


def _matches(row: JsonDict, term: tuple[str, str, str]) -> bool:
    name, op, raw = term
    value = row["updatedAt" if name == "updated_at" else "createdAt"]
    bound = utc(raw if "T" in raw else f"{raw}T00:00:00+00:00")
    if value is None or bound is None:
        return False
    if not op:  # a bare date matches that whole day
        return bool(value[:10] == bound[:10])
    return bool(_COMPARE[op](value, bound))


def connection(conn: Conn, sel: Selection, ctx: _Context) -> JsonDict:
    """One page of `conn` as `edges`/`nodes`/`pageInfo`, keyed by opaque cursors."""
    size = sel.args.get("first", sel.args.get("last"))
    if size is None and not ctx.bulk:
        raise GraphQLError("you must provide one of first or last", "argumentMissing")
    if size is not None and not 0 <= int(size) <= MAX_PAGE:
        raise GraphQLError(f"first/last must be between 0 and {MAX_PAGE}", "BAD_USER_INPUT")
    keys: list[Any] = conn.keys or [[i] for i in range(len(conn.items))]
    start, after = 0, sel.args.get("after")
    if after:
        key = _decode(str(after))
        start = sum(1 for k in keys if (k >= key if conn.reverse else k <= key))
    limit = len(keys) if size is None else int(size)
    window = list(zip(keys, conn.items, strict=True))[start : start + limit]
    if not ctx.bulk:
        ctx.refund += (limit - len(window)) * node_cost(sel)
    cursors = [_encode(k) for k, _ in window]
    page_info = {
        "__typename": "PageInfo",
        "hasNextPage": start + len(window) < len(keys),
        "hasPreviousPage": start > 0,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }
    edges = [
        {"__typename": "Edge", "cursor": c, "node": item}
        for c, (_, item) in zip(cursors, window, strict=True)
    ]
    shape = {"__typename": "Connection", "edges": edges, "pageInfo": page_info}
    return project({**shape, "nodes": [item for _, item in window]}, sel.children, ctx)


def project(obj: JsonDict, selections: list[Selection], ctx: _Context) -> JsonDict:
    """Keep only the selected fields of a node, resolving nested objects and connections."""
    out: JsonDict = {}
    for sel in selections:
        if sel.name == "...":
            if sel.args["on"] == obj["__typename"]:
                out.update(project(obj, sel.children, ctx))
            continue
        if sel.name not in obj:
            raise _undefined(sel.name, obj["__typename"])
        out[sel.alias or sel.name] = _value(obj[sel.name], sel, ctx)
    return out


def _value(value: Any, sel: Selection, ctx: _Context) -> Any:
    if isinstance(value, Conn):
        return connection(value, sel, ctx)
    if isinstance(value, list):
        return [_value(v, sel, ctx) for v in value]
    if isinstance(value, dict):
        if not sel.children:
            raise GraphQLError(f"Field '{sel.name}' needs a selection of subfields")
        return project(value, sel.children, ctx)
    if sel.children and value is not None:
        raise GraphQLError(f"Selections can't be made on scalars (field '{sel.name}')")
    return value


def _encode(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


def read_graphql_request(raw: bytes, content_type: str) -> tuple[str | None, JsonDict]:
    """(query, variables) of a POST, as Shopify takes it: a JSON body with `query`, or an
    application/graphql body that is the query; None when neither."""
    if content_type.startswith("application/graphql"):
        return raw.decode(), {}
    try:
        payload = json.loads(raw)
    except ValueError:
        return None, {}
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None, {}
    variables = payload.get("variables") or {}
    return payload["query"], variables if isinstance(variables, dict) else {}

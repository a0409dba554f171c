"""What a shop is paid in and how its orders were paid: the `Shop` root (its currency) and each
order's `transactions`, as the GraphQL Admin API shows them.

A test sets an order's transactions in the REST shape (`kind`, `status`, `gateway`, `amount`
or `amount_set`, optional `parent_id`); an order without any set shows what Shopify records
for a one-gateway checkout: one transaction for the order's total on its first gateway,
settled (SALE, SUCCESS) unless the order is still pending (SALE, PENDING) or only authorized
(AUTHORIZATION, SUCCESS). A gift card pays through the gateway "gift_card"; cash change at the
till is a CHANGE transaction.
"""

from __future__ import annotations

import copy
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerport_sandbox.shopify_nodes import bag, gid, utc

JsonDict = dict[str, Any]
KINDS = frozenset(
    {"AUTHORIZATION", "CAPTURE", "CHANGE", "EMV_AUTHORIZATION", "REFUND", "SALE", "VOID"}
    | {"SUGGESTED_REFUND"}
)
STATUSES = frozenset({"AWAITING_RESPONSE", "ERROR", "FAILURE", "PENDING", "SUCCESS", "UNKNOWN"})
_DEFAULT_KIND = {"pending": ("SALE", "PENDING"), "authorized": ("AUTHORIZATION", "SUCCESS")}


@dataclass
class Payments:
    """Per shop: the currency it sells in (USD unless set) and its orders' transactions."""

    currencies: dict[str, str] = field(default_factory=dict)
    transactions: dict[str, dict[int, list[JsonDict]]] = field(default_factory=dict)

    def set_currency(self, shop: str, code: str) -> None:
        self.currencies[shop] = code.upper()

    def set_transactions(self, shop: str, order_id: int, transactions: list[JsonDict]) -> None:
        """Replaces the order's transactions; raises ValueError on a kind or status Shopify
        does not have."""
        for txn in transactions:
            kind, status = str(txn.get("kind", "")).upper(), str(txn.get("status", "")).upper()
            if kind not in KINDS or status not in STATUSES:
                raise ValueError(f"not an OrderTransaction kind/status: {kind}/{status}")
        self.transactions.setdefault(shop, {})[int(order_id)] = copy.deepcopy(transactions)

    def shop_node(self, shop: str) -> JsonDict:
        """The `Shop` object: who it is and the currency it sells in."""
        return {
            "__typename": "Shop",
            "id": gid("Shop", zlib.crc32(shop.encode())),
            "name": shop.split(".")[0],
            "myshopifyDomain": shop,
            "currencyCode": self.currencies.get(shop, "USD"),
        }

    def order_transactions(self, shop: str, order: JsonDict) -> list[JsonDict]:
        """The order's `transactions` as OrderTransaction nodes, oldest first."""
        stored = self.transactions.get(shop, {}).get(int(order["id"]))
        raw = stored if stored is not None else _default(order)
        return [_node(order, index, txn) for index, txn in enumerate(raw)]


def _default(order: JsonDict) -> list[JsonDict]:
    gateways = order.get("payment_gateway_names") or []
    if not gateways:
        return []
    kind, status = _DEFAULT_KIND.get(str(order.get("financial_status")), ("SALE", "SUCCESS"))
    money = {k: order[k] for k in ("total_price", "total_price_set") if k in order}
    return [
        {
            "kind": kind,
            "status": status,
            "gateway": gateways[0],
            "amount": money.get("total_price"),
            "amount_set": money.get("total_price_set"),
        }
    ]


def _node(order: JsonDict, index: int, txn: JsonDict) -> JsonDict:
    number = int(order["id"]) * 100 + index + 1
    parent = txn.get("parent_id")
    stamp = utc(txn.get("created_at") or order.get("processed_at") or order.get("created_at"))
    return {
        "__typename": "OrderTransaction",
        "id": txn.get("admin_graphql_api_id") or gid("OrderTransaction", txn.get("id", number)),
        "kind": str(txn["kind"]).upper(),
        "status": str(txn["status"]).upper(),
        "gateway": txn.get("gateway"),
        "test": bool(txn.get("test", order.get("test"))),
        "createdAt": stamp,
        "processedAt": stamp,
        "errorCode": txn.get("error_code"),
        "amountSet": bag(txn, "amount", order.get("currency")),
        "parentTransaction": parent
        and {"__typename": "OrderTransaction", "id": gid("OrderTransaction", parent)},
    }


def payment_routes(orders: dict[str, dict[int, JsonDict]], payments: Payments) -> list[Route]:
    """`PUT /_sandbox/shops/{shop}/orders/{id}/transactions` (a JSON list) and
    `PUT /_sandbox/shops/{shop}/currency` (`{"currency": "GBP"}`), for demos and e2e tests."""

    async def put_transactions(request: Request) -> Response:
        shop, order_id = request.path_params["shop"], request.path_params["id"]
        if order_id not in orders.get(shop, {}):
            return JSONResponse({"errors": "Not Found"}, 404)
        try:
            txns = json.loads(await request.body())
            if not isinstance(txns, list) or not all(isinstance(t, dict) for t in txns):
                raise ValueError("body must be a JSON list of transactions")
            payments.set_transactions(shop, order_id, txns)
        except ValueError as exc:
            return JSONResponse({"errors": str(exc)}, 400)
        return JSONResponse({"order_id": order_id, "transactions": len(txns)})

    async def put_currency(request: Request) -> Response:
        try:
            code = json.loads(await request.body()).get("currency")
        except (ValueError, AttributeError):
            code = None
        if not isinstance(code, str) or len(code) != 3:
            return JSONResponse({"errors": 'body must be {"currency": "<ISO 4217 code>"}'}, 400)
        payments.set_currency(request.path_params["shop"], code)
        return JSONResponse({"shop": request.path_params["shop"], "currency": code.upper()})

    base = "/_sandbox/shops/{shop}"
    return [
        Route(f"{base}/orders/{{id:int}}/transactions", put_transactions, methods=["PUT"]),
        Route(f"{base}/currency", put_currency, methods=["PUT"]),
    ]

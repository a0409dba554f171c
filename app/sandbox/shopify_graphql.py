"""A deliberately small GraphQL Admin API: the `order(id:)` root field over stored orders.

Enough of the language to read an order the way the adapter does (selection sets, string
and variable arguments, MoneyBag fields); unknown fields fail the way Shopify's schema does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonDict = dict[str, Any]

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:\\.|[^"\\])*")|(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*)'
    r"|(?P<punct>[{}():!,\[\]=])|(?P<comment>#[^\n]*))"
)
_GID = re.compile(r"^gid://shopify/Order/(\d+)$")
_MONEY_BAGS = {
    "totalPriceSet": "total_price_set",
    "subtotalPriceSet": "subtotal_price_set",
    "totalTaxSet": "total_tax_set",
    "totalDiscountsSet": "total_discounts_set",
    "totalShippingPriceSet": "total_shipping_price_set",
    "currentTotalPriceSet": "current_total_price_set",
    "currentSubtotalPriceSet": "current_subtotal_price_set",
    "currentTotalTaxSet": "current_total_tax_set",
}
_SCALARS = {
    "name": "name",
    "email": "email",
    "note": "note",
    "test": "test",
    "taxesIncluded": "taxes_included",
    "currencyCode": "currency",
    "presentmentCurrencyCode": "presentment_currency",
}
_TIMES = {
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "processedAt": "processed_at",
    "cancelledAt": "cancelled_at",
}


class GraphQLError(Exception):
    """A request-level GraphQL error, rendered into `errors[]`."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.payload: JsonDict = {"message": message}
        if code:
            self.payload["extensions"] = {"code": code}


@dataclass
class Selection:
    """A field in a selection set, with its alias, arguments and sub-selections."""

    name: str
    alias: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    children: list[Selection] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, variables: JsonDict) -> None:
        self.tokens = [
            (m.lastgroup, m.group(m.lastgroup or ""))
            for m in _TOKEN.finditer(text)
            if m.lastgroup and m.lastgroup != "comment"
        ]
        self.pos, self.variables = 0, variables

    def peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected is not None and token != expected):
            raise GraphQLError(f'syntax error, unexpected "{token or "end of file"}"')
        self.pos += 1
        return token

    def document(self) -> list[Selection]:
        if self.peek() in ("query", "Query"):
            self.take()
            if self.peek() not in ("{", "("):
                self.take()  # operation name
            if self.peek() == "(":
                while self.take() != ")":
                    pass  # variable definitions: values come from `variables`
        return self.selection_set()

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections = []
        while self.peek() != "}":
            selections.append(self.selection())
        self.take("}")
        return selections

    def selection(self) -> Selection:
        node = Selection(self.take())
        if self.peek() == ":":  # `alias: field` - the response is keyed by the alias
            self.take()
            node = Selection(self.take(), alias=node.name)
        if self.peek() == "(":
            self.take()
            while self.peek() != ")":
                key = self.take()
                self.take(":")
                node.args[key] = self.value()
                if self.peek() == ",":
                    self.take()
            self.take(")")
        if self.peek() == "{":
            node.children = self.selection_set()
        return node

    def value(self) -> Any:
        token = self.take()
        if token.startswith('"'):
            return bytes(token[1:-1], "utf-8").decode("unicode_escape")
        if token.startswith("$"):
            return self.variables.get(token[1:])
        return token


def execute(query: str, variables: JsonDict, orders: dict[int, JsonDict]) -> JsonDict:
    """Run a query; returns the full response body (`data`/`errors` plus `extensions.cost`)."""
    try:
        selections = _Parser(query, variables).document()
        data = {sel.alias or sel.name: _root(sel, orders) for sel in selections}
    except GraphQLError as exc:
        return {"errors": [exc.payload]}
    cost = 1 + sum(_object_count(sel) for sel in selections)
    throttle = {"maximumAvailable": 2000.0, "currentlyAvailable": 2000 - cost, "restoreRate": 100.0}
    return {
        "data": data,
        "extensions": {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": cost,
                "throttleStatus": throttle,
            }
        },
    }


def _object_count(sel: Selection) -> int:
    return (1 if sel.children else 0) + sum(_object_count(c) for c in sel.children)


def _root(sel: Selection, orders: dict[int, JsonDict]) -> Any:
    if sel.name != "order":
        raise GraphQLError(
            f"Field '{sel.name}' doesn't exist on type 'QueryRoot'", "undefinedField"
        )
    gid = sel.args.get("id")
    match = _GID.match(str(gid or ""))
    if match is None:
        raise GraphQLError(f"Invalid global id '{gid}'", "argumentLiteralsIncompatible")
    order = orders.get(int(match.group(1)))
    return None if order is None else _resolve(order, sel.children)


def _resolve(order: JsonDict, selections: list[Selection]) -> JsonDict:
    out: JsonDict = {}
    for sel in selections:
        out[sel.alias or sel.name] = _order_field(order, sel)
    return out


def _order_field(order: JsonDict, sel: Selection) -> Any:
    name = sel.name
    if name == "id":
        return order.get("admin_graphql_api_id") or f"gid://shopify/Order/{order['id']}"
    if name == "legacyResourceId":
        return str(order["id"])
    if name in _SCALARS:
        return order.get(_SCALARS[name])
    if name in _TIMES:
        return _utc(order.get(_TIMES[name]))
    if name == "displayFinancialStatus":
        return str(order.get("financial_status") or "pending").upper()
    if name == "displayFulfillmentStatus":
        return str(order.get("fulfillment_status") or "unfulfilled").upper()
    if name == "tags":
        return [t.strip() for t in str(order.get("tags") or "").split(",") if t.strip()]
    if name in _MONEY_BAGS:
        return _money_bag(order.get(_MONEY_BAGS[name]) or {}, sel.children)
    if name == "__typename":
        return "Order"
    raise GraphQLError(f"Field '{name}' doesn't exist on type 'Order'", "undefinedField")


def _money_bag(bag: JsonDict, selections: list[Selection]) -> JsonDict:
    keys = {"shopMoney": "shop_money", "presentmentMoney": "presentment_money"}
    out: JsonDict = {}
    for sel in selections:
        if sel.name not in keys:
            raise GraphQLError(
                f"Field '{sel.name}' doesn't exist on type 'MoneyBag'", "undefinedField"
            )
        money = bag.get(keys[sel.name]) or {}
        out[sel.alias or sel.name] = {
            c.alias or c.name: money.get("currency_code" if c.name == "currencyCode" else c.name)
            for c in sel.children
        }
    return out


def _utc(value: Any) -> str | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(str(value))
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

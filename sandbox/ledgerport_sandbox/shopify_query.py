"""The GraphQL language as the sandbox reads it, and Shopify's calculated query cost.

A tokenizer and a recursive-descent parser for one operation: aliases, arguments (strings,
numbers, enums, lists, variables) and `... on Type` fragments; no named fragments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:\\.|[^"\\])*")|(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*)'
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<punct>\.\.\.|[{}():!,\[\]=@])|(?P<comment>#[^\n]*))"
)
_LITERALS = {"true": True, "false": False, "null": None}


class GraphQLError(Exception):
    """A request-level GraphQL error, rendered into `errors[]`."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.payload: JsonDict = {"message": message}
        if code:
            self.payload["extensions"] = {"code": code}


@dataclass
class Selection:
    """A field (or `... on Type` fragment) with its alias, arguments and sub-selections."""

    name: str
    alias: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    children: list[Selection] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, variables: JsonDict) -> None:
        self.tokens = [
            m.group(m.lastgroup or "")
            for m in _TOKEN.finditer(text)
            if m.lastgroup and m.lastgroup != "comment" and m.group(m.lastgroup) != ","
        ]
        self.pos, self.variables = 0, variables

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected is not None and token != expected):
            raise GraphQLError(f'syntax error, unexpected "{token or "end of file"}"')
        self.pos += 1
        return token

    def document(self) -> tuple[str, list[Selection]]:
        kind = "query"
        if self.peek() in ("query", "mutation"):
            kind = self.take()
            if self.peek() not in ("{", "("):
                self.take()  # operation name
            if self.peek() == "(":
                while self.take() != ")":
                    pass  # variable definitions: values come from `variables`
        selections = self.selection_set()
        if self.peek():
            raise GraphQLError("only one anonymous or named operation is supported")
        return kind, selections

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections = []
        while self.peek() != "}":
            selections.append(self.selection())
        self.take("}")
        return selections

    def selection(self) -> Selection:
        if self.peek() == "...":
            self.take(), self.take("on")
            return Selection("...", args={"on": self.take()}, children=self.selection_set())
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
            self.take(")")
        if self.peek() == "{":
            node.children = self.selection_set()
        return node

    def value(self) -> Any:
        token = self.take()
        if token.startswith('"'):
            return json.loads(token)
        if token.startswith("$"):
            return self.variables.get(token[1:])
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token[0].isdigit() or token[0] == "-":
            return int(token) if token.lstrip("-").isdigit() else float(token)
        return _LITERALS.get(token, token)


def parse(query: str, variables: JsonDict) -> tuple[str, list[Selection]]:
    """The operation kind (`query`/`mutation`) and its root selections."""
    return _Parser(query, variables).document()


def cost(sel: Selection) -> int:
    """Shopify's default: scalars 0, objects 1, connections 2 + first × one node."""
    if not sel.children:
        return 0
    if sel.name == "...":
        return sum(cost(c) for c in sel.children)
    if sel.name == "nodes" and "ids" in sel.args:
        return len(sel.args["ids"] or []) * (1 + sum(cost(c) for c in sel.children))
    if "first" in sel.args or "last" in sel.args:
        return 2 + _page_size(sel) * node_cost(sel)
    return 1 + sum(cost(c) for c in sel.children)


def _page_size(sel: Selection) -> int:
    size = sel.args.get("first", sel.args.get("last"))
    return size if isinstance(size, int) else 0


def node_cost(sel: Selection) -> int:
    best = 0
    for child in sel.children:
        node = child if child.name == "nodes" else None
        if child.name == "edges":
            node = next((c for c in child.children if c.name == "node"), None)
        if node is not None:
            best = max(best, 1 + sum(cost(c) for c in node.children))
    return best

"""Bulk operations: a query's rows exported as JSONL, polled until COMPLETED.

A bulk operation snapshots its rows when it starts and moves CREATED → RUNNING → COMPLETED
one step per poll, so clients must really poll. Its JSONL has one line per node: parents
first, nested connection items after them with `__parentId`, as Shopify writes it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledgerport_sandbox.shopify_nodes import utc

JsonDict = dict[str, Any]

# -- bulk operations --------------------------------------------------------------------


def flatten(page: JsonDict) -> list[JsonDict]:
    """JSONL rows for a projected root connection: nested connections become child rows."""
    rows: list[JsonDict] = []
    for node in _items(page):
        parent = {k: v for k, v in node.items() if not _is_connection(v)}
        rows.append(parent)
        for value in node.values():
            if _is_connection(value):
                rows.extend({**child, "__parentId": node.get("id")} for child in _items(value))
    return rows


def _is_connection(value: Any) -> bool:
    return isinstance(value, dict) and ("edges" in value or "nodes" in value)


def _items(page: JsonDict) -> list[JsonDict]:
    return list(page.get("nodes") or [e["node"] for e in page.get("edges") or []])


@dataclass
class BulkOperation:
    """One bulk query: its rows are fixed at start; status advances as it is polled."""

    number: int
    shop: str
    rows: list[JsonDict]
    status: str = "CREATED"
    created_at: str = field(default_factory=lambda: utc(datetime.now(UTC).isoformat()) or "")

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.number}"

    def node(self, base_url: str) -> JsonDict:
        done = self.status == "COMPLETED"
        body = self.jsonl() if done else b""
        return {
            "__typename": "BulkOperation",
            "id": self.gid,
            "status": self.status,
            "type": "QUERY",
            "errorCode": None,
            "createdAt": self.created_at,
            "completedAt": self.created_at if done else None,
            "objectCount": str(len(self.rows) if done else 0),
            "rootObjectCount": str(sum(1 for r in self.rows if "__parentId" not in r) * done),
            "fileSize": str(len(body)) if done else None,
            "url": f"{base_url.rstrip('/')}/_sandbox/bulk/{self.number}.jsonl" if done else None,
            "partialDataUrl": None,
        }

    def jsonl(self) -> bytes:
        return b"".join(
            json.dumps(row, separators=(",", ":")).encode() + b"\n" for row in self.rows
        )


class BulkStore:
    """Bulk operations by shop; one running query operation per shop, as before 2026-01."""

    def __init__(self) -> None:
        self.operations: dict[int, BulkOperation] = {}
        self._numbers = itertools.count(7_100_000_001)

    def start(self, shop: str, rows: list[JsonDict], base_url: str) -> JsonDict:
        running = self.current(shop, advance=False)
        if running is not None and running.status != "COMPLETED":
            return self.rejected(
                f"A bulk query operation for this app and shop is already in progress: "
                f"{running.gid}.",
                "OPERATION_IN_PROGRESS",
            )
        op = BulkOperation(next(self._numbers), shop, rows)
        self.operations[op.number] = op
        return _payload(op.node(base_url), [])

    def rejected(self, message: str, code: str = "INVALID") -> JsonDict:
        error = {"__typename": "BulkOperationUserError", "field": ["query"], "message": message}
        return _payload(None, [{**error, "code": code}])

    def current(self, shop: str, *, advance: bool = True) -> BulkOperation | None:
        mine = [op for op in self.operations.values() if op.shop == shop]
        return self._advance(mine[-1], advance) if mine else None

    def get(self, shop: str, gid: str) -> BulkOperation | None:
        op = self.operations.get(int(gid.rsplit("/", 1)[-1]))
        return None if op is None or op.shop != shop else self._advance(op, True)

    def _advance(self, op: BulkOperation, advance: bool) -> BulkOperation:
        if advance:
            op.status = {"CREATED": "RUNNING", "RUNNING": "COMPLETED"}.get(op.status, op.status)
        return op


def _payload(op: JsonDict | None, errors: list[JsonDict]) -> JsonDict:
    return {"__typename": "BulkOperationRunQueryPayload", "bulkOperation": op, "userErrors": errors}

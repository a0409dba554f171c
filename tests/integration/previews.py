"""What the preview tests share: the checks every preview passes (nothing written to QBO or
to our database), and the steps that set an order up."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import func, select

from app.adapters.db.tables import AuditEntry, Mapping, RecordBlocker, SyncRecord, SyncRun
from tests.harness import REALM, SHOP, Harness, order_fixture

BASE = f"/v1/shops/{SHOP}"
ORDER = order_fixture()
ORDER_ID = str(ORDER["id"])
SKU = "TEE-ORG-HG-M"
INCOME = "5"  # the sandbox company's "Sales of Product Income"
TABLES = (AuditEntry, SyncRecord, Mapping, RecordBlocker, SyncRun)


async def settle(h: Harness) -> None:
    await h.queue.join()  # type: ignore[attr-defined]


async def rows(h: Harness) -> dict[str, Any]:
    """How many rows each table a sync writes holds, and every record and mapping as it is."""
    async with h.container.sessions() as session:
        counts = {
            table.__tablename__: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in TABLES
        }
        kept = {
            table.__tablename__: [
                tuple(getattr(row, c.key) for c in table.__table__.columns)
                for row in await session.scalars(select(table))
            ]
            for table in (SyncRecord, Mapping)
        }
    return {**counts, "rows": kept}


async def qbo_log(h: Harness, since: int = 0) -> dict[str, Any]:
    """The sandbox QBO's request log, read over HTTP as a test of a running service would."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=h.qbo.app), base_url="http://qbo.test"
    ) as admin:
        answer = await admin.get("/_sandbox/requests", params={"since": since})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def qbo_writes(calls: list[dict[str, Any]]) -> list[str]:
    """Every call to QBO's accounting API that is not a read (GET, or a POSTed query)."""
    return [
        f"{c['method']} {c['path']}"
        for c in calls
        if "/v3/company/" in c["path"] and c["method"] != "GET" and not c["path"].endswith("/query")
    ]


def posted(h: Harness, entity: str) -> list[dict[str, Any]]:
    """The bodies QBO received in creates of `entity`."""
    return [
        json.loads(r.body)
        for r in h.qbo.requests
        if r.method == "POST" and r.path.endswith(f"/{entity.lower()}")
    ]


async def preview(h: Harness, auth: dict[str, str], *, reads: bool = True) -> dict[str, Any]:
    """The preview, checked to have written nothing to QBO or to the database; `reads` says
    whether it had to read QBO (an order already synced needs nothing from it)."""
    before, seen = await rows(h), (await qbo_log(h))["next"]
    answer = await h.api.get(f"{BASE}/orders/{ORDER_ID}/preview", headers=auth)
    assert answer.status_code == 200, answer.text
    calls = (await qbo_log(h, seen))["items"]
    assert qbo_writes(calls) == []
    assert bool(calls) is reads
    assert await rows(h) == before
    found: dict[str, Any] = answer.json()
    return found


async def hold_unfulfilled(h: Harness, auth: dict[str, str]) -> None:
    """Sync triggers the fixture order (paid, unfulfilled) does not meet: it is held."""
    body = {"trigger_fulfillment_statuses": ["fulfilled"]}
    saved = await h.api.patch(f"{BASE}/config/orders", json=body, headers=auth)
    assert saved.status_code == 200, saved.text


async def manual_sync(h: Harness, auth: dict[str, str], order_id: str = ORDER_ID) -> None:
    started = await h.api.post(f"{BASE}/sync", json={"order_ids": [order_id]}, headers=auth)
    assert started.status_code == 202, started.text
    await settle(h)


def existing_receipt(h: Harness, customer_id: str, total: float) -> str:
    """A receipt already in QuickBooks under the order's document number (SH1001)."""
    receipt = {
        "DocNumber": "SH1001",
        "TxnDate": "2025-03-14",
        "CustomerRef": {"value": customer_id},
        "TotalAmt": total,
        "Line": [],
    }
    return str(h.qbo.add(REALM, "SalesReceipt", receipt)["Id"])


async def record_of(h: Harness, auth: dict[str, str]) -> dict[str, Any]:
    answer = await h.api.get(f"{BASE}/records/order/{ORDER_ID}", headers=auth)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found

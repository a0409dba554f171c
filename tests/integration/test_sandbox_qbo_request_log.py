"""The fake QBO's request log over HTTP: what a test running LedgerPort as a process reads to
see which calls reached QBO."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[REALM])


@pytest.fixture
async def admin(sandbox: QboSandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as http:
        yield http


async def test_the_log_lists_calls_in_order_from_an_index_without_its_own(
    client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await client.get(f"{API}/item/1")
    first = (await admin.get("/_sandbox/requests")).json()
    body = {"DisplayName": "Ada Lovelace"}
    await client.post(f"{API}/customer", params={"requestid": "r1"}, json=body)
    await client.get(f"{API}/query", params={"query": "select * from Item"})

    later = (await admin.get("/_sandbox/requests", params={"since": first["next"]})).json()

    assert [(r["method"], r["path"], r["status"]) for r in first["items"]] == [
        ("GET", f"{API}/item/1", 200)
    ]
    assert [(r["method"], r["path"]) for r in later["items"]] == [
        ("POST", f"{API}/customer"),
        ("GET", f"{API}/query"),
    ]
    assert later["items"][0]["query"] == {"requestid": "r1"}
    assert "authorization" not in str(later).lower()
    bad = await admin.get("/_sandbox/requests", params={"since": "-1"})
    assert bad.status_code == 400

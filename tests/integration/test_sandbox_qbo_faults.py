"""Throttling, injected outages and the `/_sandbox` admin endpoints of the fake QBO."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

REALM = "9130350000000001"
API = f"/v3/company/{REALM}"
RECEIPT = {
    "Line": [
        {
            "Amount": 10,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
        }
    ]
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> QboSandbox:
    return QboSandbox(
        seed_realms=[REALM], requests_per_minute=5, requests_per_second=3, clock=clock
    )


def throttle_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 429
    error: dict[str, Any] = response.json()["fault"]["error"][0]
    return error


async def test_per_second_then_per_minute_limits(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    statuses = [(await client.get(f"{API}/item/1")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]

    clock.now += 1.5
    statuses = [(await client.get(f"{API}/item/1")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # 5 admitted in the last minute

    error = throttle_error(await client.get(f"{API}/item/1"))
    assert error["code"] == "3001" and error["detail"] is None
    assert error["message"] == "message=ThrottleExceeded; errorCode=003001; statusCode=429"
    clock.now += 60
    assert (await client.get(f"{API}/item/1")).status_code == 200


async def test_default_limits_are_the_real_ones() -> None:
    limiter = QboSandbox().limiter
    assert (limiter.per_minute, limiter.per_second) == (500, 10)


@pytest.mark.parametrize(
    ("kind", "status", "content_type"),
    [
        ("throttle", 429, "application/json"),
        ("server_error", 500, "application/json"),
        ("html_503", 503, "text/html"),
        ("auth", 401, "application/json"),
    ],
)
async def test_injected_faults_hit_once_then_clear(
    client: httpx.AsyncClient, sandbox: QboSandbox, kind: str, status: int, content_type: str
) -> None:
    sandbox.inject_fault(kind, path_contains="salesreceipt")

    assert (await client.get(f"{API}/item/1")).status_code == 200  # other paths unaffected
    failed = await client.post(f"{API}/salesreceipt", json=RECEIPT)
    assert failed.status_code == status
    assert failed.headers["content-type"].startswith(content_type)
    assert sandbox.documents(REALM, "SalesReceipt") == []
    assert (await client.post(f"{API}/salesreceipt", json=RECEIPT)).status_code == 200


async def test_server_error_uses_the_lower_case_body(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.inject_fault("server_error", count=2)
    first, second = [await client.get(f"{API}/item/1") for _ in range(2)]

    error = first.json()["fault"]["error"][0]
    assert error["message"] == "message=InternalServerError; errorCode=003100; statusCode=500"
    assert second.status_code == 500
    assert (await client.get(f"{API}/item/1")).status_code == 200


async def test_timeout_hangs_without_writing(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.inject_fault("timeout", seconds=5)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.post(f"{API}/salesreceipt", json=RECEIPT), 0.2)
    assert sandbox.documents(REALM, "SalesReceipt") == []


async def test_commit_then_timeout_writes_and_the_retry_replays(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.inject_fault("commit_then_timeout", realm_id=REALM, seconds=5)
    params = {"requestid": "sr-timeout"}

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.post(f"{API}/salesreceipt", json=RECEIPT, params=params), 0.2)
    stored = sandbox.documents(REALM, "SalesReceipt")
    assert len(stored) == 1

    retry = await client.post(f"{API}/salesreceipt", json=RECEIPT, params=params)
    assert retry.json()["SalesReceipt"]["Id"] == stored[0]["Id"]
    assert len(sandbox.documents(REALM, "SalesReceipt")) == 1


async def test_fault_for_another_realm_does_not_fire(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    sandbox.inject_fault("server_error", realm_id="other")
    assert (await client.get(f"{API}/item/1")).status_code == 200
    with pytest.raises(ValueError):
        sandbox.inject_fault("meteor")


async def test_admin_endpoints(sandbox: QboSandbox) -> None:
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as admin:
        assert (await admin.get("/_sandbox/health")).json() == {"status": "ok"}
        assert (await admin.post("/_sandbox/realms/42", json={})).status_code == 201
        tokens = (await admin.post("/_sandbox/realms/42/tokens")).json()
        added = await admin.post(
            "/_sandbox/realms/42/records/Customer", json={"DisplayName": "Zed"}
        )
        listed = (await admin.get("/_sandbox/realms/42/records/Customer")).json()
        assert listed == [added.json()] and added.json()["Id"] == "1"
        queued = await admin.post("/_sandbox/faults", json={"kind": "throttle", "realm_id": "42"})
        assert queued.status_code == 201
        assert (await admin.post("/_sandbox/faults", json={"kind": "nope"})).status_code == 400

        headers = {
            "Authorization": f"Bearer {tokens['access_token']}",
            "Accept": "application/json",
        }
        assert (await admin.get("/v3/company/42/customer/1", headers=headers)).status_code == 429
        assert (await admin.get("/v3/company/42/customer/1", headers=headers)).status_code == 200


async def test_admin_route_makes_a_record_inactive_and_active_again(sandbox: QboSandbox) -> None:
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.test") as admin:
        tokens = (await admin.post(f"/_sandbox/realms/{REALM}/tokens")).json()
        headers = {
            "Authorization": f"Bearer {tokens['access_token']}",
            "Accept": "application/json",
        }
        path = f"/_sandbox/realms/{REALM}/records/Account/1/active"

        retired = await admin.post(path, json={"active": False})
        assert retired.status_code == 200, retired.text
        assert (retired.json()["Id"], retired.json()["Active"]) == ("1", False)
        receipt = {**RECEIPT, "DepositToAccountRef": {"value": "1"}}
        refused = await admin.post(
            f"/v3/company/{REALM}/salesreceipt", json=receipt, headers=headers
        )
        assert refused.status_code == 400
        assert refused.json()["Fault"]["Error"][0]["code"] == "2500"

        restored = await admin.post(path, json={"active": True})
        assert restored.json()["Active"] is True
        assert int(restored.json()["SyncToken"]) == int(retired.json()["SyncToken"]) + 1
        posted = await admin.post(
            f"/v3/company/{REALM}/salesreceipt", json=receipt, headers=headers
        )
        assert posted.status_code == 200, posted.text

        bad = await admin.post(path, json={"active": "no"})
        assert bad.status_code == 400
        missing = await admin.post(f"/_sandbox/realms/{REALM}/records/Account/999/active",
                                   json={"active": False})  # fmt: skip
        assert missing.status_code == 404
        unknown = await admin.post("/_sandbox/realms/nope/records/Account/1/active",
                                   json={"active": False})  # fmt: skip
        assert unknown.status_code == 404

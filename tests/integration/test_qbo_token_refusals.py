"""QBO refusing an access token we still hold as valid: renewed once and the call retried; the
shop is paused (qbo_auth) only when Intuit refuses the renewal, and a reconnect heals it. On
SQLite and PostgreSQL, through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.services.shops import Installed
from tests.harness import (
    REALM,
    SHOP,
    Harness,
    make_settings,
    order_fixture,
    running,
    token_refreshes,
)
from tests.integration.test_quickbooks_connection import consent

BASE = f"/v1/shops/{SHOP}"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def ready(h: Harness) -> Installed:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    return shop


def order(number: int) -> dict[str, Any]:
    numbered = {"id": 5910002000000 + number, "name": f"#{number}", "order_number": number}
    return {**order_fixture(), **numbered}


async def deliver(h: Harness, *numbers: int) -> None:
    for number in numbers:
        await h.deliver(order(number), event_id=f"evt-{number}")
    await h.queue.join()  # type: ignore[attr-defined]


async def qbo_status(h: Harness, shop: Installed) -> str:
    answer = await h.api.get(f"{BASE}/connections", headers=h.auth(shop))
    return str(next(c for c in answer.json()["items"] if c["provider"] == "quickbooks")["status"])


async def statuses(h: Harness, shop: Installed) -> dict[str, tuple[str, str | None]]:
    answer = await h.api.get(f"{BASE}/records", headers=h.auth(shop))
    return {r["label"]: (r["status"], r["error_code"]) for r in answer.json()["items"]}


async def test_a_token_qbo_refuses_early_is_renewed_once_and_the_order_syncs(h: Harness) -> None:
    shop = await ready(h)
    h.qbo.expire_access_tokens(REALM)  # Intuit no longer takes it; we hold it for an hour
    before = token_refreshes(h.qbo)

    await deliver(h, 1001, 1002)

    assert await statuses(h, shop) == {"#1001": ("synced", None), "#1002": ("synced", None)}
    assert token_refreshes(h.qbo) == before + 1
    assert await qbo_status(h, shop) == "healthy"
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 2


async def test_a_refused_renewal_pauses_the_shop_until_a_reconnect_heals_it(h: Harness) -> None:
    shop = await ready(h)
    h.qbo.oauth.revoke_grants(REALM)  # the company disconnected LedgerPort inside QuickBooks
    before = token_refreshes(h.qbo)

    await deliver(h, 1001)
    calls = len(h.qbo.requests)
    await deliver(h, 1002)  # paused: fails at once, without calling QuickBooks

    failed = ("error", "qbo_auth")
    assert await statuses(h, shop) == {"#1001": failed, "#1002": failed}
    assert token_refreshes(h.qbo) == before + 1
    assert len(h.qbo.requests) == calls
    assert await qbo_status(h, shop) == "unhealthy"
    done = await h.api.get("/v1/connections/quickbooks/callback", params=await consent(h, shop))
    await h.queue.join()  # type: ignore[attr-defined]

    assert done.json()["requeued"] == 2
    assert await statuses(h, shop) == {"#1001": ("synced", None), "#1002": ("synced", None)}
    assert await qbo_status(h, shop) == "healthy"


async def test_dropdowns_and_settings_renew_a_refused_token_too(h: Harness) -> None:
    shop = await h.install()
    h.qbo.expire_access_tokens(REALM)
    before = token_refreshes(h.qbo)

    items = await h.api.get(f"{BASE}/quickbooks/items?refresh=true", headers=h.auth(shop))
    h.qbo.expire_access_tokens(REALM)
    saved = await h.api.patch(
        f"{BASE}/config/payments", json={"default_deposit_account_id": "2"}, headers=h.auth(shop)
    )

    assert items.status_code == 200 and items.json()["items"]
    assert saved.status_code == 200, saved.text
    assert token_refreshes(h.qbo) == before + 2
    assert await qbo_status(h, shop) == "healthy"


async def test_dropdowns_answer_409_once_the_grant_is_revoked(h: Harness) -> None:
    shop = await h.install()
    h.qbo.oauth.revoke_grants(REALM)

    answer = await h.api.get(f"{BASE}/quickbooks/items?refresh=true", headers=h.auth(shop))

    assert answer.status_code == 409 and answer.json()["code"] == "qbo_auth"
    assert "refused the refresh token" in answer.json()["detail"]
    assert await qbo_status(h, shop) == "unhealthy"

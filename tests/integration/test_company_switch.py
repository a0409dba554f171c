"""A reconnect that lands on another QBO company is held (`company_mismatch`): nothing syncs
until the merchant reconnects to the shop's company, or confirms the switch, which clears the
mappings and the QBO references in the settings and keeps synced records as they are. On
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.db.tables import AuditEntry, SyncRecord
from app.services.shops import Installed, map_product
from tests.harness import (
    FIXTURE_TAX,
    FIXTURE_TAX_CODE,
    REALM,
    SHOP,
    Harness,
    make_settings,
    order_fixture,
    running,
)
from tests.integration.test_quickbooks_connection import consent

OTHER = "9130350000000002"
CALLBACK = "/v1/connections/quickbooks/callback"
CUSTOMER = {
    "DisplayName": "Maya Okafor",
    "PrimaryEmailAddr": {"Address": "maya.okafor@example.com"},
}


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        harness.qbo.add_realm(OTHER)
        yield harness


def order(number: int) -> dict[str, Any]:
    shopify_id = 5910002001000 + number
    return {
        **order_fixture(),
        "id": shopify_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{shopify_id}",
        "name": f"#{number}",
        "order_number": number,
    }


async def sync(h: Harness, payload: dict[str, Any]) -> tuple[str, str | None]:
    await h.deliver(payload)
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        record = await session.scalar(
            select(SyncRecord).where(SyncRecord.shopify_id == str(payload["id"]))
        )
    assert record is not None
    return record.status, record.error_code


async def held(h: Harness) -> Installed:
    """A shop syncing to REALM, with settings naming REALM's records, then reconnected (by
    the consent screen's choice) to OTHER: held."""
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    accounts = h.qbo.documents(REALM, "Account")
    income = next(a["Id"] for a in accounts if a["AccountType"] == "Income")
    accounting = {"tax_mode": "line_item", "income_account_id": income}
    url = f"/v1/shops/{SHOP}/config/accounting"
    saved = await h.api.put(url, json=accounting, headers=h.auth(shop))
    assert saved.status_code == 200, saved.text
    assert await sync(h, order(1001)) == ("synced", None)

    done = await h.api.get(CALLBACK, params=await consent(h, shop, realm=OTHER))

    assert done.status_code == 200, done.text
    assert done.json()["status"] == "company_mismatch"
    [qbo] = (await h.api.get(f"/v1/shops/{SHOP}/connections", headers=h.auth(shop))).json()["items"]
    assert (qbo["status"], qbo["external_id"], qbo["proposed_external_id"]) == (
        "company_mismatch",
        REALM,
        OTHER,
    )
    assert (await sync(h, order(1002)))[1] == "qbo_auth"  # nothing posts while held
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
    assert h.qbo.documents(OTHER, "SalesReceipt") == []
    return shop


async def test_held_then_reconnected_to_the_right_company_syncs_there_again(h: Harness) -> None:
    shop = await held(h)

    done = await h.api.get(CALLBACK, params=await consent(h, shop, realm=REALM))
    await h.queue.join()  # type: ignore[attr-defined]

    assert done.json()["status"] == "healthy" and done.json()["requeued"] == 1
    [qbo] = (await h.api.get(f"/v1/shops/{SHOP}/connections", headers=h.auth(shop))).json()["items"]
    assert (qbo["status"], qbo["external_id"], qbo["proposed_external_id"]) == (
        "healthy",
        REALM,
        None,
    )
    assert await sync(h, order(1003)) == ("synced", None)
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 3  # 1001, then 1002 and 1003
    assert h.qbo.documents(OTHER, "SalesReceipt") == []


async def test_held_then_confirmed_switch_clears_references_and_keeps_history(
    h: Harness,
) -> None:
    shop = await held(h)
    async with h.container.sessions() as session:
        before = await session.scalar(select(SyncRecord).where(SyncRecord.status == "synced"))
    assert before is not None

    url = f"/v1/shops/{SHOP}/connections/quickbooks/confirm-switch"
    switched = await h.api.post(url, headers=h.auth(shop))

    assert switched.status_code == 200, switched.text
    assert switched.json()["external_id"] == OTHER and switched.json()["status"] == "healthy"
    assert switched.json()["requeued"] == 1  # #1002, refused while the connection was held
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        retried = await session.scalar(select(SyncRecord).where(SyncRecord.label == "#1002"))
    # Tried on the new company at once: it now waits on that company's mappings, not qbo_auth.
    assert retried is not None and retried.status == "error", retried
    assert retried.error_code not in (None, "qbo_auth"), retried.error_code
    async with h.container.uow() as uow:
        for kind in ("product", "customer", "tax_rate"):
            assert await uow.mappings.as_dict(shop.shop_id, kind) == {}
        config = await uow.configs.get(shop.shop_id)
    assert config["accounting"] == {"tax_mode": "line_item"}  # the reference is gone
    async with h.container.sessions() as session:
        after = await session.scalar(select(SyncRecord).where(SyncRecord.id == before.id))
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.message.contains("Switched"))
        )
    assert after is not None and (after.status, after.qbo_id) == ("synced", before.qbo_id)
    assert audit is not None and audit.actor == "manual"
    again = await h.api.post(url, headers=h.auth(shop))
    assert again.status_code == 409

    h.qbo.add(OTHER, "Customer", CUSTOMER)
    item = h.qbo.add(OTHER, "Item", {"Name": "Tee", "Sku": "TEE-ORG-HG-M", "Type": "NonInventory"})
    await map_product(h.container.uow(), shop.shop_id, "sku:TEE-ORG-HG-M", item["Id"])
    await h.map_tax(shop, *FIXTURE_TAX, h.tax_code(FIXTURE_TAX_CODE, OTHER))
    assert await sync(h, order(1004)) == ("synced", None)
    assert len(h.qbo.documents(OTHER, "SalesReceipt")) == 1
    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1  # 1001 stays where it was posted

"""An order stopped by an unmapped tax rate heals when the rate is mapped through the API, or
when the shop moves to automated sales tax; each answer says how many orders it re-queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.adapters.db.tables import SyncRecord
from app.services.shops import Installed
from tests.harness import (
    FIXTURE_TAX_CODE,
    REALM,
    SHOP,
    Harness,
    make_settings,
    order_fixture,
    running,
)

BASE = f"/v1/shops/{SHOP}"
KEY = "Kentucky State Tax|0.06"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def record(h: Harness) -> SyncRecord:
    await h.queue.join()  # type: ignore[attr-defined]
    async with h.container.sessions() as session:
        found = await session.scalar(select(SyncRecord))
    assert found is not None
    return found


async def stopped_by_tax(h: Harness) -> Installed:
    """A line-item shop whose fixture order waits on its Kentucky rate."""
    shop = await h.install(map_tax=False)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.deliver(order_fixture())
    stopped = await record(h)
    assert (stopped.status, stopped.error_code) == ("error", "tax_not_mapped")
    return shop


async def test_mapping_the_tax_rate_syncs_the_order_with_its_code(h: Harness) -> None:
    shop = await stopped_by_tax(h)
    code = h.tax_code(FIXTURE_TAX_CODE)

    answer = await h.api.put(
        f"{BASE}/mappings/tax-rates/{quote(KEY)}", json={"qbo_id": code}, headers=h.auth(shop)
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["requeued"] == 1
    assert (await record(h)).status == "synced"
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    assert receipt["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == code


async def test_moving_to_automated_sales_tax_syncs_the_order(h: Harness) -> None:
    shop = await stopped_by_tax(h)
    # The merchant moves the company onto automated sales tax in QuickBooks (LedgerPort
    # refuses the setting for a company that books tax by hand), then tells LedgerPort.
    h.qbo.set_sales_tax(REALM, automated=True)

    answer = await h.api.patch(
        f"{BASE}/config/accounting",
        json={"tax_mode": "automated_sales_tax"},
        headers=h.auth(shop),
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["requeued"] == 1
    assert (await record(h)).status == "synced"
    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    # QBO's engine picked the code from the Kentucky address; the tax is Shopify's figure.
    assert receipt["TxnTaxDetail"]["TxnTaxCodeRef"]["name"] == "Kentucky"
    assert receipt["TxnTaxDetail"]["TotalTax"] == 3.0


@pytest.mark.parametrize("given", ["Ohio State Tax", "Ohio State Tax|abc", "|0.06", "X|1.5"])
async def test_a_tax_rate_key_no_order_can_have_is_refused(h: Harness, given: str) -> None:
    shop = await h.install(map_tax=False)
    code = h.tax_code(FIXTURE_TAX_CODE)
    answer = await h.api.put(
        f"{BASE}/mappings/tax-rates/{quote(given)}", json={"qbo_id": code}, headers=h.auth(shop)
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["invalid_params"][0]["name"] == "source_id"


async def test_a_batch_naming_one_source_twice_is_refused_whole(h: Harness) -> None:
    shop = await h.install(map_tax=False)
    code = h.tax_code(FIXTURE_TAX_CODE)
    twice = [{"source_key": KEY, "qbo_id": code}, {"source_key": KEY, "qbo_id": code}]
    answer = await h.api.patch(
        f"{BASE}/mappings/tax-rates", json={"mappings": twice}, headers=h.auth(shop)
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["invalid_params"][0]["name"] == "mappings[1].source_key"
    listed = await h.api.get(f"{BASE}/mappings/tax-rates?state=mapped", headers=h.auth(shop))
    assert listed.json()["items"] == []

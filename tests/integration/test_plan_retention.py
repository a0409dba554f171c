"""A plan's retention through the API, on SQLite and on PostgreSQL: the audit log and a
record's history hide entries older than the plan keeps and say so; nothing is deleted, so a
plan that keeps more shows them again. Entries are aged by LEDGERPORT_CLOCK_OFFSET: the same
database read by the service restarted days later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.api.main import create_app
from app.bootstrap import bootstrap
from app.services.shops import Installed, issue_ops_key
from app.settings import Settings
from tests.harness import API, SHOP, Harness, make_settings, running
from tests.integration.test_records_api import order, ready_shop, settle

AUDIT = f"/v1/shops/{SHOP}/audit-log"
RECORD = f"/v1/shops/{SHOP}/records/order/5910002001001"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


@asynccontextmanager
async def days_later(h: Harness, offset: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API restarted on the same database with LEDGERPORT_CLOCK_OFFSET=`offset`."""
    shifted = Settings.model_validate({"LEDGERPORT_CLOCK_OFFSET": offset, "LEDGERPORT_SANDBOX": 1})
    settings = h.container.settings.model_copy(update={"clock_offset": shifted.clock_offset})
    container = bootstrap(settings, h.queue)
    transport = httpx.ASGITransport(app=create_app(container), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=API) as api:
            yield api
    finally:
        await container.aclose()


async def get(api: httpx.AsyncClient, shop: Installed, url: str, **params: Any) -> Any:
    response = await api.get(
        url, params=params, headers={"Authorization": f"Bearer {shop.api_key}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def set_plan(api: httpx.AsyncClient, ops_key: str, plan: str) -> None:
    headers = {"Authorization": f"Bearer {ops_key}"}
    response = await api.patch(f"/v1/shops/{SHOP}", json={"plan": plan}, headers=headers)
    assert response.status_code == 200, response.text


async def a_failed_order(h: Harness) -> Installed:
    shop = await ready_shop(h)
    await h.deliver(order(1001, sku="MUG-11"))
    await settle(h)
    return shop


async def test_the_free_plan_hides_entries_older_than_7_days_and_says_so(h: Harness) -> None:
    shop = await a_failed_order(h)
    today = await get(h.api, shop, AUDIT)
    assert [(e["label"], e["status"]) for e in today["items"]] == [("#1001", "error")]
    assert today["retention"]["plan"] == "free"
    assert today["retention"]["retention_days"] == 7
    assert today["retention"]["older_hidden"] is False

    async with days_later(h, "8d") as later:
        page = await get(later, shop, AUDIT)
        record = await get(later, shop, RECORD)
        errors = await get(later, shop, AUDIT, status="error")
        synced = await get(later, shop, AUDIT, status="synced")

    assert page["items"] == []
    hidden_before = datetime.fromisoformat(page["retention"]["hidden_before"])
    expected = datetime.now(UTC) + timedelta(days=1)
    assert abs(hidden_before - expected) < timedelta(minutes=5)
    assert page["retention"]["older_hidden"] is True
    assert "hidden, not deleted" in page["retention"]["note"]
    assert record["status"] == "error" and record["history"] == []
    assert record["retention"] == page["retention"] | {"hidden_before": ANY_TIME}
    assert errors["retention"]["older_hidden"] is True
    assert synced["retention"]["older_hidden"] is False  # nothing synced was hidden


class _AnyTime:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and datetime.fromisoformat(other).tzinfo is not None


ANY_TIME = _AnyTime()


async def test_within_seven_days_the_free_plan_shows_everything(h: Harness) -> None:
    shop = await a_failed_order(h)
    async with days_later(h, "6d") as later:
        page = await get(later, shop, AUDIT)
        record = await get(later, shop, RECORD)
    assert [e["label"] for e in page["items"]] == ["#1001"]
    assert [e["status"] for e in record["history"]] == ["error"]
    assert page["retention"]["older_hidden"] is record["retention"]["older_hidden"] is False


async def test_an_upgrade_shows_the_hidden_entries_again(h: Harness) -> None:
    shop = await a_failed_order(h)
    ops = await issue_ops_key(h.container.uow())
    async with days_later(h, "8d") as later:
        assert (await get(later, shop, AUDIT))["items"] == []
        await set_plan(later, ops, "growth")
        growth = await get(later, shop, AUDIT)
        record = await get(later, shop, RECORD)
        await set_plan(later, ops, "enterprise")
        enterprise = await get(later, shop, AUDIT, entity="order")
    async with days_later(h, "31d") as much_later:
        await set_plan(much_later, ops, "growth")
        past_growth = await get(much_later, shop, AUDIT, entity="order")

    # The plan change, stamped 8 days on by the restarted service, then the error again.
    assert [(e["entity"], e["label"]) for e in growth["items"]] == [
        ("shop", SHOP),
        ("order", "#1001"),
    ]
    assert growth["retention"]["plan"] == "growth"
    assert growth["retention"]["retention_days"] == 30
    assert growth["retention"]["older_hidden"] is False
    assert [e["status"] for e in record["history"]] == ["error"]
    assert record["retention"]["older_hidden"] is False
    assert [e["label"] for e in enterprise["items"]] == ["#1001"]
    assert enterprise["retention"]["retention_days"] is None
    assert enterprise["retention"]["hidden_before"] is None
    assert past_growth["items"] == [] and past_growth["retention"]["older_hidden"] is True


async def test_a_moment_needs_its_time_zone_and_a_date_is_its_midnight_in_utc(h: Harness) -> None:
    shop = await a_failed_order(h)
    naive = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    today = datetime.now(UTC).date()
    auth = {"Authorization": f"Bearer {shop.api_key}"}

    for value in (naive, "0", "-60", "2025-13-01"):
        refused = await h.api.get(AUDIT, params={"until": value}, headers=auth)
        assert refused.status_code == 422, value
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["invalid_params"][0]["name"] == "until"
    assert len((await get(h.api, shop, AUDIT, since=today.isoformat()))["items"]) == 1
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert (await get(h.api, shop, AUDIT, since=tomorrow))["items"] == []


async def test_entries_written_after_a_restart_carry_the_shifted_time(h: Harness) -> None:
    shop = await a_failed_order(h)
    async with days_later(h, "8d") as later:
        resolved = await later.post(
            f"{RECORD}/resolve",
            json={"note": "not ours to sync"},
            headers={"Authorization": f"Bearer {shop.api_key}"},
        )
        assert resolved.status_code == 200, resolved.text
        page = await get(later, shop, AUDIT)
        record = await get(later, shop, RECORD)

    [entry] = page["items"]
    assert entry["status"] == "resolved"
    stamped = datetime.fromisoformat(entry["created_at"])
    assert abs(stamped - (datetime.now(UTC) + timedelta(days=8))) < timedelta(minutes=5)
    assert page["retention"]["older_hidden"] is True  # the error, 8 days before
    assert [e["status"] for e in record["history"]] == ["resolved"]

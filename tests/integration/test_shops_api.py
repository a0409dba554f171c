"""/v1/shops through the API, on SQLite and on PostgreSQL: operators list every shop with its
plan, connections' health and records by status; a shop's key sees its own shop alone; only an
operator key changes a plan, validated and audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, get_args

import pytest

from app.api.routes.shops import Plan
from app.domain.plans import PLANS
from app.services.shops import Installed, issue_ops_key
from tests.harness import SHOP, Harness, make_settings, running
from tests.integration.test_records_api import order, ready_shop, settle

OTHER = "other.myshopify.com"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def two_shops(h: Harness) -> tuple[Installed, Installed, str]:
    """Northwind with a QBO and a Shopify connection, one order synced and one in error; the
    other shop connected to QBO only, with no records; and an operator key."""
    shop = await ready_shop(h)
    await h.connect_shopify(shop)
    await h.deliver(order(1001, sku="MUG-11"))
    await h.deliver(order(1002))
    await settle(h)
    other = await h.install(OTHER)
    return shop, other, await issue_ops_key(h.container.uow())


async def get(h: Harness, url: str, key: str) -> Any:
    response = await h.api.get(url, headers=bearer(key))
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_operator_lists_every_shop_a_shop_key_its_own(h: Harness) -> None:
    shop, other, ops = await two_shops(h)

    everything = (await get(h, "/v1/shops", ops))["items"]
    own = (await get(h, "/v1/shops", shop.api_key))["items"]
    theirs = (await get(h, "/v1/shops", other.api_key))["items"]

    assert [s["domain"] for s in everything] == [SHOP, OTHER]
    northwind = everything[0]
    assert northwind["plan"] == "free" and northwind["retention_days"] == 7
    assert northwind["installed"] is True
    assert northwind["connections"]["quickbooks"]["status"] == "healthy"
    assert northwind["connections"]["shopify"]["status"] == "healthy"
    assert northwind["records"] == {
        "synced": 1,
        "error": 1,
        "pending": 0,
        "on_hold": 0,
        "resolved": 0,
    }
    assert everything[1]["connections"]["quickbooks"]["status"] == "healthy"
    assert everything[1]["connections"]["shopify"] == {"status": "not_connected", "reason": None}
    assert sum(everything[1]["records"].values()) == 0
    assert own == [northwind]
    assert [s["domain"] for s in theirs] == [OTHER]
    assert (await h.api.get("/v1/shops")).status_code == 401


async def test_one_shop_shows_its_plan_and_another_shops_key_gets_a_404(h: Harness) -> None:
    shop, other, ops = await two_shops(h)

    mine = await get(h, f"/v1/shops/{SHOP}", shop.api_key)
    as_ops = await get(h, f"/v1/shops/{SHOP}", ops)
    elsewhere = await h.api.get(f"/v1/shops/{SHOP}", headers=bearer(other.api_key))

    assert mine["plan"] == "free" and mine == as_ops
    assert mine["records"]["error"] == 1
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"] == "application/problem+json"
    patched = await h.api.patch(
        f"/v1/shops/{SHOP}", json={"plan": "scale"}, headers=bearer(other.api_key)
    )
    assert patched.status_code == 404


async def test_only_an_operator_key_changes_a_plan_and_it_is_audited(h: Harness) -> None:
    shop, _, ops = await two_shops(h)
    url = f"/v1/shops/{SHOP}"

    refused = await h.api.patch(url, json={"plan": "enterprise"}, headers=bearer(shop.api_key))
    unknown = await h.api.patch(url, json={"plan": "platinum"}, headers=bearer(ops))
    changed = await h.api.patch(url, json={"plan": "growth"}, headers=bearer(ops))
    again = await h.api.patch(url, json={"plan": "growth"}, headers=bearer(ops))

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "operator_key_required"
    assert "operator key" in refused.json()["detail"]
    assert unknown.status_code == 422
    assert [p["name"] for p in unknown.json()["invalid_params"]] == ["plan"]
    assert changed.status_code == 200, changed.text
    assert (changed.json()["plan"], changed.json()["retention_days"]) == ("growth", 30)
    assert again.status_code == 200
    assert (await get(h, url, shop.api_key))["plan"] == "growth"
    log = await get(h, f"{url}/audit-log?entity=shop", shop.api_key)
    [entry] = log["items"]  # the second request changed nothing
    assert (entry["actor"], entry["status"], entry["label"]) == ("ops", "changed", SHOP)
    assert entry["message"] == "Plan changed from free to growth"
    assert entry["detail"]["from"] == "free" and entry["detail"]["to"] == "growth"
    assert entry["detail"]["by"]["operator"] is True
    assert log["retention"]["plan"] == "growth"


def test_the_routes_plans_are_the_domains() -> None:
    assert get_args(Plan) == PLANS

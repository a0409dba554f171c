"""API keys stop working when the shop goes: app/uninstalled and shop/redact revoke them, a new
demo seed revokes the key printed before, and a revoked key is a 401 on every shop route."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from app.demo import DEMO_SHOP, seed_demo
from app.services.shops import Installed, issue_ops_key
from tests.harness import SHOP, Harness, make_settings, order_fixture, running
from tests.integration.test_shopify_install import callback, consent

UNINSTALL = {"id": 548380009, "name": "Northwind", "domain": SHOP, "myshopify_domain": SHOP}
# A value each path parameter accepts, so that only the key decides the answer.
PARAMS = {
    "section": "orders",
    "kind": "products",
    "source_id": "sku:TEE",
    "entity": "order",
    "id": "5910002001001",
    "order_id": "5910002001001",
    "run_id": "00000000-0000-4000-8000-000000000000",
    "request_id": "1",
}


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


async def shop_routes(h: Harness, shop: str) -> list[tuple[str, str]]:
    """(method, url) of every route under /v1/shops/{shop}, from the app's own OpenAPI."""
    paths = (await h.api.get("/openapi.json")).json()["paths"]
    routes = []
    for path, operations in paths.items():
        if path.startswith("/v1/shops/{shop}"):
            url = re.sub(r"\{(\w+)\}", lambda m: shop if m[1] == "shop" else PARAMS[m[1]], path)
            routes += [(method.upper(), url) for method in operations]
    return routes


async def refused_everywhere(h: Harness, key: str, shop: str = SHOP) -> list[str]:
    """The shop routes that do not answer 401 to `key`."""
    headers = {"Authorization": f"Bearer {key}"}
    routes = await shop_routes(h, shop)
    assert len(routes) >= 15
    answers = [
        (method, url, await h.api.request(method, url, headers=headers, json={}))
        for method, url in routes
    ]
    return [f"{m} {u}: {a.status_code}" for m, u, a in answers if a.status_code != 401]


async def reads(h: Harness, key: str, shop: str = SHOP) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return await h.api.get(f"/v1/shops/{shop}/audit-log", headers=headers)


async def test_uninstalling_revokes_the_shops_keys_but_keeps_its_data(h: Harness) -> None:
    shop = await h.install()
    other = await h.install("other.myshopify.com")
    ops = await issue_ops_key(h.container.uow())
    await h.deliver(order_fixture())
    await h.queue.join()  # type: ignore[attr-defined]
    assert (await reads(h, shop.api_key)).json()["items"]

    await h.deliver(UNINSTALL, topic="app/uninstalled")
    await h.queue.join()  # type: ignore[attr-defined]

    assert await refused_everywhere(h, shop.api_key) == []
    assert (await reads(h, other.api_key, "other.myshopify.com")).status_code == 200
    kept = await reads(h, ops)  # the data stays until shop/redact; operators still see it
    assert kept.status_code == 200 and kept.json()["items"]


async def test_shop_redact_leaves_no_key_that_works(h: Harness) -> None:
    shop = await h.install()
    await h.deliver(UNINSTALL, topic="app/uninstalled")
    await h.deliver({"shop_id": 548380009, "shop_domain": SHOP}, topic="shop/redact")
    await h.queue.join()  # type: ignore[attr-defined]

    answer = await reads(h, shop.api_key)

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_new_demo_seed_revokes_the_key_printed_before(h: Harness) -> None:
    sandbox = httpx.ASGITransport(app=h.qbo.app)
    first = await seed_demo(h.container, transport=sandbox)
    assert (await reads(h, first.api_key, DEMO_SHOP)).status_code == 200

    second = await seed_demo(h.container, transport=sandbox)

    assert second.api_key != first.api_key
    assert await refused_everywhere(h, first.api_key, DEMO_SHOP) == []
    assert (await reads(h, second.api_key, DEMO_SHOP)).status_code == 200


async def test_installing_again_after_an_uninstall_shows_a_new_key(h: Harness) -> None:
    old: Installed = await h.install()
    await h.deliver(UNINSTALL, topic="app/uninstalled")
    await h.queue.join()  # type: ignore[attr-defined]

    done = await callback(h, await consent(h))

    assert done.status_code == 200, done.text
    key = done.json()["api_key"]
    assert key and (await reads(h, key)).status_code == 200
    assert (await reads(h, old.api_key)).status_code == 401

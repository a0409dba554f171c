"""Text a person could not have typed (NUL and other control characters) in a path, a query or
a JSON body, a cursor this API did not issue, and a body that is not JSON: each a 4xx
problem naming what is at fault, never a 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.harness import SHOP, Harness, make_settings, running


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


def problem(response: httpx.Response, status: int, name: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert [p["name"] for p in body["invalid_params"]] == [name], body
    return body


V1 = f"/v1/shops/{SHOP}"
IN_PATHS = {
    "shop": f"/v1/shops/{SHOP}%00",
    "id": f"{V1}/records/order/1%00",
    "order_id": f"{V1}/orders/10%01/preview",
    "source_id": f"DELETE {V1}/mappings/products/sku%00x",
    "run_id": f"{V1}/runs/run%00",
    "code": "/v1/errors/duplicate%00",
}
IN_QUERIES = {
    "q": (f"{V1}/records", {"q": "Jane\x00"}),
    "order": (f"{V1}/audit-log", {"order": "#10\x00"}),
    "entity": (f"{V1}/audit-log", {"entity": "order\x00"}),
    "search": (f"{V1}/mappings/products", {"search": "\x1bmug"}),
}


@pytest.mark.parametrize("name", list(IN_PATHS))
async def test_a_control_character_in_a_path_is_422_naming_the_parameter(
    h: Harness, name: str
) -> None:
    shop = await h.install()
    method, _, path = IN_PATHS[name].rpartition(" ")
    response = await h.api.request(method or "GET", path, headers=h.auth(shop))
    problem(response, 422, name)


@pytest.mark.parametrize("name", list(IN_QUERIES))
async def test_a_control_character_in_a_query_is_422_naming_the_parameter(
    h: Harness, name: str
) -> None:
    shop = await h.install()
    path, params = IN_QUERIES[name]
    response = await h.api.get(path, params=params, headers=h.auth(shop))
    problem(response, 422, name)


async def test_a_control_character_in_a_body_is_422_naming_the_field(h: Harness) -> None:
    shop = await h.install()
    resolve = f"{V1}/records/order/1/resolve"
    response = await h.api.post(resolve, json={"note": "done\x00"}, headers=h.auth(shop))
    problem(response, 422, "note")
    response = await h.api.post(
        f"{V1}/sync", json={"order_ids": ["1", "2\x00"]}, headers=h.auth(shop)
    )
    problem(response, 422, "order_ids.1")
    # A line break is text a person types: the note is taken.
    fine = await h.api.post(resolve, json={"note": "line one\nline two"}, headers=h.auth(shop))
    assert fine.status_code != 422, fine.text


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "raw", ["id:99999999999999999999999", "id:-1", "id:١٢", "id:1\x00", "key:", "nope"]
)
async def test_a_cursor_this_api_did_not_issue_is_400(h: Harness, raw: str) -> None:
    shop = await h.install()
    for path in (f"{V1}/audit-log", f"{V1}/records", f"{V1}/mappings/products"):
        response = await h.api.get(path, params={"cursor": cursor(raw)}, headers=h.auth(shop))
        problem(response, 400, "cursor")


async def test_a_mappings_cursor_holding_a_nul_is_400(h: Harness) -> None:
    shop = await h.install()
    response = await h.api.get(
        f"{V1}/mappings/products", params={"cursor": cursor("key:sku\x00")}, headers=h.auth(shop)
    )
    problem(response, 400, "cursor")


async def test_a_body_that_is_not_json_or_nested_too_deep_is_400_naming_the_body(
    h: Harness,
) -> None:
    shop = await h.install()
    headers = {**h.auth(shop), "Content-Type": "application/json"}
    response = await h.api.post(f"{V1}/sync", content=b'{"order_ids": [', headers=headers)
    problem(response, 400, "body")
    deep = b'{"note": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = await h.api.post(f"{V1}/records/order/1/resolve", content=deep, headers=headers)
    assert problem(response, 400, "body")["code"] == "malformed_body"

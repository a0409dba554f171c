"""Following the catalogue's actions on a live shop, the way the SPA's buttons do: take the
action from the answer (GET /v1/errors, or a record's own actions), fill each placeholder
from the call its documentation names, send the example request, expect its status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from app.domain.actions import fill
from tests.e2e.live import Json, LiveShop


def catalogue(shop: LiveShop) -> list[Json]:
    answer = shop.stack.http.get(f"{shop.stack.api}/v1/errors")
    assert answer.status_code == 200, answer.text
    items: list[Json] = answer.json()["items"]
    return items


def entry(shop: LiveShop, code: str) -> Json:
    answer = shop.stack.http.get(f"{shop.stack.api}/v1/errors/{code}")
    assert answer.status_code == 200, answer.text
    found: Json = answer.json()
    return found


def action(actions: list[Json], name: str) -> Json:
    """The named action of a catalogue entry or a record; the entry must offer it."""
    found = [a for a in actions if a["name"] == name]
    assert found, f"{name} is not offered: {[a['name'] for a in actions]}"
    return found[0]


def send(shop: LiveShop, method: str, path: str, body: Any = None) -> httpx.Response:
    """A request to our API with the shop's key; `path` is absolute, `{shop}` filled in."""
    url = shop.stack.api + path.replace("{shop}", shop.domain)
    headers = {"Authorization": f"Bearer {shop.api_key}"}
    return shop.stack.http.request(method, url, headers=headers, json=body)


def value_of(shop: LiveShop, placeholder: Json, actions: list[Json]) -> str:
    """A placeholder's value, taken as its documentation says: `field` of the answer to
    `source` (of the first listed item with the `where` values). A source that is itself an
    action (POST …/sync for a run id) is followed with its own example."""
    method, path = placeholder["source"].split(" ", 1)
    if method == "GET":
        answer = send(shop, method, path)
        assert answer.status_code == 200, f"{placeholder['source']}: {answer.text}"
        found: Json = answer.json()
    else:
        [source] = [a for a in actions if (a["method"], a["path"]) == (method, path)]
        found = follow(shop, source, actions)
    if "items" in found:
        where = placeholder["where"].items()
        matching = [i for i in found["items"] if all(i.get(k) == v for k, v in where)]
        assert matching, f"nothing for {placeholder['name']} in {placeholder['source']}"
        found = matching[0]
    return str(found[placeholder["field"]])


def follow(shop: LiveShop, act: Json, actions: list[Json] | None = None, **chosen: str) -> Json:
    """Sends the action's example request, each placeholder filled from `chosen` (what a
    person picked) or else from its documented source; asserts the example's status. A JSON
    answer is returned as it is, any other (CSV) as {"text": …}."""
    values: dict[str, str] = {}
    for placeholder in act["placeholders"]:
        name = placeholder["name"]
        values[name] = chosen.get(name) or value_of(shop, placeholder, actions or [act])
    example = act["example"]
    in_path: Mapping[str, str] = {k: quote(v, safe="") for k, v in values.items()}
    path, body = fill(example["path"], in_path), fill(example["body"], values)
    answer = send(shop, example["method"], path, body)
    assert answer.status_code == example["status"], (
        f"{act['name']}: {example['method']} {path} {body} -> {answer.status_code} {answer.text}"
    )
    if "json" not in answer.headers.get("content-type", ""):  # the audit log's CSV export
        return {"text": answer.text} if answer.content else {}
    result: Json = answer.json()
    return result

"""The guide's steps on a live shop: see a record's error, then follow the links GET
/v1/errors hands out for its code; follow a run to its end; act with an operator key; read
the sandbox QBO's request log to see what reached QuickBooks."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.live import Json, LiveShop, Stack
from tests.e2e.live_actions import action, entry, follow


def failing(shop: LiveShop, number: int, code: str) -> Json:
    """Waits for the order's record to be in error with `code`; its error names the
    catalogue entry, and its actions are that entry's, filled in for the record."""
    record = shop.wait_for_records([number], lambda r: r["error_code"] is not None)[number]
    assert (record["status"], record["error_code"]) == ("error", code), record
    assert record["error"]["code"] == code
    names = [a["name"] for a in entry(shop, code)["actions"]]
    assert [a["name"] for a in record["actions"]] == names
    return record


def fix(shop: LiveShop, code: str, name: str, **chosen: str) -> Json:
    """Follows the action `name` that the catalogue offers for `code`."""
    actions = entry(shop, code)["actions"]
    return follow(shop, action(actions, name), actions, **chosen)


def synced(shop: LiveShop, *numbers: int, seconds: float = 15.0) -> dict[int, Json]:
    done = shop.wait_for_records(list(numbers), lambda r: r["status"] == "synced", seconds)
    records = done
    receipts = shop.receipts()
    for number in numbers:
        assert records[number]["qbo_document"]["doc_number"] == f"SH{number}"
        assert f"SH{number}" in receipts
    return records


def ops_key(stack: Stack) -> str:
    """An operator key, made the way ops make one: `python -m app.cli create-key --ops`."""
    [key] = stack.cli("create-key", "--ops", "--label", "guide-tests").split()
    return key


def as_ops(shop: LiveShop, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """`path` under /v1/shops/{shop}, sent with the operator key `key`."""
    url = f"{shop.stack.api}/v1/shops/{shop.domain}{path}"
    headers = {"Authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
    return shop.stack.http.request(method, url, headers=headers, **kwargs)


def finished(shop: LiveShop, run_id: str, seconds: float = 15.0) -> Json:
    """GET …/runs/{run_id} until the run is done."""
    deadline = time.monotonic() + seconds
    while True:
        run = shop.ok("GET", f"/runs/{run_id}")
        if run["status"] != "running":
            assert run["status"] == "done", run
            return run
        assert time.monotonic() < deadline, f"run still running: {run}"
        time.sleep(0.05)


def qbo_log_mark(stack: Stack) -> int:
    """Where the sandbox QBO's request log stands now."""
    answer = stack.http.get(f"{stack.qbo}/_sandbox/requests", params={"since": 0})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["next"])


def qbo_calls_since(shop: LiveShop, mark: int) -> list[Json]:
    """The calls to the shop's QBO company the sandbox saw since `mark`."""
    answer = shop.stack.http.get(f"{shop.stack.qbo}/_sandbox/requests", params={"since": mark})
    assert answer.status_code == 200, answer.text
    company = f"/v3/company/{shop.realm}/"
    return [c for c in answer.json()["items"] if c["path"].startswith(company)]


def writes(calls: list[Json]) -> list[Json]:
    """The calls among `calls` that change the company: any POST but a query."""
    return [c for c in calls if c["method"] != "GET" and not c["path"].endswith("/query")]

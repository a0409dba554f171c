"""The guide's steps on a live shop: see a record's error, then follow the links GET
/v1/errors hands out for its code."""

from __future__ import annotations

from tests.e2e.live import Json, LiveShop
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

"""The guide's log retention reminder: how far back the audit log and a record's history go
depends on the plan (free 7 days, growth 30, scale 90, enterprise all); older entries are
hidden, said so in the answer, and shown again after an upgrade. Time passes by restarting
the service with LEDGERPORT_CLOCK_OFFSET on the same database; this test has a stack of its
own, since it restarts the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import Json, LiveShop, Stack, new_shop, running_stack
from tests.guide.conftest import SETTINGS
from tests.guide.steps import as_ops, failing, ops_key, synced

pytestmark = pytest.mark.e2e


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path, production=False, settings=SETTINGS) as stack:
        yield stack


def audit(shop: LiveShop, **filters: str) -> Json:
    return shop.ok("GET", "/audit-log", params=filters)


def labels(answer: Json) -> set[str]:
    return {e["label"] for e in answer["items"] if e["entity"] == "order"}


def set_plan(shop: LiveShop, key: str, plan: str) -> Json:
    answer = as_ops(shop, key, "PATCH", "", json={"plan": plan})
    assert answer.status_code == 200, answer.text
    body: Json = answer.json()
    return body


def test_the_plan_hides_older_history_and_an_upgrade_shows_it_again(own_stack: Stack) -> None:
    shop = new_shop(own_stack, "plans")
    Books(shop)
    shop.send_order(order(8001, ("SOCKS",)))
    failing(shop, 8001, "product_not_mapped")
    today = audit(shop)
    assert labels(today) == {"#8001"}
    assert (today["retention"]["plan"], today["retention"]["retention_days"]) == ("free", 7)
    assert today["retention"]["older_hidden"] is False
    key = ops_key(own_stack)

    # Ten days later, on the free plan: the entries are kept but hidden, and the answer says so.
    own_stack.restart_api(LEDGERPORT_CLOCK_OFFSET="10d")
    shop.send_order(order(8002))
    synced(shop, 8002)
    later = audit(shop)
    assert labels(later) == {"#8002"}
    retention = later["retention"]
    assert (retention["retention_days"], retention["older_hidden"]) == (7, True)
    hidden_before = datetime.fromisoformat(retention["hidden_before"])
    written = datetime.fromisoformat(today["items"][0]["created_at"])
    assert written < hidden_before <= written + timedelta(days=4)
    assert audit(shop, status="error")["items"] == []
    record = shop.record(8001)
    assert record is not None and record["status"] == "error"  # the record itself stays
    assert record["history"] == [] and record["retention"]["older_hidden"] is True
    exported = shop.call("GET", "/audit-log/export.csv", params={"order": "#8001"})
    assert exported.text.count("\r\n") == 1  # the header row alone
    assert exported.headers["LedgerPort-Retention-Days"] == "7"

    # The shop's own key cannot change its plan; an operator upgrades it to growth.
    refused = shop.call("PATCH", "", json={"plan": "growth"})
    assert refused.status_code == 403, refused.text
    assert set_plan(shop, key, "growth")["retention_days"] == 30
    upgraded = audit(shop)
    assert labels(upgraded) == {"#8001", "#8002"}
    assert (upgraded["retention"]["plan"], upgraded["retention"]["older_hidden"]) == (
        "growth",
        False,
    )
    [entry] = audit(shop, status="error")["items"]
    assert (entry["label"], entry["error_code"]) == ("#8001", "product_not_mapped")
    record = shop.record(8001)
    assert record is not None and [e["status"] for e in record["history"]] == ["error"]
    exported = shop.call("GET", "/audit-log/export.csv", params={"order": "#8001"})
    assert exported.text.count("\r\n") == 2

    # Forty days on, growth hides them again; enterprise keeps everything.
    own_stack.restart_api(LEDGERPORT_CLOCK_OFFSET="50d")
    assert labels(audit(shop)) == set() and audit(shop)["retention"]["older_hidden"] is True
    shown = set_plan(shop, key, "enterprise")
    assert (shown["plan"], shown["retention_days"]) == ("enterprise", None)
    everything = audit(shop)
    assert labels(everything) == {"#8001", "#8002"}
    assert everything["retention"]["hidden_before"] is None
    changes = audit(shop, entity="shop", actor="ops")["items"]
    assert len(changes) == 2  # each plan change is in the log, by ops

"""Every action GET /v1/errors hands out, called with its own example on a set-up shop, its
placeholders filled the way the answer documents them, answers the status it promises."""

from __future__ import annotations

import pytest

from tests.e2e.books import KENTUCKY, Books, failed, order
from tests.e2e.live import LiveShop
from tests.e2e.live_actions import catalogue, follow

pytestmark = pytest.mark.e2e

# Reads first, then mappings, then what changes settings or syncs: a setting saved early
# (a generic customer) would heal the errors the mapping actions need to find.
ORDER = {"GET": 0, "PUT": 1, "POST": 2, "PATCH": 3}


def test_every_catalogue_action_succeeds_with_its_example(shop: LiveShop, books: Books) -> None:
    jun = {"id": 7302200002, "first_name": "Jun", "last_name": "Park", "email": "jun@example.com"}
    nameless = {"id": 7305500005, "first_name": None, "last_name": None, "email": None}
    shop.send_order(order(8001, ("SOCKS",)))
    shop.send_order(order(8002, customer=jun))
    shop.send_order(order(8003, tax=KENTUCKY))
    shop.send_order(order(8004, customer=nameless))
    shop.send_order(order(8005))
    failed(shop, [8001], "product_not_mapped")
    failed(shop, [8002], "customer_not_found")
    failed(shop, [8003], "tax_not_mapped")
    failed(shop, [8004], "missing_field")
    assert shop.settled([8005])[8005]["status"] == "synced"

    entries = catalogue(shop)
    assert len(entries) == 10
    actions = {a["name"]: a for e in entries for a in e["actions"]}
    # use_automated_sales_tax is for a company on QuickBooks' automated sales tax (LedgerPort
    # refuses it for one that books tax by hand): the merchant has moved the company first.
    switched = shop.stack.http.post(
        f"{shop.stack.qbo}/_sandbox/realms/{shop.realm}/sales-tax",
        json={"automated_sales_tax": True},
    )
    assert switched.status_code == 200, switched.text
    called = []
    for act in sorted(actions.values(), key=lambda a: ORDER[a["method"]]):
        assert 200 <= act["example"]["status"] < 300, act["name"]
        follow(shop, act, list(actions.values()))
        called.append(act["name"])
    assert sorted(called) == sorted(actions)
    # Resolve found a record in error and closed it.
    assert shop.ok("GET", "/records", params={"status": "resolved"})["items"]

"""Privacy: scrubbing a customer's data out of a shop's rows, and erasing a whole shop."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from app.domain.entities import (
    QUICKBOOKS,
    AuditEntry,
    AuditFilter,
    Mapping,
    PrivacyRequest,
    Shop,
    SyncRun,
)
from tests.contract.conftest import Backend
from tests.contract.test_inbox_and_orders import state

NAME = "Ada Lovelace"


def redact(value: Any) -> Any:
    """A `clean` that replaces the customer's name, in any case, wherever it is."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return re.sub(re.escape(NAME), "[redacted]", value, flags=re.IGNORECASE)
    return value


@dataclass
class Seeded:
    shop: Shop
    delivery_id: int
    audit_id: int


async def seed(backend: Backend, domain: str, mention: str) -> Seeded:
    """One row of every kind that may hold personal data, each mentioning `mention`."""
    shop = await backend.add_shop(domain)
    delivery_id = await backend.add_delivery(domain, body=f'{{"customer": "{mention}"}}')
    async with backend.uow() as uow:
        payload = {"customer": {"name": mention}, "total": "10.00"}
        await uow.orders.upsert(shop.id, "1", state(0), payload)
        record = await uow.records.get_or_create(shop.id, "order", "1", label="#1", status="error")
        record.message = f"No QuickBooks customer matches {mention}"
        await uow.records.save(record)
        audit = await uow.audit.add(
            AuditEntry(shop.id, "order", "1", "error", "webhook", message=f"about {mention}")
        )
        await uow.mappings.put(Mapping(shop.id, "customer", "customer:9", "58", mention))
        await uow.privacy.add(
            PrivacyRequest(shop.id, "customers/data_request", "9", "1 order", {"who": mention})
        )
        await uow.commit()
    assert audit.id is not None
    return Seeded(shop, delivery_id, audit.id)


async def test_scrub_cleans_every_row_of_the_shop_that_holds_a_needle(backend: Backend) -> None:
    mine = await seed(backend, "northwind.myshopify.com", "ADA LOVELACE")
    theirs = await seed(backend, "other.myshopify.com", NAME)
    async with backend.uow() as uow:
        untouched = await uow.audit.add(
            AuditEntry(mine.shop.id, "order", "2", "synced", "webhook", message="Grace Hopper")
        )
        changed = await uow.privacy.scrub(mine.shop.id, mine.shop.domain, {"ada lovelace"}, redact)
        await uow.commit()
    # The delivery, the order, the record, the audit entry, the mapping, the privacy report.
    assert changed == 6
    async with backend.uow() as uow:
        delivery = await uow.inbox.get(mine.delivery_id)
        order = await uow.orders.get(mine.shop.id, "1")
        record = await uow.records.get(mine.shop.id, "order", "1")
        audit = await uow.audit.get(mine.shop.id, mine.audit_id)
        mapping = await uow.mappings.get(mine.shop.id, "customer", "customer:9")
        kept = await uow.audit.get(mine.shop.id, untouched.id or 0)
        their_order = await uow.orders.get(theirs.shop.id, "1")
    assert delivery is not None and json.loads(delivery.body) == {"customer": "[redacted]"}
    assert order is not None and order.payload == {
        "customer": {"name": "[redacted]"},
        "total": "10.00",
    }
    assert record is not None and record.message == "No QuickBooks customer matches [redacted]"
    assert audit is not None and audit.message == "about [redacted]"
    assert mapping is not None and mapping.source_label == "[redacted]"
    assert kept == untouched
    assert their_order is not None and their_order.payload["customer"]["name"] == NAME


async def test_scrub_without_a_match_changes_nothing(backend: Backend) -> None:
    mine = await seed(backend, "northwind.myshopify.com", NAME)
    async with backend.uow() as uow:
        assert await uow.privacy.scrub(mine.shop.id, mine.shop.domain, set(), redact) == 0
        assert await uow.privacy.scrub(mine.shop.id, mine.shop.domain, {"Grace"}, redact) == 0


async def test_scrub_takes_a_needle_literally(backend: Backend) -> None:
    """An underscore or a percent sign in an email is a character, not a wildcard."""
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        for n, message in enumerate(["ada_l@x.io wrote", "adaxl@x.io wrote", "100% ada"]):
            await uow.audit.add(
                AuditEntry(shop.id, "order", str(n), "error", "webhook", message=message)
            )
        changed = await uow.privacy.scrub(
            shop.id, shop.domain, {"ada_l@x.io", "0% a"}, lambda v: "[redacted]"
        )
        await uow.commit()
        messages = [e.message for e in await uow.audit.list(shop.id, AuditFilter(), 10)]
    assert changed == 2
    assert sorted(messages) == ["[redacted]", "[redacted]", "adaxl@x.io wrote"]


async def test_scrub_finds_a_name_with_accents_inside_json(backend: Backend) -> None:
    shop = await backend.add_shop()
    async with backend.uow() as uow:
        await uow.orders.upsert(shop.id, "1", state(0), {"customer": {"name": "Zoë Brontë"}})
        changed = await uow.privacy.scrub(
            shop.id, shop.domain, {"Zoë Brontë"}, lambda v: {"customer": None}
        )
        await uow.commit()
        order = await uow.orders.get(shop.id, "1")
    assert changed == 1
    assert order is not None and order.payload == {"customer": None}


async def test_erasing_a_shop_removes_all_its_rows_and_only_them(backend: Backend) -> None:
    mine = await everything(backend, "northwind.myshopify.com")
    theirs = await everything(backend, "other.myshopify.com")
    async with backend.uow() as uow:
        await uow.shops.erase(mine.shop.id, mine.shop.domain)
        await uow.commit()
    assert await holdings(backend, mine) == {}
    assert await holdings(backend, theirs) == dict.fromkeys(EVERYTHING, True)
    # Every row that mentioned the customer, the privacy request's report included.
    assert await rows_mentioning_the_customer(backend, mine) == 0
    assert await rows_mentioning_the_customer(backend, theirs) == 6
    async with backend.uow() as uow:
        again = await uow.shops.add(mine.shop.domain, "Installed again")
        await uow.commit()
    assert again.id != mine.shop.id


EVERYTHING = ["shop", "api key", "delivery", "order", "record", "audit", "mapping", "config"]
EVERYTHING += ["connection", "healthy", "run"]


async def everything(backend: Backend, domain: str) -> Seeded:
    seeded = await seed(backend, domain, NAME)
    shop_id = seeded.shop.id
    async with backend.uow() as uow:
        await uow.api_keys.add(shop_id, domain.ljust(64, "#"), "lp_12345", "installed")
        await uow.configs.save(shop_id, {"orders": {"trigger": "paid"}})
        connection = await uow.connections.get_or_create(shop_id, QUICKBOOKS)
        connection.status = "healthy"
        await uow.connections.save(connection)
        await uow.runs.add(SyncRun(f"run-{shop_id}", shop_id, "manual"))
        await uow.commit()
    return seeded


async def holdings(backend: Backend, seeded: Seeded) -> dict[str, bool]:
    """What of `everything` is still stored for the shop."""
    shop_id, domain = seeded.shop.id, seeded.shop.domain
    async with backend.uow() as uow:
        found = {
            "shop": await uow.shops.get(shop_id) or await uow.shops.get_by_domain(domain),
            "api key": await uow.api_keys.find_active(domain.ljust(64, "#")),
            "delivery": await uow.inbox.get(seeded.delivery_id),
            "order": await uow.orders.get(shop_id, "1"),
            "record": await uow.records.get(shop_id, "order", "1"),
            "audit": await uow.audit.get(shop_id, seeded.audit_id),
            "mapping": await uow.mappings.as_dict(shop_id, "customer"),
            "config": await uow.configs.get(shop_id),
            "connection": await uow.connections.get(shop_id, QUICKBOOKS),
            "healthy": shop_id in await uow.connections.healthy_shop_ids(QUICKBOOKS),
            "run": await uow.runs.get(shop_id, f"run-{shop_id}"),
        }
    return {name: True for name, value in found.items() if value}


async def rows_mentioning_the_customer(backend: Backend, seeded: Seeded) -> int:
    """Counted by a scrub that is not committed."""
    async with backend.uow() as uow:
        return await uow.privacy.scrub(seeded.shop.id, seeded.shop.domain, {NAME}, redact)

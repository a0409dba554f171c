"""Reading privacy requests back: a shop's own, newest first, with when each came."""

from __future__ import annotations

from app.domain.entities import PrivacyRequest
from tests.contract.conftest import Backend


async def test_a_shop_reads_its_own_requests_newest_first(backend: Backend) -> None:
    mine = await backend.add_shop("northwind.myshopify.com")
    theirs = await backend.add_shop("other.myshopify.com")
    async with backend.uow() as uow:
        report = {"orders": [{"name": "#1001"}]}
        await uow.privacy.add(PrivacyRequest(mine.id, "customers/data_request", "9", "1", report))
        await uow.privacy.add(PrivacyRequest(theirs.id, "customers/redact", "7", "other"))
        await uow.privacy.add(PrivacyRequest(mine.id, "customers/redact", "9", "redacted"))
        await uow.commit()

    async with backend.uow() as uow:
        listed = await uow.privacy.list(mine.id, 10)
        first = await uow.privacy.list(mine.id, 1)
        asked = await uow.privacy.get(mine.id, listed[1].id)
        elsewhere = await uow.privacy.get(theirs.id, listed[1].id)

    assert [seen.request.kind for seen in listed] == ["customers/redact", "customers/data_request"]
    assert [seen.id for seen in first] == [listed[0].id]
    assert all(seen.received_at.tzinfo is not None for seen in listed)
    assert asked is not None and asked.request.report == {"orders": [{"name": "#1001"}]}
    assert asked.request.shopify_customer_id == "9" and elsewhere is None

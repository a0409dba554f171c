"""The webhook intake (ports.Inbox): the fake inbox and the SQL inbox writer alike."""

from __future__ import annotations

from dataclasses import asdict, replace

from app.domain.entities import Delivery, Stored
from tests.contract.conftest import Backend, delivery

DOMAIN = "northwind.myshopify.com"


async def test_a_delivery_of_an_installed_shop_is_stored_once_and_queued(backend: Backend) -> None:
    committed: list[list[Stored]] = []

    async def after_commit(stored: list[Stored]) -> None:
        committed.append(stored)

    inbox = backend.inbox(after_commit)
    await backend.add_shop(DOMAIN)
    new = delivery(DOMAIN)
    delivery_id = await inbox.add(new)
    assert delivery_id is not None
    assert await inbox.add(new) is None
    ignored = replace(new, topic="products/update", status="ignored", note="not handled")
    other_id = await inbox.add(ignored)
    await inbox.drain()
    assert other_id is not None and other_id != delivery_id
    assert committed == [
        [Stored(delivery_id, "orders/create", "received")],
        [Stored(other_id, "products/update", "ignored")],
    ]
    async with backend.uow() as uow:
        assert await uow.inbox.get(delivery_id) == Delivery(id=delivery_id, **asdict(new))


async def test_a_delivery_of_a_shop_not_installed_is_not_stored(backend: Backend) -> None:
    committed: list[list[Stored]] = []

    async def after_commit(stored: list[Stored]) -> None:
        committed.append(stored)

    inbox = backend.inbox(after_commit)
    assert await inbox.add(delivery("stranger.myshopify.com")) is None
    await inbox.drain()
    assert committed == []

"""The intake under a burst: deliveries that arrive together are stored together, each answered
with its own outcome, and one bad row does not take its neighbours down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.adapters.db.inbox_writer import InboxWriter
from app.adapters.db.tables import OrderRow, WebhookDelivery, utcnow
from app.domain.entities import NewDelivery
from app.services.webhooks import queue_processing
from app.workers.jobs import sweep_all
from ledgerport_sandbox.shopify import sign_webhook
from tests.harness import (
    SHOP,
    SHOPIFY_SECRET,
    Harness,
    QueueDown,
    make_settings,
    order_fixture,
    running,
)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url)) as harness:
        yield harness


def count_inbox_inserts(h: Harness) -> list[str]:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_INBOX"):
            statements.append(statement)

    event.listen(h.container.engine.sync_engine, "before_cursor_execute", seen)
    return statements


async def metric(h: Harness, sample: str) -> float:
    """One sample of /metrics, e.g. 'ledgerport_webhooks_total{outcome="stored"}'; 0 if absent."""
    for line in (await h.api.get("/metrics")).text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


def order(n: int) -> dict[str, Any]:
    return {**order_fixture(), "id": 7_000_000 + n, "name": f"#{5000 + n}"}


async def test_a_burst_is_stored_in_a_few_statements_and_each_delivery_gets_its_answer(
    h: Harness,
) -> None:
    await h.install()
    inserts = count_inbox_inserts(h)
    fresh = [h.deliver(order(n), event_id=f"evt-{n}") for n in range(40)]
    repeats = [h.deliver(order(99), event_id="evt-repeat", webhook_id=f"wh-{n}") for n in range(3)]
    strangers = [h.deliver(order(n), shop="stranger.myshopify.com") for n in range(2)]

    answers = await asyncio.gather(*fresh, *repeats, *strangers)
    await h.queue.join()  # type: ignore[attr-defined]

    fresh_answers, repeat_answers = answers[:40], answers[40:43]
    assert [a.status_code for a in answers] == [200] * 43 + [401] * 2
    ids = [a.json()["delivery_id"] for a in fresh_answers]
    assert len(set(ids)) == 40 and None not in ids
    assert sorted(a.json()["duplicate"] for a in repeat_answers) == [False, True, True]
    assert 1 <= len(inserts) < 20  # together, not one statement per delivery
    async with h.container.sessions() as session:
        statuses = (await session.scalars(select(WebhookDelivery.status))).all()
        by_shop = await session.scalar(
            select(func.count()).where(WebhookDelivery.shop_domain != SHOP)
        )
    assert len(statuses) == 41 and set(statuses) == {"processed"}
    assert by_shop == 0


async def test_metrics_count_outcomes_and_batch_sizes(h: Harness) -> None:
    await h.install()
    names = ['ledgerport_webhooks_total{outcome="stored"}',
             'ledgerport_webhooks_total{outcome="repeat"}',
             'ledgerport_webhooks_total{outcome="unauthorized_webhook"}',
             "ledgerport_inbox_batch_size_count", "ledgerport_inbox_batch_size_sum"]  # fmt: skip
    before = [await metric(h, name) for name in names]

    await asyncio.gather(*(h.deliver(order(n), event_id=f"evt-{n}") for n in range(10)))
    await h.deliver(order(0), event_id="evt-0")
    await h.deliver(order(0), shop="stranger.myshopify.com")

    after = [await metric(h, name) for name in names]
    stored, repeats, refused, batches, batched = (a - b for a, b in zip(after, before, strict=True))
    assert (stored, repeats, refused) == (10, 1, 1)
    assert batched == 12 and 1 <= batches < 12  # every delivery, in fewer statements


async def test_a_header_longer_than_its_column_is_400_and_nothing_is_stored(
    h: Harness,
) -> None:
    await h.install()
    response = await h.deliver(order_fixture(), event_id="e" * 129)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["invalid_params"][0]["name"] == "X-Shopify-Event-Id"
    async with h.container.sessions() as session:
        assert await session.scalar(select(func.count(WebhookDelivery.id))) == 0


def row(event_id: str, body: str | None) -> NewDelivery:
    return NewDelivery(
        shop_domain=SHOP,
        topic="orders/create",
        event_id=event_id,
        webhook_id=None,
        api_version="2025-07",
        triggered_at=None,
        body=body,  # type: ignore[arg-type]  # None: a row the database refuses
        status="ignored",  # no processing job: this test is about the writes
        note=None,
        received_at=utcnow(),
    )


async def test_a_row_the_database_refuses_fails_alone(h: Harness) -> None:
    await h.install()
    rows = [row(f"good-{n}", "{}") for n in range(5)]
    rows.insert(2, row("bad", None))  # body is NOT NULL

    outcomes = await asyncio.gather(
        *(h.container.inbox.add(values) for values in rows), return_exceptions=True
    )

    assert isinstance(outcomes[2], Exception)
    stored = [o for n, o in enumerate(outcomes) if n != 2]
    assert all(isinstance(o, int) for o in stored) and len(set(stored)) == 5
    async with h.container.sessions() as session:
        events = (await session.scalars(select(WebhookDelivery.event_id))).all()
    assert sorted(events) == [f"good-{n}" for n in range(5)]


async def test_deliveries_are_acknowledged_while_the_queue_is_down_and_processed_after(
    database_url: str,
) -> None:
    queue = QueueDown()
    async with running(make_settings(database_url), queue=queue) as h:
        await h.install()
        first = await h.deliver(order(1), event_id="evt-1")
        repeat = await h.deliver(order(1), event_id="evt-1")
        other = await h.deliver(order(2), event_id="evt-2")
        assert [first.status_code, repeat.status_code, other.status_code] == [200] * 3
        assert repeat.json()["duplicate"] is True

        requeued = await metric(h, "ledgerport_lost_deliveries_requeued_total")
        queue.down = False
        later = datetime.now(UTC) + timedelta(seconds=h.container.settings.sweep_interval_s + 60)
        h.container.clock = lambda: later
        await sweep_all(h.container)
        await queue.join()

        async with h.container.sessions() as session:
            statuses = (await session.scalars(select(WebhookDelivery.status))).all()
            orders = await session.scalar(select(func.count(OrderRow.id)))
        assert sorted(statuses) == ["processed", "processed"] and orders == 2
        assert await metric(h, "ledgerport_lost_deliveries_requeued_total") == requeued + 2


def _signed(body: bytes, **headers: str) -> tuple[bytes, dict[str, str]]:
    base = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": sign_webhook(body, SHOPIFY_SECRET),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": "evt-malformed",
    }
    return body, {**base, **headers}


MALFORMED = {
    "no topic": (_signed(b"{}", **{"X-Shopify-Topic": ""}), 400, "X-Shopify-Topic"),
    "no shop": (_signed(b"{}", **{"X-Shopify-Shop-Domain": ""}), 400, "X-Shopify-Shop-Domain"),
    "no signature": (_signed(b"{}", **{"X-Shopify-Hmac-Sha256": ""}), 401,
                     "X-Shopify-Hmac-Sha256"),
    "signature not base64": (_signed(b"{}", **{"X-Shopify-Hmac-Sha256": "%%not base64%%"}), 401,
                             "X-Shopify-Hmac-Sha256"),
    "topic too long": (_signed(b"{}", **{"X-Shopify-Topic": "t" * 65}), 400,
                       "X-Shopify-Topic"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_delivery_that_cannot_be_stored_is_a_4xx_problem_and_stores_nothing(
    h: Harness, case: str
) -> None:
    await h.install()
    (body, headers), status, field = MALFORMED[case]

    response = await h.api.post("/webhooks/shopify", content=body, headers=headers)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["invalid_params"][0]["name"] == field
    async with h.container.sessions() as session:
        assert await session.scalar(select(func.count(WebhookDelivery.id))) == 0


async def test_the_intake_survives_the_database_dropping_its_connections(
    postgres_url: str,
) -> None:
    async with running(make_settings(postgres_url)) as h:
        await h.install()
        assert (await h.deliver(order(1))).status_code == 200  # the pool now holds connections
        await h.queue.join()  # type: ignore[attr-defined]  # so the intake meets the dead ones
        outsider = create_async_engine(postgres_url)  # not one of the app's connections
        async with outsider.connect() as connection:
            killed = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        await outsider.dispose()
        assert killed >= 1  # every connection the app holds, as a restart would

        response = await h.deliver(order(2))

        assert response.status_code == 200
        async with h.container.sessions() as session:
            assert await session.scalar(select(func.count(WebhookDelivery.id))) == 2


async def test_the_sweep_deletes_handled_deliveries_past_retention_and_keeps_the_rest(
    h: Harness,
) -> None:
    await h.install()
    for n in range(3):
        assert (await h.deliver(order(n), event_id=f"evt-{n}")).status_code == 200
    await h.queue.join()  # type: ignore[attr-defined]
    days = h.container.settings.inbox_retention_days
    async with h.container.sessions() as session:
        rows = (await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
        old, waiting, recent = rows
        old.received_at = waiting.received_at = utcnow() - timedelta(days=days, hours=1)
        waiting.status = "received"  # old, but never processed: kept (and queued again)
        await session.commit()

    await sweep_all(h.container)
    await h.queue.join()  # type: ignore[attr-defined]

    async with h.container.sessions() as session:
        left = (await session.scalars(select(WebhookDelivery.event_id))).all()
    assert sorted(left) == ["evt-1", "evt-2"]


async def test_a_writer_with_too_many_deliveries_waiting_refuses_more(h: Harness) -> None:
    await h.install()
    writer = InboxWriter(h.container.engine, partial(queue_processing, h.queue), max_waiting=3)
    rows = [row(f"evt-{n}", "{}") for n in range(5)]

    outcomes = await asyncio.gather(*(writer.add(r) for r in rows), return_exceptions=True)
    await writer.drain()

    assert [type(o).__name__ for o in outcomes] == ["int"] * 3 + ["InboxFull"] * 2
    async with h.container.sessions() as session:
        events = (await session.scalars(select(WebhookDelivery.event_id))).all()
    assert sorted(events) == ["evt-0", "evt-1", "evt-2"]


async def test_a_full_intake_is_503_with_retry_after_and_stores_nothing(h: Harness) -> None:
    await h.install()
    h.container.inbox = InboxWriter(h.container.engine, partial(queue_processing, h.queue),
                                    max_waiting=0)  # fmt: skip

    response = await h.deliver(order(1))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "intake_unavailable"
    async with h.container.sessions() as session:
        assert await session.scalar(select(func.count(WebhookDelivery.id))) == 0


async def test_a_database_that_is_down_is_503_with_retry_after(h: Harness) -> None:
    await h.install()
    unreachable = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/ledgerport")
    h.container.inbox = InboxWriter(unreachable, partial(queue_processing, h.queue))

    responses = await asyncio.gather(*(h.deliver(order(n)) for n in range(3)))
    await unreachable.dispose()

    assert [r.status_code for r in responses] == [503] * 3
    assert {r.headers["retry-after"] for r in responses} == {"5"}
    assert {r.json()["code"] for r in responses} == {"intake_unavailable"}

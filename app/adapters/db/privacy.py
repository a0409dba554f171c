"""Privacy requests, and finding a customer's personal data wherever the shop's rows hold it."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, Text, cast, or_, select, update

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import (
    AuditEntry,
    Mapping,
    OrderRow,
    Source,
    SyncRecord,
    WebhookDelivery,
)
from app.adapters.db.tables import PrivacyRequest as PrivacyRow
from app.domain.entities import PrivacyRequest
from app.domain.privacy import ReceivedPrivacyRequest

PRIVACY = table_of(PrivacyRow)


class SqlPrivacy(Repository):
    async def add(self, request: PrivacyRequest) -> None:
        await self._session.execute(PRIVACY.insert().values(**vars(request)))

    async def list(self, shop_id: int, limit: int) -> builtins.list[ReceivedPrivacyRequest]:
        query = (
            select(PRIVACY)
            .where(PRIVACY.c.shop_id == shop_id)
            .order_by(PRIVACY.c.created_at.desc(), PRIVACY.c.id.desc())
            .limit(limit)
        )
        return [_received(row) for row in (await self._session.execute(query)).all()]

    async def get(self, shop_id: int, request_id: int) -> ReceivedPrivacyRequest | None:
        query = select(PRIVACY).where(PRIVACY.c.shop_id == shop_id, PRIVACY.c.id == request_id)
        row = (await self._session.execute(query)).first()
        return _received(row) if row is not None else None

    async def scrub(
        self, shop_id: int, shop_domain: str, needles: set[str], clean: Callable[[Any], Any]
    ) -> int:
        if not needles:
            return 0
        inbox = table_of(WebhookDelivery)
        targets: list[tuple[Any, Any, list[str]]] = [
            (inbox, inbox.c.shop_domain == shop_domain, ["body"]),
            (table_of(OrderRow), None, ["payload"]),
            (table_of(AuditEntry), None, ["message", "detail"]),
            (table_of(SyncRecord), None, ["message"]),
            (table_of(Mapping), None, ["source_label", "qbo_name"]),
            (table_of(Source), None, ["label", "detail"]),
            (PRIVACY, None, ["report"]),
        ]
        changed = 0
        for table, scope, columns in targets:
            scope = table.c.shop_id == shop_id if scope is None else scope
            changed += await self._scrub_table(table, scope, columns, needles, clean)
        return changed

    async def _scrub_table(
        self,
        table: Any,
        scope: Any,
        columns: builtins.list[str],
        needles: set[str],
        clean: Callable[[Any], Any],
    ) -> int:
        matches = [
            cast(table.c[c], Text).ilike(f"%{_like(form)}%", escape="\\")
            for c in columns
            for needle in needles
            for form in _stored_forms(needle)
        ]
        query = select(table.c.id, *(table.c[c] for c in columns)).where(scope, or_(*matches))
        rows = (await self._session.execute(query)).all()
        for row in rows:
            values = {c: _cleaned(row._mapping[c], clean) for c in columns}
            await self._session.execute(update(table).where(table.c.id == row.id).values(**values))
        return len(rows)


def _received(row: Row[Any]) -> ReceivedPrivacyRequest:
    request = PrivacyRequest(
        row.shop_id, row.kind, row.shopify_customer_id, row.summary, row.report
    )
    return ReceivedPrivacyRequest(row.id, request, row.created_at)


def _stored_forms(needle: str) -> set[str]:
    """The needle as text, and as a JSON column stores it (non-ASCII escaped as \\uXXXX)."""
    return {needle, json.dumps(needle)[1:-1]}


def _like(text: str) -> str:
    """`text` matched literally by LIKE: its wildcards and the escape character escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _cleaned(value: Any, clean: Callable[[Any], Any]) -> Any:
    """Text that holds JSON (an inbox body) is cleaned as JSON and stored compactly."""
    if isinstance(value, str) and value.startswith(("{", "[")):
        try:
            return json.dumps(clean(json.loads(value)), separators=(",", ":"))
        except ValueError:
            pass
    return clean(value)

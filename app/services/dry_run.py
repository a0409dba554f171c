"""A QuickBooks port that reads for real and writes nothing: the order preview hands it to the
sync's own steps, so that what they would create in QBO is captured instead of sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain.ports import QboDocument, QboRef, QboSession, QuickBooksPort
from app.domain.ports.forwarding import ForwardingQuickBooks

PLACEHOLDER_PREFIX = "new:"


@dataclass(frozen=True)
class CapturedCreate:
    """A create the sync would send to QBO; `placeholder` stands for the id QBO would give it."""

    entity: str  # the QBO entity: Customer or Item
    placeholder: str
    payload: dict[str, Any]


@dataclass
class DryRunQuickBooks(ForwardingQuickBooks):
    """Reads go to `inner`; customer and item creates are recorded and answered with a
    placeholder id; a sales receipt is never created (the preview shows its payload)."""

    inner: QuickBooksPort
    creates: list[CapturedCreate] = field(default_factory=list)

    def _capture(self, entity: str, payload: dict[str, Any]) -> str:
        number = sum(1 for c in self.creates if c.entity == entity) + 1
        placeholder = f"{PLACEHOLDER_PREFIX}{entity.lower()}:{number}"
        self.creates.append(CapturedCreate(entity, placeholder, payload))
        return placeholder

    async def create_item(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        return QboRef(self._capture("Item", payload), str(payload.get("Name", "")))

    async def create_customer(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        return QboRef(self._capture("Customer", payload), str(payload.get("DisplayName", "")))

    async def create_sales_receipt(
        self,
        session: QboSession,
        payload: dict[str, Any],
        *,
        request_id: str,
        entity: str = "SalesReceipt",
    ) -> QboDocument:
        raise AssertionError("a preview never posts the sales receipt")

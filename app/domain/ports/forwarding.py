"""A QuickBooksPort that hands every call to another one: the base of ports that change a few
calls (the cache that stays true to our writes, the preview's dry run) and pass the rest on."""

from __future__ import annotations

from typing import Any

from app.domain.ports.external import (
    CompanyCurrencyPrefs,
    CompanyProfile,
    CompanyTaxPrefs,
    QboDocument,
    QboOption,
    QboRef,
    QboSession,
    QboTaxRate,
    QuickBooksPort,
)


class ForwardingQuickBooks:
    def __init__(self, inner: QuickBooksPort) -> None:
        self.inner = inner

    async def find_customer(
        self, session: QboSession, *, email: str | None, display_name: str | None
    ) -> QboRef | None:
        return await self.inner.find_customer(session, email=email, display_name=display_name)

    async def find_item(
        self, session: QboSession, *, sku: str | None = None, name: str | None = None
    ) -> QboOption | None:
        return await self.inner.find_item(session, sku=sku, name=name)

    async def create_item(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        return await self.inner.create_item(session, payload, request_id=request_id)

    async def create_customer(
        self, session: QboSession, payload: dict[str, Any], *, request_id: str
    ) -> QboRef:
        return await self.inner.create_customer(session, payload, request_id=request_id)

    async def find_sales_receipt(
        self,
        session: QboSession,
        *,
        doc_number: str | None = None,
        qbo_id: str | None = None,
        entity: str = "SalesReceipt",
    ) -> QboDocument | None:
        return await self.inner.find_sales_receipt(
            session, doc_number=doc_number, qbo_id=qbo_id, entity=entity
        )

    async def create_sales_receipt(
        self,
        session: QboSession,
        payload: dict[str, Any],
        *,
        request_id: str,
        entity: str = "SalesReceipt",
    ) -> QboDocument:
        return await self.inner.create_sales_receipt(
            session, payload, request_id=request_id, entity=entity
        )

    async def list_entities(
        self, session: QboSession, entity: str, *, active_only: bool = True, max_results: int = 1000
    ) -> list[QboOption]:
        return await self.inner.list_entities(
            session, entity, active_only=active_only, max_results=max_results
        )

    async def tax_prefs(self, session: QboSession) -> CompanyTaxPrefs:
        return await self.inner.tax_prefs(session)

    async def company_profile(self, session: QboSession, *, fresh: bool = False) -> CompanyProfile:
        return await self.inner.company_profile(session, fresh=fresh)

    async def tax_code_rates(self, session: QboSession) -> dict[str, tuple[QboTaxRate, ...]]:
        return await self.inner.tax_code_rates(session)

    async def currency_prefs(self, session: QboSession) -> CompanyCurrencyPrefs:
        return await self.inner.currency_prefs(session)

    async def company_id(self, session: QboSession) -> str:
        return await self.inner.company_id(session)

"""The QBO sales receipt an order becomes, once its mappings and settings are resolved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.config import SyncConfig
from app.domain.lines import resolve_lines
from app.domain.models import Order
from app.domain.policies import deposit_account_for
from app.domain.ports import QboSession, QuickBooksPort
from app.domain.translate import build_sales_receipt, resolve_tax_code
from app.services.customers import resolve_customer


async def sales_receipt_payload(
    qbo: QuickBooksPort,
    session: QboSession,
    order: Order,
    config: SyncConfig,
    *,
    products: Mapping[str, str],
    customers: dict[str, str],
    tax_rates: Mapping[str, str],
    created: list[str] | None = None,
) -> dict[str, Any]:
    """The SalesReceipt body to post. Raises the SyncError of the first thing in the way:
    products and tax rates (known here) before the customer (which may ask QBO)."""
    item_ids = resolve_lines(order, products, config)
    tax_code_id = resolve_tax_code(order, tax_rates, config.accounting)
    customer_id = await resolve_customer(qbo, session, order, config, customers, created)
    return build_sales_receipt(
        order,
        customer_id=customer_id,
        item_ids=item_ids,
        config=config,
        deposit_account_id=deposit_account_for(order, config.payments),
        txn_tax_code_id=tax_code_id,
    )

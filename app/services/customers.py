"""Which QBO customer an order is booked to, per the shop's customer strategy."""

from __future__ import annotations

import uuid

from app.domain.config import SyncConfig
from app.domain.entities import Mapping
from app.domain.errors import ErrorCode, SyncError
from app.domain.models import Order
from app.domain.ports import QboDocument, QboSession, QuickBooksPort, UnitOfWork

CUSTOMER_NAMESPACE = uuid.UUID("0b8f3d4a-9a7e-4d0c-8d7e-2b6d8c1f7a21")


async def resolve_customer(
    qbo: QuickBooksPort,
    session: QboSession,
    order: Order,
    config: SyncConfig,
    mappings: dict[str, str],
) -> str:
    """Mapping first, then QBO by email and display name; `create` and `generic` as configured."""
    strategy = config.customers.strategy
    generic = config.customers.generic_customer_id
    if strategy == "generic" and generic:
        return generic
    customer = order.customer
    if customer is not None and (mapped := mappings.get(f"customer:{customer.id}")):
        return mapped
    email = (customer.email if customer else None) or order.email
    name = customer.display_name if customer else None
    if email or name:
        found = await qbo.find_customer(session, email=email, display_name=name)
        if found is not None:
            return found.id
    if strategy == "create" and customer is not None and name:
        payload: dict[str, object] = {
            "DisplayName": name,
            "GivenName": customer.first_name or "",
            "FamilyName": customer.last_name or "",
        }
        if email:
            payload["PrimaryEmailAddr"] = {"Address": email}
        request_id = str(uuid.uuid5(CUSTOMER_NAMESPACE, f"{session.realm_id}:{customer.id}"))
        return (await qbo.create_customer(session, payload, request_id=request_id)).id
    who = name or email or "a guest (no customer on the order)"
    raise SyncError(
        ErrorCode.customer_not_found,
        f"No QuickBooks customer matches {who}",
        detail={
            "shopify_customer_id": customer.id if customer else None,
            "email": email,
            "name": name,
        },
    )


async def learn_customer(
    uow: UnitOfWork,
    shop_id: int,
    order: Order,
    config: SyncConfig,
    mappings: dict[str, str],
    document: QboDocument,
) -> None:
    """Remembers a customer QBO matched, so the buyer's next order needs no lookup."""
    customer = order.customer
    if customer is None or document.customer_id is None:
        return
    key = f"customer:{customer.id}"
    if key in mappings or config.customers.strategy == "generic":
        return
    label = customer.display_name or ""
    mapping = Mapping(shop_id, "customer", key, document.customer_id, label, origin="auto")
    await uow.mappings.put(mapping)

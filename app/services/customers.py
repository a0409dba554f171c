"""Which QBO customer an order is booked to, per the shop's customer strategy."""

from __future__ import annotations

import uuid

from app.domain.config import SyncConfig
from app.domain.entities import AuditEntry, Mapping
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
    created: list[str] | None = None,
    *,
    currency: str | None = None,
) -> str | None:
    """Mapping first, then QBO by email and display name; `create` and `generic` as configured
    (a customer created on a multicurrency company is kept in `currency`).
    A guest with neither customer nor email gets the generic customer if one is set, else
    None: a sales receipt without a customer, as QBO allows."""
    strategy = config.customers.strategy
    generic = config.customers.generic_customer_id
    if strategy == "generic" and generic:
        return generic
    customer = order.customer
    if customer is not None and (mapped := mappings.get(f"customer:{customer.id}")):
        return mapped
    email = (customer.email if customer else None) or order.email
    if customer is None and not email:
        return generic
    if customer is not None and not (customer.first_name or customer.last_name or email):
        raise _nameless(order, customer.id)
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
        if currency:  # a multicurrency company: the customer is kept in the document's
            payload["CurrencyRef"] = {"value": currency}
        request_id = str(uuid.uuid5(CUSTOMER_NAMESPACE, f"{session.realm_id}:{customer.id}"))
        new = await qbo.create_customer(session, payload, request_id=request_id)
        if created is not None:
            created.append(new.id)
        return new.id
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


def _nameless(order: Order, customer_id: str) -> SyncError:
    message = (
        f"Order {order.name}: its customer (Shopify id {customer_id}) has neither a name nor "
        "an email, so QuickBooks has nothing to match or create them by. Add one in Shopify, "
        "or map the customer."
    )
    detail = {"field": "customer", "shopify_customer_id": customer_id}
    return SyncError(ErrorCode.missing_field, message, detail=detail)


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


async def record_created_customer(
    uow: UnitOfWork, shop_id: int, order: Order, qbo_id: str, actor: str
) -> None:
    """A customer LedgerPort created in QBO (strategy create) gets its own record, synced,
    and an entry in the audit log."""
    customer = order.customer
    if customer is None:
        return
    record = await uow.records.get_or_create(
        shop_id, "customer", customer.id, label=customer.display_name[:255], status="synced"
    )
    record.status, record.qbo_id, record.error_code, record.message = "synced", qbo_id, None, None
    await uow.records.save(record)
    entry = AuditEntry(
        shop_id=shop_id,
        entity="customer",
        shopify_id=customer.id,
        label=record.label,
        status="synced",
        actor=actor,
        message=f"Created QuickBooks customer {qbo_id} for order {order.name}",
        qbo_id=qbo_id,
    )
    await uow.audit.add(entry)

"""The QuickBooks records a shop's settings name, and whether the company can still use them.

A setting is checked when it is saved, and each order's document is checked before it is
posted for the settings it uses, so a deleted, inactive or wrong-type account is reported as
invalid_account naming the setting, rather than as QBO's anonymous "Invalid Reference Id".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from app.domain.booking import charged_shipping, discount_total
from app.domain.config import SyncConfig, UnmatchedProducts
from app.domain.errors import ErrorCode, SyncError
from app.domain.items import is_inventory
from app.domain.models import Order
from app.domain.ports import QboOption
from app.domain.tenders import GIFT_CARD

DEPOSIT = frozenset({"Bank", "Other Current Asset"})
INCOME = frozenset({"Income", "Other Income"})
COGS = frozenset({"Cost of Goods Sold"})
ASSET = frozenset({"Other Current Asset"})
DISCOUNT = frozenset({"Income", "Other Income", "Expense", "Other Expense"})
LIABILITY = frozenset({"Other Current Liability", "Long Term Liability"})
ROUNDING = INCOME  # an account LedgerPort's rounding item books to, as its income account


ITEM_ACCOUNT_WHY = {
    "accounting.gift_card_item_id": "a gift card is owed to the buyer until spent, so ",
    "accounting.rounding_item_id": "cash rounding is a small gain or loss on sales, so ",
    "accounting.shipping_item_id": "shipping charged is income, so ",
    "products.default_item_id": "a sale is income, so ",
    "accounting.tip_item_id": "a tip is income, or owed to staff, so ",
}


@dataclass(frozen=True)
class Reference:
    field: str  # the setting, e.g. "payments.deposit_accounts.Shopify Payments"
    entity: str  # Account, Item, Customer, PaymentMethod
    qbo_id: str
    kinds: frozenset[str] = frozenset()  # allowed AccountType; empty: any
    # An item's income account must be one of these AccountTypes; empty: any.
    account_kinds: frozenset[str] = frozenset()

    @property
    def section(self) -> str:
        return self.field.split(".", 1)[0]


def section_references(config: SyncConfig, section: str) -> list[Reference]:
    """Every QBO record one section of the settings names."""
    refs = _all(config)
    return [ref for ref in refs if ref.section == section]


def order_references(order: Order, config: SyncConfig, *, default_item: bool) -> list[Reference]:
    """The records from the settings that this order's document will name."""
    wanted = {f"payments.deposit_accounts.{g}" for g in order.payment_gateway_names}
    wanted |= {f"payments.payment_methods.{g}" for g in order.payment_gateway_names}
    if not any(g in config.payments.deposit_accounts for g in order.payment_gateway_names):
        wanted.add("payments.default_deposit_account_id")
    if config.customers.generic_customer_id and config.customers.strategy == "generic":
        wanted.add("customers.generic_customer_id")
    if default_item and config.products.unmatched is UnmatchedProducts.use_default:
        wanted.add("products.default_item_id")
    if charged_shipping(order):
        wanted.add("accounting.shipping_item_id")
    if discount_total(order):
        wanted.add("accounting.discount_account_id")
    gift_cards = any(line.gift_card for line in order.lines) or GIFT_CARD in set(
        order.payment_gateway_names
    )
    if gift_cards:
        wanted |= {"accounting.gift_card_item_id", "accounting.gift_card_account_id"}
    if order.tip:
        wanted.add("accounting.tip_item_id")
    if order.cash_rounding:
        wanted |= {"accounting.rounding_item_id", "accounting.rounding_account_id"}
    return [ref for ref in _all(config) if ref.field in wanted]


def item_references(config: SyncConfig) -> list[Reference]:
    """The accounts an item LedgerPort creates names: income, and for inventory COGS and
    asset (app/domain/items.py)."""
    products = config.products
    fields = {
        "products.income_account_id"
        if products.income_account_id
        else "accounting.income_account_id"
    }
    if is_inventory(config.item_accounts):
        cogs = "products" if products.cogs_account_id else "accounting"
        fields |= {f"{cogs}.cogs_account_id", "products.asset_account_id"}
    return [ref for ref in _all(config) if ref.field in fields]


def unusable(ref: Reference, options: Iterable[QboOption]) -> str | None:
    """Why the company cannot use the record, or None when it can."""
    found = next((o for o in options if o.id == ref.qbo_id), None)
    what = f"{ref.entity} {ref.qbo_id}"
    if found is None:
        return f"QuickBooks has no {what}: it was deleted, or never existed in this company"
    if not found.active:
        return f"QuickBooks {what} ({found.name}) is inactive"
    if ref.kinds and found.kind not in ref.kinds:
        allowed = " or ".join(sorted(ref.kinds))
        article = "an" if str(found.kind)[:1].lower() in "aeiou" else "a"
        return f"QuickBooks {what} ({found.name}) is {article} {found.kind} account; use {allowed}"
    return None


def unusable_item_account(
    ref: Reference, items: Iterable[QboOption], accounts: Iterable[QboOption]
) -> str | None:
    """Why an item named by a setting books to the wrong kind of account, or None."""
    item = next((o for o in items if o.id == ref.qbo_id), None)
    if not ref.account_kinds or item is None:
        return None
    account = next((o for o in accounts if o.id == item.account_id), None)
    if account is None or account.kind in ref.account_kinds:
        return None  # fits, or QuickBooks shows no income account to judge by
    allowed = " or ".join(sorted(ref.account_kinds))
    where = f"{account.name}, {account.kind}"
    why = ITEM_ACCOUNT_WHY.get(ref.field, "")
    item_name = f"QuickBooks item {ref.qbo_id} ({item.name})"
    return f"{item_name} books to {where}; {why}it must book to {allowed}"


def invalid_account(order: Order, ref: Reference, reason: str) -> SyncError:
    message = f"Order {order.name}: the setting {ref.field} cannot be used: {reason}."
    detail = {"field": ref.field, "section": ref.section, "qbo_id": ref.qbo_id}
    return SyncError(ErrorCode.invalid_account, message, detail=detail)


def _all(config: SyncConfig) -> list[Reference]:
    c, p, a, pay = config.customers, config.products, config.accounting, config.payments
    singles: list[tuple[str, str | None, str, frozenset[str]]] = [
        ("customers.generic_customer_id", c.generic_customer_id, "Customer", frozenset()),
        ("products.default_item_id", p.default_item_id, "Item", frozenset()),
        ("products.income_account_id", p.income_account_id, "Account", INCOME),
        ("products.cogs_account_id", p.cogs_account_id, "Account", COGS),
        ("products.asset_account_id", p.asset_account_id, "Account", ASSET),
        ("accounting.income_account_id", a.income_account_id, "Account", INCOME),
        ("accounting.cogs_account_id", a.cogs_account_id, "Account", COGS),
        ("accounting.shipping_item_id", a.shipping_item_id, "Item", frozenset()),
        ("accounting.discount_account_id", a.discount_account_id, "Account", DISCOUNT),
        ("accounting.gift_card_item_id", a.gift_card_item_id, "Item", frozenset()),
        ("accounting.gift_card_account_id", a.gift_card_account_id, "Account", LIABILITY),
        ("accounting.tip_item_id", a.tip_item_id, "Item", frozenset()),
        ("accounting.rounding_item_id", a.rounding_item_id, "Item", frozenset()),
        ("accounting.rounding_account_id", a.rounding_account_id, "Account", ROUNDING),
        ("accounting.untaxed_tax_code_id", a.untaxed_tax_code_id, "TaxCode", frozenset()),
        ("payments.default_deposit_account_id", pay.default_deposit_account_id, "Account", DEPOSIT),
    ]
    refs = [Reference(f, e, i, k) for f, i, e, k in singles if i]
    # The account an item named by a setting books to must fit what it books: sold gift cards
    # a liability, never income; sales, shipping and rounding income; tips income or a
    # liability (owed to staff).
    kinds = {
        "accounting.gift_card_item_id": LIABILITY,
        "accounting.rounding_item_id": ROUNDING,
        "accounting.shipping_item_id": INCOME,
        "products.default_item_id": INCOME,
        "accounting.tip_item_id": INCOME | LIABILITY,
    }
    refs = [replace(r, account_kinds=kinds[r.field]) if r.field in kinds else r for r in refs]
    refs += _per_gateway("payments.deposit_accounts", pay.deposit_accounts, "Account", DEPOSIT)
    refs += _per_gateway("payments.payment_methods", pay.payment_methods, "PaymentMethod")
    return refs


def _per_gateway(
    field: str, ids: Mapping[str, str], entity: str, kinds: frozenset[str] = frozenset()
) -> list[Reference]:
    return [Reference(f"{field}.{name}", entity, qbo_id, kinds) for name, qbo_id in ids.items()]

"""Shops for the books e2e tests, set up over HTTP, and what their QBO companies hold: the
orders' payments as Shopify records them (its transactions, for split tenders), the
documents, and the sandbox's ledger view of them (which account each line posts to).

The accounts and items are those every sandbox company starts with (a Shopify connector's
Gift Card Liability, Tips Payable, Shopify Payments and PayPal clearing accounts, and the Gift
Card and Tip items on them), found by name as a merchant picks them in the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from tests.e2e.books import GATEWAY, KENTUCKY, MAYA
from tests.e2e.live import Json, LiveShop, Stack, new_shop
from tests.harness import order_fixture

PAYPAL = "paypal"
GIFT_CARD = "gift_card"


# -- a shop's books, set over HTTP -----------------------------------------------------------


def ready(stack: Stack) -> LiveShop:
    """A shop whose company has the buyer Maya, an item for SKU TEE, the Kentucky rate
    mapped to its tax code, and a clearing account per gateway (payments.deposit_accounts)."""
    shop = new_shop(stack, "books")
    shop.qbo_add(
        "Customer",
        {"DisplayName": "Maya Okafor", "PrimaryEmailAddr": {"Address": MAYA["email"]}},
    )
    tee = shop.qbo_add(
        "Item",
        {
            "Name": "Organic Cotton Tee",
            "Type": "NonInventory",
            "IncomeAccountRef": {"value": income(shop)},
        },
    )
    shop.ok("PUT", "/mappings/products/sku:TEE", json={"qbo_id": tee})
    key = quote(f"{KENTUCKY[0]}|{KENTUCKY[1]}", safe="")
    shop.ok("PUT", f"/mappings/tax-rates/{key}", json={"qbo_id": tax_code(shop, "Kentucky")})
    deposits = {GATEWAY: clearing(shop, GATEWAY), PAYPAL: clearing(shop, PAYPAL)}
    configure(shop, "payments", {"deposit_accounts": deposits})
    return shop


def configure(shop: LiveShop, section: str, changes: Json) -> None:
    shop.ok("PATCH", f"/config/{section}", json=changes)


def income(shop: LiveShop) -> str:
    return shop.qbo_find("Account", "Sales of Product Income")


def tax_code(shop: LiveShop, name: str) -> str:
    return shop.qbo_find("TaxCode", name)


def clearing(shop: LiveShop, gateway: str) -> str:
    name = {GATEWAY: "Shopify Payments Clearing", PAYPAL: "PayPal Clearing"}[gateway]
    return shop.qbo_find("Account", name)


def gift_card_liability(shop: LiveShop) -> str:
    return shop.qbo_find("Account", "Gift Card Liability")


# -- what the company holds ------------------------------------------------------------------


def synced(shop: LiveShop, order_id: int) -> Json:
    (record,) = shop.settled([order_id]).values()
    assert (record["status"], record["error_code"]) == ("synced", None), record
    return record


def document(shop: LiveShop, entity: str, qbo_id: str) -> Json:
    (found,) = [d for d in shop.qbo_list(entity) if str(d["Id"]) == qbo_id]
    return found


def ledger(shop: LiveShop, entity: str, qbo_id: str) -> Json:
    """The sandbox's view of how the stored document posts (account and class per line)."""
    url = f"{shop.stack.qbo}/_sandbox/realms/{shop.realm}/ledger/{entity}/{qbo_id}"
    answer = shop.stack.http.get(url)
    assert answer.status_code == 200, answer.text
    found: Json = answer.json()
    return found


def lines_of(doc: Json, item_id: str) -> list[Json]:
    return [
        line
        for line in doc["Line"]
        if line.get("DetailType") == "SalesItemLineDetail"
        and line["SalesItemLineDetail"]["ItemRef"]["value"] == item_id
    ]


def gift_card_line(line_id: int, price: str) -> Json:
    """A gift card sold, as an order's line item: untaxed, no SKU."""
    return {
        "id": line_id,
        "product_id": 880001,
        "variant_id": 770001,
        "sku": "",
        "title": "Gift Card",
        "name": f"Gift Card - ${price}",
        "quantity": 1,
        "price": price,
        "gift_card": True,
        "taxable": False,
        "tax_lines": [],
        "discount_allocations": [],
    }


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


Part = str | Json  # an amount in the shop's currency, or an `amount_set` of both monies


def both_monies(shop_usd: str, presentment_cad: str) -> Json:
    return {
        "shop_money": {"amount": shop_usd, "currency_code": "USD"},
        "presentment_money": {"amount": presentment_cad, "currency_code": "CAD"},
    }


def set_transactions(shop: LiveShop, order_id: int, parts: Mapping[str, Part]) -> None:
    """How Shopify recorded the payment: one successful sale per gateway, for its part."""
    transactions = [
        {
            "kind": "sale",
            "status": "success",
            "gateway": gateway,
            "amount" if isinstance(amount, str) else "amount_set": amount,
        }
        for gateway, amount in parts.items()
    ]
    url = f"{shop.stack.shopify}/_sandbox/shops/{shop.domain}/orders/{order_id}/transactions"
    answer = shop.stack.http.put(url, json=transactions)
    assert answer.status_code == 200, answer.text


def paid_in_parts(shop: LiveShop, payload: Json, parts: Mapping[str, Part]) -> None:
    """The order arrives awaiting payment (held: the triggers want paid), the gateways take
    their parts, and Shopify sends the paid order: its transactions are there to be read."""
    payload["payment_gateway_names"] = list(parts)
    shop.send_order({**payload, "financial_status": "pending"})
    shop.wait_for_records([payload["id"]], lambda r: r["status"] == "on_hold")
    set_transactions(shop, payload["id"], parts)
    later = datetime.fromisoformat(payload["updated_at"]) + timedelta(hours=1)
    shop.send_order({**payload, "updated_at": later.isoformat()}, topic="orders/paid")


# -- the buyer's currency: the reference order 07, a USD shop whose buyer pays CAD ----------


def foreign_order(order_id: int) -> Json:
    payload = order_fixture("07_bonus_multicurrency_cad_presentment")
    payload["id"] = order_id
    return payload


def foreign_shop(stack: Stack, currency: str, *, multicurrency: bool) -> LiveShop:
    """A USD company for order 07: its shoe mapped, its buyer kept in the books' currency."""
    shop = new_shop(stack, "books", {"multicurrency": multicurrency})
    shoe = shop.qbo_add(
        "Item",
        {
            "Name": "Trail Running Shoe",
            "Type": "NonInventory",
            "IncomeAccountRef": {"value": income(shop)},
        },
    )
    shop.ok("PUT", "/mappings/products/sku:TRS-GB-10", json={"qbo_id": shoe})
    buyer: Json = {
        "DisplayName": "Luc Tremblay",
        "PrimaryEmailAddr": {"Address": "luc.tremblay@example.ca"},
    }
    if multicurrency:
        buyer["CurrencyRef"] = {"value": "CAD" if currency == "presentment" else "USD"}
    shop.qbo_add("Customer", buyer)
    configure(shop, "orders", {"currency": currency})
    return shop

"""The books a live shop starts with, the orders its Shopify sends, and what a failed
sync looks like through the API: shared by the e2e and guide tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.live import Json, LiveShop

GATEWAY = "shopify_payments"
CREATED = "2025-03-14T10:22:31-04:00"
UPDATED = "2025-03-14T11:05:00-04:00"
KENTUCKY = ("Kentucky State Tax", "0.06")
OHIO = ("Ohio State Tax", "0.0575")
MAYA = {"id": 7301100001, "first_name": "Maya", "last_name": "Okafor",
        "email": "maya.okafor@example.com"}  # fmt: skip
ADDRESS = {"first_name": "Maya", "last_name": "Okafor", "address1": "412 Bardstown Rd",
           "city": "Louisville", "province_code": "KY", "country_code": "US",
           "zip": "40204"}  # fmt: skip


# -- the books every shop starts with ----------------------------------------------------


class Books:
    """A QBO company with the buyer Maya, an item mapped to SKU TEE, and payments settings
    (deposit account and payment method for Shopify Payments), all set over HTTP."""

    def __init__(self, shop: LiveShop) -> None:
        self.shop = shop
        self.maya = shop.qbo_add(
            "Customer",
            {"DisplayName": "Maya Okafor", "GivenName": "Maya", "FamilyName": "Okafor",
             "PrimaryEmailAddr": {"Address": MAYA["email"]}},
        )  # fmt: skip
        self.income = shop.qbo_find("Account", "Sales of Product Income")
        self.tee = self.item("Organic Cotton Tee")
        saved = shop.ok("PUT", "/mappings/products/sku:TEE", json={"qbo_id": self.tee})
        assert saved["requeued"] == 0
        self.clearing = self.account("Shopify Payments Clearing")
        self.visa = shop.qbo_find("PaymentMethod", "Visa")
        payments = {"deposit_accounts": {GATEWAY: self.clearing},
                    "payment_methods": {GATEWAY: self.visa}}  # fmt: skip
        assert shop.ok("PUT", "/config/payments", json=payments)["requeued"] == 0

    def item(self, name: str, sku: str | None = None, kind: str = "NonInventory") -> str:
        record: dict[str, Any] = {"Name": name, "Type": kind,
                                  "IncomeAccountRef": {"value": self.income}}  # fmt: skip
        if sku is not None:
            record["Sku"] = sku
        return self.shop.qbo_add("Item", record)

    def account(self, name: str) -> str:
        return self.shop.qbo_add(
            "Account", {"Name": name, "AccountType": "Bank", "AccountSubType": "Checking"}
        )


def order(
    number: int,
    skus: tuple[str, ...] = ("TEE",),
    *,
    customer: Json | None = None,
    tax: tuple[str, str] | None = None,
    shipping: str = "0.00",
    billing: bool = True,
    updated_at: str = CREATED,
    gateway: str = GATEWAY,
) -> Json:
    """A paid order (Shopify's REST webhook shape) of one unit at 10.00 per SKU, with one tax
    rate on every line (or none), an optional charged shipping line, paid through `gateway`."""
    buyer = dict(MAYA if customer is None else customer)
    lines, taxes = [], Decimal("0.00")
    for n, sku in enumerate(skus):
        tax_lines = []
        if tax is not None:
            amount = (Decimal("10.00") * Decimal(tax[1])).quantize(Decimal("0.01"))
            taxes += amount
            tax_lines = [{"title": tax[0], "rate": float(tax[1]), "price": f"{amount}"}]
        lines.append(
            {"id": number * 100 + n, "product_id": 8_100_000 + n, "variant_id": number * 1000 + n,
             "sku": sku, "title": f"Product {sku}", "name": f"Product {sku}", "quantity": 1,
             "price": "10.00", "taxable": tax is not None, "tax_lines": tax_lines,
             "discount_allocations": []}
        )  # fmt: skip
    subtotal = Decimal("10.00") * len(skus)
    payload: Json = {
        "id": number, "name": f"#{number}", "order_number": number,
        "created_at": CREATED, "updated_at": updated_at, "processed_at": CREATED,
        "financial_status": "paid", "fulfillment_status": None, "currency": "USD",
        "presentment_currency": "USD", "taxes_included": False, "test": False,
        "email": buyer.get("email"), "contact_email": buyer.get("email"), "customer": buyer,
        "line_items": lines, "tax_lines": [], "payment_gateway_names": [gateway],
        "shipping_lines": [], "subtotal_price": f"{subtotal}", "total_tax": f"{taxes}",
        "total_discounts": "0.00",
        "total_price": f"{subtotal + taxes + Decimal(shipping)}",
    }  # fmt: skip
    if Decimal(shipping):
        payload["shipping_lines"] = [
            {"id": number * 10, "title": "UPS Ground", "code": "ups_ground", "price": shipping,
             "discounted_price": shipping, "tax_lines": [], "discount_allocations": []}
        ]  # fmt: skip
    if billing:
        payload["billing_address"] = dict(ADDRESS)
    return payload


# -- what a failed sync looks like -------------------------------------------------------


def failed(shop: LiveShop, ids: list[int], code: str) -> dict[int, Json]:
    records = shop.settled(ids)
    seen = {oid: (r["status"], r["error_code"], r["attempts"]) for oid, r in records.items()}
    assert seen == {oid: ("error", code, 1) for oid in ids}, seen
    return records


def unmapped(shop: LiveShop, kind: str) -> set[str]:
    listed = shop.ok("GET", f"/mappings/{kind}", params={"state": "unmapped"})["items"]
    return {item["source_key"] for item in listed}

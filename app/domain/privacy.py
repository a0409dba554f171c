"""Which strings of a Shopify customer are personal data, and text without them.

Accounting facts (amounts, lines, order numbers, QBO ids) stay: the books must still add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
PERSONAL_ORDER_KEYS = (
    "email",
    "contact_email",
    "phone",
    "billing_address",
    "shipping_address",
    "customer",
)
ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "name",
    "address1",
    "address2",
    "phone",
    "company",
    "city",
    "zip",
)
MIN_TOKEN = 3  # shorter strings would erase unrelated text


def identifying_strings(customer: dict[str, Any], orders: Iterable[dict[str, Any]]) -> set[str]:
    """What singles the customer out (emails, phones, full names, street lines): a row that
    holds one of these is about them. A city or a first name alone is not."""
    found: set[str] = set()
    people = [customer, *(o.get("customer") or {} for o in orders)]
    for person in people:
        found.update(str(person.get(k) or "") for k in ("email", "phone"))
        found.add(
            " ".join(str(n) for n in (person.get("first_name"), person.get("last_name")) if n)
        )
    for order in orders:
        found.update(str(order.get(k) or "") for k in ("email", "contact_email", "phone"))
        for key in ("billing_address", "shipping_address"):
            address = order.get(key)
            if isinstance(address, dict):
                found.update(str(address.get(k) or "") for k in ("name", "address1", "phone"))
    return {s.strip() for s in found if len(s.strip()) >= MIN_TOKEN}


def personal_strings(customer: dict[str, Any], orders: Iterable[dict[str, Any]]) -> set[str]:
    """Every name, email, phone and address line of the customer that we may hold."""
    found: set[str] = set()
    people = [customer, *(o.get("customer") or {} for o in orders)]
    addresses = [a for o in orders for a in (o.get("billing_address"), o.get("shipping_address"))]
    for person in people:
        found.update(
            str(person.get(k) or "") for k in ("email", "phone", "first_name", "last_name")
        )
        names = [person.get("first_name"), person.get("last_name")]
        found.add(" ".join(str(n) for n in names if n))
        addresses.append(person.get("default_address"))
    for order in orders:
        found.update(str(order.get(k) or "") for k in ("email", "contact_email", "phone"))
    for address in addresses:
        if isinstance(address, dict):
            found.update(str(address.get(k) or "") for k in ADDRESS_KEYS)
    return {s.strip() for s in found if len(s.strip()) >= MIN_TOKEN}


def scrub(value: Any, strings: set[str]) -> Any:
    """`value` with every occurrence of the strings replaced, longest first."""
    if isinstance(value, dict):
        return {k: scrub(v, strings) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, strings) for v in value]
    if isinstance(value, str):
        for text in sorted(strings, key=len, reverse=True):
            value = _replace(value, text)
        return value
    return value


def _replace(value: str, text: str) -> str:
    lower, needle = value.lower(), text.lower()
    start = lower.find(needle)
    while start != -1:
        value = value[:start] + REDACTED + value[start + len(text) :]
        lower = value.lower()
        start = lower.find(needle, start + len(REDACTED))
    return value


def scrub_order(payload: dict[str, Any], strings: set[str]) -> dict[str, Any]:
    """The order without its buyer: personal fields emptied, the rest kept."""
    kept = {k: v for k, v in payload.items() if k not in PERSONAL_ORDER_KEYS}
    customer = payload.get("customer")
    kept["customer"] = {"id": customer.get("id"), "redacted": True} if customer else None
    cleaned: dict[str, Any] = scrub(kept, strings)
    return cleaned

"""A Shopify customer's personal data, found by the structure that holds it, and removed.

Redaction goes by keys, never by matching the buyer's strings against every value: a buyer
whose zip is "1000" or whose city is "2025" must not turn a 1000.00 total or a 2025 date
into "[redacted]". The buyer's own orders lose their customer, addresses, contact fields,
notes, note attributes, line-item properties and client details; anywhere else, a person
or address object that is the buyer's goes, and a contact or name field goes when its value
is one of the buyer's. Free text (notes, messages, and text columns such as a label or the
name of the QBO customer a mapping points to) loses the buyer's strings as whole words, and
only free text. Money, dates, ids, SKUs, order names and QBO ids and document numbers are
never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.domain.entities import PrivacyRequest

REDACTED = "[redacted]"
# Shopify gives the merchant 30 days to carry a privacy request out.
ANSWER_WITHIN = timedelta(days=30)

ADDRESS_KEYS = frozenset({"billing_address", "shipping_address", "default_address"})
# Fields that say who a person is or how to reach them, wherever they sit.
CONTACT_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "customer_email",
        "phone",
        "first_name",
        "last_name",
        "company",
        "address1",
        "address2",
        "city",
        "zip",
        "latitude",
        "longitude",
        "browser_ip",
        "user_agent",
        "credit_card_name",
    }
)
# What the buyer wrote or chose about themselves on their own order.
BUYER_ORDER_KEYS = frozenset({"note", "note_attributes", "properties", "client_details"})
# Fields elsewhere that name a person when their value is the buyer's.
NAME_KEYS = frozenset({"name", "display_name", "label"})
FREE_TEXT_KEYS = frozenset({"note", "message", "detail", "summary", "comment"})
ORDER_MARKERS = ("line_items", "order_number", "billing_address", "contact_email", "customer")
MIN_TOKEN = 3  # shorter strings would erase unrelated text
PHONE_DIGITS = 7


@dataclass(frozen=True)
class Buyer:
    """The customer being erased: their Shopify ids, and the strings that single them out
    (emails, phones, names, street lines, and a city or zip that holds a letter)."""

    customer_id: str
    order_ids: frozenset[str]
    strings: frozenset[str]

    @classmethod
    def of(
        cls, customer: dict[str, Any], orders: Iterable[dict[str, Any]], also: Iterable[str] = ()
    ) -> Buyer:
        """The buyer from Shopify's `customer` and the orders we hold of theirs; `also`: more
        of their order ids (Shopify's orders_to_redact)."""
        orders = list(orders)
        people = [customer, *(o.get("customer") or {} for o in orders)]
        found: set[str] = set()
        for person in people:
            found.update(_text(person, "email", "phone", "first_name", "last_name"))
            found.add(" ".join(_text(person, "first_name", "last_name")))
            found.update(_address_strings(person.get("default_address")))
        for order in orders:
            found.update(_text(order, "email", "contact_email", "phone"))
            for key in ("billing_address", "shipping_address"):
                found.update(_address_strings(order.get(key)))
        specific = frozenset(s.strip() for s in found if _specific(s.strip()))
        ids = {str(o.get("id")) for o in orders if o.get("id") is not None} | set(also)
        return cls(str(customer.get("id") or ""), frozenset(ids), specific)

    def needles(self) -> set[str]:
        """What a row about the buyer holds: one of their strings, or the id of their customer
        or of one of their orders (a refund of their order names nothing else of theirs)."""
        # Shopify's ids are long; a short one (a test's "9") would match unrelated rows.
        ids = {i for i in (self.customer_id, *self.order_ids) if len(i) >= PHONE_DIGITS}
        return set(self.strings) | ids


def _text(holder: Any, *keys: str) -> list[str]:
    if not isinstance(holder, dict):
        return []
    return [str(holder[k]) for k in keys if holder.get(k)]


def _address_strings(address: Any) -> list[str]:
    strings = _text(address, "name", "first_name", "last_name", "company", "phone")
    return strings + _text(address, "address1", "address2", "city", "zip")


def _specific(text: str) -> bool:
    """A string that names the buyer rather than a number that could be anything: it holds a
    letter, or enough digits to be a phone. A bare zip, house number or numeric name is left
    alone, where it may as well be an amount, a year or an order number."""
    if len(text) < MIN_TOKEN:
        return False
    return any(c.isalpha() for c in text) or sum(c.isdigit() for c in text) >= PHONE_DIGITS


def redact(value: Any, buyer: Buyer) -> Any:
    """`value` without the buyer: a JSON value by its structure, a text as free text."""
    if isinstance(value, str):
        return scrub_text(value, buyer)
    return _walk(value, buyer, mine=False)


def _walk(value: Any, buyer: Buyer, *, mine: bool) -> Any:
    if isinstance(value, dict):
        return _dict(value, buyer, mine=mine or _is_buyers_order(value, buyer))
    if isinstance(value, list):
        return [_walk(v, buyer, mine=mine) for v in value]
    return value


def _dict(value: dict[str, Any], buyer: Buyer, *, mine: bool) -> dict[str, Any]:
    return {key: _field(key, item, buyer, mine=mine) for key, item in value.items()}


def _field(key: str, item: Any, buyer: Buyer, *, mine: bool) -> Any:
    if key == "customer" and isinstance(item, dict) and (mine or _is_buyer(item, buyer)):
        return {"id": item.get("id"), "redacted": True}
    if key in ADDRESS_KEYS and (mine or _holds_buyer(item, buyer)):
        return None
    if key == "addresses" and isinstance(item, list):
        return [a for a in item if not (mine or _holds_buyer(a, buyer))]
    if mine and key in BUYER_ORDER_KEYS | CONTACT_KEYS:
        return [] if isinstance(item, list) else None
    if key in CONTACT_KEYS | NAME_KEYS and isinstance(item, str) and _is_buyers(item, buyer):
        return None
    if isinstance(item, (dict, list)):
        return _walk(item, buyer, mine=mine)
    if key in FREE_TEXT_KEYS and isinstance(item, str):
        return scrub_text(item, buyer)
    return item


def _is_buyers_order(value: dict[str, Any], buyer: Buyer) -> bool:
    if str(value.get("order_id")) in buyer.order_ids:  # a refund of their order
        return True
    if not any(marker in value for marker in ORDER_MARKERS):
        return False
    if str(value.get("id")) in buyer.order_ids:
        return True
    customer = value.get("customer")
    return isinstance(customer, dict) and _is_buyer(customer, buyer)


def _is_buyer(person: dict[str, Any], buyer: Buyer) -> bool:
    if buyer.customer_id and str(person.get("id")) == buyer.customer_id:
        return True
    return any(_is_buyers(v, buyer) for v in _text(person, "email", "phone"))


def _holds_buyer(address: Any, buyer: Buyer) -> bool:
    if not isinstance(address, dict):
        return False
    if buyer.customer_id and str(address.get("customer_id")) == buyer.customer_id:
        return True
    return any(_is_buyers(v, buyer) for v in _text(address, "name", "address1", "phone"))


def _is_buyers(text: str, buyer: Buyer) -> bool:
    return text.strip().lower() in {s.lower() for s in buyer.strings}


def scrub_text(text: str, buyer: Buyer) -> str:
    """Free text with each of the buyer's strings replaced where it stands as a whole word,
    longest first (so "Ann" leaves "Annual" alone)."""
    for needle in sorted(buyer.strings, key=len, reverse=True):
        pattern = rf"(?<!\w){re.escape(needle)}(?!\w)"
        text = re.sub(pattern, REDACTED, text, flags=re.IGNORECASE)
    return text


def answer_by(received_at: datetime) -> datetime:
    """When the merchant must have answered a privacy request Shopify sent at `received_at`."""
    return received_at + ANSWER_WITHIN


@dataclass(frozen=True)
class ReceivedPrivacyRequest:
    """A privacy request as the merchant reads it: when it came, and by when to answer."""

    id: int
    request: PrivacyRequest
    received_at: datetime

    @property
    def due_at(self) -> datetime:
        return answer_by(self.received_at)

    @property
    def status(self) -> str:
        """`completed`: LedgerPort erased the customer when the request came; `report_ready`:
        the report is assembled, and handing it to the customer is the merchant's to do."""
        return "completed" if self.request.kind == "customers/redact" else "report_ready"

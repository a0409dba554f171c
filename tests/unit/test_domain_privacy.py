"""Redaction by structure: the buyer's objects and fields go, their strings leave free text,
and money, dates, ids, SKUs and order names stay, whatever the buyer's zip, city or name."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from app.domain.entities import PrivacyRequest
from app.domain.privacy import REDACTED, Buyer, ReceivedPrivacyRequest, redact, scrub_text
from tests.privacy_buyer import CUSTOMER_ID, accounting_facts, numbers_buyer_order


def buyer_of(order: dict[str, Any]) -> Buyer:
    return Buyer.of({"id": CUSTOMER_ID, "email": "maya.okafor@example.com"}, [order])


def test_the_buyers_order_keeps_every_amount_date_id_and_name() -> None:
    order = numbers_buyer_order()
    before = accounting_facts(order)

    cleaned = redact(copy.deepcopy(order), buyer_of(order))

    assert len(before) > 100 and before["/total_price"] == "1000.00"
    assert accounting_facts(cleaned) == before
    assert cleaned["name"] == "#1001" and cleaned["created_at"].startswith("2025-03-14")
    assert REDACTED not in json.dumps(cleaned)  # nothing was rewritten in place


def test_the_buyers_order_loses_its_person_by_structure() -> None:
    order = numbers_buyer_order()

    cleaned = redact(order, buyer_of(order))

    assert cleaned["customer"] == {"id": CUSTOMER_ID, "redacted": True}
    assert cleaned["billing_address"] is None and cleaned["shipping_address"] is None
    assert (cleaned["email"], cleaned["contact_email"], cleaned["note"]) == (None, None, None)
    assert cleaned["note_attributes"] == [] and cleaned["line_items"][0]["properties"] == []
    assert cleaned["client_details"] is None
    text = json.dumps(cleaned)
    for trace in ("maya", "Bardstown", "5025550142", "203.0.113.7", "Mozilla", '"1000"'):
        assert trace.lower() not in text.lower(), trace


def test_elsewhere_only_the_buyers_objects_and_fields_go() -> None:
    order = numbers_buyer_order()
    other = {"id": 1, "email": "sam@example.com", "first_name": "Sam"}
    detail = {
        "shopify_customer_id": str(CUSTOMER_ID),
        "email": "Maya.Okafor@example.com",
        "name": "Maya 1001",
        "orders": [{"customer": other, "billing_address": {"name": "Sam Lee", "zip": "1000"}}],
        "message": "No QuickBooks customer matches Maya 1001 on #1001 (1000.00, 2025-03-14)",
        "sku": "MAYA-1001",
    }

    cleaned = redact(detail, buyer_of(order))

    assert cleaned["email"] is None and cleaned["name"] is None
    assert cleaned["orders"] == detail["orders"]  # another buyer's data is theirs
    assert cleaned["message"] == (
        f"No QuickBooks customer matches {REDACTED} on #1001 (1000.00, 2025-03-14)"
    )
    assert cleaned["sku"] == "MAYA-1001"  # not free text: never scrubbed


def test_free_text_loses_whole_words_and_keeps_numbers() -> None:
    order = numbers_buyer_order()
    order["customer"]["first_name"] = order["billing_address"]["first_name"] = "Ann"
    buyer = Buyer.of({"id": CUSTOMER_ID}, [order])

    text = "Annual note: Ann at 412 bardstown rd, zip 1000, paid 1000.00 on 2025-03-14 (#1001)"

    assert scrub_text(text, buyer) == (
        f"Annual note: {REDACTED} at {REDACTED}, zip 1000, paid 1000.00 on 2025-03-14 (#1001)"
    )
    assert "1000" not in buyer.strings and "2025" not in buyer.strings
    assert "+15025550142" in buyer.strings  # a phone is all digits, and still the buyer's


def test_a_request_is_due_thirty_days_after_it_came() -> None:
    came = datetime(2025, 3, 14, 10, tzinfo=UTC)
    asked = ReceivedPrivacyRequest(1, PrivacyRequest(1, "customers/data_request", "9", ""), came)
    done = ReceivedPrivacyRequest(2, PrivacyRequest(1, "customers/redact", "9", ""), came)

    assert asked.due_at == datetime(2025, 4, 13, 10, tzinfo=UTC)
    assert (asked.status, done.status) == ("report_ready", "completed")

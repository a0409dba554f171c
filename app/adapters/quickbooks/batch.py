"""QBO batch calls (reference §7): the request body and the per-item answers.

A batch is partial success: every item answers on its own, matched by `bId` because
Intuit does not promise to keep the order. An item's `Fault` goes through the same fault
parsing as a whole response and becomes an `ExternalRejected` for that item alone.
"""

from __future__ import annotations

import json
from typing import Any

from app.adapters.quickbooks.faults import parse_faults, scrub_fault
from app.domain.faults import ExternalRejected, ExternalUnavailable

MAX_BATCH_ITEMS = 30
MAX_BATCH_REQUEST_ID = 36  # a batch requestid is shorter than a single call's 50
# Every batch here carries a requestid, and then "for each batch ID, only 10 characters are
# allowed" (Intuit developer blog, 2015-04-06, "15346"): QBO joins requestid and bId into one
# request id of at most 50 characters and faults each item over it with 6000
# (intuit/QuickBooks-V3-Java-SDK#180). A batch without a requestid has no bId limit.
MAX_BID = 10
Json = dict[str, Any]


def batch_body(entity: str, payloads: list[tuple[str, Json]], request_id: str) -> Json:
    """`{"BatchItemRequest": [...]}` of creates; raises ValueError for caller bugs."""
    if not request_id or len(request_id) > MAX_BATCH_REQUEST_ID:
        raise ValueError(f"request_id must be 1..{MAX_BATCH_REQUEST_ID} characters for a batch")
    if not 1 <= len(payloads) <= MAX_BATCH_ITEMS:
        raise ValueError(f"a batch holds 1..{MAX_BATCH_ITEMS} items")
    bids = [bid for bid, _ in payloads]
    if any(not bid or len(bid) > MAX_BID for bid in bids):
        raise ValueError(f"every bId must be 1..{MAX_BID} characters")
    if len(set(bids)) != len(bids):
        raise ValueError("bIds must be unique within a batch")
    items = [{"bId": bid, "operation": "create", entity: payload} for bid, payload in payloads]
    return {"BatchItemRequest": items}


def batch_items(
    entity: str, body: Json, bids: list[str], secrets: list[str]
) -> dict[str, Json | ExternalRejected]:
    """Each bId's created row, or its rejection; raises ExternalUnavailable if one is missing."""
    answers = body.get("BatchItemResponse")
    by_bid = {
        str(item.get("bId")): item
        for item in (answers if isinstance(answers, list) else [])
        if isinstance(item, dict)
    }
    results: dict[str, Json | ExternalRejected] = {}
    for bid in bids:
        item = by_bid.get(bid)
        if item is None:
            raise ExternalUnavailable(f"QBO's batch answer has no item {bid}", status=200)
        if item.get("Fault") is not None:
            results[bid] = item_rejection(bid, item["Fault"], secrets)
            continue
        row = item.get(entity)
        if not isinstance(row, dict) or not row.get("Id"):
            raise ExternalUnavailable(f"QBO's batch item {bid} has no {entity}", status=200)
        results[bid] = row
    return results


def item_rejection(bid: str, fault: object, secrets: list[str]) -> ExternalRejected:
    """One item's Fault as a permanent rejection of that item (HTTP status of a 400)."""
    raw = json.dumps({"Fault": fault}).encode()
    faults = [scrub_fault(f, secrets) for f in parse_faults(400, "application/json", raw)]
    described = "; ".join(
        " ".join(p for p in (f.code, f.message) if p) + (f": {f.detail}" if f.detail else "")
        for f in faults
    )
    message = f"QBO rejected batch item {bid}" + (f": {described}" if described else "")
    return ExternalRejected(message, 400, faults)

"""Limits on what a Shopify payload may be before LedgerPort reads it into its books."""

from __future__ import annotations

import re
from typing import Any

# A Shopify order nests about eight levels (order, line_items, a line, tax_lines, a tax line,
# price_set, shop_money, amount); far past that is not an order, and would exhaust the
# recursion of whatever reads it.
MAX_NESTING = 64
# A NUL escape in JSON text: `\u0000` whose backslash is not itself escaped.
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


class UnreadableDelivery(ValueError):
    """A stored delivery whose body processing cannot read: retrying will not change it."""


def strip_nul(text: str) -> str:
    """JSON text without NUL characters, raw or escaped (PostgreSQL refuses them in text and
    jsonb); everything else is left as received."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\\u0000" in text:
        text = _NUL_ESCAPE.sub(r"\1", text)
    return text


def too_deep(document: Any, limit: int = MAX_NESTING) -> bool:
    """Whether arrays and objects nest more than `limit` levels (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list))
    return False


# An order's own fields and the lengths of the columns they are stored in: PostgreSQL would
# refuse a longer value on every try.
ORDER_FIELD_LIMITS = {
    "id": 32,
    "name": 64,
    "financial_status": 32,
    "fulfillment_status": 32,
    "customer.id": 32,
}


def overlong_field(order: Any) -> tuple[str, str] | None:
    """(field, reason) for the first of a parsed order's own fields longer than its column."""
    customer = getattr(order, "customer", None)
    for field, limit in ORDER_FIELD_LIMITS.items():
        value = getattr(customer, "id", None) if field == "customer.id" else getattr(order, field)
        if value is not None and len(value) > limit:
            return field, f"is longer than {limit} characters"
    return None

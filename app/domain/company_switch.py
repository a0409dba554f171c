"""What a shop's settings keep when it switches QBO company: everything but the records of
the old company they name (accounts, items, customers, tax codes, payment methods)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Settings whose values are maps of names to QBO ids (payments).
REFERENCE_MAPS = frozenset({"deposit_accounts", "payment_methods"})


def is_reference(name: str) -> bool:
    return name.endswith("_id") or name in REFERENCE_MAPS


def without_references(config: Mapping[str, Any]) -> dict[str, Any]:
    """The stored settings with every QBO reference of every section removed."""
    kept: dict[str, Any] = {}
    for section, values in config.items():
        if isinstance(values, Mapping):
            kept[section] = {k: v for k, v in values.items() if not is_reference(k)}
        else:
            kept[section] = values
    return kept

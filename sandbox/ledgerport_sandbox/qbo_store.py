"""In-memory QBO companies (realms): records per entity, id sequences, requestid replies."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ledgerport_sandbox.qbo_schema import CURRENCY_NAMES, NAME_LISTS
from ledgerport_sandbox.qbo_wire import JsonDict, meta_time


@dataclass
class StoredReply:
    """The first answer to a requestid, replayed verbatim on retries."""

    status: int
    body: JsonDict


@dataclass
class Realm:
    """One QBO company: its records, preferences and remembered requestids."""

    realm_id: str
    home_currency: str = "USD"
    multicurrency: bool = False
    records: dict[str, dict[str, JsonDict]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    replies: dict[str, StoredReply] = field(default_factory=dict)
    automated_sales_tax: bool = False  # what its Preferences.TaxPrefs say
    books_closed_through: str | None = None  # "Close the books": nothing dated on or before
    subscription_active: bool = True  # False: trial or subscription ended, billing problem
    deleted: dict[str, dict[str, str]] = field(default_factory=dict)  # entity -> id -> when
    country: str = "US"  # CompanyInfo.Country: US, GB, CA or AU

    def currency_ref(self, code: str | None = None) -> JsonDict:
        code = code or self.home_currency
        return {"value": code, "name": CURRENCY_NAMES.get(code, code)}

    def insert(self, entity: str, record: JsonDict) -> JsonDict:
        """Store a new record, filling what QBO fills on create."""
        stored = copy.deepcopy(record)
        stored["Id"] = str(stored.get("Id") or self._next_id(entity))
        stored.setdefault("SyncToken", "0")
        stamp = meta_time()
        stored.setdefault("MetaData", {"CreateTime": stamp, "LastUpdatedTime": stamp})
        stored.setdefault("domain", "QBO")
        stored.setdefault("sparse", False)
        if entity in NAME_LISTS:
            stored.setdefault("Active", True)
        self.records.setdefault(entity, {})[stored["Id"]] = stored
        return copy.deepcopy(stored)

    def replace(self, entity: str, record: JsonDict) -> JsonDict:
        """Store an updated record: bump SyncToken and LastUpdatedTime."""
        stored = copy.deepcopy(record)
        stored["SyncToken"] = str(int(stored.get("SyncToken", "0")) + 1)
        stored["MetaData"] = {**stored.get("MetaData", {}), "LastUpdatedTime": meta_time()}
        self.records.setdefault(entity, {})[stored["Id"]] = stored
        return copy.deepcopy(stored)

    def remove(self, entity: str, record_id: object) -> None:
        """Delete a record, remembering when (change data capture reports deletions)."""
        if self.records.get(entity, {}).pop(str(record_id), None) is not None:
            self.deleted.setdefault(entity, {})[str(record_id)] = meta_time()

    def get(self, entity: str, record_id: object) -> JsonDict | None:
        found = self.records.get(entity, {}).get(str(record_id))
        return copy.deepcopy(found) if found is not None else None

    def active(self, entity: str, record_id: object) -> JsonDict | None:
        found = self.get(entity, record_id)
        return found if found is not None and found.get("Active", True) else None

    def all(self, entity: str) -> list[JsonDict]:
        return [copy.deepcopy(r) for r in self.records.get(entity, {}).values()]

    def _next_id(self, entity: str) -> int:
        taken = self.records.get(entity, {})
        candidate = self.sequences.get(entity, 0) + 1
        while str(candidate) in taken:
            candidate += 1
        self.sequences[entity] = candidate
        return candidate

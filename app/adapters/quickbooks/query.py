"""QBO query language (reference §5): SELECT * FROM E WHERE … STARTPOSITION n MAXRESULTS n."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_RESULTS = 1000

# Only filterable fields may appear in WHERE; anything else is a 4001 fault at QBO.
FILTERABLE: dict[str, frozenset[str]] = {
    "Customer": frozenset({"Id", "Active", "DisplayName", "PrimaryEmailAddr"}),
    "Item": frozenset({"Id", "Active", "Name", "Sku"}),
    "Account": frozenset({"Id", "Active", "Name", "AccountType"}),
    "TaxCode": frozenset({"Id", "Active", "Name"}),
    "TaxRate": frozenset({"Id", "Active", "Name"}),
    "PaymentMethod": frozenset({"Id", "Active", "Name"}),
    "SalesReceipt": frozenset({"Id", "DocNumber"}),
    "Invoice": frozenset({"Id", "DocNumber"}),
    "Payment": frozenset({"Id"}),
}


def quote(value: str) -> str:
    """A QBO string literal.

    `'` becomes `\\'` (documented). The backslash is the lexer's escape character (a value
    ending in `\\` swallows the closing quote), so a literal backslash is doubled first.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Query:
    """An immutable SELECT * statement over one entity, with `=` conditions only."""

    entity: str
    conditions: tuple[tuple[str, str], ...] = field(default=())
    include_inactive: bool = False
    start_position: int = 1
    max_results: int = MAX_RESULTS

    def __post_init__(self) -> None:
        if self.entity not in FILTERABLE:
            raise ValueError(f"unsupported QBO entity {self.entity!r}")
        for name, _ in self.conditions:
            if name not in FILTERABLE[self.entity]:
                raise ValueError(f"{self.entity}.{name} is not filterable")
        if self.include_inactive and "Active" not in FILTERABLE[self.entity]:
            raise ValueError(f"{self.entity} has no Active flag")
        if not 1 <= self.max_results <= MAX_RESULTS or self.start_position < 1:
            raise ValueError("MAXRESULTS must be 1..1000 and STARTPOSITION ≥ 1")

    def where(self, name: str, value: str) -> Query:
        return Query(
            self.entity,
            (*self.conditions, (name, value)),
            self.include_inactive,
            self.start_position,
            self.max_results,
        )

    def page(self, start_position: int, max_results: int) -> Query:
        return Query(
            self.entity, self.conditions, self.include_inactive, start_position, max_results
        )

    def render(self) -> str:
        clauses = [f"{name} = {quote(value)}" for name, value in self.conditions]
        if self.include_inactive:
            # Inactive name-list records are excluded unless asked for explicitly.
            clauses.append("Active IN (true, false)")
        text = f"SELECT * FROM {self.entity}"
        if clauses:
            text += " WHERE " + " AND ".join(clauses)
        return f"{text} STARTPOSITION {self.start_position} MAXRESULTS {self.max_results}"

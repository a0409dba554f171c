"""The QBO query language: `SELECT *|COUNT(*)|props FROM E [WHERE …] [ORDERBY …]
[STARTPOSITION n] [MAXRESULTS n]`, parsed into a Query (qbo_query_run runs it).

Strict like the real parser: no OR, string values in single quotes with `\\'` escapes, only
filterable properties in WHERE and ORDERBY (4001), anything else a 4000 parse error.

Intuit documents `SELECT * | count(*)` and `ORDERBY` (developer.intuit.com, learn/explore-the-
quickbooks-online-api/data-queries), and that "the response set always returns all properties
for each object. That is, projections are not supported" (same page, 2_build/…/50_data_queries
edition). So a property list is parsed, checked and ignored: every record comes back whole.
Clients send such lists to Intuit: Intuit's own Java SDK QueryFilter builds `SELECT Id,
DisplayName` (gist IntuitDeveloperRelations/7217848), and python-quickbooks' Item.all sends
`SELECT *, Sku` (since 0.9.12; its integration test runs it against Intuit's sandbox).
`ORDER BY` in two words is accepted beside `ORDERBY`: python-quickbooks' ListMixin.all sends
it (not in Intuit's grammar; accepted here so that the library's call works).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ledgerport_sandbox.qbo_schema import ALLOWED_FIELDS, FILTERABLE
from ledgerport_sandbox.qbo_wire import QboFaultError

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_CAP = 1000

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op><=|>=|=|<|>)|(?P<punct>[(),*])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<num>\d+))"
)
_OPERATORS = {"=", "<", ">", "<=", ">=", "IN", "LIKE"}


@dataclass(frozen=True)
class Condition:
    """One `property op value(s)` term of a WHERE clause."""

    field: str
    op: str
    values: tuple[str | bool, ...]


@dataclass
class Query:
    """A parsed query, with properties already resolved to their canonical names."""

    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def parse_error(detail: str) -> QboFaultError:
    return QboFaultError("4000", "Error parsing query", f"QueryParserError: {detail}")


def not_queryable(prop: str) -> QboFaultError:
    return QboFaultError(
        "4001", "Invalid query", f"QueryValidationError: property '{prop}' is not queryable"
    )


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise parse_error(f'Encountered "{text[pos : pos + 10]}" at line 1, column {pos + 1}.')
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def peek_kind(self) -> str:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else ""

    def take(self) -> str:
        if self.pos >= len(self.tokens):
            raise parse_error('Encountered "<EOF>" at line 1.')
        self.pos += 1
        return self.tokens[self.pos - 1][1]

    def keyword(self, *words: str) -> bool:
        if self.peek_kind() == "word" and self.peek().upper() in words:
            self.pos += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        token = self.take()
        if token.upper() not in words:
            raise parse_error(f'Encountered "{token}". Was expecting one of: {", ".join(words)}')
        return token.upper()

    def integer(self) -> int:
        if self.peek_kind() != "num":
            raise parse_error(f'Encountered "{self.peek() or "<EOF>"}". Was expecting: <INTEGER>')
        return int(self.take())


def parse_query(text: str) -> Query:
    """Parse a query string; raises QboFaultError 4000/4001 as QBO would."""
    parser = _Parser(text)
    parser.expect("SELECT")
    count, names = _selection(parser)
    parser.expect("FROM")
    entity = _entity(parser.take())
    for name in names:
        _check_selectable(entity, name)
    query = Query(entity=entity, count=count)
    if parser.keyword("WHERE"):
        query.where.append(_condition(parser, entity))
        while parser.keyword("AND"):
            query.where.append(_condition(parser, entity))
    if parser.keyword("ORDERBY") or (parser.keyword("ORDER") and parser.expect("BY")):
        query.order_by.append(_order_term(parser, entity))
        while parser.peek() == ",":
            parser.take()
            query.order_by.append(_order_term(parser, entity))
    _paging(parser, query)
    if parser.pos != len(parser.tokens):
        raise parse_error(f'Encountered "{parser.peek()}" at token {parser.pos + 1}.')
    return query


def _selection(parser: _Parser) -> tuple[bool, list[str]]:
    """(is COUNT(*), the properties named beside or instead of `*`)."""
    if parser.keyword("COUNT"):
        for expected in ("(", "*", ")"):
            if parser.take() != expected:
                raise parse_error(f'Was expecting "{expected}" in COUNT(*)')
        return True, []
    names: list[str] = []
    while True:
        if parser.peek() == "*":
            parser.take()
        elif parser.peek_kind() == "word" and parser.peek().upper() != "FROM":
            names.append(parser.take())
        else:
            raise parse_error(f'Encountered "{parser.peek()}". Was expecting one of: "*", "count"')
        if parser.peek() != ",":
            return False, names
        parser.take()


def _check_selectable(entity: str, name: str) -> None:
    """A selected property must be one of the entity's fields (4001 otherwise)."""
    known = {prop.lower() for prop in ALLOWED_FIELDS.get(entity, set()) | FILTERABLE[entity]}
    if name.lower() not in known:
        raise not_queryable(name)


def _entity(name: str) -> str:
    for entity in FILTERABLE:
        if entity.lower() == name.lower():
            return entity
    raise parse_error(f"Invalid entity name: {name}")


def _property(entity: str, name: str) -> str:
    for prop in FILTERABLE[entity]:
        if prop.lower() == name.lower():
            return prop
    raise not_queryable(name)


def _condition(parser: _Parser, entity: str) -> Condition:
    if parser.peek_kind() != "word":
        raise parse_error(f'Encountered "{parser.peek()}". Was expecting: <IDENTIFIER>')
    prop = _property(entity, parser.take())
    op = parser.take().upper()
    if op not in _OPERATORS:
        raise parse_error(f'Encountered "{op}". Was expecting one of: =, <, >, <=, >=, IN, LIKE')
    if op != "IN":
        return Condition(prop, op, (_value(parser),))
    if parser.take() != "(":
        raise parse_error('Was expecting "(" after IN')
    values = [_value(parser)]
    while parser.peek() == ",":
        parser.take()
        values.append(_value(parser))
    if parser.take() != ")":
        raise parse_error('Was expecting ")" to close IN')
    return Condition(prop, op, tuple(values))


def _value(parser: _Parser) -> str | bool:
    kind, token = parser.peek_kind(), parser.peek()
    if kind == "str":
        parser.take()
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if kind == "word" and token.lower() in ("true", "false"):
        parser.take()
        return token.lower() == "true"
    raise parse_error(
        f'Encountered "{token or "<EOF>"}". Was expecting one of: "false", "true", <STRING>'
    )


def _order_term(parser: _Parser, entity: str) -> tuple[str, bool]:
    prop = _property(entity, parser.take())
    descending = False
    if parser.keyword("DESC"):
        descending = True
    else:
        parser.keyword("ASC")
    return prop, descending


def _paging(parser: _Parser, query: Query) -> None:
    while parser.peek_kind() == "word":
        if parser.keyword("STARTPOSITION"):
            query.start = max(parser.integer(), 1)
        elif parser.keyword("MAXRESULTS"):
            # QBO caps rather than rejects oversized pages.
            query.max_results = min(parser.integer(), MAX_RESULTS_CAP)
        else:
            raise parse_error(f'Encountered "{parser.peek()}".')

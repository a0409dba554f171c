"""The QBO query language: `SELECT *|COUNT(*) FROM E [WHERE …] [ORDERBY …] [STARTPOSITION n]
[MAXRESULTS n]`, parsed and run over in-memory records.

Strict like the real parser: no OR, no projection, string values in single quotes with `\\'`
escapes, only filterable properties in WHERE (4001), anything else a 4000 parse error.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerport_sandbox.qbo_schema import (
    BOOLEAN_FIELDS,
    DATETIME_FIELDS,
    FILTERABLE,
    NAME_LISTS,
    NUMERIC_FIELDS,
)
from ledgerport_sandbox.qbo_wire import COMPANY_TZ, JsonDict, QboFaultError

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
    count = _selection(parser)
    parser.expect("FROM")
    entity = _entity(parser.take())
    query = Query(entity=entity, count=count)
    if parser.keyword("WHERE"):
        query.where.append(_condition(parser, entity))
        while parser.keyword("AND"):
            query.where.append(_condition(parser, entity))
    if parser.keyword("ORDERBY"):
        query.order_by.append(_order_term(parser, entity))
        while parser.peek() == ",":
            parser.take()
            query.order_by.append(_order_term(parser, entity))
    _paging(parser, query)
    if parser.pos != len(parser.tokens):
        raise parse_error(f'Encountered "{parser.peek()}" at token {parser.pos + 1}.')
    return query


def _selection(parser: _Parser) -> bool:
    if parser.peek() == "*":
        parser.take()
        return False
    if parser.keyword("COUNT"):
        for expected in ("(", "*", ")"):
            if parser.take() != expected:
                raise parse_error(f'Was expecting "{expected}" in COUNT(*)')
        return True
    raise parse_error(f'Encountered "{parser.peek()}". Was expecting one of: "*", "count"')


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


def run_query(query: Query, records: list[JsonDict]) -> JsonDict:
    """Evaluate a parsed query; returns the `QueryResponse` object."""
    rows = [r for r in records if all(_matches(r, c) for c in query.where)]
    if query.entity in NAME_LISTS and not any(c.field == "Active" for c in query.where):
        rows = [r for r in rows if r.get("Active", True)]
    if query.count:
        return {"totalCount": len(rows)}
    rows.sort(key=lambda r: _sort_key("Id", r.get("Id")))
    for prop, descending in reversed(query.order_by):  # stable sorts, last key first
        rows.sort(key=functools.partial(_row_key, prop), reverse=descending)
    page = rows[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def _lookup(record: JsonDict, prop: str) -> Any:
    value: Any = record
    for part in prop.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):  # refs and e-mail addresses compare on their scalar
        return value.get("value", value.get("Address"))
    return value


def _row_key(prop: str, record: JsonDict) -> tuple[int, Any]:
    return _sort_key(prop, _lookup(record, prop))


def _sort_key(prop: str, value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    converted = _convert(prop, value)
    return (1, converted) if not isinstance(converted, str) else (2, converted)


def _convert(prop: str, value: Any) -> Any:
    if prop in BOOLEAN_FIELDS:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if prop in NUMERIC_FIELDS or prop == "Id":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value).lower()
    if prop in DATETIME_FIELDS:
        try:
            stamp = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=COMPANY_TZ)
    return str(value).lower()


def _matches(record: JsonDict, cond: Condition) -> bool:
    actual = _lookup(record, cond.field)
    if cond.field == "Active" and actual is None:
        actual = True
    if actual is None:
        return False
    left = _convert(cond.field, actual)
    rights = [_convert(cond.field, v) for v in cond.values]
    if cond.op == "IN":
        return left in rights
    if cond.op == "LIKE":
        pattern = ".*".join(re.escape(part) for part in str(cond.values[0]).lower().split("%"))
        return re.fullmatch(pattern, str(actual).lower(), re.DOTALL) is not None
    return _compare(left, cond.op, rights[0])


def _compare(left: Any, op: str, right: Any) -> bool:
    if type(left) is not type(right):
        left, right = str(left), str(right)
    compare = {
        "=": operator.eq,
        "<": operator.lt,
        ">": operator.gt,
        "<=": operator.le,
        ">=": operator.ge,
    }[op]
    try:
        return bool(compare(left, right))
    except TypeError:
        return False

"""Which QBO tax code each line carries, and the tax detail that keeps QBO on Shopify's figures.

- US companies, line-item mode: lines are `TAX` or `NON` (QBO's pseudo codes); the
  transaction carries the one QBO code every Shopify rate on the order maps to (a combined
  state + county code, say) and `TotalTax` = Shopify's `total_tax`, which QBO books as sent.
- US companies, automated sales tax: QBO's engine picks the code; `TotalTax` = Shopify's tax
  is the override QBO honours (Intuit, "Using QuickBooks Online API for automated sales tax",
  2017-12-11), so the books show what the buyer paid.
- Elsewhere (GB, CA, AU…): every line carries a real code — the one its Shopify tax title and
  rate map to, or the configured code for untaxed lines — and the detail lists each rate with
  Shopify's amount and the net amount it was charged on, so QBO computes nothing of its own.

A Shopify tax is keyed by title and rate ("Ohio State Tax|0.0575").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.booking import UNTAXED_KINDS, BookedLine, Booking
from app.domain.config import AccountingConfig, TaxMode
from app.domain.errors import ErrorCode, SyncError
from app.domain.models import ZERO, Order, TaxLine
from app.domain.ports.external import QboTaxRate

US = "US"


@dataclass(frozen=True)
class RateDetail:
    """One rate of the transaction's tax detail: Shopify's amount, QBO's rate."""

    rate_id: str
    percent: Decimal
    amount: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class TaxPlan:
    total: Decimal
    us: bool
    automated: bool = False  # QBO's automated sales tax picks the code; TotalTax overrides it
    txn_code: str | None = None  # US line-item mode
    line_codes: tuple[str, ...] = ()  # per booked line, outside the US
    untaxed_code: str | None = None  # outside the US: for the discount line, if any
    rates: tuple[RateDetail, ...] = field(default=())


def tax_key(tax: TaxLine) -> str:
    """The tax-rate mapping key: title and rate, e.g. "Ohio State Tax|0.0575"."""
    return f"{tax.title}|{tax.rate.normalize():f}"


def plan_taxes(
    order: Order,
    booking: Booking,
    *,
    mappings: Mapping[str, str],
    accounting: AccountingConfig,
    country: str,
    code_rates: Mapping[str, Sequence[QboTaxRate]] | None = None,
) -> TaxPlan:
    """The codes and detail for `booking`; raises tax_not_mapped naming what is missing."""
    if country.upper() == US:
        if accounting.tax_mode == TaxMode.automated_sales_tax:
            return TaxPlan(booking.tax, us=True, automated=True)
        return TaxPlan(booking.tax, us=True, txn_code=_one_code(order, booking, mappings))
    codes = [_line_code(order, line, mappings, accounting) for line in booking.lines]
    untaxed = accounting.untaxed_tax_code_id
    rates = _rate_details(order, booking, codes, mappings, code_rates or {})
    return TaxPlan(
        booking.tax, us=False, line_codes=tuple(codes), untaxed_code=untaxed, rates=rates
    )


def _taxes_of(lines: Iterable[BookedLine]) -> dict[str, TaxLine]:
    return {tax_key(t): t for line in lines for t in line.taxes if t.amount or t.rate}


def _unmapped(order: Order, taxes: Mapping[str, TaxLine], mappings: Mapping[str, str]) -> None:
    missing = [t for key, t in taxes.items() if key not in mappings]
    if missing:
        rows = [{"key": tax_key(t), "title": t.title, "rate": f"{t.rate:f}"} for t in missing]
        names = ", ".join(f"{t.title} ({(t.rate * 100).normalize():f}%)" for t in missing)
        message = f"Order {order.name}: no QuickBooks tax code is mapped for {names}."
        raise SyncError(ErrorCode.tax_not_mapped, message, detail={"unmapped": rows})


def _one_code(order: Order, booking: Booking, mappings: Mapping[str, str]) -> str | None:
    """A US sales form carries one transaction tax code, so every rate on the order must map,
    and to the same code (a combined rate in QBO for, say, state + county)."""
    taxes = _taxes_of(booking.lines)
    _unmapped(order, taxes, mappings)
    codes = {key: mappings[key] for key in taxes}
    if len(set(codes.values())) > 1:
        message = (
            f"Order {order.name}: its tax rates map to different QuickBooks tax codes; a US "
            "sales form takes one, so map them to one combined code."
        )
        raise SyncError(ErrorCode.tax_not_mapped, message, detail={"codes": codes})
    return next(iter(codes.values()), None)


def _charged(line: BookedLine) -> bool:
    """Whether the line carries a tax code of its own outside the US: Shopify charged it tax.
    A rate whose amount rounded to nothing (or an exempt buyer's zero tax) leaves it untaxed."""
    return line.kind not in UNTAXED_KINDS and line.taxed


def _line_code(
    order: Order, line: BookedLine, mappings: Mapping[str, str], accounting: AccountingConfig
) -> str:
    taxes = _taxes_of([line]) if _charged(line) else {}
    if not taxes:
        if accounting.untaxed_tax_code_id is None:
            message = (
                f"Order {order.name}: the line {line.description!r} carries no tax, and outside "
                "the US QuickBooks needs a tax code on every line; set "
                "accounting.untaxed_tax_code_id to the code for untaxed sales (zero-rated or "
                "exempt)."
            )
            detail = {"field": "accounting.untaxed_tax_code_id", "line": line.description}
            raise SyncError(ErrorCode.tax_not_mapped, message, detail=detail)
        return accounting.untaxed_tax_code_id
    _unmapped(order, taxes, mappings)
    codes = {mappings[key] for key in taxes}
    if len(codes) > 1:
        message = (
            f"Order {order.name}: the line {line.description!r} is taxed by "
            f"{', '.join(sorted(taxes))}, mapped to different QuickBooks tax codes; a line takes "
            "one code, so map them to one code that combines the rates."
        )
        raise SyncError(ErrorCode.tax_not_mapped, message, detail={"keys": sorted(taxes)})
    return codes.pop()


def _rate_details(
    order: Order,
    booking: Booking,
    codes: Sequence[str],
    mappings: Mapping[str, str],
    code_rates: Mapping[str, Sequence[QboTaxRate]],
) -> tuple[RateDetail, ...]:
    """One detail line per Shopify tax (title and rate): its amount and the net amount of the
    lines it taxed, on the rate of the mapped code whose percentage matches. Only lines that
    carry a taxed code count: QBO checks each rate against the lines coded with it."""
    amounts: dict[str, Decimal] = {}
    nets: dict[str, Decimal] = {}
    taxes: dict[str, TaxLine] = {}
    for line in booking.lines:
        for tax in line.taxes if _charged(line) else ():
            if not (tax.amount or tax.rate):
                continue
            key = tax_key(tax)
            taxes[key] = tax
            amounts[key] = amounts.get(key, ZERO) + tax.amount
            nets[key] = nets.get(key, ZERO) + line.amount
    details = []
    for key, tax in taxes.items():
        rate = _qbo_rate(order, tax, mappings[key], code_rates)
        details.append(RateDetail(rate.id, rate.percent, amounts[key], nets[key]))
    return tuple(details)


def _qbo_rate(
    order: Order, tax: TaxLine, code: str, code_rates: Mapping[str, Sequence[QboTaxRate]]
) -> QboTaxRate:
    rates = list(code_rates.get(code, ()))
    percent = (tax.rate * 100).normalize()
    match = [r for r in rates if r.percent.normalize() == percent]
    if match:
        return match[0]
    if len(rates) == 1:
        return rates[0]
    message = (
        f"Order {order.name}: {tax.title} ({percent:f}%) is mapped to QuickBooks tax code {code}, "
        f"which has no {percent:f}% rate; map it to a code with that rate."
    )
    detail = {"key": tax_key(tax), "tax_code_id": code}
    raise SyncError(ErrorCode.tax_not_mapped, message, detail=detail)

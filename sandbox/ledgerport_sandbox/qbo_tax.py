"""A sales document's tax, worked out the way QBO works it out in each kind of company.

- US, manual sales tax: lines are `TAX`/`NON`; `TxnTaxDetail.TotalTax` (an override QBO
  accepts) wins, else the `TxnTaxCodeRef`'s rates are applied to the taxable lines.
- US, automated sales tax (AST): the engine assigns the code from the ship-to state (else the
  bill-to, else the company's) and ignores the one sent. "Whenever an explicit tax amount is
  sent in the transaction request the AST engine honors the amount and prorates it across tax
  rates in the AST-assigned tax code" (Intuit developer blog, 2017-12-11, "Using QuickBooks
  Online API for automated sales tax"). Each stored TaxLine keeps its TaxPercent and
  NetAmountTaxable, so a client can work out QBO's own figure and compare.
- Elsewhere (GB, CA, AU): every line carries a real tax code and the document's
  `GlobalTaxCalculation` says whether line amounts exclude or include tax. A `TaxLine[]` sent
  by the client must balance: its amounts sum to `TotalTax`, each rate belongs to a code used
  on the lines, and each `NetAmountTaxable` is the net of the lines carrying that rate.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

from ledgerport_sandbox.qbo_checks import check_fields, optional_decimal, resolve_ref, to_decimal
from ledgerport_sandbox.qbo_countries import AST_CODE_BY_STATE
from ledgerport_sandbox.qbo_lines import LineTotals, cents
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import JsonDict, bad_property, business_error, money, number

GLOBAL_TAX_CALCULATIONS = ("TaxExcluded", "TaxInclusive", "NotApplicable")


@dataclass(frozen=True)
class RateBase:
    """One tax rate and the net amount of the lines it applies to."""

    rate_id: str
    percent: Decimal
    base: Decimal
    lines: int  # how many lines carry the rate (each may be a cent off after a discount)


def document_tax(realm: Realm, body: JsonDict, totals: LineTotals, record: JsonDict) -> Decimal:
    """Fill `record["TxnTaxDetail"]` (and `GlobalTaxCalculation` outside the US) and return
    the tax QBO books; raises QboFaultError for tax detail QBO would refuse."""
    raw = body.get("TxnTaxDetail")
    if raw is not None and not isinstance(raw, dict):
        raise bad_property("Can not deserialize instance of TxnTaxDetail")
    raw = raw or {}
    check_fields("TxnTaxDetail", raw, {"TxnTaxCodeRef", "TotalTax", "TaxLine"})
    if realm.country != "US":
        return _global_tax(realm, body, raw, totals, record)
    record.pop("GlobalTaxCalculation", None)  # not used by US companies (Intuit's reference)
    if realm.automated_sales_tax:
        return _automated_tax(realm, body, raw, totals, record)
    return _manual_us_tax(realm, body, raw, totals, record)


def us_taxable(body: JsonDict, totals: LineTotals) -> Decimal:
    """The taxable amount of a US document: its taxable lines, less their share of the
    discount when `ApplyTaxAfterDiscount` is true (else QBO taxes before the discount)."""
    if not body.get("ApplyTaxAfterDiscount") or not totals.subtotal:
        return totals.taxable
    return totals.taxable * (totals.subtotal - totals.discount) / totals.subtotal


def _manual_us_tax(
    realm: Realm, body: JsonDict, raw: JsonDict, totals: LineTotals, record: JsonDict
) -> Decimal:
    detail = copy.deepcopy(raw)
    code: JsonDict | None = None
    if raw.get("TxnTaxCodeRef") is not None:
        element = "TxnTaxDetail.TxnTaxCodeRef"
        detail["TxnTaxCodeRef"] = resolve_ref(realm, "TaxCode", raw["TxnTaxCodeRef"], element)
        code = realm.get("TaxCode", detail["TxnTaxCodeRef"]["value"])
    given = optional_decimal(raw, "TotalTax", "TxnTaxDetail.TotalTax")
    if isinstance(raw.get("TaxLine"), list) and raw["TaxLine"]:
        total = _sent_tax_lines(raw["TaxLine"], given)
    else:
        bases = _code_bases(realm, code, us_taxable(body, totals)) if code is not None else []
        total = given if given is not None else sum((_rate_tax(b) for b in bases), Decimal(0))
        if bases:
            detail["TaxLine"] = _tax_lines(bases, cents(total))
    detail["TotalTax"] = money(cents(total))
    record["TxnTaxDetail"] = detail
    return cents(total)


def _automated_tax(
    realm: Realm, body: JsonDict, raw: JsonDict, totals: LineTotals, record: JsonDict
) -> Decimal:
    code_id = AST_CODE_BY_STATE.get(_ship_to_state(realm, body) or "")
    code = realm.get("TaxCode", code_id) if code_id else None
    bases = _code_bases(realm, code, us_taxable(body, totals)) if code is not None else []
    given = optional_decimal(raw, "TotalTax", "TxnTaxDetail.TotalTax")
    total = cents(given) if given is not None else sum((_rate_tax(b) for b in bases), Decimal(0))
    detail: JsonDict = {"TotalTax": money(total), "TaxLine": _tax_lines(bases, total)}
    if code is not None:
        detail["TxnTaxCodeRef"] = {"value": code["Id"], "name": code["Name"]}
    record["TxnTaxDetail"] = detail
    return total


def _ship_to_state(realm: Realm, body: JsonDict) -> str | None:
    company = (realm.get("CompanyInfo", realm.realm_id) or {}).get("CompanyAddr")
    for address in (body.get("ShipAddr"), body.get("BillAddr"), company):
        if isinstance(address, dict) and address.get("CountrySubDivisionCode"):
            return str(address["CountrySubDivisionCode"]).upper()
    return None


def _global_tax(
    realm: Realm, body: JsonDict, raw: JsonDict, totals: LineTotals, record: JsonDict
) -> Decimal:
    mode = body.get("GlobalTaxCalculation") or "TaxExcluded"
    if mode not in GLOBAL_TAX_CALCULATIONS:
        raise bad_property(
            "Can not construct instance of com.intuit.schema.finance.v3."
            f"GlobalTaxCalculationEnum from String value '{mode}'"
        )
    record["GlobalTaxCalculation"] = mode
    if mode == "NotApplicable":
        record["TxnTaxDetail"] = {"TotalTax": 0}
        return Decimal(0)
    bases = _line_bases(realm, totals, inclusive=mode == "TaxInclusive")
    given = optional_decimal(raw, "TotalTax", "TxnTaxDetail.TotalTax")
    sent = raw.get("TaxLine")
    if isinstance(sent, list) and sent:
        total = _sent_tax_lines(sent, given)
        lines = [_checked_tax_line(realm, line, bases) for line in sent]
    else:
        total = given if given is not None else sum((_rate_tax(b) for b in bases), Decimal(0))
        lines = _tax_lines(bases, cents(total))
    record["TxnTaxDetail"] = {"TotalTax": money(cents(total)), "TaxLine": lines}
    return cents(total)


def _line_bases(realm: Realm, totals: LineTotals, *, inclusive: bool) -> list[RateBase]:
    """Per rate, the net amount of the lines whose code carries it, after the document's
    discount spread over the lines in proportion to their amounts (QBO outside the US
    discounts before tax); amounts that include tax are taken net of it first."""
    share = Decimal(1)
    if totals.discount and totals.subtotal:
        share = (totals.subtotal - totals.discount) / totals.subtotal
    found: dict[str, RateBase] = {}
    for amount, code in totals.coded:
        rates = _rates(realm, code)
        net = amount * share
        if inclusive:
            net = net / (1 + sum((p for _, p in rates), Decimal(0)) / 100)
        for rate_id, percent in rates:
            before = found.get(rate_id, RateBase(rate_id, percent, Decimal(0), 0))
            found[rate_id] = RateBase(rate_id, percent, before.base + net, before.lines + 1)
    return [RateBase(b.rate_id, b.percent, cents(b.base), b.lines) for b in found.values()]


def _code_bases(realm: Realm, code: JsonDict, base: Decimal) -> list[RateBase]:
    return [RateBase(rate_id, percent, cents(base), 1) for rate_id, percent in _rates(realm, code)]


def _rates(realm: Realm, code: JsonDict) -> list[tuple[str, Decimal]]:
    found = []
    for entry in (code.get("SalesTaxRateList") or {}).get("TaxRateDetail", []):
        rate = realm.get("TaxRate", entry["TaxRateRef"]["value"]) or {}
        found.append((str(rate.get("Id")), Decimal(str(rate.get("RateValue", 0)))))
    return found


def _rate_tax(base: RateBase) -> Decimal:
    return cents(base.base * base.percent / 100)


def _tax_lines(bases: list[RateBase], total: Decimal) -> list[JsonDict]:
    """One TaxLine per rate; `total` spread over the rates in proportion to what each
    would raise, the last rate taking the rounding remainder."""
    own = [_rate_tax(b) for b in bases]
    whole = sum(own, Decimal(0))
    amounts, left = [], total
    for index, figure in enumerate(own):
        if index == len(own) - 1:
            amounts.append(left)
        else:
            part = cents(total * figure / whole) if whole else Decimal(0)
            amounts.append(part)
            left -= part
    return [
        _tax_line(b.rate_id, b.percent, b.base, amount)
        for b, amount in zip(bases, amounts, strict=True)
    ]


def _tax_line(rate_id: str, percent: Decimal, base: Decimal, amount: Decimal) -> JsonDict:
    return {
        "Amount": money(amount),
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {
            "TaxRateRef": {"value": rate_id},
            "PercentBased": True,
            "TaxPercent": number(percent),
            "NetAmountTaxable": money(base),
        },
    }


def _sent_tax_lines(lines: list[object], total: Decimal | None) -> Decimal:
    """The sum of the client's TaxLine amounts, which must equal its TotalTax when both are
    sent. Undocumented by Intuit: refused here as a 6000 business validation error."""
    amounts = []
    for line in lines:
        if not isinstance(line, dict):
            raise bad_property("Can not deserialize instance of TaxLine out of a non-object value")
        amounts.append(cents(to_decimal(line.get("Amount", 0), "TaxLine.Amount")))
    summed = sum(amounts, Decimal(0))
    if total is not None and cents(total) != summed:
        raise unbalanced(
            f"The tax lines add up to {summed} but TotalTax is {cents(total)}.",
        )
    return summed


def _checked_tax_line(realm: Realm, raw: JsonDict, bases: list[RateBase]) -> JsonDict:
    """A client TaxLine checked against the lines: its rate is used on them, its percent is
    the rate's and its taxable base is theirs (to a cent per line after a discount)."""
    detail = raw.get("TaxLineDetail")
    if raw.get("DetailType") != "TaxLineDetail" or not isinstance(detail, dict):
        raise unbalanced("Each tax line needs DetailType TaxLineDetail and its TaxLineDetail.")
    rate_ref = detail.get("TaxRateRef")
    rate_id = str(rate_ref.get("value")) if isinstance(rate_ref, dict) else ""
    base = next((b for b in bases if b.rate_id == rate_id), None)
    if base is None:
        raise unbalanced(f"Tax rate {rate_id or '(none)'} is not on any line of this transaction.")
    percent = optional_decimal(detail, "TaxPercent", "TaxLineDetail.TaxPercent")
    if percent is not None and percent != base.percent:
        raise unbalanced(f"Tax rate {rate_id} is {base.percent}%, not {percent}%.")
    taxable = optional_decimal(detail, "NetAmountTaxable", "TaxLineDetail.NetAmountTaxable")
    if taxable is not None and abs(cents(taxable) - base.base) > Decimal("0.01") * base.lines:
        raise unbalanced(
            f"Tax rate {rate_id} applies to {base.base} of the lines, not {cents(taxable)}."
        )
    amount = cents(to_decimal(raw.get("Amount", 0), "TaxLine.Amount"))
    given_base = cents(taxable) if taxable is not None else base.base
    return _tax_line(rate_id, base.percent, given_base, amount)


def unbalanced(detail: str) -> Exception:
    """Tax detail that does not match the lines. QBO documents no code for it; this sandbox
    answers 6000, the business validation fault QBO gives its other tax errors (such as
    "QuickBooks encountered an error while calculating tax", ruckus/quickbooks-ruby#369)."""
    return business_error(
        f"The tax detail does not match the lines. {detail}", element="TxnTaxDetail"
    )

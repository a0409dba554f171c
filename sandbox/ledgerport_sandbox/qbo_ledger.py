"""How a sales document posts to the books: the sandbox's view for tests (no QBO endpoint).

`ledger(realm, entity, record)` reads a stored SalesReceipt, Invoice, RefundReceipt or Payment
and says where its money goes; `recompute(realm, entity, body)` validates a body exactly as a
create would (same faults) and returns the record QBO would store with its ledger, storing
nothing, so a property test can call it many times in-process.

Each sales line is classified by the account its item posts to (QBO books an item line to the
item's income account, `SHIPPING_ITEM_ID` to the shipping income account):

| account                              | kind        | classification |
|--------------------------------------|-------------|----------------|
| Income, subtype DiscountsRefundsGiven | discount   | income         |
| Income, subtype OtherPrimaryIncome   | shipping    | income         |
| any other Income                     | item        | income         |
| Other Income                         | rounding    | rounding       |
| Other Current Liability              | liability   | liability      |
| anything else                        | other       | other          |

so a gift-card sale (its item on Gift Card Liability) never reaches income and a cash-rounding
line (its item on the Other Income "Cash Rounding" account) is told apart from a sale. The
document's tax is one more line, kind and classification `tax`, on the sales-tax account. A
document whose amounts include tax (`GlobalTaxCalculation` TaxInclusive) books each taxed
line net of its share of the tax. Amounts are strings with two decimals; a line's amount is
what it adds to the document's total, so the lines sum to `total`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ledgerport_sandbox.qbo_lines import cents
from ledgerport_sandbox.qbo_seed import (
    ACCOUNTS_RECEIVABLE_ID,
    SALES_TAX_PAYABLE_ID,
    SHIPPING_INCOME_ID,
    SHIPPING_ITEM_ID,
)
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_txns import build_payment, build_sales_txn
from ledgerport_sandbox.qbo_wire import JsonDict

LEDGER_ENTITIES = ("SalesReceipt", "Invoice", "RefundReceipt", "Payment")
CLASSIFICATIONS = ("income", "liability", "rounding", "tax")
_CLASS_OF_KIND = {
    "item": "income",
    "shipping": "income",
    "discount": "income",
    "rounding": "rounding",
    "liability": "liability",
    "tax": "tax",
}


def recompute(realm: Realm, entity: str, body: JsonDict) -> tuple[JsonDict, JsonDict]:
    """Validate `body` as a create of `entity` and return (record, ledger) without storing
    anything; raises the QboFaultError the create would answer."""
    if entity == "Payment":
        record, _ = build_payment(realm, body)
    else:
        record = build_sales_txn(realm, entity, body)
    return record, ledger(realm, entity, record)


def ledger(realm: Realm, entity: str, record: JsonDict) -> JsonDict:
    """Where a stored (or recomputed) document's money goes: header figures, one entry per
    line (kind, account, account type, classification, amount, taxable), and the sums per
    account and per classification."""
    if entity == "Payment":
        return _payment_ledger(record)
    tax = Decimal(str((record.get("TxnTaxDetail") or {}).get("TotalTax", 0)))
    inclusive = record.get("GlobalTaxCalculation") == "TaxInclusive"
    entries = (_entry(realm, line) for line in record.get("Line", []))
    lines = [entry for entry in entries if entry is not None]
    if inclusive:
        _take_tax_out(lines, tax)
    if tax:
        lines.append(_tax_entry(realm, tax))
    return {
        **_header(record, tax),
        "qbo_tax": _str(_qbo_tax(record)),
        "lines": [{**entry, "amount": _str(entry["amount"])} for entry in lines],
        "by_account": _sums(lines, "account_id"),
        "by_classification": {
            **{name: "0.00" for name in CLASSIFICATIONS},
            **_sums(lines, "classification"),
        },
    }


def _header(record: JsonDict, tax: Decimal) -> JsonDict:
    total = Decimal(str(record.get("TotalAmt", 0)))
    rate = Decimal(str(record.get("ExchangeRate", 1)))
    home = record.get("HomeTotalAmt")
    return {
        "id": record.get("Id"),
        "doc_number": record.get("DocNumber"),
        "currency": (record.get("CurrencyRef") or {}).get("value"),
        "exchange_rate": str(rate.normalize()),
        "total": _str(total),
        "home_total": _str(Decimal(str(home)) if home is not None else cents(total * rate)),
        "tax": _str(tax),
        "deposit_account": (record.get("DepositToAccountRef") or {}).get("value"),
    }


def _entry(realm: Realm, line: JsonDict) -> JsonDict | None:
    kind = line.get("DetailType")
    amount = Decimal(str(line.get("Amount", 0)))
    if kind == "DiscountLineDetail":
        account_id = line["DiscountLineDetail"]["DiscountAccountRef"]["value"]
        return _account_entry(realm, line, "discount", account_id, -amount, False)
    if kind != "SalesItemLineDetail":
        return None  # description and sub-total lines post nothing
    detail = line["SalesItemLineDetail"]
    if detail["ItemRef"]["value"] == SHIPPING_ITEM_ID:
        account_id = SHIPPING_INCOME_ID
    else:
        account_id = (detail.get("ItemAccountRef") or {}).get("value", "")
    code = realm.get("TaxCode", (detail.get("TaxCodeRef") or {}).get("value")) or {}
    return _account_entry(realm, line, None, account_id, amount, bool(code.get("Taxable")))


def _account_entry(
    realm: Realm,
    line: JsonDict,
    kind: str | None,
    account_id: str,
    amount: Decimal,
    taxable: bool,
) -> JsonDict:
    account = realm.get("Account", account_id) or {}
    kind = kind or _kind(account)
    return {
        "line": line.get("LineNum"),
        "kind": kind,
        "account_id": account_id,
        "account_type": account.get("AccountType"),
        "classification": _CLASS_OF_KIND.get(kind, "other"),
        "amount": amount,
        "taxable": taxable,
    }


def _kind(account: JsonDict) -> str:
    account_type, subtype = account.get("AccountType"), account.get("AccountSubType")
    if account_type == "Income":
        return {"DiscountsRefundsGiven": "discount", "OtherPrimaryIncome": "shipping"}.get(
            subtype or "", "item"
        )
    return {"Other Income": "rounding", "Other Current Liability": "liability"}.get(
        account_type or "", "other"
    )


def _tax_entry(realm: Realm, tax: Decimal) -> JsonDict:
    account = realm.get("Account", SALES_TAX_PAYABLE_ID) or {}
    return {
        "line": None,
        "kind": "tax",
        "account_id": SALES_TAX_PAYABLE_ID,
        "account_type": account.get("AccountType"),
        "classification": "tax",
        "amount": tax,
        "taxable": False,
    }


def _take_tax_out(lines: list[JsonDict], tax: Decimal) -> None:
    """Book taxed lines net: each gives up its share of the tax, the last the remainder."""
    taxed = [entry for entry in lines if entry["taxable"]]
    gross = sum((entry["amount"] for entry in taxed), Decimal(0))
    left = tax
    for index, entry in enumerate(taxed):
        share = left if index == len(taxed) - 1 else cents(tax * entry["amount"] / gross)
        entry["amount"] -= share
        left -= share


def _qbo_tax(record: JsonDict) -> Decimal:
    """QBO's own figure: Σ NetAmountTaxable × TaxPercent over the stored tax lines."""
    total = Decimal(0)
    for line in (record.get("TxnTaxDetail") or {}).get("TaxLine", []):
        detail = line.get("TaxLineDetail") or {}
        base = Decimal(str(detail.get("NetAmountTaxable", 0)))
        total += cents(base * Decimal(str(detail.get("TaxPercent", 0))) / 100)
    return total


def _payment_ledger(record: JsonDict) -> JsonDict:
    total = Decimal(str(record.get("TotalAmt", 0)))
    deposit = (record.get("DepositToAccountRef") or {}).get("value")
    lines: list[JsonDict] = [
        {"kind": "deposit", "account_id": deposit, "amount": total},
        {"kind": "receivable", "account_id": ACCOUNTS_RECEIVABLE_ID, "amount": -total},
    ]
    return {
        **_header(record, Decimal(0)),
        "lines": [{**entry, "amount": _str(entry["amount"])} for entry in lines],
        "by_account": _sums(lines, "account_id"),
    }


def _sums(lines: list[JsonDict], key: str) -> dict[str, str]:
    found: dict[str, Decimal] = defaultdict(Decimal)
    for entry in lines:
        found[str(entry[key])] += entry["amount"]
    return {name: _str(amount) for name, amount in found.items()}


def _str(amount: Decimal) -> str:
    return str(cents(amount))

"""A sales document as flat `field: value` pairs, so that a test names every field in which
QBO's document differs from the expected one at once, rather than stopping at the first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerport_sandbox import qbo_ledger
from tests.harness import REALM, Harness
from tests.integration.reference_books import Book

ABSENT = "(absent)"


def _money(value: object) -> str:
    return f"{Decimal(str(value)):.2f}"


def _number(value: object) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def expected_fields(book: Book) -> dict[str, str]:
    """The hand-written document as flat `field: value` pairs (absent fields left out)."""
    out = {
        "entity": book.entity,
        "DocNumber": book.doc_number,
        "TxnDate": book.txn_date,
        "CurrencyRef": book.currency,
        "CustomerRef": book.customer,
        "DepositToAccountRef": book.deposit_account,
        "TotalAmt": book.total,
        "TxnTaxDetail.TotalTax": book.total_tax,
        "ledger.income": book.income,
        "ledger.tax": book.total_tax,
        "ledger.liability": "0.00",
    }
    optional = {
        "ExchangeRate": book.exchange_rate,
        "HomeTotalAmt": book.home_total,
        "GlobalTaxCalculation": book.global_tax,
        "TxnTaxDetail.TxnTaxCodeRef": book.txn_tax_code,
        "Discount": book.discount,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    for n, sale in enumerate(book.lines, start=1):
        line = {"ItemRef": sale.item, "Amount": sale.amount, "TaxCodeRef": sale.tax_code}
        if sale.qty is not None:
            line["Qty"] = str(sale.qty)
        if sale.unit_price is not None:
            line["UnitPrice"] = sale.unit_price
        out.update({f"Line[{n}].{key}": value for key, value in line.items()})
    for n, rate in enumerate(book.tax_lines, start=1):
        at = f"TxnTaxDetail.TaxLine[{n}]"
        out.update(
            {
                f"{at}.TaxRateRef": rate.rate_id,
                f"{at}.TaxPercent": rate.percent,
                f"{at}.Amount": rate.amount,
                f"{at}.NetAmountTaxable": rate.net,
            }
        )
    return out


def observed_fields(h: Harness, realm: str, entity: str, doc: dict[str, Any]) -> dict[str, str]:
    """The stored document in the same flat shape: items and the customer by name, amounts
    to the cent, and its postings from the sandbox ledger."""
    company = h.qbo.realm(realm)
    customer = company.get("Customer", (doc.get("CustomerRef") or {}).get("value")) or {}
    tax = doc.get("TxnTaxDetail") or {}
    out = {
        "entity": entity,
        "DocNumber": doc.get("DocNumber"),
        "TxnDate": doc.get("TxnDate"),
        "CurrencyRef": (doc.get("CurrencyRef") or {}).get("value"),
        "CustomerRef": customer.get("DisplayName"),
        "DepositToAccountRef": (doc.get("DepositToAccountRef") or {}).get("value"),
        "TotalAmt": _money(doc["TotalAmt"]),
        "TxnTaxDetail.TotalTax": _money(tax.get("TotalTax", 0)),
        "TxnTaxDetail.TxnTaxCodeRef": (tax.get("TxnTaxCodeRef") or {}).get("value"),
        "GlobalTaxCalculation": doc.get("GlobalTaxCalculation"),
    }
    if "ExchangeRate" in doc:
        out["ExchangeRate"] = _number(doc["ExchangeRate"])
    if "HomeTotalAmt" in doc:
        out["HomeTotalAmt"] = _money(doc["HomeTotalAmt"])
    discounts = [ln for ln in doc["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    if discounts:
        out["Discount"] = _money(sum(Decimal(str(ln["Amount"])) for ln in discounts))
    sales = [ln for ln in doc["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    for n, line in enumerate(sales, start=1):
        detail = line["SalesItemLineDetail"]
        item_id = detail["ItemRef"]["value"]
        item = company.get("Item", item_id)
        found = {
            "ItemRef": item["Name"] if item else item_id,
            "Amount": _money(line["Amount"]),
            "TaxCodeRef": (detail.get("TaxCodeRef") or {}).get("value"),
            "Qty": _number(detail["Qty"]) if "Qty" in detail else None,
            "UnitPrice": _number(detail["UnitPrice"]) if "UnitPrice" in detail else None,
        }
        out.update({f"Line[{n}].{key}": value for key, value in found.items()})
    for n, tax_line in enumerate(tax.get("TaxLine", []), start=1):
        detail, at = tax_line["TaxLineDetail"], f"TxnTaxDetail.TaxLine[{n}]"
        out[f"{at}.TaxRateRef"] = detail["TaxRateRef"]["value"]
        out[f"{at}.TaxPercent"] = _number(detail["TaxPercent"])
        out[f"{at}.Amount"] = _money(tax_line["Amount"])
        out[f"{at}.NetAmountTaxable"] = _money(detail["NetAmountTaxable"])
    postings = qbo_ledger.ledger(company, entity, doc)["by_classification"]
    out.update({f"ledger.{name}": postings[name] for name in ("income", "tax", "liability")})
    return {key: value for key, value in out.items() if value is not None}


def assert_books(h: Harness, book: Book, realm: str = REALM) -> None:
    """The one document of `book.entity` in `realm` is `book`, every differing field named."""
    (doc,) = h.qbo.documents(realm, book.entity)
    expected, observed = expected_fields(book), observed_fields(h, realm, book.entity, doc)
    differing = [
        f"{key}: expected {expected.get(key, ABSENT)}, QBO holds {observed.get(key, ABSENT)}"
        for key in sorted(expected.keys() | observed.keys())
        if expected.get(key) != observed.get(key)
    ]
    assert not differing, "\n".join(differing)

"""The fault bodies of the fault-truth table, rendered the ways QBO sends them, and the documents
LedgerPort's requests carry when QBO answers with them.

Dialects (reference qbo.md §3): the accounting service's upper-case JSON and its XML twin
(`<IntuitResponse><Fault type=…><Error code=… element=…>`, as quoted in
intuit/QuickBooks-V3-PHP-SDK#110 and #241), the gateway's lower-case JSON (401/403/429/5xx),
and the load balancer's HTML page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from app.domain.errors import ErrorCode

T = "2025-03-14T10:22:31.000-07:00"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
XMLNS = "http://schema.intuit.com/finance/v3"

# What each request writes (the sandbox answers before reading it; the client and the
# classifier read it to name the document and its references).
DOCUMENTS: dict[str, dict[str, Any]] = {
    "SalesReceipt": {
        "DocNumber": "SH1001",
        "TxnDate": "2025-03-14",
        "CustomerRef": {"value": "58"},
        "DepositToAccountRef": {"value": "4"},
        "PaymentMethodRef": {"value": "2"},
        "Line": [
            {
                "Amount": 12.5,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "12"}, "Qty": 2, "UnitPrice": 6.25},
            }
        ],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "3"}},
    },
    "Invoice": {
        "DocNumber": "INV-7",
        "TxnDate": "2025-03-15",
        "CustomerRef": {"value": "58"},
        "Line": [
            {
                "Amount": 20,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "31"}, "Qty": 1, "UnitPrice": 20},
            }
        ],
    },
    "Payment": {
        "TxnDate": "2025-03-16",
        "CustomerRef": {"value": "58"},
        "TotalAmt": 20,
        "Line": [{"Amount": 20, "LinkedTxn": [{"TxnId": "145", "TxnType": "Invoice"}]}],
    },
    "RefundReceipt": {
        "DocNumber": "R-9",
        "TxnDate": "2025-03-17",
        "CustomerRef": {"value": "58"},
        "DepositToAccountRef": {"value": "4"},
        "Line": [
            {
                "Amount": 5,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "12"}, "Qty": 1, "UnitPrice": 5},
            }
        ],
    },
    "Customer": {"DisplayName": "Ann Lee", "PrimaryEmailAddr": {"Address": "ann@example.com"}},
    "Item": {"Name": "Organic Tee", "Type": "Service", "IncomeAccountRef": {"value": "79"}},
}


@dataclass(frozen=True)
class Row:
    """One published QBO fault: its body, the document it answered, and what LedgerPort must
    make of it. `body` is "fault" (rendered as upper-case JSON and as XML), "gateway" (lower-
    case JSON), "xml" (XML only), "upper" (upper-case JSON only) or "html"."""

    name: str
    status: int
    code: str
    message: str
    detail: str | None
    expect: ErrorCode
    retries: bool
    names: tuple[str, ...]  # what the message must say: the document, the record, the field
    source: str
    entity: str = "SalesReceipt"
    element: str = ""
    kind: str = "ValidationFault"
    body: str = "fault"


def upper_json(row: Row) -> str:
    error = {"Message": row.message, "Detail": row.detail, "code": row.code}
    error["element"] = row.element
    return json.dumps({"Fault": {"Error": [error], "type": row.kind}, "time": T})


def upper_xml(row: Row) -> str:
    detail = f"<Detail>{escape(row.detail)}</Detail>" if row.detail is not None else ""
    return (
        f"{XML_HEAD}<IntuitResponse xmlns={quoteattr(XMLNS)} time={quoteattr(T)}>"
        f"<Fault type={quoteattr(row.kind)}><Error code={quoteattr(row.code)} "
        f"element={quoteattr(row.element)}><Message>{escape(row.message)}</Message>{detail}"
        "</Error></Fault></IntuitResponse>"
    )


def gateway_json(row: Row) -> str:
    error = {"message": row.message, "detail": row.detail, "code": row.code, "element": None}
    return json.dumps(
        {
            "warnings": None,
            "intuitObject": None,
            "fault": {"error": [error], "type": row.kind},
            "report": None,
            "queryResponse": None,
            "batchItemResponse": [],
            "attachableResponse": [],
            "syncErrorResponse": None,
            "requestId": None,
            "time": 1543012192555,
            "status": None,
            "cdcresponse": [],
        }
    )


def html_page(row: Row) -> str:
    title = f"{row.status} {row.message}"
    return (
        f'<html>\r\n<head><title>{title}</title></head>\r\n<body bgcolor="white">\r\n'
        f"<center><h1>{title}</h1></center>\r\n<hr><center>Avi Vantage/</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


def renderings(row: Row) -> list[tuple[str, str, str]]:
    """(dialect, content type, body text) for each way the row's fault is sent."""
    if row.body == "fault":
        return [
            ("json", "application/json", upper_json(row)),
            ("xml", "application/xml", upper_xml(row)),
        ]
    rendered = {
        "upper": ("json", "application/json", upper_json(row)),
        "gateway": ("gateway", "application/json", gateway_json(row)),
        "xml": ("xml", "application/xml", upper_xml(row)),
        "html": ("html", "text/html", html_page(row)),
    }
    return [rendered[row.body]]

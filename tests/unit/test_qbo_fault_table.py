"""Every QBO answer becomes success or exactly one taxonomy code, end to end through the
adapter: HTTP answer → QuickBooksClient → classify_external → code, retryable or not."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.adapters.quickbooks.client import QuickBooksClient
from app.domain.errors import CATALOGUE, ErrorCode
from app.domain.faults import ExternalError
from app.domain.policies import classify_external, retry_delay
from app.domain.ports import QboSession

SESSION = QboSession("9130350000000001", "access-token")
T = "2025-03-14T10:22:31.000-07:00"
BASE = "https://qbo.test"


def upper(code: str, message: str, detail: str, element: str = "", kind: str = "ValidationFault"):  # type: ignore[no-untyped-def]
    error = {"Message": message, "Detail": detail, "code": code, "element": element}
    return {"Fault": {"Error": [error], "type": kind}, "time": T}


def lower(code: str, message: str, detail: str | None, kind: str):  # type: ignore[no-untyped-def]
    error = {"message": message, "detail": detail, "code": code, "element": None}
    return {"warnings": None, "intuitObject": None, "fault": {"error": [error], "type": kind},
            "requestId": None, "time": 1533811101733}  # fmt: skip


THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2016-04-04T04:18:43">'
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; '
    "errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try "
    "again later</Detail></Error></Fault></IntuitResponse>"
)
HTML_503 = "<html><head><title>503 Service Temporarily Unavailable</title></head></html>"

# (name, HTTP status, body, expected code); body None = the connection failed or timed out.
TABLE: list[tuple[str, int, Any, ErrorCode]] = [
    ("duplicate doc number", 400, upper("6140", "Duplicate Document Number Error",
     "Duplicate Document Number Error : You must specify a different number. This number has "
     "already been used. DocNumber=SH1001 is assigned to TxnType=Sales Receipt with TxnId=145"),
     ErrorCode.duplicate),
    ("item ref invalid", 400, upper("2500", "Invalid Reference Id",
     "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef", "Line.SalesItemLineDetail.ItemRef"),
     ErrorCode.product_not_mapped),
    ("item made inactive", 400, upper("610", "Object Not Found",
     "Something you're trying to use has been made inactive. Check the fields with accounts, "
     "customers, items, vendors or employees.", "Line.SalesItemLineDetail.ItemRef"),
     ErrorCode.product_not_mapped),
    ("customer ref invalid", 400, upper("2500", "Invalid Reference Id",
     "Invalid Reference Id : CustomerRef", "CustomerRef"), ErrorCode.customer_not_found),
    ("customer name taken", 400, upper("6240", "Duplicate Name Exists Error",
     "The name supplied already exists. : Another customer, vendor or employee is already "
     "using this name. Please use a different name."), ErrorCode.customer_not_found),
    ("deposit account invalid", 400, upper("2500", "Invalid Reference Id",
     "Invalid Reference Id : DepositToAccountRef", "DepositToAccountRef"),
     ErrorCode.invalid_account),
    ("account inactive", 400, upper("610", "Object Not Found",
     "Something you're trying to use has been made inactive. Check the fields with accounts, "
     "customers, items, vendors or employees.", "DepositToAccountRef"), ErrorCode.invalid_account),
    ("tax code ref invalid", 400, upper("2500", "Invalid Reference Id",
     "Invalid Reference Id : TaxCodeRef", "TxnTaxDetail.TxnTaxCodeRef"), ErrorCode.tax_not_mapped),
    ("tax rate missing (CA)", 400, upper("6000", "A business validation error has occurred while "
     "processing your request", "Business Validation Error: Make sure all your transactions "
     "have a GST/HST rate before you save."), ErrorCode.tax_not_mapped),
    ("lines without tax code", 400, upper("6000", "A business validation error has occurred "
     "while processing your request", "Business Validation Error: One or more transaction "
     "lines do not have a tax code associated with it."), ErrorCode.tax_not_mapped),
    ("no line", 400, upper("2020", "Required param missing, need to supply the required value "
     "for the API", "Required parameter Line is missing in the request"), ErrorCode.missing_field),
    ("doc number too long", 400, upper("2050", "Length exceeds limit",
     "String length exceeds maximum length: DocNumber Max:21"), ErrorCode.missing_field),
    ("expired token (401 lower case)", 401, lower("3200", "message=AuthenticationFailed; "
     "errorCode=003200; statusCode=401", "Token expired: 0123456789", "AUTHENTICATION"),
     ErrorCode.qbo_auth),
    ("old 401 body", 401, upper("100", "General Authentication Error",
     "AuthenticationErrorGeneral: SRV-110-Authentication Failure", kind="AuthenticationFault"),
     ErrorCode.qbo_auth),
    ("scope/environment (403)", 403, lower("3100", "message=ApplicationAuthorizationFailed; "
     "errorCode=003100; statusCode=403", None, "AUTHORIZATION"), ErrorCode.qbo_auth),
    ("subscription ended", 400, upper("6190", "Invalid Company Status",
     "Subscription period has ended or canceled or there was a billing problem"),
     ErrorCode.qbo_auth),
    ("throttled JSON", 429, lower("3001", "message=ThrottleExceeded; errorCode=003001; "
     "statusCode=429", None, "SERVICE"), ErrorCode.rate_limited),
    ("throttled XML despite json", 429, THROTTLE_XML, ErrorCode.rate_limited),
    ("throttled as 403 (2016)", 403, THROTTLE_XML, ErrorCode.rate_limited),
    ("server error", 500, lower("3100", "message=InternalServerError; errorCode=003100; "
     "statusCode=500", None, "SERVICE"), ErrorCode.qbo_timeout),
    ("outage page", 503, HTML_503, ErrorCode.qbo_timeout),
    ("gateway timeout, empty", 504, "", ErrorCode.qbo_timeout),
    ("transient 6000", 400, upper("6000", "A business validation error has occurred while "
     "processing your request", "An unexpected error occurred while accessing or saving your "
     "data. Please wait a few minutes and try again."), ErrorCode.qbo_timeout),
    ("stale object", 400, upper("5010", "Stale Object Error", "Stale Object Error : You and "
     "someone else were working on this at the same time."), ErrorCode.qbo_timeout),
    ("connection refused", 0, None, ErrorCode.qbo_timeout),
]  # fmt: skip


def answer(status: int, body: Any) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if body is None:
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(body, str):
            kind = "text/xml" if body.startswith("<?xml") else "text/html"
            return httpx.Response(status, text=body, headers={"Content-Type": kind})
        return httpx.Response(status, content=json.dumps(body).encode(),
                              headers={"Content-Type": "application/json"})  # fmt: skip

    return httpx.MockTransport(handle)


async def no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize(("name", "status", "body", "expected"), TABLE, ids=[r[0] for r in TABLE])
async def test_qbo_answer_maps_to_one_taxonomy_code(
    name: str, status: int, body: Any, expected: ErrorCode
) -> None:
    async with httpx.AsyncClient(
        base_url="https://qbo.test", transport=answer(status, body)
    ) as http:
        client = QuickBooksClient(http, attempts=1, sleep=no_sleep)
        with pytest.raises(ExternalError) as raised:
            await client.create_sales_receipt(SESSION, {"Line": []}, request_id="rid-1")

    error = classify_external(raised.value)
    assert error.code == expected
    retries = retry_delay(error, 1) is not None
    assert retries == CATALOGUE[expected].retries_automatically
    assert "access-token" not in error.message


def test_the_table_covers_every_code_that_can_come_from_qbo() -> None:
    from_qbo = set(ErrorCode) - {ErrorCode.on_hold}  # on hold is our own decision
    assert {row[3] for row in TABLE} == from_qbo
    assert len(TABLE) >= 20


async def test_success_is_a_document() -> None:
    receipt = {"SalesReceipt": {"Id": "145", "DocNumber": "SH1001", "TotalAmt": 53.0,
               "CustomerRef": {"value": "58"}, "TxnDate": "2025-03-14"}, "time": T}  # fmt: skip
    async with httpx.AsyncClient(
        base_url="https://qbo.test", transport=answer(200, receipt)
    ) as http:
        document = await QuickBooksClient(http, attempts=1).create_sales_receipt(
            SESSION, {"Line": []}, request_id="rid-1"
        )
    assert (document.id, document.doc_number, document.total) == ("145", "SH1001", "53.00")

"""parse_faults / error_for_response over realistic QBO bodies (reference qbo.md §2–§3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from app.adapters.quickbooks.faults import error_for_response, parse_faults
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
    QboFault,
)

TOKEN = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..Zk9aS2lwNnJ0Y3RnV1dfQ2ZqTmhR"
URL = "https://sandbox-quickbooks.api.intuit.com/v3/company/9130/salesreceipt"


def upper(code: str, message: str, detail: str, element: str = "") -> dict[str, Any]:
    error = {"Message": message, "Detail": detail, "code": code, "element": element}
    return {
        "Fault": {"Error": [error], "type": "ValidationFault"},
        "time": "2017-09-29T09:17:31.892-07:00",
    }


def lower(code: str, message: str, detail: str | None, kind: str) -> dict[str, Any]:
    error = {"message": message, "detail": detail, "code": code, "element": None}
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {"error": [error], "type": kind},
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": 1533811101733,
        "status": None,
        "cdcresponse": [],
    }


XML_THROTTLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2017-07-30T22:45:22.933-07:00" xmlns="http://schema.intuit.com/finance/v3">
    <Fault type="SERVICE">
        <Error code="3001">
            <Message>message=ThrottleExceeded; errorCode=003001; statusCode={status}</Message>
            <Detail>The request limit was reached.  Try again later</Detail>
        </Error>
    </Fault>
</IntuitResponse>"""

HTML_503 = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head>"
    "<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)


def response(
    status: int,
    body: object,
    *,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    if isinstance(body, dict):
        content = json.dumps(body).encode()
        content_type = content_type or "application/json;charset=UTF-8"
    else:
        content = str(body or "").encode()
        content_type = content_type or "text/html"
    request = httpx.Request("POST", URL, headers={"Authorization": f"Bearer {TOKEN}"})
    return httpx.Response(
        status,
        content=content,
        headers={"content-type": content_type, **(headers or {})},
        request=request,
    )


# One row per line of the reference's fault table, plus the gateway and outage shapes.
CASES: list[tuple[str, int, object, type[Exception]]] = [
    (
        "6140 duplicate doc number",
        400,
        upper(
            "6140",
            "Duplicate Document Number Error",
            "Duplicate Document Number Error : You must specify a different number. This number "
            "has already been used. DocNumber=18696 is assigned to TxnType=Invoice with "
            "TxnId=6575",
        ),
        ExternalRejected,
    ),
    (
        "6240 duplicate name",
        400,
        upper(
            "6240",
            "Duplicate Name Exists Error",
            "The name supplied already exists. : Another customer, vendor or employee is already "
            "using this name. Please use a different name.",
        ),
        ExternalRejected,
    ),
    (
        "610 object not found",
        400,
        upper(
            "610",
            "Object Not Found",
            "Something you're trying to use has been made inactive. Check the fields with "
            "accounts, customers, items, vendors or employees.",
        ),
        ExternalRejected,
    ),
    (
        "2500 invalid reference",
        400,
        upper(
            "2500",
            "Invalid Reference Id",
            "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",
            "Line.SalesItemLineDetail.ItemRef",
        ),
        ExternalRejected,
    ),
    (
        "2020 required param",
        400,
        upper(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter Line is missing in the request",
        ),
        ExternalRejected,
    ),
    (
        "4001 not queryable",
        400,
        upper(
            "4001",
            "Invalid query",
            "QueryValidationError: property 'PrimaryEmailAddr' is not queryable",
        ),
        ExternalRejected,
    ),
    (
        "5010 stale object",
        400,
        upper(
            "5010",
            "Stale Object Error",
            "Stale Object Error : You and Jane were working on this "
            "at the same time. Jane finished before you did, so your work was not saved.",
        ),
        ExternalRejected,
    ),
    (
        "6000 business validation",
        400,
        upper(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: You must set a transaction amount.",
        ),
        ExternalRejected,
    ),
    (
        "6000 tax",
        400,
        upper(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: Make sure all your transactions have a GST/HST rate "
            "before you save.",
        ),
        ExternalRejected,
    ),
    (
        "6000 transient",
        400,
        upper(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: An unexpected error occurred while accessing or saving "
            "your data. Please wait a few minutes and try again.",
        ),
        ExternalUnavailable,
    ),
    (
        "6210 period closed",
        400,
        upper(
            "6210",
            "Account Period Closed, Cannot Update Through Services API",
            "The account period has closed and the account books cannot be updated through the "
            "QBO Services API. Please use the QBO website to make these changes.",
        ),
        ExternalRejected,
    ),
    (
        "6190 company status",
        400,
        upper(
            "6190",
            "Invalid Company Status",
            "Subscription period has ended or canceled or there was a billing problem",
        ),
        ExternalRejected,
    ),
    (
        "6520 inventory quantity",
        400,
        upper("6520", "Missing Inventory Item Quantity", "Quantity required for inventory item"),
        ExternalRejected,
    ),
    (
        "10000 system failure",
        400,
        upper(
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: java.lang.NullPointerException",
        ),
        ExternalRejected,
    ),
    (
        "120 authorization failure",
        401,
        upper(
            "120",
            "Authorization Failure",
            "AuthorizationFailure: -11014-You do not have access to use QuickBooks Online Plus.",
        ),
        ExternalAuthExpired,
    ),
    (
        "3200 token expired",
        401,
        lower(
            "3200",
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            f"Token expired: {TOKEN}",
            "AUTHENTICATION",
        ),
        ExternalAuthExpired,
    ),
    (
        "3200 malformed token",
        401,
        lower(
            "3200",
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            "Malformed bearer token: too short or too long",
            "AUTHENTICATION",
        ),
        ExternalAuthExpired,
    ),
    (
        "100 old authentication fault",
        401,
        {
            "Fault": {
                "Error": [
                    {
                        "Message": "message=Exception authenticating OAuth; "
                        "errorCode=003200; statusCode=401",
                        "Detail": "General Authentication Error",
                        "code": "100",
                    }
                ],
                "type": "AuthenticationFault",
            }
        },
        ExternalAuthExpired,
    ),
    (
        "3100 authorization failed 403",
        403,
        lower(
            "3100", "message=AuthorizationFailed; errorCode=003100; statusCode=403", None, "SERVICE"
        ),
        ExternalAuthExpired,
    ),
    (
        "3100 at 500 is a server error",
        500,
        lower(
            "3100", "message=InternalServerError; errorCode=003100; statusCode=500", None, "SERVICE"
        ),
        ExternalUnavailable,
    ),
    (
        "lower-case throttle 429",
        429,
        lower(
            "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429", None, "SERVICE"
        ),
        ExternalRateLimited,
    ),
    ("xml throttle 429", 429, XML_THROTTLE.format(status=429), ExternalRateLimited),
    ("xml throttle 403 (2016)", 403, XML_THROTTLE.format(status=403), ExternalRateLimited),
    ("xml throttle 200", 200, XML_THROTTLE.format(status=429), ExternalRateLimited),
    ("html 503", 503, HTML_503, ExternalUnavailable),
    ("html 502", 502, HTML_503.replace("503", "502"), ExternalUnavailable),
    ("empty 504", 504, "", ExternalUnavailable),
    (
        "200 carrying a Fault",
        200,
        upper(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: You must set a transaction amount.",
        ),
        ExternalRejected,
    ),
    ("404 html", 404, "<html><body>Not Found</body></html>", ExternalRejected),
]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_fault_maps_to_its_category(
    status: int, body: object, expected: type[Exception]
) -> None:
    content_type = "application/xml" if str(body).startswith("<?xml") else None
    error = error_for_response(response(status, body, content_type=content_type))

    assert type(error) is expected
    assert error.status == status
    assert TOKEN not in str(error)
    assert TOKEN[:20] not in error.message


def test_success_is_not_an_error() -> None:
    body = {"SalesReceipt": {"Id": "41", "TotalAmt": 10.0}, "time": "2025-01-01T00:00:00Z"}
    assert error_for_response(response(200, body)) is None


def test_upper_case_fault_is_parsed_field_by_field() -> None:
    body = upper(
        "2500",
        "Invalid Reference Id",
        "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",
        "Line.SalesItemLineDetail.ItemRef",
    )
    faults = parse_faults(400, "application/json", json.dumps(body).encode())
    assert faults == [
        QboFault(
            code="2500",
            message="Invalid Reference Id",
            detail="Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",
            element="Line.SalesItemLineDetail.ItemRef",
            type="ValidationFault",
        )
    ]


def test_lower_case_fault_with_nulls_is_parsed() -> None:
    body = lower(
        "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429", None, "SERVICE"
    )
    faults = parse_faults(429, "application/json", json.dumps(body).encode())
    assert faults == [
        QboFault(
            code="3001",
            message="message=ThrottleExceeded; errorCode=003001; statusCode=429",
            type="SERVICE",
        )
    ]


def test_xml_fault_namespace_is_stripped_even_when_labelled_json() -> None:
    body = XML_THROTTLE.format(status=429).encode()
    expected = [
        QboFault(
            code="3001",
            message="message=ThrottleExceeded; errorCode=003001; statusCode=429",
            detail="The request limit was reached.  Try again later",
            type="SERVICE",
        )
    ]
    assert parse_faults(429, "application/xml", body) == expected
    assert parse_faults(429, "application/json", body) == expected  # mislabelled


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [(503, "text/html", HTML_503.encode()), (504, "", b""), (None, "", b""), (502, "", b"  \n")],
)
def test_html_and_empty_bodies_have_no_faults(
    status: int | None, content_type: str, body: bytes
) -> None:
    assert parse_faults(status, content_type, body) == []


def test_rejection_carries_its_faults() -> None:
    body = upper(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : DocNumber=1001 is assigned to TxnType=SalesReceipt",
    )
    error = error_for_response(response(400, body))
    assert isinstance(error, ExternalRejected)
    assert [f.code for f in error.faults] == ["6140"]
    assert "6140" in error.message and "DocNumber=1001" in error.message


def test_echoed_token_is_scrubbed_from_rejection_message_and_faults() -> None:
    body = upper("2010", "Request has invalid or unsupported property", f"bad header {TOKEN}")
    error = error_for_response(response(400, body))
    assert isinstance(error, ExternalRejected)
    assert TOKEN not in error.message
    assert all(TOKEN not in f.detail for f in error.faults)
    assert "[redacted]" in error.message


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, 60.0), ({"Retry-After": "7"}, 7.0), ({"Retry-After": "soon"}, 60.0)],
)
def test_throttle_wait_uses_retry_after_or_sixty_seconds(
    headers: dict[str, str], expected: float
) -> None:
    error = error_for_response(response(429, "", headers=headers))
    assert isinstance(error, ExternalRateLimited)
    assert error.retry_after == expected


def test_throttle_retry_after_as_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    error = error_for_response(response(429, "", headers={"Retry-After": format_datetime(when)}))
    assert isinstance(error, ExternalRateLimited)
    assert error.retry_after is not None and 25 <= error.retry_after <= 30


def test_server_error_carries_retry_after_when_given() -> None:
    error = error_for_response(response(503, HTML_503, headers={"Retry-After": "3"}))
    assert isinstance(error, ExternalUnavailable) and not isinstance(error, ExternalRateLimited)
    assert error.retry_after == 3.0


def test_opaque_bearer_token_of_the_request_is_scrubbed() -> None:
    opaque = "opaque-access-token-0123456789"
    request = httpx.Request("GET", URL, headers={"Authorization": f"Bearer {opaque}"})
    body = upper("2010", "Request has invalid or unsupported property", f"saw {opaque} here")
    reply = httpx.Response(400, json=body, request=request)

    error = error_for_response(reply)

    assert isinstance(error, ExternalRejected)
    assert opaque not in error.message and opaque not in error.faults[0].detail


def test_jwt_shaped_text_is_scrubbed_without_the_request() -> None:
    body = upper("2010", "Request has invalid or unsupported property", f"saw {TOKEN} here")
    error = error_for_response(httpx.Response(400, json=body))

    assert isinstance(error, ExternalRejected)
    assert "eyJ" not in error.message and "saw [redacted] here" in error.message

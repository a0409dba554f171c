"""Wire-level pieces of the fake QBO: timestamps, fault bodies, JSON/XML rendering.

QBO answers in two fault dialects: the accounting service's upper-case
`{"Fault": {"Error": [...]}}` and the gateway's lower-case `{"fault": {"error": [...]}}`
(401/403/429/5xx, `time` in epoch milliseconds). Both are reproduced here verbatim.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

JsonDict = dict[str, Any]


def _company_zone() -> tzinfo:
    # Intuit stamps times in Pacific time; fall back to a fixed offset without tzdata.
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("America/Los_Angeles")
    except Exception:  # pragma: no cover - depends on the host's tzdata
        return timezone(timedelta(hours=-7))


COMPANY_TZ = _company_zone()


def now_local() -> datetime:
    return datetime.now(COMPANY_TZ)


def response_time() -> str:
    """The `time` of an upper-case envelope: `2025-01-21T09:17:31.892-08:00`."""
    stamp = now_local()
    return (
        stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}" + _offset(stamp)
    )


def meta_time() -> str:
    """A MetaData timestamp: seconds precision with the company's offset."""
    stamp = now_local()
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + _offset(stamp)


def today() -> str:
    return now_local().date().isoformat()


def _offset(stamp: datetime) -> str:
    raw = stamp.strftime("%z")
    return f"{raw[:3]}:{raw[3:]}"


def money(value: Decimal) -> int | float:
    """Render an amount the way QBO's JSON does: 75, 335.25."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class QboFaultError(Exception):
    """An upper-case fault to send back; raised anywhere inside request handling."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str,
        *,
        element: str = "",
        status: int = 400,
        fault_type: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code, self.message, self.detail = code, message, detail
        self.element, self.status, self.fault_type = element, status, fault_type

    def body(self) -> JsonDict:
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        error["element"] = self.element
        return {"Fault": {"Error": [error], "type": self.fault_type}, "time": response_time()}


def invalid_reference(element: str) -> QboFaultError:
    return QboFaultError(
        "2500", "Invalid Reference Id", f"Invalid Reference Id : {element}", element=element
    )


def required_missing(name: str) -> QboFaultError:
    return QboFaultError(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        element=name,
    )


def too_long(element: str, maximum: int, supplied: int) -> QboFaultError:
    return QboFaultError(
        "2050",
        "String length is either shorter or longer than supported by specification",
        "String length specified does not match the supported length. "
        f"Min:0 Max:{maximum:,} supported. Supplied length: {supplied:,}",
        element=element,
    )


def bad_property(detail: str) -> QboFaultError:
    return QboFaultError(
        "2010",
        "Request has invalid or unsupported property",
        f"Property Name:{detail} specified is unsupported or invalid",
    )


def business_error(detail: str, *, element: str = "") -> QboFaultError:
    return QboFaultError(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element=element,
    )


def gateway_fault(
    status: int, name: str, code: str, fault_type: str, detail: str | None
) -> JsonDict:
    """The gateway's lower-case body, field for field as Intuit sends it."""
    error = {
        "message": f"message={name}; errorCode={int(code):06d}; statusCode={status}",
        "detail": detail,
        "code": code,
        "element": None,
    }
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {"error": [error], "type": fault_type},
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(time.time() * 1000),
        "status": None,
        "cdcresponse": [],
    }


def gateway_response(
    status: int, body: JsonDict, headers: dict[str, str] | None = None
) -> Response:
    extra = {"intuit_tid": str(uuid.uuid4()), **(headers or {})}
    return Response(json.dumps(body), status, extra, media_type="application/json")


def auth_failed(detail: str) -> Response:
    body = gateway_fault(401, "AuthenticationFailed", "3200", "AUTHENTICATION", detail)
    challenge = 'Bearer realm="Intuit", error="invalid_token"'
    return gateway_response(401, body, {"WWW-Authenticate": challenge})


def authorization_failed() -> Response:
    body = gateway_fault(403, "AuthorizationFailed", "3100", "AUTHORIZATION", None)
    return gateway_response(403, body)


def throttled() -> Response:
    return gateway_response(429, gateway_fault(429, "ThrottleExceeded", "3001", "SERVICE", None))


def server_error() -> Response:
    return gateway_response(500, gateway_fault(500, "InternalServerError", "3100", "SERVICE", None))


def html_page(status: int, title: str) -> Response:
    """What Intuit's load balancer sends during an outage (not JSON, whatever Accept says)."""
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(page, status, {"intuit_tid": str(uuid.uuid4())}, media_type="text/html")


def render(body: JsonDict, status: int, accept: str) -> Response:
    """Render an accounting response. QBO answers XML unless the client asks for JSON."""
    headers = {"intuit_tid": str(uuid.uuid4())}
    if "application/json" in accept.lower():
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return Response(text, status, headers, media_type="application/json")
    return Response(to_xml(body), status, headers, media_type="application/xml")


def to_xml(body: JsonDict) -> str:
    """A faithful-enough IntuitResponse document, so a client that forgot Accept breaks loudly."""
    stamp = body.get("time", "")
    inner = "".join(_xml_node(key, value) for key, value in body.items() if key != "time")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time={quoteattr(str(stamp))}>'
        f"{inner}</IntuitResponse>"
    )


def _xml_node(tag: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_xml_node(tag, item) for item in value)
    if isinstance(value, dict):
        if set(value) <= {"value", "name", "type"} and "value" in value:
            attrs = "".join(f" {k}={quoteattr(str(v))}" for k, v in value.items() if k != "value")
            return f"<{tag}{attrs}>{escape(str(value['value']))}</{tag}>"
        return f"<{tag}>" + "".join(_xml_node(k, v) for k, v in value.items()) + f"</{tag}>"
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"<{tag}>{escape(text)}</{tag}>"

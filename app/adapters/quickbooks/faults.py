"""QBO fault bodies (upper-case JSON, gateway lower-case JSON, XML, HTML) → the closed error set."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.adapters.quickbooks.write_context import write_of
from app.domain.faults import (
    ExternalAuthExpired,
    ExternalError,
    ExternalRateLimited,
    ExternalRejected,
    ExternalUnavailable,
    QboFault,
    QboWrite,
)

THROTTLE_DEFAULT_WAIT = 60.0  # reference §2: "on 429 wait 60 s"; Retry-After is undocumented
_AUTH_CODES = frozenset({"100", "3200"})
_AUTH_HINTS = ("authenticationfailed", "invalid token", "token expired", "malformed bearer")
_TRANSIENT_6000_HINTS = ("unexpected error", "try again")
# A JWT or a bearer credential echoed back in a fault detail must never reach a log line.
_TOKEN_PATTERNS = (
    re.compile(r"eyJ[\w-]+(?:\.[\w-]*){1,2}"),
    re.compile(r"(?i)bearer\s+\S+"),
)


def parse_faults(status: int | None, content_type: str, body: bytes) -> list[QboFault]:
    """Every QBO fault entry in a response body, whatever its casing or format.

    HTML pages (gateway outages), empty bodies and missing responses give `[]`.
    """
    if status is None:
        return []
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    # Sniff the body: QBO can answer XML despite `Accept: application/json`, and
    # content types are not always truthful.
    if text.startswith("{"):
        return _json_faults(text)
    if text.startswith("<") and "html" not in content_type.lower():
        return _xml_faults(text)
    return []


def _json_faults(text: str) -> list[QboFault]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    fault = data.get("Fault") or data.get("fault")
    if not isinstance(fault, dict):
        return []
    errors = fault.get("Error") or fault.get("error") or []
    if isinstance(errors, dict):
        errors = [errors]
    kind = _text(fault.get("type"))
    return [_json_error(e, kind) for e in errors if isinstance(e, dict)]


def _json_error(error: dict[str, Any], kind: str) -> QboFault:
    def field(name: str) -> str:
        return _text(error.get(name, error.get(name.lower())))

    return QboFault(
        code=_code(error.get("code")),
        message=field("Message"),
        detail=field("Detail"),
        element=_text(error.get("element")),
        type=kind,
    )


def _xml_faults(text: str) -> list[QboFault]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return []  # HTML error pages are rarely well-formed XML
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]  # drop the v3 namespace
    faults: list[QboFault] = []
    for fault in root.iter("Fault"):
        for error in fault.iter("Error"):
            faults.append(
                QboFault(
                    code=_code(error.get("code")),
                    message=(error.findtext("Message") or "").strip(),
                    detail=(error.findtext("Detail") or "").strip(),
                    element=error.get("element") or "",
                    type=fault.get("type") or "",
                )
            )
    return faults


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _code(value: object) -> str:
    # The gateway sometimes zero-pads ("003001" in messages); compare codes unpadded.
    code = _text(value).strip()
    return code.lstrip("0") or code


def is_throttle(fault: QboFault) -> bool:
    """QBO's throttle fault: code 3001 / ThrottleExceeded, at any HTTP status."""
    return fault.code == "3001" or "throttleexceeded" in fault.message.lower()


def error_for_response(
    response: httpx.Response, *, throttle_wait: float = THROTTLE_DEFAULT_WAIT
) -> ExternalError | None:
    """The exception a QBO response stands for, or None when it is a success. A throttle
    without Retry-After is to be waited out for `throttle_wait` seconds (QBO's minute).

    It carries the document the request was writing (`write`) and the fault codes, so the
    error can name what QBO refused; a fault can come with HTTP 200 (PHP SDK#211).
    """
    status = response.status_code
    faults = parse_faults(status, response.headers.get("content-type", ""), response.content)
    if 200 <= status < 300 and not faults:
        return None
    error = _error(response, status, faults, throttle_wait)
    error.write = _write(response)
    error.fault_codes = tuple(f.code for f in faults if f.code)
    return error


def _write(response: httpx.Response) -> QboWrite | None:
    try:
        return write_of(response.request)
    except RuntimeError:  # a Response built by hand has no request
        return None


def _error(
    response: httpx.Response, status: int, faults: list[QboFault], throttle_wait: float
) -> ExternalError:
    secrets = _request_secrets(response)
    if status == 429 or any(is_throttle(f) for f in faults):
        wait = retry_after_seconds(response)
        message = f"QBO throttled the request ({status})"
        return ExternalRateLimited(
            message, status=status, retry_after=throttle_wait if wait is None else wait
        )
    if status >= 500:
        # 500 with 3100 is InternalServerError, not an authorization problem (reference §3).
        message = _describe(f"QBO is unavailable ({status})", faults, secrets)
        return ExternalUnavailable(
            message, status=status, retry_after=retry_after_seconds(response)
        )
    if _is_auth_failure(status, faults):
        # The detail of an auth fault may quote the token itself: keep only the code.
        codes = ",".join(f.code for f in faults if f.code) or "none"
        message = f"QBO refused the credentials ({status}, fault {codes}); reconnect QuickBooks"
        return ExternalAuthExpired(message, status=status)
    if status == 400 and any(_is_transient_6000(f) for f in faults):
        return ExternalUnavailable(
            _describe("QBO had a transient error", faults, secrets), status=400
        )
    scrubbed = [scrub_fault(f, secrets) for f in faults]
    return ExternalRejected(
        _describe(f"QBO rejected the request ({status})", faults, secrets), status, scrubbed
    )


def _is_auth_failure(status: int, faults: list[QboFault]) -> bool:
    if status == 401:
        return True
    for fault in faults:
        text = f"{fault.message} {fault.detail}".lower()
        if fault.code in _AUTH_CODES or any(hint in text for hint in _AUTH_HINTS):
            return True
        if status == 403 and (fault.code == "3100" or "authorizationfailed" in text):
            return True  # scope or environment mismatch: a person must re-consent
    return False


def _is_transient_6000(fault: QboFault) -> bool:
    text = f"{fault.message} {fault.detail}".lower()
    return fault.code == "6000" and any(hint in text for hint in _TRANSIENT_6000_HINTS)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header as seconds (delta-seconds or HTTP-date), if present and valid."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe(prefix: str, faults: list[QboFault], secrets: list[str]) -> str:
    if not faults:
        return prefix
    parts = [
        " ".join(p for p in (f.code, f.message) if p) + (f": {f.detail}" if f.detail else "")
        for f in faults
    ]
    return scrub(f"{prefix}: " + "; ".join(parts), secrets)


def scrub_fault(fault: QboFault, secrets: list[str]) -> QboFault:
    return QboFault(
        code=fault.code,
        message=scrub(fault.message, secrets),
        detail=scrub(fault.detail, secrets),
        element=fault.element,
        type=fault.type,
    )


def scrub(text: str, secrets: list[str]) -> str:
    """Remove known secrets and anything shaped like a bearer token or JWT."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def _request_secrets(response: httpx.Response) -> list[str]:
    try:
        authorization = response.request.headers.get("authorization", "")
    except RuntimeError:  # a Response built by hand has no request
        return []
    _, _, credential = authorization.partition(" ")
    return [credential.strip()] if credential.strip() else []

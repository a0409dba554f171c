"""The OpenAPI document says what the API answers: every error as a problem+json Problem,
the 400 of a body that is not JSON, the 431 of oversized headers and (where a key is needed)
the 429 of too many refused keys, and no trace of FastAPI's own validation-error shape (our
handler renders those as Problems too)."""

from __future__ import annotations

from typing import Any

from app.api.errors import PROBLEM_JSON

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
UNREADABLE_BODY = {
    "description": "The body is not JSON, or cannot be read (nested too deep, say)",
    "content": PROBLEM,
}
INVALID = "A parameter or body field is invalid (named in the Problem)"
HEADERS_TOO_LARGE = {
    "description": "The request's headers are larger than LEDGERPORT_MAX_HEADER_BYTES",
    "content": PROBLEM,
}
TOO_MANY_REFUSED_KEYS = {
    "description": "Too many missing or unknown API keys from this client lately; wait for "
    "Retry-After",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}},
    "content": PROBLEM,
}
UNUSED = ("HTTPValidationError", "ValidationError")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def document_problems(schema: dict[str, Any]) -> None:
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method in METHODS:
                _operation(operation)
    components = schema.get("components", {}).get("schemas", {})
    for name in UNUSED:
        components.pop(name, None)


def _operation(operation: dict[str, Any]) -> None:
    answers: dict[str, Any] = operation.setdefault("responses", {})
    if "requestBody" in operation:
        answers.setdefault("400", UNREADABLE_BODY)
    answers.setdefault("431", HEADERS_TOO_LARGE)
    if "security" in operation:  # it takes an API key
        answers.setdefault("429", TOO_MANY_REFUSED_KEYS)
    for status, answer in answers.items():
        if status.isdigit() and int(status) >= 400:
            answer["content"] = PROBLEM
            if answer.get("description") == "Validation Error":
                answer["description"] = INVALID
    operation["responses"] = dict(sorted(answers.items()))

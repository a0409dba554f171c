"""The OpenAPI document says what the API answers: every error as a problem+json Problem,
the 400 of a body that is not JSON, and no trace of FastAPI's own validation-error shape
(our handler renders those as Problems too)."""

from __future__ import annotations

from typing import Any

from app.api.errors import PROBLEM_JSON

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
UNREADABLE_BODY = {
    "description": "The body is not JSON, or cannot be read (nested too deep, say)",
    "content": PROBLEM,
}
INVALID = "A parameter or body field is invalid (named in the Problem)"
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
    for status, answer in answers.items():
        if status.isdigit() and int(status) >= 400:
            answer["content"] = PROBLEM
            if answer.get("description") == "Validation Error":
                answer["description"] = INVALID
    operation["responses"] = dict(sorted(answers.items()))

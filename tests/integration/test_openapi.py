"""openapi.json is generated from the app and committed; it must not drift."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.api.main import create_app
from app.domain.actions import ACTIONS

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text())
    spec = create_app(docs_only=True).openapi()
    assert committed == spec, "run `make openapi` and commit openapi.json"


def test_operation_ids_are_stable_and_unique() -> None:
    spec = create_app(docs_only=True).openapi()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "list_audit_log" in ids and "receive_shopify_webhook" in ids


def test_the_webhook_intake_is_documented_with_its_headers_body_and_answers() -> None:
    # A plain Starlette route (for speed), documented by hand: check the hand-written part.
    spec = create_app(docs_only=True).openapi()
    operation = spec["paths"]["/webhooks/shopify"]["post"]
    required = {p["name"] for p in operation["parameters"] if p["required"]}
    assert required == {"X-Shopify-Topic", "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain"}
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    assert set(operation["responses"]) == {"200", "400", "401", "413", "431", "503"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    accepted = spec["components"]["schemas"][ok.rsplit("/", 1)[1]]
    assert set(accepted["required"]) == {"delivery_id", "duplicate"}
    for status in ("400", "401", "413", "503"):
        problem = operation["responses"][status]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"].endswith("/Problem")


def test_every_catalogue_action_is_an_operation_of_the_api() -> None:
    """An action the error catalogue hands out is a route that exists: same method, and its
    path matches the operation's (a parameter stands for any one segment)."""
    operations = [
        (method.upper(), re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"))
        for path, item in create_app(docs_only=True).openapi()["paths"].items()
        for method in item
    ]
    for action in ACTIONS.values():
        path = action.path.split("?", 1)[0]
        assert any(m == action.method and p.match(path) for m, p in operations), action.name


def _has_example(node: object, schemas: dict[str, object], seen: tuple[str, ...] = ()) -> bool:
    if isinstance(node, dict):
        if "example" in node or "examples" in node:
            return True
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            return name not in seen and _has_example(schemas[name], schemas, (*seen, name))
        return any(_has_example(value, schemas, seen) for value in node.values())
    if isinstance(node, list):
        return any(_has_example(value, schemas, seen) for value in node)
    return False


def test_the_merchant_controls_are_described_with_examples() -> None:
    spec = create_app(docs_only=True).openapi()
    schemas = spec["components"]["schemas"]
    controls = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        if re.search(r"/(mappings|config|records)", path)
        for method, operation in item.items()
    ]
    assert len(controls) >= 12
    for path, method, operation in controls:
        assert operation.get("description"), (method, path)
        answer = next(v for k, v in operation["responses"].items() if k.startswith("2"))
        parts = [answer, operation.get("requestBody", {}), operation.get("parameters", [])]
        assert _has_example(parts, schemas), (method, path)

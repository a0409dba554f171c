"""openapi.json is generated from the app and committed; it must not drift."""

from __future__ import annotations

import json
from pathlib import Path

from app.api.main import create_app

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == create_app().openapi(), "run `make openapi` and commit openapi.json"


def test_operation_ids_are_stable_and_unique() -> None:
    spec = create_app().openapi()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "list_audit_log" in ids and "receive_shopify_webhook" in ids

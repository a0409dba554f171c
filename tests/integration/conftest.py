"""Fixtures shared by the sandbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox

SANDBOX_REALM = "9130350000000001"


@pytest.fixture
async def client(sandbox: QboSandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An authorised JSON client of the test module's own `sandbox` fixture."""
    token = sandbox.issue_tokens(SANDBOX_REALM)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=sandbox.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://qbo.test", headers=headers
    ) as http:
        yield http

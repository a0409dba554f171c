"""The fake QBO's Preferences: per company, with TaxPrefs as Intuit describes them
(`PartnerTaxEnabled` only in companies on automated sales tax), and the admin switch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from tests.integration.conftest import SANDBOX_REALM

OTHER = "9130350000000002"


@pytest.fixture
def sandbox() -> QboSandbox:
    return QboSandbox(seed_realms=[SANDBOX_REALM])


async def tax_prefs(client: httpx.AsyncClient, realm: str = SANDBOX_REALM) -> dict[str, Any]:
    response = await client.get(f"/v3/company/{realm}/preferences")
    assert response.status_code == 200, response.text
    prefs: dict[str, Any] = response.json()["Preferences"]
    assert prefs["Id"] == "1" and "SyncToken" in prefs
    return dict(prefs["TaxPrefs"])


async def admin(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/_sandbox/realms/{path}", json=body)


async def test_a_company_on_manual_sales_tax_has_no_partner_tax_key(
    client: httpx.AsyncClient,
) -> None:
    assert await tax_prefs(client) == {"UsingSalesTax": True}


async def test_the_admin_switch_moves_a_company_onto_automated_sales_tax_and_back(
    client: httpx.AsyncClient,
) -> None:
    on = await admin(client, f"{SANDBOX_REALM}/sales-tax", {"automated_sales_tax": True})
    assert on.status_code == 200, on.text
    assert await tax_prefs(client) == {"UsingSalesTax": True, "PartnerTaxEnabled": True}

    body = {"automated_sales_tax": True, "set_up": False}
    await admin(client, f"{SANDBOX_REALM}/sales-tax", body)
    assert await tax_prefs(client) == {"UsingSalesTax": False, "PartnerTaxEnabled": False}

    await admin(client, f"{SANDBOX_REALM}/sales-tax", {"automated_sales_tax": False})
    assert await tax_prefs(client) == {"UsingSalesTax": True}


async def test_preferences_belong_to_each_company(
    sandbox: QboSandbox, client: httpx.AsyncClient
) -> None:
    created = await admin(client, OTHER, {"automated_sales_tax": True})
    assert created.status_code == 201
    token = sandbox.issue_tokens(OTHER)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    other = await client.get(f"/v3/company/{OTHER}/preferences", headers=headers)

    assert other.json()["Preferences"]["TaxPrefs"]["PartnerTaxEnabled"] is True
    assert "PartnerTaxEnabled" not in await tax_prefs(client)


async def test_the_admin_switch_refuses_what_it_cannot_mean(client: httpx.AsyncClient) -> None:
    vague = await admin(client, f"{SANDBOX_REALM}/sales-tax", {"automated_sales_tax": "yes"})
    unknown = await admin(client, "404/sales-tax", {"automated_sales_tax": True})

    assert (vague.status_code, unknown.status_code) == (400, 404)
    assert await tax_prefs(client) == {"UsingSalesTax": True}


async def test_multicurrency_turns_on_and_never_off_and_a_company_is_created_once(
    client: httpx.AsyncClient,
) -> None:
    async def currency_prefs() -> dict[str, Any]:
        response = await client.get(f"/v3/company/{SANDBOX_REALM}/preferences")
        return dict(response.json()["Preferences"]["CurrencyPrefs"])

    assert (await currency_prefs())["MultiCurrencyEnabled"] is False
    on = await admin(client, f"{SANDBOX_REALM}/multicurrency", {"enabled": True})
    assert on.status_code == 200
    assert (await currency_prefs())["MultiCurrencyEnabled"] is True
    off = await admin(client, f"{SANDBOX_REALM}/multicurrency", {"enabled": False})
    assert off.status_code == 409  # QuickBooks cannot turn it off again
    assert (await currency_prefs())["MultiCurrencyEnabled"] is True

    again = await admin(client, SANDBOX_REALM, {})
    assert again.status_code == 200  # creating an existing company changes nothing
    changed = await admin(client, SANDBOX_REALM, {"country": "GB"})
    assert changed.status_code == 409 and "multicurrency" in changed.json()["error"]

"""Currencies in the fake QBO: a foreign currency needs multicurrency, a document is in its
customer's currency, a deposit account is in the home or the document's currency; and the
companies the admin route refuses to make."""

from __future__ import annotations

import httpx
import pytest

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.qbo_ledger import recompute
from ledgerport_sandbox.qbo_seed import SALES_INCOME_ID
from ledgerport_sandbox.qbo_wire import QboFaultError
from tests.integration.test_sandbox_qbo import REALM
from tests.integration.test_sandbox_qbo_books import line, refused


@pytest.fixture
def sandbox() -> QboSandbox:
    box = QboSandbox(seed_realms=[REALM])
    box.add(REALM, "Item", {"Id": "50", "Name": "Mug", "IncomeAccountRef": {"value": "5"}})
    return box


def test_a_document_must_be_in_its_customers_currency(sandbox: QboSandbox) -> None:
    sandbox.realms.pop(REALM)
    sandbox.add_realm(REALM, multicurrency=True)
    realm = sandbox.realm(REALM)
    realm.insert(
        "Item", {"Id": "50", "Name": "Mug", "IncomeAccountRef": {"value": SALES_INCOME_ID}}
    )
    cad = realm.insert("Customer", {"DisplayName": "Claire", "CurrencyRef": {"value": "CAD"}})
    usd = realm.insert("Customer", {"DisplayName": "Uma"})
    body = {"Line": [line(10)], "CurrencyRef": {"value": "CAD"}, "ExchangeRate": 0.7364}

    ok = recompute(realm, "SalesReceipt", {**body, "CustomerRef": {"value": cad["Id"]}})[1]
    with pytest.raises(QboFaultError) as raised:
        recompute(realm, "SalesReceipt", {**body, "CustomerRef": {"value": usd["Id"]}})

    assert (ok["currency"], ok["exchange_rate"], ok["home_total"]) == ("CAD", "0.7364", "7.36")
    assert (raised.value.code, raised.value.element) == ("6000", "CurrencyRef")
    assert "same currency as the A/R and A/P accounts" in raised.value.detail
    assert "in USD, the transaction in CAD" in raised.value.detail


def test_a_deposit_account_in_a_third_currency_is_refused(sandbox: QboSandbox) -> None:
    sandbox.realms.pop(REALM)
    sandbox.add_realm(REALM, multicurrency=True)
    realm = sandbox.realm(REALM)
    realm.insert(
        "Item", {"Id": "50", "Name": "Mug", "IncomeAccountRef": {"value": SALES_INCOME_ID}}
    )
    euros = realm.insert(
        "Account", {"Name": "EUR bank", "AccountType": "Bank", "CurrencyRef": {"value": "EUR"}}
    )
    body = {"Line": [line(10)], "CurrencyRef": {"value": "CAD"}}

    with pytest.raises(QboFaultError) as raised:
        recompute(realm, "SalesReceipt", {**body, "DepositToAccountRef": {"value": euros["Id"]}})
    home = recompute(realm, "SalesReceipt", {**body, "DepositToAccountRef": {"value": "1"}})

    assert (raised.value.code, raised.value.element) == ("6000", "DepositToAccountRef")
    assert home[0]["DepositToAccountRef"]["value"] == "1"


def test_a_foreign_currency_is_refused_without_multicurrency(sandbox: QboSandbox) -> None:
    error = refused(sandbox, {"Line": [line(10)], "CurrencyRef": {"value": "CAD"}})
    assert (error.code, error.element) == ("6000", "CurrencyRef")


async def test_the_realm_route_refuses_an_unknown_country_or_ast_abroad(
    client: httpx.AsyncClient, sandbox: QboSandbox
) -> None:
    france = await client.post("/_sandbox/realms/77", json={"country": "FR"})
    ast_abroad = await client.post(
        "/_sandbox/realms/78", json={"country": "GB", "automated_sales_tax": True}
    )

    assert (france.status_code, ast_abroad.status_code) == (400, 400)
    assert "US, GB, CA, AU" in france.json()["error"]
    assert set(sandbox.realms) == {REALM}

"""The demo shop `make run` starts with: a sandbox QBO company, a customer, mapped products
and the sample orders' tax rate; and LedgerPort installed on it in the sandbox Shopify."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from app.bootstrap import Container
from app.domain.entities import SHOPIFY
from app.services.connections import store_tokens
from app.services.shops import connect_quickbooks, install_shop, map_product, map_tax_rate

DEMO_SHOP = "demo-store.myshopify.com"
DEMO_REALM = "9341453050000001"
DEMO_CUSTOMER = {
    "DisplayName": "Maya Okafor",
    "GivenName": "Maya",
    "FamilyName": "Okafor",
    "PrimaryEmailAddr": {"Address": "maya.okafor@example.com"},
}
# The SKUs of the sample orders in tests/fixtures; the last one is left unmapped on purpose.
DEMO_ITEMS = {
    "TEE-ORG-HG-M": "Organic Cotton Tee",
    "MUG-CER-12": "Ceramic Mug 12oz",
}
# The sample orders' Shopify tax rate (title, rate) and the QBO tax code it maps to: the
# sandbox company's own Kentucky code (6%), on line-item tax like the company itself.
DEMO_TAX = ("Kentucky State Tax", "0.06")
DEMO_TAX_CODE = {"Name": "Kentucky", "Description": "Kentucky", "Taxable": True, "TaxGroup": True}
# The README's tax_not_mapped walk-through maps the demo's Ohio rate to this code (id 5).
OHIO_RATE = {"Id": "5", "Name": "Ohio", "RateValue": 6, "AgencyRef": {"value": "1"}}
OHIO_CODE = {
    "Id": "5",
    "Name": "Ohio",
    "Description": "Ohio",
    "Taxable": True,
    "TaxGroup": True,
    "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "5", "name": "Ohio"}}]},
}


@dataclass(frozen=True)
class DemoShop:
    domain: str
    api_key: str


async def seed_demo(
    container: Container,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    with_qbo: bool = True,
) -> DemoShop:
    """Idempotent: reuses the shop and the sandbox records; issues a new API key each time and
    revokes the earlier ones. `transport` reaches the sandbox QBO (a socket by default).
    Without `with_qbo` (QBO is not the sandbox) only the shop and its key: the merchant
    connects QuickBooks through the API."""
    # The key printed last is the demo's only key: a new seed revokes the ones it printed before.
    installed = await install_shop(
        container.uow(),
        DEMO_SHOP,
        "Demo Store",
        plan="growth",
        key_label="demo",
        sole_key_at=container.clock(),
    )
    if with_qbo:
        await _seed_qbo(container, installed.shop_id, transport)
    return DemoShop(DEMO_SHOP, installed.api_key)


async def _seed_qbo(
    container: Container, shop_id: int, transport: httpx.AsyncBaseTransport | None
) -> None:
    base = container.settings.qbo_api_base
    admin = httpx.AsyncClient(base_url=base, timeout=10, transport=transport)
    async with admin:
        await _post(admin, f"/_sandbox/realms/{DEMO_REALM}", {})
        tokens = (await _post(admin, f"/_sandbox/realms/{DEMO_REALM}/tokens", {})).json()
        await _ensure(admin, "Customer", "DisplayName", DEMO_CUSTOMER)
        income = await _find(admin, "Account", "Name", "Sales of Product Income")
        items = {
            sku: await _ensure(admin, "Item", "Name", _item(sku, name, income))
            for sku, name in DEMO_ITEMS.items()
        }
        tax_code = await _ensure(admin, "TaxCode", "Name", DEMO_TAX_CODE)
        await _ensure(admin, "TaxRate", "Name", OHIO_RATE)
        await _ensure(admin, "TaxCode", "Name", OHIO_CODE)
    token_set = await container.oauth.refresh(tokens["refresh_token"])
    await connect_quickbooks(
        container.uow(), container.cipher, shop_id, DEMO_REALM, token_set, qbo=container.qbo
    )
    for sku, item_id in items.items():
        if sku != "MUG-CER-12":
            await map_product(container.uow(), shop_id, f"sku:{sku}", item_id, sku, DEMO_ITEMS[sku])
    tax_name = str(DEMO_TAX_CODE["Name"])
    await map_tax_rate(container.uow(), shop_id, *DEMO_TAX, tax_code, tax_name)


async def connect_demo_shopify(
    container: Container, *, transport: httpx.AsyncBaseTransport | None = None
) -> None:
    """Installs LedgerPort on the demo shop in the sandbox Shopify as a merchant's consent
    does: the consent page's code is exchanged for tokens, kept as the shop's Shopify
    connection. Run on every start: the sandbox forgets its tokens when it stops."""
    settings, oauth = container.settings, container.shopify_oauth
    consent_url = oauth.authorize_url(
        DEMO_SHOP, settings.shopify_scopes, settings.shopify_redirect_uri, "demo-seed"
    )
    async with httpx.AsyncClient(timeout=10, transport=transport) as browser:
        consented = await browser.get(consent_url)
    if consented.status_code != 302:
        raise RuntimeError(f"the sandbox Shopify refused the demo's consent: {consented.text}")
    code = parse_qs(urlsplit(consented.headers["location"]).query)["code"][0]
    tokens = await oauth.exchange_code(DEMO_SHOP, code)
    async with container.uow() as uow:
        shop = await uow.shops.get_by_domain(DEMO_SHOP)
        if shop is None:
            raise RuntimeError("seed the demo shop before connecting it to Shopify")
        connection = await uow.connections.get_or_create(shop.id, SHOPIFY)
        store_tokens(connection, tokens, container.cipher)
        await uow.connections.save(connection)
        await uow.commit()


def _item(sku: str, name: str, income_account: str | None) -> dict[str, object]:
    item: dict[str, object] = {"Name": name, "Sku": sku, "Type": "NonInventory"}
    if income_account is not None:
        item["IncomeAccountRef"] = {"value": income_account}
    return item


async def _post(admin: httpx.AsyncClient, path: str, body: Mapping[str, object]) -> httpx.Response:
    response = await admin.post(path, json=body)
    response.raise_for_status()
    return response


async def _ensure(
    admin: httpx.AsyncClient, entity: str, key: str, record: Mapping[str, object]
) -> str:
    found = await _find(admin, entity, key, record[key])
    if found is not None:
        return found
    path = f"/_sandbox/realms/{DEMO_REALM}/records/{entity}"
    return str((await _post(admin, path, record)).json()["Id"])


async def _find(admin: httpx.AsyncClient, entity: str, key: str, value: object) -> str | None:
    response = await admin.get(f"/_sandbox/realms/{DEMO_REALM}/records/{entity}")
    response.raise_for_status()
    rows = response.json()
    return next((str(row["Id"]) for row in rows if row.get(key) == value), None)

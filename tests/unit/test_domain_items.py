"""The items LedgerPort creates for new products: which products, the name, the Item body, and
whose item a namesake is."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.domain.config import ConfigError, ProductsConfig, SyncConfig, UnmatchedProducts
from app.domain.errors import ErrorCode, SyncError
from app.domain.items import (
    NAME_MAX,
    adoptable,
    item_body,
    item_name,
    new_products,
    no_income_account,
)
from app.domain.lines import sku_key, variant_key
from app.domain.models import OrderLine
from app.domain.order_payload import parse_order
from app.domain.ports import QboOption
from tests.harness import order_fixture

ORDER = parse_order(order_fixture())
[TEE] = ORDER.lines
CREATE = ProductsConfig(unmatched=UnmatchedProducts.create, income_account_id="5")
START = date(2025, 3, 14)


def line(**changes: object) -> OrderLine:
    return replace(TEE, **changes)  # type: ignore[arg-type]


def test_each_product_without_an_item_once_by_its_key() -> None:
    second = line(id="2", quantity=1)  # the same product on another line
    other = line(id="3", sku=None, variant_id="77", name="Gift wrap")
    nothing = line(id="4", sku=None, variant_id=None, title="", name="")
    order = replace(ORDER, lines=(TEE, second, other, nothing))

    assert new_products(order, {}) == {"sku:TEE-ORG-HG-M": TEE, "variant:77": other}
    assert list(new_products(order, {variant_key("77"): "9", sku_key(TEE.sku or ""): "8"})) == []


def test_the_name_is_the_lines_as_qbo_takes_it_and_always_the_same() -> None:
    assert item_name(TEE, "sku:TEE-ORG-HG-M") == "Organic Cotton Tee - Heather Grey / M"
    assert item_name(line(name="Tee: Large\tRed\n"), "k") == "Tee- Large Red"
    assert item_name(line(name="", title="", sku="X-1"), "sku:X-1") == "X-1"

    long_a, long_b = line(name="A" * 150), line(name="A" * 150 + "B")
    name_a, name_b = item_name(long_a, "sku:A"), item_name(long_b, "sku:B")
    assert len(name_a) == len(name_b) == NAME_MAX
    assert name_a != name_b and name_a == item_name(long_a, "sku:A")


def test_a_noninventory_item_with_the_price_sku_and_income_account() -> None:
    body = item_body(TEE, "Organic Cotton Tee - Heather Grey / M", CREATE, START)

    assert body == {
        "Name": "Organic Cotton Tee - Heather Grey / M",
        "Type": "NonInventory",
        "IncomeAccountRef": {"value": "5"},
        "Sku": "TEE-ORG-HG-M",
        "UnitPrice": 25.0,
    }


def test_an_inventory_item_when_cogs_and_asset_accounts_are_set() -> None:
    config = replace(CREATE, cogs_account_id="9", asset_account_id="4")
    body = item_body(line(name="x" * 120), "x" * 91 + " digest00", config, START)

    assert body["Type"] == "Inventory" and body["Description"] == "x" * 120
    assert (body["ExpenseAccountRef"], body["AssetAccountRef"]) == ({"value": "9"}, {"value": "4"})
    assert (body["TrackQtyOnHand"], body["QtyOnHand"], body["InvStartDate"]) == (
        True,
        0,
        "2025-03-14",
    )
    only_cogs = item_body(TEE, "Tee", replace(CREATE, cogs_account_id="9"), START)
    assert only_cogs["Type"] == "NonInventory" and "ExpenseAccountRef" not in only_cogs


def test_a_sku_qbo_cannot_hold_and_a_missing_price_are_left_out() -> None:
    body = item_body(line(sku="S" * 101, price=None), "Tee", CREATE, START)
    assert "Sku" not in body and "UnitPrice" not in body
    assert item_body(line(price=Decimal("19.999")), "Tee", CREATE, START)["UnitPrice"] == 19.999


def test_a_namesake_is_the_products_unless_it_has_another_sku() -> None:
    same = QboOption("31", "Tee", kind="NonInventory", sku="tee-org-hg-m")
    bare = QboOption("32", "Tee", kind="NonInventory")
    assert adoptable(ORDER, TEE, "Tee", same) is same
    assert adoptable(ORDER, TEE, "Tee", bare) is bare
    assert adoptable(ORDER, line(sku=None), "Tee", same) is same

    other = QboOption("33", "Tee", kind="NonInventory", sku="MUG-1")
    with pytest.raises(SyncError) as caught:
        adoptable(ORDER, TEE, "Tee", other)
    assert caught.value.code is ErrorCode.product_not_mapped
    assert 'QuickBooks item 33 is already named "Tee" and has SKU MUG-1' in caught.value.message
    assert caught.value.detail["unmapped"][0]["key"] == "sku:TEE-ORG-HG-M"


def test_without_an_income_account_nothing_is_created() -> None:
    error = no_income_account(ORDER)
    assert error.code is ErrorCode.invalid_account
    assert (error.detail["field"], error.detail["section"]) == (
        "products.income_account_id",
        "products",
    )
    with pytest.raises(ValueError, match="income_account_id"):
        item_body(TEE, "Tee", replace(CREATE, income_account_id=None), START)


def test_saving_create_needs_an_income_account_but_a_stored_config_still_loads() -> None:
    with pytest.raises(ConfigError) as caught:
        SyncConfig().with_section("products", {"unmatched": "create"})
    assert (caught.value.section, caught.value.field) == ("products", "income_account_id")
    saved = SyncConfig().with_section("products", {"unmatched": "create", "income_account_id": "5"})
    assert saved.products == CREATE

    stored = SyncConfig.from_dict({"products": {"unmatched": "create"}})
    assert stored.products.income_account_id is None

"""Create and update of name-list entities (Customer, Item) with QBO's validation rules."""

from __future__ import annotations

import copy
from datetime import date

from ledgerport_sandbox.qbo_checks import (
    check_fields,
    check_lengths,
    check_string,
    optional_decimal,
    resolve_account,
    resolve_currency,
    resolve_ref,
)
from ledgerport_sandbox.qbo_schema import (
    ASSET_TYPES,
    EXPENSE_TYPES,
    INCOME_TYPES,
    INVENTORY_EXPENSE_TYPES,
    ITEM_TYPES,
    PEOPLE,
)
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import (
    JsonDict,
    QboFaultError,
    bad_property,
    business_error,
    money,
    required_missing,
    too_long,
)

_NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


def _duplicate_name(detail: str) -> QboFaultError:
    return QboFaultError(
        "6240", "Duplicate Name Exists Error", f"The name supplied already exists. : {detail}"
    )


def _name_taken(
    realm: Realm, entities: tuple[str, ...], field: str, name: str, own_id: str | None
) -> bool:
    wanted = name.strip().lower()
    for entity in entities:
        for record in realm.all(entity):
            same = str(record.get(field, "")).strip().lower() == wanted
            if same and not (entity == entities[0] and record["Id"] == own_id):
                return True
    return False


def build_customer(realm: Realm, body: JsonDict, own_id: str | None = None) -> JsonDict:
    """Validate a Customer payload and fill what QBO fills; raises QboFaultError."""
    check_fields("Customer", body)
    check_lengths("Customer", body)
    record = copy.deepcopy(body)
    display = check_string(body, "DisplayName")
    if not display or not display.strip():
        parts = [check_string(body, p) for p in _NAME_PARTS]
        display = " ".join(p for p in parts if p) or check_string(body, "CompanyName")
    if not display or not display.strip():
        raise required_missing("DisplayName")
    if any(ch in display for ch in ":\t\n\r"):
        raise business_error(
            "The name can't contain a colon (:), a tab or a line break.", element="DisplayName"
        )
    if len(display) > 500:
        raise too_long("DisplayName", 500, len(display))
    if _name_taken(realm, PEOPLE, "DisplayName", display, own_id):
        raise _duplicate_name(
            "Another customer, vendor or employee is already using this name. "
            "Please use a different name."
        )
    _check_email(body)
    record["DisplayName"] = display
    record["FullyQualifiedName"] = display
    record.setdefault("PrintOnCheckName", body.get("CompanyName") or display)
    record["CurrencyRef"] = resolve_currency(realm, body)
    for key, entity in (
        ("DefaultTaxCodeRef", "TaxCode"),
        ("PaymentMethodRef", "PaymentMethod"),
        ("ParentRef", "Customer"),
    ):
        if body.get(key) is not None:
            record[key] = resolve_ref(realm, entity, body[key], key)
    if body.get("ARAccountRef") is not None:
        record["ARAccountRef"] = resolve_account(realm, body["ARAccountRef"], "ARAccountRef")
    defaults = {
        "Taxable": True,
        "Job": False,
        "BillWithParent": False,
        "Balance": 0,
        "BalanceWithJobs": 0,
        "PreferredDeliveryMethod": "Print",
        "IsProject": False,
        "Active": True,
    }
    for key, value in defaults.items():
        record.setdefault(key, value)
    return record


def _check_email(body: JsonDict) -> None:
    email = body.get("PrimaryEmailAddr")
    if email is None:
        return
    if not isinstance(email, dict):
        raise bad_property("Can not deserialize instance of EmailAddress out of PrimaryEmailAddr")
    address = str(email.get("Address") or "")
    if len(address) > 100:
        raise too_long("PrimaryEmailAddr.Address", 100, len(address))


def build_item(realm: Realm, body: JsonDict, own_id: str | None = None) -> JsonDict:
    """Validate an Item payload and fill what QBO fills; raises QboFaultError."""
    check_fields("Item", body)
    check_lengths("Item", body)
    record = copy.deepcopy(body)
    name = check_string(body, "Name")
    if not name or not name.strip():
        raise required_missing("Name")
    if any(ch in name for ch in ":\t\n\r"):  # a colon separates sub-items in a full name
        raise business_error(
            "The name can't contain a colon (:), a tab or a line break.", element="Name"
        )
    if _name_taken(realm, ("Item",), "Name", name, own_id):
        raise _duplicate_name(
            "Another product or service is already using this name. Please use a different name."
        )
    item_type = body.get("Type")
    if item_type is None:
        raise required_missing("Type")
    if item_type not in ITEM_TYPES:
        raise bad_property(
            "Can not construct instance of com.intuit.schema.finance.v3.ItemTypeEnum "
            f"from String value '{item_type}'"
        )
    _item_accounts(realm, body, record, str(item_type))
    for key in ("UnitPrice", "PurchaseCost", "QtyOnHand"):
        value = optional_decimal(body, key, key)
        if value is not None:
            record[key] = money(value) if key != "QtyOnHand" else float(value)
    record["FullyQualifiedName"] = name
    for key, value in {
        "Taxable": False,
        "UnitPrice": 0,
        "PurchaseCost": 0,
        "TrackQtyOnHand": item_type == "Inventory",
        "Active": True,
    }.items():
        record.setdefault(key, value)
    return record


def _item_accounts(realm: Realm, body: JsonDict, record: JsonDict, item_type: str) -> None:
    """IncomeAccountRef for every type that is sold (Intuit's reference names Inventory and
    Service; QBO asks a NonInventory item for one too); an inventory item also needs its COGS
    and asset accounts, a start date and quantity, and must track its quantity."""
    needed = {"IncomeAccountRef"}
    if item_type == "Inventory":
        needed |= {"ExpenseAccountRef", "AssetAccountRef"}
        for key in ("InvStartDate", "QtyOnHand"):
            if body.get(key) is None:
                raise required_missing(key)
        _check_date(body["InvStartDate"], "InvStartDate")
        if body.get("TrackQtyOnHand") is False:
            raise business_error(
                "When you create an item, if Track quantity on hand is turned off, the item "
                "cannot be of type Inventory.",
                element="TrackQtyOnHand",
            )
    expense = INVENTORY_EXPENSE_TYPES if item_type == "Inventory" else EXPENSE_TYPES
    kinds = {"IncomeAccountRef": INCOME_TYPES, "ExpenseAccountRef": expense}
    kinds["AssetAccountRef"] = ASSET_TYPES
    for key, types in kinds.items():
        if body.get(key) is not None:
            record[key] = resolve_account(realm, body[key], key, types)
        elif key in needed:
            raise required_missing(key)
    for key in ("SalesTaxCodeRef", "PurchaseTaxCodeRef"):
        if body.get(key) is not None:
            record[key] = resolve_ref(realm, "TaxCode", body[key], key)


def _check_date(value: object, element: str) -> None:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        raise bad_property(
            f"Can not construct instance of java.util.Date from String value '{value}'"
        ) from None

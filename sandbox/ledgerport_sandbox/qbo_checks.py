"""Validation helpers shared by the name-list and transaction handlers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerport_sandbox.qbo_schema import ALLOWED_FIELDS, MAX_LENGTHS
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import (
    JsonDict,
    QboFaultError,
    bad_property,
    business_error,
    invalid_reference,
    too_long,
)

_JAVA_CLASS = "com.intuit.schema.finance.v3"


def check_fields(entity: str, body: JsonDict, allowed: set[str] | None = None) -> None:
    """Reject unknown JSON properties the way QBO's deserializer does (2010)."""
    known = allowed if allowed is not None else ALLOWED_FIELDS[entity]
    for key in body:
        if key not in known:
            raise bad_property(
                f'Unrecognized field "{key}" (class {_JAVA_CLASS}.{entity}), '
                "not marked as ignorable"
            )


def check_lengths(entity: str, body: JsonDict) -> None:
    for name, maximum in MAX_LENGTHS.get(entity, {}).items():
        value = body.get(name)
        if isinstance(value, str) and len(value) > maximum:
            raise too_long(name, maximum, len(value))


def check_string(body: JsonDict, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise bad_property(f"Can not deserialize instance of java.lang.String out of {name}")
    return str(value)


def to_decimal(value: Any, element: str) -> Decimal:
    """Coerce a JSON number (or numeric string, as Jackson does) to Decimal."""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise bad_property(f"Can not construct instance of java.math.BigDecimal for {element}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise bad_property(
            f"Can not construct instance of java.math.BigDecimal from String value '{value}'"
        ) from None
    if not number.is_finite():
        raise bad_property(f"Can not construct instance of java.math.BigDecimal for {element}")
    return number


def optional_decimal(body: JsonDict, name: str, element: str) -> Decimal | None:
    value = body.get(name)
    return None if value is None else to_decimal(value, element)


def ref_value(ref: Any, element: str) -> str:
    if not isinstance(ref, dict):
        raise bad_property(f"Can not deserialize instance of ReferenceType out of {element}")
    value = ref.get("value")
    if value is None or str(value).strip() == "":
        raise invalid_reference(element)
    return str(value)


def resolve_ref(
    realm: Realm, entity: str, ref: Any, element: str, *, name_key: str = "Name"
) -> JsonDict:
    """Look up an active record behind a reference; 2500 if missing or inactive."""
    record = realm.active(entity, ref_value(ref, element))
    if record is None:
        raise invalid_reference(element)
    label = record.get(name_key) or record.get("DisplayName") or record.get("Name")
    return {"value": record["Id"], "name": label} if label else {"value": record["Id"]}


def resolve_account(
    realm: Realm, ref: Any, element: str, types: set[str] | None = None
) -> JsonDict:
    resolved = resolve_ref(realm, "Account", ref, element)
    account = realm.get("Account", resolved["value"]) or {}
    if types is not None and account.get("AccountType") not in types:
        raise QboFaultError(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: Invalid account type used. "
            "You need to select a different type of account for this transaction.",
            element=element,
        )
    return resolved


def resolve_currency(realm: Realm, body: JsonDict) -> JsonDict:
    """Without multicurrency only the home currency exists in the company."""
    ref = body.get("CurrencyRef")
    if ref is None:
        return realm.currency_ref()
    code = ref_value(ref, "CurrencyRef").upper()
    if code != realm.home_currency and not realm.multicurrency:
        raise QboFaultError(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: The currency {code} is not enabled for this company. "
            "Turn on multicurrency or use the home currency.",
            element="CurrencyRef",
        )
    return realm.currency_ref(code)


def check_customer_currency(realm: Realm, record: JsonDict) -> None:
    """A customer is kept in one currency (its A/R): a document in another is refused with
    the message QBO gives, "The transaction needs to be in the same currency as the A/R and
    A/P accounts you use." (Connex help centre, "QuickBooks Online Error Messages")."""
    ref = record.get("CustomerRef")
    if not isinstance(ref, dict):
        return
    customer = realm.get("Customer", ref["value"]) or {}
    own = (customer.get("CurrencyRef") or {}).get("value", realm.home_currency)
    if own != record["CurrencyRef"]["value"]:
        raise business_error(
            "The transaction needs to be in the same currency as the A/R and A/P accounts you "
            f"use. (customer {ref['value']} is in {own}, the transaction in "
            f"{record['CurrencyRef']['value']})",
            element="CurrencyRef",
        )


def check_account_currency(realm: Realm, account_id: str, record: JsonDict, element: str) -> None:
    """An account in a foreign currency takes only documents in that currency: "The currency
    of the account must be either in home currency or the transaction currency." (the
    wording QuickBooks gives, quoted by Webgility's and Connex's help centres)."""
    account = realm.get("Account", account_id) or {}
    own = (account.get("CurrencyRef") or {}).get("value", realm.home_currency)
    if own not in (realm.home_currency, record["CurrencyRef"]["value"]):
        raise business_error(
            "The currency of the account must be either in home currency or the transaction "
            "currency.",
            element=element,
        )

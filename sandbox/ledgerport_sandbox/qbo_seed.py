"""The starting books of a new sandbox company, modelled on a fresh US QBO Plus company."""

from __future__ import annotations

from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import JsonDict

# (Id, Name, AccountType, AccountSubType, Classification)
_ACCOUNTS = [
    ("1", "Checking", "Bank", "Checking", "Asset"),
    ("2", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("3", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("4", "Inventory Asset", "Other Current Asset", "Inventory", "Asset"),
    ("5", "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("6", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("7", "Shipping Income", "Income", "OtherPrimaryIncome", "Revenue"),
    ("8", "Discounts given", "Income", "DiscountsRefundsGiven", "Revenue"),
    ("9", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("10", "Sales Tax Payable", "Other Current Liability", "SalesTaxPayable", "Liability"),
    ("11", "Opening Balance Equity", "Equity", "OpeningBalanceEquity", "Equity"),
]

UNDEPOSITED_FUNDS_ID = "2"
DISCOUNTS_ACCOUNT_ID = "8"
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"

_PAYMENT_METHODS = [
    ("Cash", "NON_CREDIT_CARD"),
    ("Check", "NON_CREDIT_CARD"),
    ("Visa", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"),
    ("American Express", "CREDIT_CARD"),
    ("Discover", "CREDIT_CARD"),
]


def seed_realm(realm: Realm) -> None:
    """Fill a new company with accounts, tax codes, payment methods and starter items."""
    for acc_id, name, acc_type, subtype, classification in _ACCOUNTS:
        realm.insert("Account", _account(realm, acc_id, name, acc_type, subtype, classification))
    for name, kind in _PAYMENT_METHODS:
        realm.insert("PaymentMethod", {"Name": name, "Type": kind})
    _seed_tax(realm)
    income = {"value": "6", "name": "Services"}
    realm.insert("Item", _service_item("Services", income))
    realm.insert("Item", _service_item("Hours", income))
    realm.insert("Item", _service_item("Shipping", {"value": "7", "name": "Shipping Income"}))
    realm.insert("Preferences", {"Id": "1", **_preferences(realm)})
    realm.insert("CompanyInfo", _company_info(realm))


def _account(
    realm: Realm, acc_id: str, name: str, acc_type: str, subtype: str, classification: str
) -> JsonDict:
    return {
        "Id": acc_id,
        "Name": name,
        "SubAccount": False,
        "FullyQualifiedName": name,
        "Classification": classification,
        "AccountType": acc_type,
        "AccountSubType": subtype,
        "CurrentBalance": 0,
        "CurrentBalanceWithSubAccounts": 0,
        "CurrencyRef": realm.currency_ref(),
    }


def _seed_tax(realm: Realm) -> None:
    realm.insert(
        "TaxRate",
        {
            "Id": "1",
            "Name": "Kentucky",
            "Description": "Sales Tax",
            "RateValue": 6,
            "AgencyRef": {"value": "1"},
            "SpecialTaxType": "NONE",
            "DisplayType": "ReadOnly",
            "EffectiveTaxRate": [{"RateValue": 6, "EffectiveDate": "2020-01-01T00:00:00-08:00"}],
        },
    )
    realm.insert(
        "TaxCode",
        {"Id": "TAX", "Name": "TAX", "Description": "TAX", "Taxable": True, "TaxGroup": False},
    )
    realm.insert(
        "TaxCode",
        {"Id": "NON", "Name": "NON", "Description": "NON", "Taxable": False, "TaxGroup": False},
    )
    realm.insert(
        "TaxCode",
        {
            "Id": "2",
            "Name": "Kentucky",
            "Description": "Kentucky",
            "Taxable": True,
            "TaxGroup": True,
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {
                        "TaxRateRef": {"value": "1", "name": "Kentucky"},
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    }
                ]
            },
            "PurchaseTaxRateList": {"TaxRateDetail": []},
        },
    )


def _service_item(name: str, income: JsonDict) -> JsonDict:
    return {
        "Name": name,
        "FullyQualifiedName": name,
        "Taxable": False,
        "UnitPrice": 0,
        "Type": "Service",
        "IncomeAccountRef": income,
        "PurchaseCost": 0,
        "TrackQtyOnHand": False,
    }


def _preferences(realm: Realm) -> JsonDict:
    return {
        "SalesFormsPrefs": {
            "AllowShipping": True,
            "AllowDiscount": True,
            "CustomTxnNumbers": True,
            "DefaultDiscountAccount": DISCOUNTS_ACCOUNT_ID,
        },
        "CurrencyPrefs": {
            "HomeCurrency": {"value": realm.home_currency},
            "MultiCurrencyEnabled": realm.multicurrency,
        },
        "TaxPrefs": tax_prefs(realm.automated_sales_tax),
    }


def tax_prefs(automated: bool, *, set_up: bool = True) -> JsonDict:
    """`Preferences.TaxPrefs` as Intuit describes it: `PartnerTaxEnabled` appears only in
    companies on automated sales tax (true once their sales tax is set up, false before);
    a company on the older manual model has no such key."""
    if not automated:
        return {"UsingSalesTax": True}
    return {"UsingSalesTax": set_up, "PartnerTaxEnabled": set_up}


def _company_info(realm: Realm) -> JsonDict:
    return {
        "Id": realm.realm_id,
        "CompanyName": f"Sandbox Company {realm.realm_id}",
        "LegalName": f"Sandbox Company {realm.realm_id}",
        "Country": "US",
        "CompanyAddr": {
            "Line1": "1 Sandbox Way",
            "City": "Louisville",
            "CountrySubDivisionCode": "KY",
            "PostalCode": "40202",
        },
    }

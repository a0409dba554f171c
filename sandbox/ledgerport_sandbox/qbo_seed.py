"""The starting books of a new sandbox company, modelled on a fresh QBO Plus company.

Ids are stable so tests can name them: accounts 1-11 are a new US company's chart; 12-16
(appended, so the older ids stay) are the accounts a Shopify connector's settings point at;
items 1-3 are QBO's starters and 4-6 the gift-card, tip and cash-rounding items. A company in
another country gets the same ids, its own sales-tax account name and its own tax codes
(qbo_countries).
"""

from __future__ import annotations

from decimal import Decimal

from ledgerport_sandbox.qbo_countries import COMPANY_ADDRESS, TAX_TABLES
from ledgerport_sandbox.qbo_store import Realm
from ledgerport_sandbox.qbo_wire import JsonDict, number

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
    # QBO's own help sets gift cards up as an item on an Other Current Liability account
    # ("Sell and redeem gift cards or certificates in QuickBooks Online", Intuit community).
    (
        "12",
        "Gift Card Liability",
        "Other Current Liability",
        "OtherCurrentLiabilities",
        "Liability",
    ),
    ("13", "Tips Payable", "Other Current Liability", "OtherCurrentLiabilities", "Liability"),
    # Cash rounding is neither a sale nor an operating cost: an Other Income account keeps it
    # off gross sales and is a valid income account for the rounding item (an item cannot
    # post to an Expense account here; see qbo_schema.ITEM_INCOME_TYPES).
    ("14", "Cash Rounding", "Other Income", "OtherMiscellaneousIncome", "Revenue"),
    ("15", "Shopify Payments Clearing", "Other Current Asset", "OtherCurrentAssets", "Asset"),
    ("16", "PayPal Clearing", "Other Current Asset", "OtherCurrentAssets", "Asset"),
]

CHECKING_ID = "1"
UNDEPOSITED_FUNDS_ID = "2"
ACCOUNTS_RECEIVABLE_ID = "3"
SALES_INCOME_ID = "5"
SHIPPING_INCOME_ID = "7"
DISCOUNTS_ACCOUNT_ID = "8"
SALES_TAX_PAYABLE_ID = "10"
GIFT_CARD_LIABILITY_ID = "12"
TIPS_PAYABLE_ID = "13"
CASH_ROUNDING_ID = "14"
SHOPIFY_CLEARING_ID = "15"
PAYPAL_CLEARING_ID = "16"
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"
SHIPPING_ITEM = "3"  # the "Shipping" service item, on Shipping Income
GIFT_CARD_ITEM, TIP_ITEM, ROUNDING_ITEM = "4", "5", "6"

# The tax agencies' liability account takes a country's own name.
_TAX_ACCOUNT_NAME = {
    "US": "Sales Tax Payable",
    "GB": "VAT Control",
    "CA": "GST/HST Payable",
    "AU": "GST Payable",
}

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
        if acc_id == SALES_TAX_PAYABLE_ID:
            name = _TAX_ACCOUNT_NAME[realm.country]
        realm.insert("Account", _account(realm, acc_id, name, acc_type, subtype, classification))
    for name, kind in _PAYMENT_METHODS:
        realm.insert("PaymentMethod", {"Name": name, "Type": kind})
    _seed_tax(realm)
    income = {"value": "6", "name": "Services"}
    realm.insert("Item", _service_item("Services", income))
    realm.insert("Item", _service_item("Hours", income))
    realm.insert("Item", _service_item("Shipping", {"value": "7", "name": "Shipping Income"}))
    liability = {"value": GIFT_CARD_LIABILITY_ID, "name": "Gift Card Liability"}
    realm.insert("Item", _service_item("Gift Card", liability))
    realm.insert("Item", _service_item("Tip", {"value": TIPS_PAYABLE_ID, "name": "Tips Payable"}))
    rounding = {"value": CASH_ROUNDING_ID, "name": "Cash Rounding"}
    realm.insert("Item", _service_item("Cash Rounding", rounding))
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
    """The country's tax rates and codes; a US company also has the TAX/NON pseudo codes."""
    table = TAX_TABLES[realm.country]
    for rate in table.rates:
        value = number(Decimal(rate.percent))
        realm.insert(
            "TaxRate",
            {
                "Id": rate.rate_id,
                "Name": rate.name,
                "Description": rate.name,
                "RateValue": value,
                "AgencyRef": {"value": "1", "name": rate.agency},
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
                "EffectiveTaxRate": [
                    {"RateValue": value, "EffectiveDate": "2020-01-01T00:00:00-08:00"}
                ],
            },
        )
    if realm.country == "US":
        for pseudo, taxable in (("TAX", True), ("NON", False)):
            realm.insert(
                "TaxCode",
                {
                    "Id": pseudo,
                    "Name": pseudo,
                    "Description": pseudo,
                    "Taxable": taxable,
                    "TaxGroup": False,
                },
            )
    names = {rate.rate_id: rate.name for rate in table.rates}
    for code in table.codes:
        details = [
            {
                "TaxRateRef": {"value": rate_id, "name": names[rate_id]},
                "TaxTypeApplicable": "TaxOnAmount",
                "TaxOrder": 0,
            }
            for rate_id in code.rate_ids
        ]
        realm.insert(
            "TaxCode",
            {
                "Id": code.code_id,
                "Name": code.name,
                "Description": code.name,
                "Taxable": code.taxable,
                "TaxGroup": len(code.rate_ids) > 1 or realm.country == "US",
                "SalesTaxRateList": {"TaxRateDetail": details},
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
        "Country": realm.country,
        "CompanyAddr": COMPANY_ADDRESS[realm.country],
    }

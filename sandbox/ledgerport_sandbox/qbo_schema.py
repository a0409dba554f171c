"""What the fake QBO knows about each entity: path names, writable and filterable fields.

The field lists follow the QBO v3 API reference. Anything not listed is rejected with
the 2010 "unsupported property" fault the real service raises for unknown JSON keys.
"""

from __future__ import annotations


def _names(text: str) -> set[str]:
    return set(text.split())


# Lower-case path segment -> canonical entity name.
PATH_ENTITIES = {
    "customer": "Customer",
    "vendor": "Vendor",
    "employee": "Employee",
    "item": "Item",
    "account": "Account",
    "taxcode": "TaxCode",
    "taxrate": "TaxRate",
    "paymentmethod": "PaymentMethod",
    "salesreceipt": "SalesReceipt",
    "refundreceipt": "RefundReceipt",
    "invoice": "Invoice",
    "payment": "Payment",
    "companyinfo": "CompanyInfo",
    "preferences": "Preferences",
}

# Entities the API may create or update (the rest are read and query only here).
WRITABLE = {"Customer", "Item", "SalesReceipt", "RefundReceipt", "Invoice", "Payment"}

# Name lists hide inactive records from queries unless the query filters on Active.
NAME_LISTS = _names("Customer Vendor Employee Item Account TaxCode TaxRate PaymentMethod")

# DisplayName is unique across these three entities, inactive ones included.
PEOPLE = ("Customer", "Vendor", "Employee")

TXN_TYPE_LABEL = {
    "SalesReceipt": "Sales Receipt",
    "RefundReceipt": "Refund Receipt",
    "Invoice": "Invoice",
    "Payment": "Payment",
}

_META = {"Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime"}
_NAMES = _names(
    "DisplayName GivenName FamilyName MiddleName CompanyName Active PrintOnCheckName "
    "FullyQualifiedName"
)
_TXN = {"DocNumber", "TxnDate", "CustomerRef", "TotalAmt"}

FILTERABLE: dict[str, set[str]] = {
    "Customer": _META | _NAMES | {"PrimaryEmailAddr", "Balance", "Job"},
    "Vendor": _META | _NAMES,
    "Employee": _META | _NAMES,
    "Item": _META | {"Name", "Sku", "Type", "Active", "FullyQualifiedName"},
    "Account": _META
    | _names("Name AccountType AccountSubType Active Classification FullyQualifiedName")
    | {"CurrentBalance"},
    "TaxCode": _META | {"Name", "Active"},
    "TaxRate": _META | {"Name", "Active"},
    "PaymentMethod": _META | {"Name", "Active", "Type"},
    "SalesReceipt": _META | _TXN,
    "RefundReceipt": _META | _TXN,
    "Invoice": _META | _TXN | {"Balance", "DueDate"},
    "Payment": _META | {"TxnDate", "CustomerRef", "TotalAmt"},
    "CompanyInfo": _META,
    "Preferences": _META,
}

NUMERIC_FIELDS = {"TotalAmt", "Balance", "CurrentBalance"}
BOOLEAN_FIELDS = {"Active", "Job"}
DATETIME_FIELDS = {"MetaData.CreateTime", "MetaData.LastUpdatedTime"}

_COMMON = {"Id", "SyncToken", "MetaData", "domain", "sparse", "CustomField"}

_SALES_TXN = _COMMON | _names(
    "DocNumber TxnDate PrivateNote Line TxnTaxDetail CustomerRef CustomerMemo "
    "BillAddr ShipAddr ShipFromAddr FreeFormAddress ClassRef DepartmentRef "
    "SalesTermRef CurrencyRef ExchangeRate GlobalTaxCalculation "
    "ApplyTaxAfterDiscount PrintStatus EmailStatus BillEmail BillEmailCc "
    "BillEmailBcc ShipDate TrackingNum ShipMethodRef TotalAmt HomeTotalAmt Balance "
    "HomeBalance LinkedTxn TransactionLocationType TxnSource TaxExemptionRef "
    "ProjectRef RecurDataRef DepositToAccountRef PaymentMethodRef PaymentRefNum "
    "CreditCardPayment DeliveryInfo TxnStatus"
)

ALLOWED_FIELDS: dict[str, set[str]] = {
    "SalesReceipt": _SALES_TXN,
    "RefundReceipt": _SALES_TXN | {"CheckPayment", "PaymentType"},
    "Invoice": _SALES_TXN
    | _names(
        "DueDate Deposit AllowIPNPayment AllowOnlinePayment "
        "AllowOnlineCreditCardPayment AllowOnlineACHPayment InvoiceLink EInvoiceStatus"
    ),
    "Payment": _COMMON
    | _names(
        "CustomerRef TotalAmt UnappliedAmt Line DepositToAccountRef ARAccountRef "
        "PaymentMethodRef PaymentRefNum TxnDate PrivateNote CurrencyRef ExchangeRate "
        "ProcessPayment CreditCardPayment TxnSource TransactionLocationType ProjectRef "
        "TxnStatus"
    ),
    "Customer": _COMMON
    | _names(
        "Title GivenName MiddleName FamilyName Suffix DisplayName FullyQualifiedName "
        "CompanyName PrintOnCheckName Active PrimaryPhone AlternatePhone Mobile Fax "
        "PrimaryEmailAddr WebAddr OtherContactInfo DefaultTaxCodeRef Taxable BillAddr "
        "ShipAddr Notes Job BillWithParent ParentRef Level SalesTermRef "
        "PaymentMethodRef Balance OpenBalanceDate BalanceWithJobs CurrencyRef "
        "PreferredDeliveryMethod ResaleNum ARAccountRef TaxExemptionReasonId "
        "PrimaryTaxIdentifier SecondaryTaxIdentifier BusinessNumber GSTIN "
        "GSTRegistrationType IsProject ClientEntityId CustomerTypeRef Source "
        "V4IDPseudonym"
    ),
    "Item": _COMMON
    | _names(
        "Name Sku Description Active SubItem ParentRef Level FullyQualifiedName Taxable "
        "SalesTaxIncluded UnitPrice Type IncomeAccountRef ExpenseAccountRef "
        "PurchaseDesc PurchaseTaxIncluded PurchaseCost AssetAccountRef TrackQtyOnHand "
        "InvStartDate QtyOnHand QtyOnPurchaseOrder QtyOnSalesOrder ReorderPoint "
        "SalesTaxCodeRef PurchaseTaxCodeRef ClassRef PrefVendorRef AbatementRate "
        "ReverseChargeRate ServiceType ItemCategoryType TaxClassificationRef "
        "UQCDisplayText UQCId Source"
    ),
}

# CustomField is part of Intuit's Line type (QuickBooks-V3-PHP-SDK src/Data/IPPLine.php, generated
# from Intuit's schema); python-quickbooks sends `"CustomField": []` on every line.
LINE_FIELDS = _names(
    "Id LineNum Description Amount DetailType SalesItemLineDetail CustomField "
    "DiscountLineDetail SubTotalLineDetail DescriptionLineDetail GroupLineDetail "
    "LinkedTxn ProjectRef CustomExtensions LineEx"
)

SALES_ITEM_DETAIL_FIELDS = _names(
    "ItemRef ClassRef UnitPrice Qty ItemAccountRef TaxCodeRef ServiceDate "
    "DiscountRate DiscountAmt TaxInclusiveAmt MarkupInfo PriceLevelRef "
    "TaxClassificationRef"
)

LINE_DETAIL_TYPES = _names(
    "SalesItemLineDetail DiscountLineDetail SubTotalLineDetail DescriptionOnly GroupLineDetail"
)

# Maximum string lengths QBO enforces (fault 2050).
MAX_LENGTHS: dict[str, dict[str, int]] = {
    "Customer": dict(
        DisplayName=500,
        GivenName=100,
        FamilyName=100,
        MiddleName=100,
        CompanyName=100,
        Title=16,
        Suffix=16,
        Notes=2000,
        PrintOnCheckName=110,
    ),
    "Item": {"Name": 100, "Sku": 100, "Description": 4000, "PurchaseDesc": 1000},
    "SalesReceipt": {"DocNumber": 21, "PrivateNote": 4000, "PaymentRefNum": 21},
    "RefundReceipt": {"DocNumber": 21, "PrivateNote": 4000, "PaymentRefNum": 21},
    "Invoice": {"DocNumber": 21, "PrivateNote": 4000},
    "Payment": {"PrivateNote": 4000, "PaymentRefNum": 21},
}

ITEM_TYPES = {"Inventory", "NonInventory", "Service"}
# The AccountType each account of an Item may have (Intuit's Item reference: income "Sales of
# Product Income", an Income subtype; COGS for an inventory item; asset Other Current Asset).
# An item may also post its sales to an Other Current Liability account: that is how QBO's own
# help sets up gift cards ("Sell and redeem gift cards or certificates in QuickBooks Online",
# Intuit's QuickBooks community: the gift-certificate product/service "can be linked to a
# liability account"; redeeming it is a negative line on the sale). Bank, A/R, A/P and the
# other balance-sheet types stay refused with 6000 "Invalid account type used".
INCOME_TYPES = {"Income", "Other Income", "Other Current Liability"}
INVENTORY_EXPENSE_TYPES = {"Cost of Goods Sold"}
EXPENSE_TYPES = {"Cost of Goods Sold", "Expense", "Other Expense"}
ASSET_TYPES = {"Other Current Asset"}
DEPOSIT_ACCOUNT_TYPES = {"Bank", "Other Current Asset"}
CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "GBP": "British Pound Sterling",
    "EUR": "Euro",
    "AUD": "Australian Dollar",
}

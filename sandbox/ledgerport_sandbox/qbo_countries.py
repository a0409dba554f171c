"""What a company in each country starts with: currency, address, sales-tax codes and rates.

Ids are stable so tests can name them.

QBO's tax codes and rates are read-only through the API; a company gets them when its sales
tax is set up. The names and percentages below are the ones QBO shows in each country:
US manual sales tax (one code per jurisdiction plus the `TAX`/`NON` pseudo codes), UK VAT
("20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"), Canada (GST, HST ON, PST BC and the
combined "GST/PST BC", "Zero-rated", "Exempt") and Australia ("GST", "GST free").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COUNTRY_CURRENCY = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD"}


COMPANY_ADDRESS: dict[str, dict[str, Any]] = {
    "US": {
        "Line1": "1 Sandbox Way",
        "City": "Louisville",
        "CountrySubDivisionCode": "KY",
        "PostalCode": "40202",
    },
    "GB": {"Line1": "1 Sandbox Lane", "City": "London", "PostalCode": "EC1A 1BB"},
    "CA": {
        "Line1": "1 Sandbox Street",
        "City": "Toronto",
        "CountrySubDivisionCode": "ON",
        "PostalCode": "M5V 2T6",
    },
    "AU": {
        "Line1": "1 Sandbox Road",
        "City": "Sydney",
        "CountrySubDivisionCode": "NSW",
        "PostalCode": "2000",
    },
}

# US: TaxCode ids (TAX and NON are QBO's pseudo codes).
US_KENTUCKY = "2"
US_OHIO_FRANKLIN = "3"  # Ohio 5.75% + Franklin County 1.75%
US_TEXAS = "4"
# US: TaxRate ids.
US_RATE_KENTUCKY, US_RATE_OHIO, US_RATE_FRANKLIN, US_RATE_TEXAS = "1", "2", "3", "4"

# UK VAT: TaxCode ids; each code's one rate has the same id.
GB_STANDARD, GB_REDUCED, GB_ZERO, GB_EXEMPT, GB_NO_VAT = "1", "2", "3", "4", "5"

# Canada: TaxCode ids, then TaxRate ids.
CA_GST, CA_HST_ON, CA_PST_BC, CA_GST_PST_BC, CA_ZERO, CA_EXEMPT = "1", "2", "3", "4", "5", "6"
CA_RATE_GST, CA_RATE_HST_ON, CA_RATE_PST_BC, CA_RATE_ZERO, CA_RATE_EXEMPT = "1", "2", "3", "4", "5"

# Australia: TaxCode ids; each code's one rate has the same id.
AU_GST, AU_GST_FREE = "1", "2"

# Automated sales tax: the code QBO's engine assigns for a ship-to state (a small table: the
# real engine works from the full address; a state missing here is not taxed).
AST_CODE_BY_STATE = {"KY": US_KENTUCKY, "OH": US_OHIO_FRANKLIN, "TX": US_TEXAS}


@dataclass(frozen=True)
class Rate:
    rate_id: str
    name: str
    percent: str
    agency: str


@dataclass(frozen=True)
class Code:
    code_id: str
    name: str
    rate_ids: tuple[str, ...]
    taxable: bool = True


@dataclass(frozen=True)
class TaxTable:
    """One country's sales-tax setup: its rates and the codes that group them."""

    rates: tuple[Rate, ...]
    codes: tuple[Code, ...]


TAX_TABLES: dict[str, TaxTable] = {
    "US": TaxTable(
        rates=(
            Rate(US_RATE_KENTUCKY, "Kentucky", "6", "Kentucky Department of Revenue"),
            Rate(US_RATE_OHIO, "Ohio", "5.75", "Ohio Department of Taxation"),
            Rate(US_RATE_FRANKLIN, "Franklin County", "1.75", "Ohio Department of Taxation"),
            Rate(US_RATE_TEXAS, "Texas", "6.25", "Texas Comptroller"),
        ),
        codes=(
            Code(US_KENTUCKY, "Kentucky", (US_RATE_KENTUCKY,)),
            Code(US_OHIO_FRANKLIN, "Ohio, Franklin County", (US_RATE_OHIO, US_RATE_FRANKLIN)),
            Code(US_TEXAS, "Texas", (US_RATE_TEXAS,)),
        ),
    ),
    "GB": TaxTable(
        rates=(
            Rate(GB_STANDARD, "20.0% S", "20", "HM Revenue & Customs"),
            Rate(GB_REDUCED, "5.0% R", "5", "HM Revenue & Customs"),
            Rate(GB_ZERO, "0.0% Z", "0", "HM Revenue & Customs"),
            Rate(GB_EXEMPT, "Exempt", "0", "HM Revenue & Customs"),
        ),
        codes=(
            Code(GB_STANDARD, "20.0% S", (GB_STANDARD,)),
            Code(GB_REDUCED, "5.0% R", (GB_REDUCED,)),
            Code(GB_ZERO, "0.0% Z", (GB_ZERO,)),
            Code(GB_EXEMPT, "Exempt", (GB_EXEMPT,)),
            Code(GB_NO_VAT, "No VAT", (), taxable=False),
        ),
    ),
    "CA": TaxTable(
        rates=(
            Rate(CA_RATE_GST, "GST", "5", "Canada Revenue Agency"),
            Rate(CA_RATE_HST_ON, "HST ON", "13", "Canada Revenue Agency"),
            Rate(CA_RATE_PST_BC, "PST BC", "7", "Minister of Finance (BC)"),
            Rate(CA_RATE_ZERO, "Zero-rated", "0", "Canada Revenue Agency"),
            Rate(CA_RATE_EXEMPT, "Exempt", "0", "Canada Revenue Agency"),
        ),
        codes=(
            Code(CA_GST, "GST", (CA_RATE_GST,)),
            Code(CA_HST_ON, "HST ON", (CA_RATE_HST_ON,)),
            Code(CA_PST_BC, "PST BC", (CA_RATE_PST_BC,)),
            Code(CA_GST_PST_BC, "GST/PST BC", (CA_RATE_GST, CA_RATE_PST_BC)),
            Code(CA_ZERO, "Zero-rated", (CA_RATE_ZERO,)),
            Code(CA_EXEMPT, "Exempt", (CA_RATE_EXEMPT,)),
        ),
    ),
    "AU": TaxTable(
        rates=(
            Rate(AU_GST, "GST", "10", "Australian Taxation Office"),
            Rate(AU_GST_FREE, "GST free", "0", "Australian Taxation Office"),
        ),
        codes=(
            Code(AU_GST, "GST", (AU_GST,)),
            Code(AU_GST_FREE, "GST free", (AU_GST_FREE,)),
        ),
    ),
}

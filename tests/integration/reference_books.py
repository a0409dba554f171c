"""What QBO must hold for each reference order (/work/shared/reference/shopify_orders), written
from the README's figures and the order files by hand, before looking at what the app posts.

The companies are the sandbox's seeded ones (qbo_seed, qbo_countries); the settings are those
of tests/integration/test_reference_orders.py: document prefix "SH" (the default), Shopify
Payments deposited to the Shopify Payments Clearing account, "Bank Deposit" to Checking, cash
left to QBO's default (Undeposited Funds), shipping on QBO's own shipping item, each product
line on an item named after its Shopify title (income account Sales of Product Income), and
the custom sale of order 04 on the default item "Services".

Rules applied throughout:
- DocNumber = prefix + order_number; TxnDate = the date of `created_at` in the shop's offset.
- US companies (manual sales tax): a line Shopify taxed is `TAX`, one it did not is `NON`; the
  transaction carries the one QBO code the order's rates map to and `TotalTax` = Shopify's
  `total_tax`. Shopify taxes after discounts, so QBO must too (ApplyTaxAfterDiscount): each
  rate's NetAmountTaxable is the taxed lines net of the discount, and each rate's amount is
  Shopify's per-title figure.
- A GB company: every line has a real VAT code; amounts net of the VAT the prices included,
  with `GlobalTaxCalculation` TaxExcluded so QBO adds Shopify's VAT back on top.
- A free (0.00, untaxed) shipping line books nothing, so it has no line.
- `income` is what the sandbox ledger classifies as income: item and shipping lines less the
  discount line; tax is the tax account; nothing here is a liability (no gift cards).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerport_sandbox.qbo_countries import (
    GB_STANDARD,
    US_KENTUCKY,
    US_OHIO_FRANKLIN,
    US_RATE_FRANKLIN,
    US_RATE_KENTUCKY,
    US_RATE_OHIO,
    US_RATE_TEXAS,
    US_TEXAS,
)
from ledgerport_sandbox.qbo_seed import (
    CHECKING_ID,
    SHIPPING_ITEM_ID,
    SHOPIFY_CLEARING_ID,
    UNDEPOSITED_FUNDS_ID,
)

GB_RATE_STANDARD = GB_STANDARD  # each GB code's one rate has the code's id
DEFAULT_ITEM = "Services"  # the seeded item the settings name for unmapped lines
WALK_IN = "Walk-in Customer"  # the generic customer a guest's order books to


@dataclass(frozen=True)
class Sale:
    """A SalesItemLineDetail line: the item (by name), Amount, TaxCodeRef, Qty, UnitPrice."""

    item: str
    amount: str
    tax_code: str
    qty: int | None = None
    unit_price: str | None = None


@dataclass(frozen=True)
class Rate:
    """A TxnTaxDetail.TaxLine: rate id, TaxPercent, Amount and NetAmountTaxable."""

    rate_id: str
    percent: str
    amount: str
    net: str


@dataclass(frozen=True)
class Book:
    """The document one reference order must end as, and how it posts (the sandbox ledger)."""

    doc_number: str
    txn_date: str
    currency: str
    customer: str
    lines: tuple[Sale, ...]
    total_tax: str
    tax_lines: tuple[Rate, ...]
    total: str
    deposit_account: str
    income: str
    discount: str | None = None
    txn_tax_code: str | None = None
    global_tax: str | None = None
    exchange_rate: str | None = None
    home_total: str | None = None
    entity: str = "SalesReceipt"


# 01: Organic Cotton Tee 2 x 25.00 = 50.00, Kentucky 6% = 3.00; free shipping books nothing.
# 50.00 + 3.00 = 53.00.
ORDER_01 = Book(
    doc_number="SH1001",
    txn_date="2025-03-14",
    currency="USD",
    customer="Maya Okafor",
    lines=(Sale("Organic Cotton Tee", "50.00", "TAX", 2, "25"),),
    txn_tax_code=US_KENTUCKY,
    total_tax="3.00",
    tax_lines=(Rate(US_RATE_KENTUCKY, "6", "3.00", "50.00"),),
    total="53.00",
    deposit_account=SHOPIFY_CLEARING_ID,
    income="50.00",
)

# 02: Trail Running Shoe 1 x 120.00 and Merino Wool Sock 3 x 18.00 = 174.00. SPRING10 is 10%
# "across" the order: 17.40 (12.00 + 5.40 allocated; the lines' total_discount says 0.00),
# one discount line at the subtotal. UPS Ground 12.00, taxed. Ohio 5.75% + Franklin County
# 1.75% map to the sandbox's combined code; Shopify's tax: Ohio 6.21 + 2.79 + 0.69 = 9.69,
# Franklin 1.89 + 0.85 + 0.21 = 2.95, together 12.64, each on 156.60 + 12.00 = 168.60.
# 174.00 - 17.40 + 12.00 + 12.64 = 181.24; income 174.00 + 12.00 - 17.40 = 168.60.
ORDER_02 = Book(
    doc_number="SH1002",
    txn_date="2025-03-15",
    currency="USD",
    customer="Daniel Reyes",
    lines=(
        Sale("Trail Running Shoe", "120.00", "TAX", 1, "120"),
        Sale("Merino Wool Sock", "54.00", "TAX", 3, "18"),
        Sale(SHIPPING_ITEM_ID, "12.00", "TAX"),
    ),
    discount="17.40",
    txn_tax_code=US_OHIO_FRANKLIN,
    total_tax="12.64",
    tax_lines=(
        Rate(US_RATE_OHIO, "5.75", "9.69", "168.60"),
        Rate(US_RATE_FRANKLIN, "1.75", "2.95", "168.60"),
    ),
    total="181.24",
    deposit_account=SHOPIFY_CLEARING_ID,
    income="168.60",
)

# 03: prices include UK VAT 20%. Net of it: Stoneware Mug 2 x 12.00 = 24.00 - 4.00 = 20.00
# (10.00 each); Linen Tea Towel 9.50 - 1.58 = 7.92; Royal Mail 4.80 - 0.80 = 4.00. VAT 6.38 on
# 31.92 (20% of it is 6.384: Shopify's per-line figures win). 31.92 + 6.38 = 38.30 GBP.
ORDER_03 = Book(
    doc_number="SH1003",
    txn_date="2025-04-02",
    currency="GBP",
    customer="Harriet Cole",
    lines=(
        Sale("Stoneware Mug", "20.00", GB_STANDARD, 2, "10"),
        Sale("Linen Tea Towel", "7.92", GB_STANDARD, 1, "7.92"),
        Sale(SHIPPING_ITEM_ID, "4.00", GB_STANDARD),
    ),
    global_tax="TaxExcluded",
    total_tax="6.38",
    tax_lines=(Rate(GB_RATE_STANDARD, "20", "6.38", "31.92"),),
    total="38.30",
    deposit_account=SHOPIFY_CLEARING_ID,
    income="31.92",
)

# 04: a POS cash sale to a guest (no customer, no email): the generic walk-in customer.
# Enamel Pin 3 x 8.00 = 24.00 (SKU "", mapped by its variant); the custom "engraving" sale
# 5.00 has no product, variant or SKU and takes the default item. Kentucky 6%: 1.44 + 0.30 =
# 1.74 on 29.00. No shipping lines. 29.00 + 1.74 = 30.74; cash goes to Undeposited Funds.
ORDER_04 = Book(
    doc_number="SH1004",
    txn_date="2025-04-05",
    currency="USD",
    customer=WALK_IN,
    lines=(
        Sale("Enamel Pin", "24.00", "TAX", 3, "8"),
        Sale(DEFAULT_ITEM, "5.00", "TAX", 1, "5"),
    ),
    txn_tax_code=US_KENTUCKY,
    total_tax="1.74",
    tax_lines=(Rate(US_RATE_KENTUCKY, "6", "1.74", "29.00"),),
    total="30.74",
    deposit_account=UNDEPOSITED_FUNDS_ID,
    income="29.00",
)

# 05 (once its pending payment is a trigger): Standing Desk Frame 349.00 and Freight 45.00,
# both taxed at Texas 6.25%: Shopify's 21.81 + 2.81 = 24.62, not 6.25% x 394.00 = 24.625 ->
# 24.63. 349.00 + 45.00 + 24.62 = 418.62, to Checking ("Bank Deposit").
ORDER_05 = Book(
    doc_number="SH1005",
    txn_date="2025-04-09",
    currency="USD",
    customer="Priya Raman",
    lines=(
        Sale("Standing Desk Frame", "349.00", "TAX", 1, "349"),
        Sale(SHIPPING_ITEM_ID, "45.00", "TAX"),
    ),
    txn_tax_code=US_TEXAS,
    total_tax="24.62",
    tax_lines=(Rate(US_RATE_TEXAS, "6.25", "24.62", "394.00"),),
    total="418.62",
    deposit_account=CHECKING_ID,
    income="394.00",
)

# 06: the sale as placed; the later refund of one bottle (30.00 + 1.80) is part 2's.
# Insulated Water Bottle 2 x 30.00 = 60.00, Bottle Brush 6.00, Kentucky 6%: 3.60 + 0.36 = 3.96
# on 66.00; Standard Shipping 7.00 untaxed. 66.00 + 7.00 + 3.96 = 76.96.
ORDER_06 = Book(
    doc_number="SH1006",
    txn_date="2025-04-17",
    currency="USD",
    customer="Tom Becker",
    lines=(
        Sale("Insulated Water Bottle", "60.00", "TAX", 2, "30"),
        Sale("Bottle Brush", "6.00", "TAX", 1, "6"),
        Sale(SHIPPING_ITEM_ID, "7.00", "NON"),
    ),
    txn_tax_code=US_KENTUCKY,
    total_tax="3.96",
    tax_lines=(Rate(US_RATE_KENTUCKY, "6", "3.96", "66.00"),),
    total="76.96",
    deposit_account=SHOPIFY_CLEARING_ID,
    income="73.00",
)

# 07, books in the shop's currency (the default): Trail Running Shoe 120.00 and International
# Standard 20.00, no tax collected. 140.00 USD, no exchange rate (the home currency).
ORDER_07_SHOP = Book(
    doc_number="SH1007",
    txn_date="2025-05-03",
    currency="USD",
    customer="Luc Tremblay",
    lines=(
        Sale("Trail Running Shoe", "120.00", "NON", 1, "120"),
        Sale(SHIPPING_ITEM_ID, "20.00", "NON"),
    ),
    total_tax="0.00",
    tax_lines=(),
    total="140.00",
    deposit_account=SHOPIFY_CLEARING_ID,
    income="140.00",
)

# 07 in the buyer's currency, on a multicurrency company: 162.96 + 27.16 = 190.12 CAD at
# Shopify's rate of 1.3580 CAD per USD. QBO's ExchangeRate is home units per foreign unit:
# 1 / 1.3580 = 0.736377 USD per CAD (six places), and 190.12 x 0.736377 = 140.00 USD.
ORDER_07_PRESENTMENT = Book(
    doc_number="SH1007",
    txn_date="2025-05-03",
    currency="CAD",
    customer="Luc Tremblay",
    lines=(
        Sale("Trail Running Shoe", "162.96", "NON", 1, "162.96"),
        Sale(SHIPPING_ITEM_ID, "27.16", "NON"),
    ),
    total_tax="0.00",
    tax_lines=(),
    total="190.12",
    exchange_rate="0.736377",
    home_total="140.00",
    deposit_account=SHOPIFY_CLEARING_ID,
    income="190.12",
)

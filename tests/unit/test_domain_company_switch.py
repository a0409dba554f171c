"""A company switch keeps every setting but the old company's records."""

from app.domain.company_switch import without_references


def test_references_go_and_other_settings_stay() -> None:
    stored = {
        "customers": {"strategy": "generic", "generic_customer_id": "58"},
        "products": {"unmatched": "create", "default_item_id": "3", "income_account_id": "79"},
        "accounting": {"tax_mode": "automated_sales_tax", "shipping_item_id": "9"},
        "payments": {
            "deposit_accounts": {"Shopify Payments": "35"},
            "default_deposit_account_id": "35",
            "payment_methods": {"shopify_payments": "1"},
        },
        "orders": {"doc_number_prefix": "NW", "transaction_type": "sales_receipt"},
    }

    assert without_references(stored) == {
        "customers": {"strategy": "generic"},
        "products": {"unmatched": "create"},
        "accounting": {"tax_mode": "automated_sales_tax"},
        "payments": {},
        "orders": {"doc_number_prefix": "NW", "transaction_type": "sales_receipt"},
    }

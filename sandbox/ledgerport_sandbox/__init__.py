"""Faithful fakes of QuickBooks Online and Shopify, for tests, `make run` and benchmarks."""

from ledgerport_sandbox.qbo import QboSandbox
from ledgerport_sandbox.shopify import ShopifySandbox, sign_webhook

__all__ = ["QboSandbox", "ShopifySandbox", "sign_webhook"]

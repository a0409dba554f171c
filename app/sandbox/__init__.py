"""Faithful fakes of QuickBooks Online and Shopify, for tests, `make run` and benchmarks."""

from app.sandbox.qbo import QboSandbox
from app.sandbox.shopify import ShopifySandbox, sign_webhook

__all__ = ["QboSandbox", "ShopifySandbox", "sign_webhook"]

"""Prometheus metrics, served at /metrics. Per process: a scraper sums the workers."""

from __future__ import annotations

from prometheus_client import Counter

SWEEP_CAUGHT = Counter(
    "ledgerport_sweep_caught_orders",
    "Orders the periodic Shopify sweep found that no webhook had brought",
)
WEBHOOKS = Counter(
    "ledgerport_webhooks",
    "Shopify webhook deliveries by outcome",
    ["outcome"],
)

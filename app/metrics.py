"""Prometheus metrics, served at /metrics. Per process: a scraper sums the workers."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SWEEP_CAUGHT = Counter(
    "ledgerport_sweep_caught_orders",
    "Orders the periodic Shopify sweep found that no webhook had brought",
)
WEBHOOKS = Counter(
    "ledgerport_webhooks",
    "Shopify webhook deliveries by outcome",
    ["outcome"],
)
INBOX_BATCH = Histogram(
    "ledgerport_inbox_batch_size",
    "Deliveries stored by one inbox statement (they arrived while the previous one ran)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 100),
)
REQUEUED_DUE = Counter(
    "ledgerport_due_orders_requeued",
    "Order syncs pending or due and not leased, queued again by the re-queue pass",
)
LOST_REQUEUED = Counter(
    "ledgerport_lost_deliveries_requeued",
    "Stored deliveries whose processing job was lost, queued again by the sweep",
)

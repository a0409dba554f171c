"""The help-centre guide, section by section, through the HTTP API alone: one running stack
(sandbox QBO and Shopify, the API with its in-process worker on SQLite) for the whole
session, and a shop with its own QBO company for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.books import Books
from tests.e2e.live import LiveShop, Stack, new_shop, running_stack

# QuickBooks' rate "minute" scaled down: a throttled order waits this long, not 60 s.
THROTTLE_WINDOW_S = 8  # longer than the 5 s the QBO client waits out by itself
# QBO calls give up after 2 s (so a QBO that hangs is a timeout quickly), and the automatic
# retry after a timeout waits about an hour: only the guide's manual sync heals it in a test.
SETTINGS = {
    "LEDGERPORT_HTTP_TIMEOUT_S": "2",
    "LEDGERPORT_SYNC_RETRY_BASE_S": "3600",
    "QBO_LIMIT_MINUTE_SECONDS": str(THROTTLE_WINDOW_S),
}


@pytest.fixture(scope="session")
def guide_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("guide")
    with running_stack(tmp, production=False, settings=SETTINGS) as stack:
        yield stack


@pytest.fixture
def shop(guide_stack: Stack) -> LiveShop:
    return new_shop(guide_stack, "guide")


@pytest.fixture
def books(shop: LiveShop) -> Books:
    return Books(shop)

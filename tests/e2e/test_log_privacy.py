"""No personal data and no secret in any log line: the whole stack (sandbox, API under
uvicorn, arq worker on PostgreSQL + Redis) runs at DEBUG through a Shopify install and a
QuickBooks connection (codes and states in the callbacks' queries), an order whose stored
form PostgreSQL refuses (a database error, on every try), an order synced after a QBO 503 (a
retry) and searches by the buyer's name; then every line the processes wrote is scanned for
the buyer's name, email, street and phone and for every token and secret. The scan also
checks that the database error, the retry, the callbacks and the searches are in the log, so
that it provably covered them."""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from app.settings import sandbox_defaults
from ledgerport_sandbox.shopify_oauth import query_hmac
from tests.e2e.books import ADDRESS, Books, order
from tests.e2e.live import SHOPIFY_SECRET, LiveShop, Stack, running_stack

pytestmark = pytest.mark.e2e

BUYER = {"id": 7301100777, "first_name": "Ottoline", "last_name": "Quennell-Brask",
         "email": "ottoline.qb@example.org", "phone": "+15025550187"}  # fmt: skip
STREET, PHONE = "77 Quillfeather Lane", "+1 502-555-0187"
BILLING = {**ADDRESS, "first_name": "Ottoline", "last_name": "Quennell-Brask",
           "address1": STREET, "phone": PHONE}  # fmt: skip
SETTINGS = {
    "LEDGERPORT_LOG_LEVEL": "DEBUG",
    "LEDGERPORT_SYNC_RETRY_BASE_S": "0.2",
    "LEDGERPORT_JOB_RETRY_BASE_S": "0.2",
}
# Every token the sandbox QBO issues starts so: its access tokens with this JWE header,
# its refresh tokens with AB11 and the issuing second.
QBO_TOKENS = re.compile(r"eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0|AB11\d{10}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("log-privacy")
    with running_stack(tmp, production=True, settings=SETTINGS) as stack:
        yield stack


def install(stack: Stack) -> tuple[LiveShop, list[str]]:
    """As tests.e2e.live.new_shop, keeping the callback URLs (with their codes and states)."""
    domain = f"privacy-{uuid.uuid4().hex[:10]}.myshopify.com"
    realm = str(9_340_000_000_000_000 + uuid.uuid4().int % 10**12)
    http = stack.http
    assert http.post(f"{stack.qbo}/_sandbox/realms/{realm}", json={}).status_code == 201
    host = base64.urlsafe_b64encode(f"{domain}/admin".encode()).decode().rstrip("=")
    query = {"shop": domain, "timestamp": str(int(time.time())), "host": host}
    query["hmac"] = query_hmac(query, SHOPIFY_SECRET)
    begun = http.get(f"{stack.api}/v1/shopify/install", params=query)
    consented = http.get(begun.headers["location"])
    callbacks = [consented.headers["location"]]
    installed = http.get(callbacks[0])
    assert installed.status_code == 200, installed.text
    shop = LiveShop(stack, domain, realm, installed.json()["api_key"])
    start = shop.ok("POST", "/connections/quickbooks/authorize")["authorize_url"]
    opened = http.get(start)
    consented = http.get(f"{opened.headers['location']}&realmId={quote(realm)}")
    callbacks.append(consented.headers["location"])
    assert http.get(callbacks[1]).status_code == 200
    return shop, callbacks


def secrets_of(stack: Stack, shop: LiveShop, callbacks: list[str]) -> list[str]:
    qbo_secret = (
        stack.env.get("QBO_CLIENT_SECRET") or sandbox_defaults(1, 2, 3)["qbo_client_secret"]
    )
    found = [shop.api_key, "shpat_sandbox_access_token", SHOPIFY_SECRET, qbo_secret]
    found.append(stack.env["LEDGERPORT_ENCRYPTION_KEY"])
    for url in callbacks:
        query = parse_qs(urlsplit(url).query)
        found += query["code"] + query["state"]
    return [value for value in found if value]


def test_no_personal_data_or_secret_in_any_log_line(stack: Stack) -> None:
    shop, callbacks = install(stack)
    Books(shop)
    shop.qbo_add(
        "Customer",
        {"DisplayName": "Ottoline Quennell-Brask", "GivenName": "Ottoline",
         "FamilyName": "Quennell-Brask", "PrimaryEmailAddr": {"Address": BUYER["email"]}},
    )  # fmt: skip
    # A database error: a SKU longer than the column its mapping source is kept in.
    refused = order(5_910_777_001, customer=BUYER)
    refused["line_items"] = [{**refused["line_items"][0], "sku": "OTTOLINE-" * 32}]
    refused["billing_address"] = BILLING
    shop.send_order(refused)
    # A retry: QBO answers the first job's creates (the client tries 3 times) with a 503; the
    # job is retried, and its create succeeds.
    fault = {"kind": "server_error", "count": 3, "realm_id": shop.realm}
    shop.qbo_admin("/faults", {**fault, "path_contains": "/salesreceipt"})
    synced = {**order(5_910_777_002, customer=BUYER), "billing_address": BILLING}
    shop.send_order(synced)
    record = shop.wait_for_records([5_910_777_002], lambda r: r["status"] == "synced")
    assert record[5_910_777_002]["attempts"] >= 2, record
    # Searches by the buyer's name.
    for path in ("/records", "/mappings/customers", "/audit-log"):
        shop.ok("GET", path, params={"q": "Ottoline Quennell-Brask"})
    log = wait_for_log(stack.logs, "value too long")

    for step in (
        "value too long for type character varying(255)",  # the database error
        "SQL parameters hidden",
        "retrying job in",  # arq's line for the retry
        "GET /v1/shopify/callback 200",
        "GET /v1/connections/quickbooks/callback 200",
        f"GET /v1/shops/{shop.domain}/records 200",
        f"GET /v1/shops/{shop.domain}/mappings/customers 200",
        " DEBUG ",
    ):
        assert step in log, f"{step!r} is not in the log:\n{log[-4000:]}"
    personal = ["Ottoline", "Quennell", "Brask", BUYER["email"], STREET, "Quillfeather"]
    personal += [PHONE, BUYER["phone"], "502-555-0187", "5550187"]
    for value in personal + secrets_of(stack, shop, callbacks):
        assert value not in log, f"{value!r} is in the log"
    assert QBO_TOKENS.search(log) is None, QBO_TOKENS.search(log)
    assert "?" not in access_lines(log), access_lines(log)


def wait_for_log(path: Path, text: str, seconds: float = 20.0) -> str:
    deadline = time.monotonic() + seconds
    while True:
        log = path.read_text(errors="replace")
        if text in log or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


def access_lines(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if " app.access: " in line)


def test_uvicorn_sends_no_banner_and_its_parser_leaves_the_header_limit_to_us(
    stack: Stack,
) -> None:
    """The API process as tests.e2e.live starts it (the flags `make run` and the Dockerfile
    use): no `server` header, and 64 KiB of headers, which uvicorn's httptools parser lets
    through, answered 431 as a problem."""
    healthy = stack.http.get(f"{stack.api}/healthz")
    assert healthy.status_code == 200
    assert "server" not in healthy.headers, healthy.headers
    assert healthy.headers["x-content-type-options"] == "nosniff"
    big = stack.http.get(f"{stack.api}/healthz", headers={"X-Filler": "a" * 65_536})
    assert big.status_code == 431, big.text
    assert big.headers["content-type"] == "application/problem+json"

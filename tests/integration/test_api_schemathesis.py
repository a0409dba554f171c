"""Every operation of openapi.json, fuzzed by schemathesis in-process on PostgreSQL with a
seeded key on a fixed shop: valid and invalid data, NUL and odd strings included. No answer
is a 5xx; every status, content type, header and body is the one documented; and a 2xx is
seen for every operation but the two OAuth callbacks, which fuzzing cannot sign: their
signed cases (and the webhook's) run here with real data, checked the same way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import anyio.from_thread
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.main import create_app
from app.services.shops import Installed, issue_ops_key
from tests.harness import API, REALM, SHOP, Harness, make_settings, order_fixture, running
from tests.integration.test_quickbooks_connection import consent as qbo_consent
from tests.integration.test_shopify_install import consent as shopify_consent

EXAMPLES = 12  # per operation and generation mode: the run stays around a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
OTHER_REALM = "9130350000000002"
# Last, in this order: they change the connection every other operation relies on.
FINAL = ("POST /v1/shops/{shop}/connections/quickbooks/confirm-switch",
         "DELETE /v1/shops/{shop}/connections/quickbooks")  # fmt: skip
REDIRECTS = {"GET /v1/connections/quickbooks/start", "GET /v1/shopify/install"}
NO_2XX_EXPECTED = {
    "GET /v1/connections/quickbooks/callback",
    "GET /v1/shopify/callback",
}


@dataclass
class Live:
    """The app on PostgreSQL, running in its own event loop (hypothesis drives it from this
    thread): a shop installed and connected, and its API key."""

    portal: Any
    harness: Harness
    key: str
    ops_key: str
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def call(self, kwargs: dict[str, Any]) -> httpx.Response:
        request = {k: kwargs[k] for k in ("method", "headers", "params") if k in kwargs}
        # Control characters in a path go percent-encoded, as a client sends them.
        request["url"] = quote(kwargs["url"], safe=URL_SAFE)
        if "json" in kwargs:
            request["json"] = kwargs["json"]
        elif kwargs.get("data") is not None:
            data = kwargs["data"]
            request["content"] = data if isinstance(data, bytes) else str(data).encode()
        return self.portal.call(lambda: self.harness.api.request(**request))  # type: ignore[no-any-return]


async def seed(h: Harness) -> tuple[Installed, str]:
    """A shop whose order #1001 synced and #1002 failed (an unmapped SKU); an operator key."""
    shop = await h.install()
    h.qbo.add_realm(OTHER_REALM)
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    await h.deliver(order(1001))
    unmapped = order(1002)
    unmapped["line_items"][0]["sku"] = "MUG-11"
    await h.deliver(unmapped)
    request = {"shop_domain": SHOP, "customer": {"id": 7301100001}, "orders_requested": []}
    await h.deliver(request, topic="customers/data_request")
    await h.queue.join()  # type: ignore[attr-defined]
    return shop, await issue_ops_key(h.container.uow())


def order(number: int) -> dict[str, Any]:
    return {**order_fixture(), "id": 5_930_000 + number, "name": f"#{number}"}


@pytest.fixture(scope="module")
def live(postgres_url: str) -> Iterator[Live]:
    with anyio.from_thread.start_blocking_portal() as portal:
        app_context: AbstractAsyncContextManager[Harness] = running(make_settings(postgres_url))
        harness = portal.call(app_context.__aenter__)
        try:
            shop, ops_key = portal.call(seed, harness)
            yield Live(portal, harness, shop.api_key, ops_key)
        finally:
            portal.call(app_context.__aexit__, None, None, None)


def operations() -> list[Any]:
    schema = schemathesis.openapi.from_dict(create_app(docs_only=True).openapi())
    return [result.ok() for result in schema.get_all_operations()]


def label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


# Appended to one generated string in three cases of four: NUL, other controls, and text
# that is not what it seems (a right-to-left override, a lone combining mark, a BOM).
ODD = ("\x00", "a\x00b", "\x1b[2J", "\u202e\u0301\ufeff", "", "", "\x7f")


def oddly(case: Any, odd: str) -> Any:
    """The case with `odd` added to its first string outside the fixed shop: a path parameter,
    a query parameter, or a string of its JSON body."""
    if not odd:
        return case
    for values in (case.path_parameters, case.query):
        for name, value in (values or {}).items():
            if isinstance(value, str) and name != "shop":
                values[name] = value + odd
                return case
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            if isinstance(value, str):
                case.body[name] = value + odd
                return case
    return case


def fuzz(live: Live, operation: Any, mode: GenerationMode) -> None:
    fixed = {"shop": SHOP} if "{shop}" in operation.path else None
    auth = {"Authorization": f"Bearer {live.key}"}
    generated = operation.as_strategy(mode, path_parameters=fixed, headers=auth)
    strategy = st.tuples(generated, st.sampled_from(ODD)).map(lambda drawn: oddly(*drawn))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = live.call(case.as_transport_kwargs(base_url=API))
        live.statuses[label(operation)].add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid: an operation without parameters or body.
        if mode is not GenerationMode.NEGATIVE:
            raise


@dataclass
class Step:
    """One request with real data, its answer checked as the fuzzed ones are."""

    label: str
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] | None = None
    body: Any = NOT_SET
    key: str = "shop"  # shop, ops or none


def send(live: Live, operation: Any, step: Step) -> httpx.Response:
    keys = {"shop": live.key, "ops": live.ops_key}
    headers = {"Authorization": f"Bearer {keys[step.key]}"} if step.key in keys else {}
    path = {"shop": SHOP, **step.path} if "{shop}" in operation.path else step.path
    case = operation.Case(path_parameters=path, query=step.query, body=step.body, headers=headers)
    response = live.call(case.as_transport_kwargs(base_url=API))
    live.statuses[label(operation)].add(response.status_code)
    case.validate_response(response, checks=CHECKS)
    return response


def with_real_data(live: Live, ops: dict[str, Any]) -> None:
    """The operations random data cannot reach a 2xx of: on the seeded shop's records."""
    h, call = live.harness, live.portal.call
    item = h.qbo.add(REALM, "Item", {"Name": "Mug", "Sku": "MUG-11", "Type": "NonInventory"})
    synced, failed = str(5_930_000 + 1001), str(5_930_000 + 1002)
    steps = [
        Step("GET /v1/errors/{code}", {"code": "duplicate"}),
        Step("GET /v1/shops/{shop}/mappings/{kind}", {"kind": "products"}),
        Step("GET /v1/shops/{shop}/quickbooks/{kind}", {"kind": "accounts"}),
        Step("GET /v1/shops/{shop}/records/{entity}/{id}", {"entity": "order", "id": synced}),
        Step("GET /v1/shops/{shop}/orders/{order_id}/preview", {"order_id": failed}),
        Step("POST /v1/shops/{shop}/records/{entity}/{id}/resolve",
             {"entity": "order", "id": failed}, body={"note": "posted by hand"}),
        Step("PUT /v1/shops/{shop}/mappings/{kind}/{source_id}",
             {"kind": "products", "source_id": "sku:MUG-11"}, body={"qbo_id": item["Id"]}),
        Step("DELETE /v1/shops/{shop}/mappings/{kind}/{source_id}",
             {"kind": "products", "source_id": "sku:MUG-11"}),
        Step("PATCH /v1/shops/{shop}/mappings/{kind}", {"kind": "products"},
             body={"mappings": [{"source_key": "sku:MUG-11", "qbo_id": item["Id"]}]}),
        Step("POST /v1/shops/{shop}/mappings/products/auto-map"),
        Step("POST /v1/shops/{shop}/resync", body={"status": "error"}),
        Step("PATCH /v1/shops/{shop}", body={"plan": "growth"}, key="ops"),
    ]  # fmt: skip
    for step in steps:
        send(live, ops[step.label], step)
    listed = call(
        lambda: h.api.get(f"/v1/shops/{SHOP}/privacy-requests", headers=h.auth(shop_of(live)))
    )
    [request] = listed.json()
    detail = "GET /v1/shops/{shop}/privacy-requests/{request_id}"
    send(live, ops[detail], Step(detail, {"request_id": str(request["id"])}))
    sync = Step("POST /v1/shops/{shop}/sync", body={"order_ids": [synced]})
    run_id = send(live, ops[sync.label], sync).json()["run_id"]
    send(live, ops["GET /v1/shops/{shop}/runs/{run_id}"], Step("", {"run_id": run_id}))
    started = call(lambda: h.api.post(
        f"/v1/shops/{SHOP}/connections/quickbooks/authorize", headers=h.auth(shop_of(live))
    ))  # fmt: skip
    token = dict(parse_qsl(urlsplit(started.json()["authorize_url"]).query))["token"]
    send(live, ops["GET /v1/connections/quickbooks/start"], Step("", query={"token": token}))
    install = h.shopify.tokens.install_query(SHOP)
    send(live, ops["GET /v1/shopify/install"], Step("", query=install, key="none"))
    signed = call(shopify_consent, h)
    send(live, ops["GET /v1/shopify/callback"], Step("", query=signed, key="none"))


def signed_deliveries(live: Live, ops: dict[str, Any]) -> None:
    """The webhook with Shopify's signature: an order, then poison (a NUL, deep nesting) that
    is stored all the same; each answer as documented."""
    h, webhook = live.harness, ops["POST /webhooks/shopify"]
    deep = {"id": 1, "note_attributes": [[[[]]]]}
    for _ in range(200):  # past the 64 levels processing reads
        deep = {"nested": deep}
    for n, payload in enumerate([order(1003), {**order(1004), "note": "\x00"}, deep]):
        answer = live.portal.call(lambda: h.deliver(payload, event_id=f"evt-fuzz-{n}"))  # noqa: B023
        live.statuses[label(webhook)].add(answer.status_code)
        assert answer.status_code == 200, answer.text
        webhook.Case(body=payload).validate_response(answer, checks=CHECKS)


def with_the_connection_changed(live: Live, ops: dict[str, Any]) -> None:
    """The callback to another company (held), the switch confirmed, then the disconnect."""
    h, shop = live.harness, shop_of(live)
    params = live.portal.call(lambda: qbo_consent(h, shop, realm=OTHER_REALM))
    send(live, ops["GET /v1/connections/quickbooks/callback"], Step("", query=params, key="none"))
    for name in FINAL:
        send(live, ops[name], Step(name))


def succeeded(name: str, statuses: set[int]) -> bool:
    """A 2xx; for the two links a browser opens, the documented 302 onwards."""
    return any(200 <= s < 300 for s in statuses) or (name in REDIRECTS and 302 in statuses)


def shop_of(live: Live) -> Installed:
    return Installed(shop_id=0, domain=SHOP, api_key=live.key)


def test_every_operation_answers_as_documented_and_never_a_5xx(live: Live) -> None:
    ops = {label(operation): operation for operation in operations()}
    assert len(ops) > 25 and set(FINAL) <= set(ops)
    with_real_data(live, ops)
    signed_deliveries(live, ops)
    for name, operation in ops.items():
        if name not in FINAL:
            fuzz(live, operation, GenerationMode.POSITIVE)
            fuzz(live, operation, GenerationMode.NEGATIVE)
    with_the_connection_changed(live, ops)
    for name in FINAL:
        fuzz(live, ops[name], GenerationMode.POSITIVE)
        fuzz(live, ops[name], GenerationMode.NEGATIVE)

    no_2xx = {name for name, statuses in live.statuses.items() if not succeeded(name, statuses)}
    assert not any(status >= 500 for s in live.statuses.values() for status in s)
    assert set(live.statuses) == set(ops)
    assert no_2xx <= NO_2XX_EXPECTED, sorted(no_2xx - NO_2XX_EXPECTED)

"""The `/v3/company/{realmId}/…` accounting endpoints behind the fake Intuit gateway.

Order of the gateway's checks: injected faults, bearer token, throttle, added latency,
requestid replay, then the accounting service itself (which answers in the upper-case
fault dialect). Every request is counted in the realm's stats, whatever its answer.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledgerport_sandbox.qbo_batch import MAX_BATCH_REQUEST_ID, run_batch
from ledgerport_sandbox.qbo_cdc import run_cdc
from ledgerport_sandbox.qbo_limits import FaultInjector, InjectedFault, RateLimiter
from ledgerport_sandbox.qbo_oauth import OAuthServer
from ledgerport_sandbox.qbo_query import parse_error, parse_query
from ledgerport_sandbox.qbo_query_run import run_query
from ledgerport_sandbox.qbo_schema import PATH_ENTITIES, WRITABLE
from ledgerport_sandbox.qbo_stats import StatsRecorder
from ledgerport_sandbox.qbo_store import Realm, StoredReply
from ledgerport_sandbox.qbo_void import VOID_CALLS
from ledgerport_sandbox.qbo_wire import (
    JsonDict,
    QboFaultError,
    auth_failed,
    authorization_failed,
    bad_property,
    html_page,
    render,
    response_time,
    server_error,
    throttled,
    too_long,
)
from ledgerport_sandbox.qbo_writes import delete_entity, read_entity, void_entity, write_entity

MAX_REQUEST_ID = 50


class AccountingApi:
    """Routes one accounting request through the gateway checks to the entity handlers."""

    def __init__(
        self,
        realms: dict[str, Realm],
        oauth: OAuthServer,
        limiter: RateLimiter,
        faults: FaultInjector,
        stats: StatsRecorder,
        latency_ms: float = 0.0,
    ) -> None:
        self.realms, self.oauth = realms, oauth
        self.limiter, self.faults, self.stats = limiter, faults, stats
        self.latency_ms = latency_ms

    async def handle(self, request: Request) -> Response:
        realm_id: str = request.path_params["realm"]
        batch = _is_batch(request)
        with self.stats.track(realm_id, batch=batch) as seen:
            response = await self._gateway(request, realm_id, batch)
            seen.status = response.status_code
            return response

    async def _gateway(self, request: Request, realm_id: str, batch: bool) -> Response:
        fault = self.faults.take(request.url.path, realm_id)
        if fault is not None and fault.kind != "commit_then_timeout":
            return await gateway_fault_response(fault)
        denied = self.oauth.check_bearer(request.headers.get("authorization", ""), realm_id)
        realm = self.realms.get(realm_id)
        if denied is not None or realm is None:
            return denied or authorization_failed()
        if not self.limiter.try_acquire(realm_id, batch=batch):
            return throttled()
        try:
            if self.latency_ms > 0:  # the slot stays taken while the "network" is slow
                await asyncio.sleep(self.latency_ms / 1000)
            status, body = await self._replayable(request, realm, batch)
            response = render(body, status, request.headers.get("accept", ""))
            if fault is not None:  # committed, but the client never hears back in time
                await asyncio.sleep(fault.seconds)
            return response
        finally:
            self.limiter.release(realm_id)

    async def _replayable(
        self, request: Request, realm: Realm, batch: bool
    ) -> tuple[int, JsonDict]:
        request_id = request.query_params.get("requestid")
        if request_id is not None:
            limit = MAX_BATCH_REQUEST_ID if batch else MAX_REQUEST_ID
            if len(request_id) > limit or not request_id:
                return 400, too_long("requestid", limit, len(request_id)).body()
            if request_id in realm.replies:
                stored = realm.replies[request_id]
                return stored.status, stored.body
        try:
            status, body = 200, await self._dispatch(request, realm)
        except QboFaultError as fault:
            status, body = fault.status, fault.body()
        if request_id is not None:
            realm.replies[request_id] = StoredReply(status, body)
        return status, body

    async def _dispatch(self, request: Request, realm: Realm) -> JsonDict:
        segments = [s for s in request.path_params["rest"].split("/") if s]
        head = segments[0].lower() if segments else ""
        if head == "query" and len(segments) == 1:
            return await self._query(request, realm)
        if head == "cdc" and len(segments) == 1 and request.method == "GET":
            params = request.query_params
            return run_cdc(realm, params.get("entities", ""), params.get("changedSince", ""))
        if _is_batch(request):
            request_id = request.query_params.get("requestid")
            return run_batch(realm, await _json_body(request), request_id)
        entity = PATH_ENTITIES.get(head)
        if entity is None:
            raise _unsupported(request)
        if request.method == "GET" and entity == "Preferences" and len(segments) == 1:
            return _envelope(entity, read_entity(realm, entity, "1"))
        if request.method == "GET" and len(segments) == 2:
            return _envelope(entity, read_entity(realm, entity, segments[1]))
        if request.method == "POST" and len(segments) == 1 and entity in WRITABLE:
            return _envelope(entity, await _write(request, realm, entity))
        raise _unsupported(request)

    async def _query(self, request: Request, realm: Realm) -> JsonDict:
        if request.method == "GET":
            text = request.query_params.get("query", "")
        else:
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith(("application/text", "text/plain")):
                raise parse_error("POST query needs Content-Type application/text")
            text = (await request.body()).decode()
        if not text.strip():
            raise parse_error('Encountered "<EOF>" at line 1, column 1.')
        query = parse_query(text)
        return {"QueryResponse": run_query(query, realm.all(query.entity)), "time": response_time()}


async def _write(request: Request, realm: Realm, entity: str) -> JsonDict:
    """POST /{entity}: create or update, `operation=delete`, or the call that voids it."""
    operation = request.query_params.get("operation")
    include = request.query_params.get("include")
    if (operation, include) == VOID_CALLS.get(entity):
        return void_entity(realm, entity, await _json_body(request))
    if include is not None or operation not in (None, "update", "create", "delete"):
        raise _unsupported(request)  # never a 200 that leaves the document as it was
    if operation == "delete":
        return delete_entity(realm, entity, await _json_body(request))
    return write_entity(realm, entity, await _json_body(request))


def _is_batch(request: Request) -> bool:
    return request.method == "POST" and request.path_params["rest"].strip("/").lower() == "batch"


def _envelope(entity: str, record: JsonDict) -> JsonDict:
    return {entity: record, "time": response_time()}


def _unsupported(request: Request) -> QboFaultError:
    path = request.url.path
    return QboFaultError(
        "500",
        "Unsupported Operation",
        f"Operation Could not find resource for relative : {path} of full path: {request.url} "
        "is not supported.",
    )


async def _json_body(request: Request) -> JsonDict:
    if "application/json" not in request.headers.get("content-type", ""):
        raise bad_property(
            "failed to parse json object; a property (Content-Type is not application/json)"
        )
    try:
        parsed: Any = json.loads(await request.body())
    except ValueError:
        raise bad_property("failed to parse json object; a property") from None
    if not isinstance(parsed, dict):
        raise bad_property("failed to parse json object; a property")
    return parsed


async def gateway_fault_response(fault: InjectedFault) -> Response:
    """The response a scripted fault produces (the request never reaches the books)."""
    if fault.answer is not None:
        answer = fault.answer
        headers = {"intuit_tid": str(uuid.uuid4())}
        return Response(answer.body, answer.status, headers, media_type=answer.content_type)
    if fault.kind == "throttle":
        return throttled()
    if fault.kind == "server_error":
        return server_error()
    if fault.kind == "html_503":
        return html_page(503, "503 Service Temporarily Unavailable")
    if fault.kind == "auth":
        return auth_failed("Token expired: injected by the sandbox")
    await asyncio.sleep(fault.seconds)  # "timeout": hang, then the load balancer gives up
    return html_page(504, "504 Gateway Time-out")

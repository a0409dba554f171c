"""The fake QBO's `/_sandbox` admin endpoints: companies, records, faults and company states.

Tests and `make run` drive the sandbox over HTTP through these; none of them exists at Intuit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerport_sandbox.qbo_ledger import LEDGER_ENTITIES, ledger, recompute
from ledgerport_sandbox.qbo_limits import DEFAULT_HANG_SECONDS
from ledgerport_sandbox.qbo_schema import PATH_ENTITIES
from ledgerport_sandbox.qbo_wire import JsonDict, QboFaultError

if TYPE_CHECKING:
    from ledgerport_sandbox.qbo import QboSandbox


def admin_routes(sandbox: QboSandbox) -> list[Route]:
    admin = AdminApi(sandbox)
    realm = "/_sandbox/realms/{realm}"
    return [
        Route(realm, admin.add_realm, methods=["POST"]),
        Route(f"{realm}/tokens", admin.tokens, methods=["POST"]),
        Route(f"{realm}/sales-tax", admin.sales_tax, methods=["POST"]),
        Route(f"{realm}/multicurrency", admin.multicurrency, methods=["POST"]),
        Route(f"{realm}/books", admin.books, methods=["POST"]),
        Route(f"{realm}/subscription", admin.subscription, methods=["POST"]),
        Route(f"{realm}/records/{{entity}}", admin.records, methods=["GET", "POST"]),
        Route(f"{realm}/records/{{entity}}/{{id}}/active", admin.set_active, methods=["POST"]),
        Route(f"{realm}/ledger/{{entity}}/{{id}}", admin.ledger, methods=["GET"]),
        Route(f"{realm}/recompute/{{entity}}", admin.recompute, methods=["POST"]),
        Route("/_sandbox/faults", admin.fault, methods=["POST"]),
        Route("/_sandbox/stats", admin.stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", admin.reset_stats, methods=["POST"]),
        Route("/_sandbox/requests", admin.request_log, methods=["GET"]),
        Route("/_sandbox/tokens/expire", admin.expire, methods=["POST"]),
    ]


class AdminApi:
    def __init__(self, sandbox: QboSandbox) -> None:
        self.sb = sandbox

    async def add_realm(self, request: Request) -> Response:
        """Options: `country` (US, GB, CA, AU), `home_currency` (the country's by default),
        `multicurrency`, `automated_sales_tax` (US only)."""
        options = await _json_or_empty(request)
        realm_id = request.path_params["realm"]
        if realm_id in self.sb.realms:  # a company's options are changed by their own routes
            if options:
                message = (
                    "the company exists; change it with …/sales-tax or …/multicurrency "
                    "(its country and home currency are fixed, as in QuickBooks)"
                )
                return JSONResponse({"error": message}, 409)
            return JSONResponse({"realmId": realm_id}, 200)
        try:
            self.sb.add_realm(
                request.path_params["realm"],
                home_currency=options.get("home_currency"),
                multicurrency=bool(options.get("multicurrency", False)),
                automated_sales_tax=bool(options.get("automated_sales_tax", False)),
                country=str(options.get("country", "US")),
            )
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"realmId": request.path_params["realm"]}, 201)

    async def multicurrency(self, request: Request) -> Response:
        """`{"enabled": true}` turns multicurrency on. QuickBooks cannot turn it off again, so
        `false` on a company that has it is a 409."""
        realm_id = request.path_params["realm"]
        if realm_id not in self.sb.realms:
            return JSONResponse({"error": "unknown realm"}, 404)
        enabled = (await _json_or_empty(request)).get("enabled")
        if not isinstance(enabled, bool):
            return JSONResponse({"error": "enabled is a boolean"}, 400)
        if not self.sb.set_multicurrency(realm_id, enabled):
            return JSONResponse({"error": "QuickBooks cannot turn multicurrency off"}, 409)
        return JSONResponse({"realmId": realm_id, "multicurrency": enabled})

    async def sales_tax(self, request: Request) -> Response:
        realm_id = request.path_params["realm"]
        if realm_id not in self.sb.realms:
            return JSONResponse({"error": "unknown realm"}, 404)
        args = await _json_or_empty(request)
        automated, set_up = args.get("automated_sales_tax"), args.get("set_up", True)
        if not isinstance(automated, bool) or not isinstance(set_up, bool):
            return JSONResponse({"error": "automated_sales_tax and set_up are booleans"}, 400)
        self.sb.set_sales_tax(realm_id, automated=automated, set_up=set_up)
        prefs = self.sb.realm(realm_id).get("Preferences", "1") or {}
        return JSONResponse({"TaxPrefs": prefs.get("TaxPrefs")})

    async def tokens(self, request: Request) -> Response:
        realm_id = request.path_params["realm"]
        if realm_id not in self.sb.realms:
            return JSONResponse({"error": "unknown realm"}, 404)
        return JSONResponse(self.sb.issue_tokens(realm_id))

    async def records(self, request: Request) -> Response:
        realm_id, entity = request.path_params["realm"], request.path_params["entity"]
        if realm_id not in self.sb.realms:
            return JSONResponse({"error": "unknown realm"}, 404)
        if request.method == "GET":
            return JSONResponse(self.sb.documents(realm_id, entity))
        return JSONResponse(self.sb.add(realm_id, entity, await _json_or_empty(request)), 201)

    async def ledger(self, request: Request) -> Response:
        """How a stored transaction posts (qbo_ledger.ledger); 404 if there is none."""
        params = request.path_params
        realm = self.sb.realms.get(params["realm"])
        entity = PATH_ENTITIES.get(params["entity"].lower(), params["entity"])
        record = realm.get(entity, params["id"]) if realm is not None else None
        if realm is None or record is None:
            return JSONResponse({"error": f"no {entity} {params['id']}"}, 404)
        return JSONResponse(ledger(realm, entity, record))

    async def recompute(self, request: Request) -> Response:
        """A body checked and recomputed as a create would be, stored nowhere: 200 with
        `{"record", "ledger"}`, or 400 with the fault QBO would answer."""
        realm = self.sb.realms.get(request.path_params["realm"])
        if realm is None:
            return JSONResponse({"error": "unknown realm"}, 404)
        entity = PATH_ENTITIES.get(request.path_params["entity"].lower(), "")
        if entity not in LEDGER_ENTITIES:
            return JSONResponse({"error": f"entity is one of {', '.join(LEDGER_ENTITIES)}"}, 400)
        try:
            record, books = recompute(realm, entity, await _json_or_empty(request))
        except QboFaultError as fault:
            return JSONResponse(fault.body(), fault.status)
        return JSONResponse({"record": record, "ledger": books})

    async def set_active(self, request: Request) -> Response:
        """`{"active": false}` makes a name-list record inactive, as a person does in QBO's
        screens (QBO's "delete"); `{"active": true}` makes it active again."""
        params = request.path_params
        active = (await _json_or_empty(request)).get("active")
        if not isinstance(active, bool):
            return JSONResponse({"error": 'body must be {"active": true|false}'}, 400)
        try:
            record = self.sb.set_active(params["realm"], params["entity"], params["id"], active)
        except KeyError as exc:
            return JSONResponse({"error": str(exc.args[0])}, 404)
        return JSONResponse(record)

    async def fault(self, request: Request) -> Response:
        args = await _json_or_empty(request)
        try:
            if "rates" in args or "latency_ms" in args:
                self._configure_faults(args)
            elif args.get("kind") == "answer":
                self.sb.answer_next(**_answer_args(args))
            else:
                self.sb.inject_fault(str(args.pop("kind", "")), **args)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        state = {"rates": self.sb.faults.rates, "latency_ms": self.sb.latency_ms}
        return JSONResponse({"queued": len(self.sb.faults.pending), **state}, 201)

    def _configure_faults(self, args: JsonDict) -> None:
        if "rates" in args:
            seconds = float(args.get("seconds", DEFAULT_HANG_SECONDS))
            self.sb.set_fault_rates(dict(args["rates"]), seed=args.get("seed"), seconds=seconds)
        if "latency_ms" in args:
            self.sb.latency_ms = float(args["latency_ms"])

    async def books(self, request: Request) -> Response:
        """`{"closed_through": "2025-03-31"}` closes the books through that date, as a person
        does in QBO's Advanced settings; `{"closed_through": null}` opens them again."""
        through = (await _json_or_empty(request)).get("closed_through")
        if through is not None and not isinstance(through, str):
            return JSONResponse({"error": "closed_through is a date (YYYY-MM-DD) or null"}, 400)
        return self._company(request, lambda realm_id: self.sb.close_books(realm_id, through))

    async def subscription(self, request: Request) -> Response:
        """`{"active": false}`: the company's subscription lapsed; `true`: renewed."""
        active = (await _json_or_empty(request)).get("active")
        if not isinstance(active, bool):
            return JSONResponse({"error": 'body must be {"active": true|false}'}, 400)
        return self._company(request, lambda realm_id: self.sb.set_subscription(realm_id, active))

    def _company(self, request: Request, change: Callable[[str], JsonDict]) -> Response:
        realm_id = request.path_params["realm"]
        if realm_id not in self.sb.realms:
            return JSONResponse({"error": "unknown realm"}, 404)
        return JSONResponse(change(realm_id))

    async def stats(self, request: Request) -> Response:
        realm_id = request.query_params.get("realm")
        if realm_id is None:
            return JSONResponse(self.sb.all_stats())
        return JSONResponse(self.sb.stats(realm_id))

    async def request_log(self, request: Request) -> Response:
        """The calls the fake has seen (secrets removed), oldest first, from `since` (an index
        a previous answer's `next` gave); the admin routes themselves are left out."""
        since = request.query_params.get("since", "0")
        if not since.isdigit():
            return JSONResponse({"error": "since must be a whole number"}, 400)
        seen = list(self.sb.requests)
        items = [
            {"method": r.method, "path": r.path, "query": r.query, "status": r.status}
            for r in seen[int(since) :]
            if not r.path.startswith("/_sandbox")
        ]
        return JSONResponse({"items": items, "next": len(seen)})

    async def reset_stats(self, request: Request) -> Response:
        self.sb.reset_stats()
        return Response(status_code=204)

    async def expire(self, request: Request) -> Response:
        args = await _json_or_empty(request)
        realm_id = args.get("realm_id")
        if args.get("refresh"):
            self.sb.revoke_refresh_tokens(realm_id)
        else:
            self.sb.expire_access_tokens(realm_id)
        return Response(status_code=204)


def _answer_args(args: JsonDict) -> JsonDict:
    """The admin form of `answer_next`: a body given as JSON is sent as its JSON text."""
    body = args.get("body", "")
    known = ("count", "realm_id", "path_contains")
    return {
        "status": int(args["status"]),
        "body": body if isinstance(body, str) else json.dumps(body),
        "content_type": str(args.get("content_type", "application/json")),
        **{key: args[key] for key in known if key in args},
    }


async def _json_or_empty(request: Request) -> JsonDict:
    raw = await request.body()
    parsed = json.loads(raw) if raw.strip() else {}
    return parsed if isinstance(parsed, dict) else {}

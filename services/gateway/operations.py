"""ERCOT's operations page: every flow whose step failed for good ("Needs attention"), from all four item-owning
services, with Retry (run the failed step again) and Cancel (end the flow). ERCOT's staff only: each service
refuses anyone else."""

import asyncio
from typing import NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flightrak import run_status
from flightrak.items.v1 import items_pb2 as pb
from flightrak.projections import ITEM_ID_OWNERS
from services.gateway import consistency, schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller, MaybeCaller
from services.gateway.backends import ApiError, call


class FlowDecision(NamedTuple):
    """What ERCOT's staff may decide for a flow that needs attention: POST /attention/{item_id}/<decision>."""

    method: str  # the item's service's
    operation: str  # the API operation's name, which its OpenAPI operationId keeps
    summary: str


DECISIONS = {
    "retry": FlowDecision("RetryFlow", "retry_flow", "Runs the item's failed step again, with a fresh retry budget"),
    "cancel": FlowDecision("CancelFlow", "cancel_flow", "Ends the item's flow; the item shows who cancelled it, when"),
}


def register(app, router: APIRouter) -> None:
    pages = APIRouter(include_in_schema=False)

    async def needing_attention(token: str) -> list[dict]:
        """Every service's open marks, oldest first."""
        replies = await asyncio.gather(
            *(
                call(app.state.backends.items_at(service).ListNeedingAttention, pb.ListNeedingAttentionRequest(), token)
                for service in ITEM_ID_OWNERS.values()
            )
        )
        found = [as_json(item) for reply in replies for item in reply.items]
        return sorted(found, key=lambda item: (item["since"] or "", item["item_id"]))

    async def decide(item_id: int, decision: str, token: str) -> dict:
        method = getattr(app.state.backends.items_of(item_id), DECISIONS[decision].method)
        return as_json(await call(method, pb.FlowDecisionRequest(item_id=item_id), token))

    @router.get(
        "/attention",
        summary="Every flow that needs attention: its step failed for good (ERCOT's staff)",
        **schemas.success(schemas.NeedingAttention),
    )
    async def list_needing_attention(caller: ApiCaller) -> dict:
        return {"items": await needing_attention(caller.token)}

    def add_decision(decision: str, flow_decision: FlowDecision) -> None:
        @router.post(
            f"/attention/{{item_id}}/{decision}",
            name=flow_decision.operation,
            summary=flow_decision.summary,
            **schemas.success(schemas.Attention),
        )
        async def decide_flow(item_id: int, caller: ApiCaller) -> dict:
            return await decide(item_id, decision, caller.token)

    for decision, flow_decision in DECISIONS.items():
        add_decision(decision, flow_decision)
    consistency.register(app, router)

    async def operations_page(request: Request, caller, status: int = 200, error: ApiError | None = None) -> Response:
        views.signed_in(caller)
        items = await needing_attention(caller.token)
        check = await consistency.last_check(app, caller.token)  # _consistency_check.html
        run = run_status.read(app.state.settings.run_status_file)  # the Processes section (_processes.html)
        return await views.render(
            app, request, caller, "operations.html", status, items=items, error=error, run=run, consistency=check
        )

    @pages.get("/operations", response_class=HTMLResponse)
    async def operations(request: Request, caller: MaybeCaller) -> Response:
        return await operations_page(request, caller)

    @pages.post("/operations/{item_id}/{decision}", response_class=HTMLResponse)
    async def decide_from_page(request: Request, item_id: int, decision: str, caller: views.PageCaller) -> Response:
        await views.read_form(app, request, caller)
        if decision not in DECISIONS:
            raise ApiError(404, f"no decision {decision}")
        try:
            await decide(item_id, decision, caller.token)
        except ApiError as error:
            if error.status not in (404, 409):
                raise
            return await operations_page(request, caller, error.status, error)
        return RedirectResponse("/operations", status_code=303)

    app.include_router(pages)

"""Transaction-processing systems: their sign-in, and ERCOT's admins registering and managing them."""

from collections.abc import Callable
from typing import Any, NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from flightrak.identity.v1 import identity_pb2 as pb
from services.gateway import rate_limits, schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller, MaybeCaller
from services.gateway.backends import ApiError, call

# The page that shows a new key is not cached nor named to another site.
SECRET_PAGE_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


class SystemSessionBody(BaseModel):
    system_id: str
    key: str


class TransactionSystemBody(BaseModel):
    system_id: str = Field("", description="lower-case letters, digits and '-', such as ercot-texas-set-gateway")
    name: str = ""


def key_json(reply: pb.TransactionSystemKey) -> dict:
    return {**as_json(reply.system), "key": reply.key}


class SystemChange(NamedTuple):
    """A change ERCOT's admin makes to one registered system, POSTed to /transaction-systems/{system_id}/<path> by the
    API and by the page alike."""

    path: str
    operation: str  # the API operation's name, which its OpenAPI operationId keeps
    summary: str
    answer_model: Any
    method: str  # identity's
    message: Callable[..., Any]  # its request, naming the system
    answer: Callable[[Any], dict]


SYSTEM_CHANGES = (
    SystemChange(
        "rotate-key",
        "rotate_transaction_system_key",
        "A new key, in this reply only; the old one stops working at once",
        schemas.TransactionSystemWithKey,
        "RotateTransactionSystemKey",
        pb.RotateTransactionSystemKeyRequest,
        key_json,
    ),
    SystemChange(
        "deactivate",
        "deactivate_transaction_system",
        "The system can no longer sign in",
        schemas.TransactionSystem,
        "DeactivateTransactionSystem",
        pb.DeactivateTransactionSystemRequest,
        as_json,
    ),
)


def register(app, router: APIRouter) -> None:
    pages = APIRouter(include_in_schema=False)

    @router.post(
        "/system-session",
        summary="A transaction-processing system signs in with its key: a bearer token",
        **schemas.success(schemas.SystemSession),
    )
    async def create_system_session(body: SystemSessionBody, request: Request) -> dict:
        await rate_limits.system_sign_in(request, body.system_id)
        message = pb.SystemSignInRequest(system_id=body.system_id, key=body.key)
        reply = await call(app.state.backends.identity.SystemSignIn, message)
        return {"token": reply.token, "expires_at": reply.expires_at.ToJsonString()}

    @router.post(
        "/transaction-systems",
        summary="ERCOT's admin registers a system that reports transactions; its key is in this reply only",
        **schemas.success(schemas.TransactionSystemWithKey, 201),
    )
    async def register_transaction_system(body: TransactionSystemBody, caller: ApiCaller) -> dict:
        request = pb.RegisterTransactionSystemRequest(system_id=body.system_id, name=body.name)
        return key_json(await call(app.state.backends.identity.RegisterTransactionSystem, request, caller.token))

    @router.get(
        "/transaction-systems",
        summary="Every registered transaction system (ERCOT's admins; no keys)",
        **schemas.success(schemas.TransactionSystems),
    )
    async def list_transaction_systems(caller: ApiCaller) -> dict:
        reply = await call(
            app.state.backends.identity.ListTransactionSystems, pb.ListTransactionSystemsRequest(), caller.token
        )
        return {"systems": [as_json(system) for system in reply.systems]}

    async def systems_page(request: Request, caller, status: int = 200, **context) -> Response:
        views.signed_in(caller)
        reply = await call(
            app.state.backends.identity.ListTransactionSystems, pb.ListTransactionSystemsRequest(), caller.token
        )
        response = await views.render(
            app,
            request,
            caller,
            "transaction_systems.html",
            status,
            systems=[as_json(s) for s in reply.systems],
            **context,
        )
        if "shown_key" in context:
            response.headers.update(SECRET_PAGE_HEADERS)
        return response

    async def change(request: Request, caller, method, message) -> Response:
        await views.read_form(app, request, caller)
        try:
            reply = await call(method, message, caller.token)
        except ApiError as error:
            if error.status not in (400, 404, 409):
                raise
            return await systems_page(request, caller, error.status, error=error)
        if isinstance(reply, pb.TransactionSystemKey):
            return await systems_page(
                request, caller, shown_key={"system_id": reply.system.system_id, "key": reply.key}
            )
        return await systems_page(request, caller)

    @pages.get("/transaction-systems", response_class=HTMLResponse)
    async def transaction_systems_page(request: Request, caller: MaybeCaller) -> Response:
        return await systems_page(request, caller)

    @pages.post("/transaction-systems", response_class=HTMLResponse)
    async def register_from_page(request: Request, caller: views.PageCaller) -> Response:
        form = await views.read_form(app, request, caller)
        message = pb.RegisterTransactionSystemRequest(system_id=form.get("system_id", ""), name=form.get("name", ""))
        try:
            reply = await call(app.state.backends.identity.RegisterTransactionSystem, message, caller.token)
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            return await systems_page(request, caller, error.status, error=error, values=message)
        shown = {"system_id": reply.system.system_id, "key": reply.key}
        return await systems_page(request, caller, 201, shown_key=shown)

    def add_change(system_change: SystemChange) -> None:
        path = f"/transaction-systems/{{system_id}}/{system_change.path}"

        @router.post(
            path,
            name=system_change.operation,
            summary=system_change.summary,
            **schemas.success(system_change.answer_model),
        )
        async def change_system(system_id: str, caller: ApiCaller) -> dict:
            method = getattr(app.state.backends.identity, system_change.method)
            return system_change.answer(await call(method, system_change.message(system_id=system_id), caller.token))

        @pages.post(path, response_class=HTMLResponse)
        async def change_from_page(request: Request, system_id: str, caller: MaybeCaller) -> Response:
            method = getattr(app.state.backends.identity, system_change.method)
            return await change(request, caller, method, system_change.message(system_id=system_id))

    for system_change in SYSTEM_CHANGES:
        add_change(system_change)

    app.include_router(pages)

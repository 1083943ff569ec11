"""Script packs and transactions (issue 5): ERCOT publishes a flight's pack as YAML or JSON, and anyone
signed in reads the published versions; ERCOT's systems report the transactions they receive."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from flightrak.registration.v1 import registration_pb2
from flightrak.scripts.v1 import scripts_pb2 as pb
from flightrak.uploads import too_big
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller
from services.gateway.backends import ApiError, call

router = APIRouter(prefix="/api/v1", tags=["script packs and transactions"])
MAX_PACK_BYTES = 5 * 1024 * 1024


class TransactionBody(BaseModel):
    transaction_id: str = Field(description="the reporting system's own ID: a report sent twice counts once")
    type: str = Field(description="e.g. 814_01")
    sender_duns: str
    receiver_duns: str
    esi_id: str = ""
    reference: str = ""
    valid: bool = Field(True, description="whether it passed ERCOT's validation")
    reasons: list[str] = Field(default_factory=list, description="why it failed validation")
    item_id: int = Field(0, description="optional: the script issue it belongs to")


async def read_pack(request: Request) -> str:
    """The request body as text, refused before reading when its declared size is too big."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (problem := too_big(int(declared), MAX_PACK_BYTES, "a script pack")):
        raise ApiError(413, problem, {"pack": problem})
    body, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if problem := too_big(size, MAX_PACK_BYTES, "a script pack"):
            raise ApiError(413, problem, {"pack": problem})
        body.append(chunk)
    try:
        return b"".join(body).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiError(400, f"the script pack is not UTF-8 text (byte {error.start})", {"pack": "not UTF-8"}) from None


async def publish(app, designation: str, content: str, media_type: str, token: str) -> pb.PublishPackResponse:
    """Checks the flight exists (404 otherwise), then publishes."""
    flight = await call(
        app.state.backends.registration.GetFlight, registration_pb2.GetFlightRequest(designation=designation), token
    )
    request = pb.PublishPackRequest(flight=flight.designation, content=content, media_type=media_type)
    return await call(app.state.backends.scripts.PublishPack, request, token, timeout=120)


def register(app) -> None:
    @router.put(
        "/flights/{designation}/script-pack",
        summary="ERCOT publishes the flight's script pack (YAML or JSON body); a new version when it differs",
        responses={422: {"description": "every problem, naming its script and step"}},
    )
    async def put_script_pack(designation: str, request: Request, caller: ApiCaller) -> Response:
        content = await read_pack(request)
        media_type = request.headers.get("content-type", "").split(";")[0].strip()
        published = await publish(app, designation, content, media_type, caller.token)
        if not published.ok:
            count = len(published.problems)
            body = ApiError(
                422, f"the script pack has {count} problem{'s' if count != 1 else ''}; nothing was published"
            ).body()
            body["error"]["problems"] = list(published.problems)
            return JSONResponse(body, status_code=422)
        status = 200 if published.unchanged else 201
        return JSONResponse({"unchanged": published.unchanged, **as_json(published.version)}, status_code=status)

    @router.get("/flights/{designation}/script-pack", summary="A published version of the flight's pack (latest: 0)")
    async def get_script_pack(designation: str, caller: ApiCaller, version: int = 0) -> Response:
        found = await call(
            app.state.backends.scripts.GetPack, pb.GetPackRequest(flight=designation, version=version), caller.token
        )
        return JSONResponse({**as_json(found.version), "pack": json.loads(found.content)})

    @router.post(
        "/transactions",
        summary="ERCOT's systems report a transaction received; the script issue waiting for it moves on",
    )
    async def report_transaction(body: TransactionBody, caller: ApiCaller) -> Response:
        outcome = await call(
            app.state.backends.scripts.ReportTransaction, pb.TransactionReport(**body.model_dump()), caller.token
        )
        status = 200 if outcome.duplicate else 202
        return JSONResponse(
            {"matched_item_id": outcome.matched_item_id or None, "duplicate": outcome.duplicate}, status_code=status
        )

    app.include_router(router)

"""Script packs and transactions (issue 5): ERCOT publishes a flight's pack as YAML or JSON, and anyone
signed in reads the published versions; ERCOT's systems report the transactions they receive, and ERCOT attaches
by hand one that matched nothing to the script issue it belongs to (issue 6)."""

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from flightrak import boundary
from flightrak.scripts.v1 import scripts_pb2 as pb
from flightrak.uploads import too_big
from services.gateway import flights, reports, schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller, MaybeCaller
from services.gateway.backends import ApiError, call

MAX_PACK_BYTES = 5 * 1024 * 1024
# The example pack the scripts service's tests and the demo market publish, offered to ERCOT as a starting point
# (read as a file: the gateway imports no other service's code).
EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "scripts" / "example_pack.yaml"


MAX_INTERCHANGE_BYTES = 10 * 1024 * 1024
X12_MEDIA_TYPES = ("application/edi-x12", "application/edi", "text/plain")
UNMATCHED = "unmatched-transactions"


class TransactionBody(BaseModel):
    type: str = Field(description="e.g. 814_01")
    sender_duns: str
    receiver_duns: str
    reference: str = Field(
        description="the sender's own reference (BGN02; a 997's ISA13-GS06-ST02): with the sender, its key"
    )
    esi_id: str = ""
    answers_reference: str = Field(
        "", description="the reference of the transaction it responds to (BGN06; a 997's AK102 or AK102-AK202)"
    )
    valid: bool = Field(True, description="whether it passed ERCOT's validation")
    reasons: list[str] = Field(default_factory=list, description="why it failed validation")
    transaction_id: str = Field("", description="optional: the reporting system's own ID, kept for the record")
    item_id: int = Field(0, ge=0, le=boundary.INT64_MAX, description="optional: the script issue it belongs to")


class AttachBody(BaseModel):
    item_id: int = Field(
        ge=1, le=boundary.INT64_MAX, description="the script issue whose step waits for a transaction of its type"
    )
    comment: str = Field("", description="required: why ERCOT counts this transaction for that step (its history)")


def outcome_json(outcome: pb.TransactionOutcome) -> dict:
    return {
        "type": outcome.type,
        "sender_duns": outcome.sender_duns,
        "reference": outcome.reference,
        "matched_item_id": outcome.matched_item_id or None,
        "matched_step": outcome.matched_step or None,
        "duplicate": outcome.duplicate,
        "unmatched_reason": outcome.unmatched_reason or None,
    }


async def read_body(request: Request, limit: int, what: str, field: str = "body") -> bytes:
    """The request body, refused (413, naming `field`) before it is read when its declared size is over
    `limit`, and as soon as what arrives is."""
    declared = request.headers.get("content-length", "")
    if boundary.is_number(declared) and (problem := too_big(int(declared), limit, what)):
        raise ApiError(413, problem, {field: problem})
    body, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if problem := too_big(size, limit, what):
            raise ApiError(413, problem, {field: problem})
        body.append(chunk)
    return b"".join(body)


async def read_pack(request: Request) -> str:
    """The request body as text, refused before reading when its declared size is too big."""
    body = await read_body(request, MAX_PACK_BYTES, "a script pack", field="pack")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiError(400, f"the script pack is not UTF-8 text (byte {error.start})", {"pack": "not UTF-8"}) from None


async def publish(app, designation: str, content: str, media_type: str, token: str) -> pb.PublishPackResponse:
    """Checks the flight exists (404 otherwise), then publishes."""
    flight = await flights.flight_named(app, designation, token)
    request = pb.PublishPackRequest(flight=flight.designation, content=content, media_type=media_type)
    return await call(app.state.backends.scripts.PublishPack, request, token, timeout=120)


def transaction_key(transaction: str) -> tuple[str, str]:
    """(sender DUNS, reference) from a transaction's name, `<sender DUNS>:<reference>`."""
    sender_duns, _, reference = transaction.partition(":")
    if not (boundary.is_number(sender_duns) and reference):
        raise ApiError(
            404,
            f"no transaction {transaction}: a transaction is named <sender DUNS>:<reference>, as the Unmatched "
            "Transactions report's Transaction column shows it",
        )
    return sender_duns, reference


async def attach_transaction(
    app, transaction: str, item_id: int, comment: str, token: str
) -> pb.AttachTransactionResponse:
    sender_duns, reference = transaction_key(transaction)
    request = pb.AttachTransactionRequest(
        sender_duns=sender_duns, reference=reference, item_id=item_id, comment=comment
    )
    return await call(app.state.backends.scripts.AttachTransaction, request, token)


def register(app, router: APIRouter) -> None:
    @router.put(
        "/flights/{designation}/script-pack",
        summary="ERCOT publishes the flight's script pack (YAML or JSON body); a new version when it differs",
        responses={
            200: {"model": schemas.PublishedPack, "description": "the same as the latest version: nothing new"},
            201: {"model": schemas.PublishedPack, "description": "published as a new version"},
            422: schemas.error("every problem, naming its script and step"),
        },
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

    @router.get(
        "/flights/{designation}/script-pack",
        summary="A published version of the flight's pack (latest: 0)",
        responses={200: {"model": schemas.PublishedPackContent}},
    )
    async def get_script_pack(
        designation: str, caller: ApiCaller, version: Annotated[int, Query(ge=0, le=boundary.INT32_MAX)] = 0
    ) -> Response:
        found = await call(
            app.state.backends.scripts.GetPack, pb.GetPackRequest(flight=designation, version=version), caller.token
        )
        return JSONResponse({**as_json(found.version), "pack": json.loads(found.content)})

    @router.get(
        "/script-packs/example",
        summary="The example script pack (YAML): the format a pack is published in, to start one from",
        responses={200: {"content": {"application/yaml": {}}, "description": "services/scripts/example_pack.yaml"}},
    )
    async def get_example_pack(caller: ApiCaller) -> Response:
        return Response(
            EXAMPLE_PACK.read_bytes(),
            media_type="application/yaml",
            headers={"content-disposition": 'attachment; filename="example_pack.yaml"'},
        )

    @router.post(
        "/transactions",
        summary="A transaction-processing system reports what ERCOT received: one JSON receipt, a JSON list of "
        "them, or raw ANSI X12 004010 (Content-Type application/edi-x12); each waiting script issue moves on",
        responses={
            202: {"model": schemas.TransactionsTaken, "description": "taken: each matched to a script issue or not"},
            200: {"model": schemas.TransactionsTaken, "description": "every one a duplicate: nothing done again"},
            422: {"model": schemas.InterchangeOutcome, "description": "X12 refused whole: each problem's position"},
        },
        openapi_extra={
            "requestBody": {
                "content": {
                    "application/json": {"schema": TransactionBody.model_json_schema()},
                    "application/edi-x12": {"schema": {"type": "string"}},
                }
            }
        },
    )
    async def report_transactions(request: Request, caller: ApiCaller) -> Response:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_body(request, MAX_INTERCHANGE_BYTES, "an interchange")
        scripts = app.state.backends.scripts
        if media_type in X12_MEDIA_TYPES:
            read = await call(scripts.ReportInterchange, pb.Interchange(content=body), caller.token, timeout=120)
            return interchange_response(read)
        reports = parsed_reports(body)
        if isinstance(reports, pb.TransactionReport):
            outcome = await call(scripts.ReportTransaction, reports, caller.token)
            return JSONResponse(outcome_json(outcome), status_code=200 if outcome.duplicate else 202)
        batch = await call(scripts.ReportTransactions, iter(reports), caller.token, timeout=120)
        outcomes = [outcome_json(outcome) for outcome in batch.transactions]
        status = 200 if outcomes and all(outcome["duplicate"] for outcome in outcomes) else 202
        return JSONResponse({"transactions": outcomes}, status_code=status)

    @router.post(
        "/transactions/{transaction:path}/attach",
        summary="ERCOT attaches a transaction that matched nothing (named <sender DUNS>:<reference>) to a script "
        "issue whose current step waits for one of its type, with a comment in the issue's history",
        responses={
            200: {"model": schemas.AttachedTransaction},
            400: schemas.error("no comment (or no item_id)"),
            403: schemas.error("not ERCOT's staff (a participant or a transaction-processing system)"),
            404: schemas.error("no such transaction or item"),
            409: schemas.error("the transaction was already matched, or the item takes no such transaction now"),
        },
    )
    async def attach(transaction: str, body: AttachBody, caller: ApiCaller) -> dict:
        """A valid transaction moves the step on; a failed one is shown on the step with its reasons, which waits
        on. Either way it leaves the Unmatched Transactions report, and the item's history names who attached it
        with their comment."""
        attached = await attach_transaction(app, transaction, body.item_id, body.comment, caller.token)
        return {
            "transaction": outcome_json(attached.transaction)
            | {"attached_by": attached.attached_by, "comment": attached.comment},
            "item": as_json(attached.item),
        }

    @app.post("/transactions/{transaction:path}/attach", include_in_schema=False)
    async def attach_from_report(request: Request, transaction: str, caller: MaybeCaller) -> Response:
        """Attach from the Unmatched Transactions report: done, the item's page; refused, the report again with
        why beside the transaction and what was typed."""
        form = await views.read_form(app, request, caller)
        caller = views.signed_in(caller)
        item_id = form.get("item_id", "").strip()
        try:
            if not (boundary.is_number(item_id) and int(item_id) <= boundary.INT64_MAX):
                raise ApiError(400, "an Item ID is a number", {"item_id": f"'{item_id}' is not an Item ID"})
            await attach_transaction(app, transaction, int(item_id), form.get("comment", ""), caller.token)
        except ApiError as error:
            if error.status not in (400, 404, 409):
                raise
            found = await reports.fetch_report(app, UNMATCHED, caller.token, page_size=reports.PAGE_ROWS)
            return await views.render(
                app,
                request,
                caller,
                "report.html",
                status=error.status,
                report=found,
                rows=reports.as_rows(found),
                flight="",
                item_id="",
                first_page=True,
                attach={"transaction": transaction, "error": error, "values": form},
            )
        return RedirectResponse(f"/items/{item_id}", status_code=303)


def parsed_reports(body: bytes) -> pb.TransactionReport | list[pb.TransactionReport]:
    """One JSON receipt, or a list of them; every bad field named, with its receipt's place in the list."""
    try:
        parsed = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the body is neither JSON nor X12 (send X12 as application/edi-x12): {error}") from None
    many = isinstance(parsed, list)
    receipts = parsed if many else [parsed]
    reports, problems = [], {}
    for n, receipt in enumerate(receipts):
        try:
            reports.append(pb.TransactionReport(**TransactionBody.model_validate(receipt).model_dump()))
        except ValidationError as error:
            for problem in error.errors():
                where = ".".join(str(part) for part in problem["loc"]) or "body"
                problems[f"{n}.{where}" if many else where] = problem["msg"]
    if problems:
        raise ApiError(400, "the request is not valid", problems)
    if many and not reports:
        raise ApiError(400, "the list holds no transaction", {"body": "an empty list"})
    return reports if many else reports[0]


def interchange_response(read: pb.InterchangeOutcome) -> JSONResponse:
    body = {
        "accepted_whole": read.accepted_whole,
        "interchange_control_number": read.interchange_control_number,
        "transactions": [outcome_json(outcome) for outcome in read.transactions],
        "refused": list(read.refused),
        "problems": [
            {"position": p.position, "segment_id": p.segment_id, "control_number": p.control_number, "reason": p.reason}
            for p in read.problems
        ],
    }
    if not read.transactions and read.problems:
        body["error"] = {"code": "unprocessable", "message": "the interchange was refused whole; nothing was taken"}
        return JSONResponse(body, status_code=422)
    all_duplicates = read.transactions and all(outcome.duplicate for outcome in read.transactions)
    return JSONResponse(body, status_code=200 if all_duplicates and not read.problems else 202)

"""Test beds (guide §6.3): a TDSP uploads its file (Attach and Validate) and downloads its template; ERCOT
downloads what was attached. The size is checked before the body is read; nothing of a bad file is kept."""

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from flightrak import boundary
from flightrak.testbed.v1 import testbed_pb2 as pb
from flightrak.uploads import TEST_BED_MAX_BYTES as MAX_BYTES
from flightrak.uploads import too_big
from services.gateway import schemas
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller
from services.gateway.backends import ApiError, call

# A multipart upload carries the file and a little more: its boundaries and the form's other fields.
MULTIPART_ALLOWANCE = 64 * 1024


@dataclass
class Upload:
    file_name: str
    content: bytes
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class Attached:
    """Attach and Validate's answer: the rows kept and the item, or every problem found."""

    ok: bool
    rows: int = 0
    item: object = None
    problems: list[dict] = field(default_factory=list)
    more_problems: int = 0

    @property
    def message(self) -> str:
        found = len(self.problems) + self.more_problems
        return f"the test bed has {found} problem{'s' if found != 1 else ''}; nothing of it was kept"


async def read_upload(request: Request, file_name: str = "") -> Upload:
    """The uploaded file, from a multipart form (field `file`) or a raw CSV body (name from `file_name`).
    Refused with 413 before reading when the declared size is too big, and while reading once it grows so."""
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    limit = MAX_BYTES + (MULTIPART_ALLOWANCE if multipart else 0)
    declared = request.headers.get("content-length", "")
    if boundary.is_number(declared) and int(declared) > limit:
        raise _too_big(int(declared) - (MULTIPART_ALLOWANCE if multipart else 0))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_big(size)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not multipart:
        return Upload(file_name or "test-bed.csv", body)

    async def replay() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(request.headers, replay(), max_files=1, max_fields=20).parse()
    except (MultiPartException, KeyError):
        raise ApiError(400, "the upload is not a multipart form FlighTrak can read", {"file": "unreadable"}) from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "choose the test-bed file to attach (form field 'file')", {"file": "is required"})
    fields = {key: str(value) for key, value in form.items() if not isinstance(value, UploadFile)}
    file_name = upload.filename or "test-bed.csv"
    if problems := boundary.problems_in({**fields, "file_name": file_name}):
        raise ApiError(400, "the upload's form holds text FlighTrak does not accept", problems)
    return Upload(file_name, await upload.read(), fields)


def _too_big(size: int) -> ApiError:
    problem = too_big(max(size, MAX_BYTES + 1), MAX_BYTES)
    assert problem is not None  # over the limit, by the max
    return ApiError(413, f"nothing was kept: {problem}", {"file": problem})


async def attach(app, item_id: int, upload: Upload, token: str) -> Attached:
    request = pb.AttachTestBedRequest(item_id=item_id, file_name=upload.file_name, content=upload.content)
    reply = await call(app.state.backends.testbed.AttachTestBed, request, token, timeout=120)
    if not reply.ok:
        problems = [{"row": p.row, "column": p.column, "message": p.message} for p in reply.problems]
        return Attached(False, problems=problems, more_problems=reply.more_problems)
    return Attached(True, reply.rows, reply.item)


def register(app, router: APIRouter) -> None:
    @router.post(
        "/items/{item_id}/attachments",
        summary="Attach and Validate a TDSP's test bed (CSV: multipart field `file`, or a text/csv body)",
        responses={
            200: {"model": schemas.AttachedTestBed},
            413: schemas.error("the file is over 10 MB"),
            422: schemas.error("every bad row, named"),
        },
    )
    async def attach_test_bed(request: Request, item_id: int, caller: ApiCaller, file_name: str = "") -> Response:
        upload = await read_upload(request, file_name)
        attached = await attach(app, item_id, upload, caller.token)
        if not attached.ok:
            body = ApiError(422, attached.message).body()
            body["error"] |= {"problems": attached.problems, "more_problems": attached.more_problems}
            return JSONResponse(body, status_code=422)
        return JSONResponse({"rows": attached.rows, "item": as_json(attached.item)})

    @router.get(
        "/items/{item_id}/test-bed",
        summary="A TDSP's test-bed template, or the test bed it attached",
        responses={200: schemas.file("text/csv", schemas.XLSX)},
    )
    async def test_bed_file(
        item_id: int,
        caller: ApiCaller,
        kind: Literal["template", "attached"] = "template",
        format: Literal["csv", "xlsx"] = "xlsx",
    ) -> Response:
        request = pb.TestBedFileRequest(item_id=item_id, kind=kind, format=format)
        found = await call(app.state.backends.testbed.GetTestBedFile, request, caller.token)
        return Response(
            found.content,
            media_type=found.content_type,
            headers={"content-disposition": f'attachment; filename="{found.file_name}"'},
        )

"""Qualification letters: ERCOT drafts a flight's letters (API and the flight's page), and a letter's PDF (the CR, its
SP and ERCOT once approved; ERCOT alone while a draft). Reviewing one is the item's own actions."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from flightrak.scripts.v1 import letters_pb2 as pb
from flightrak.scripts.v1 import letters_pb2_grpc
from services.gateway import flights, pages, schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller
from services.gateway.backends import call
from workflows.letters import models as m

DraftedLetters = schemas.proto_model(pb.DraftLettersResponse.DESCRIPTOR)
pages.DETAILS[m.ITEM_TYPE] = m.FIELD_LABELS


def _letters(app) -> letters_pb2_grpc.LetterServiceStub:
    return letters_pb2_grpc.LetterServiceStub(app.state.backends.channels["scripts"])


async def draft_letters(app, designation: str, token: str) -> pb.DraftLettersResponse:
    """The flight named (or a 404), then a letter for each of its CRs that has none."""
    flight = await flights.flight_named(app, designation, token)
    return await call(_letters(app).DraftLetters, pb.DraftLettersRequest(flight=flight.designation), token)


def register(app, router: APIRouter) -> None:
    @router.post(
        "/flights/{designation}/letters",
        summary="ERCOT drafts now the qualification letter of every CR of the flight that has none",
        **schemas.success(DraftedLetters),
    )
    async def draft_flight_letters(designation: str, caller: ApiCaller) -> dict:
        return as_json(await draft_letters(app, designation, caller.token))

    @router.get(
        "/items/{item_id}/letter.pdf",
        summary="A qualification letter as a PDF: approved, for its CR, the CR's SP and ERCOT; a draft, for ERCOT",
        responses={200: schemas.file("application/pdf")},
    )
    async def letter_pdf(item_id: int, caller: ApiCaller) -> Response:
        return await _pdf(app, item_id, caller.token)

    page_router = APIRouter()

    @page_router.post("/flights/{designation}/letters", include_in_schema=False)
    async def draft_letters_page(request: Request, designation: str, caller: views.PageCaller) -> Response:
        await views.read_form(app, request, caller)
        flight = await flights.flight_named(app, designation, caller.token)
        await draft_letters(app, designation, caller.token)
        return RedirectResponse(f"/items/{flight.item_id}#letters", status_code=303)

    app.include_router(page_router)


async def _pdf(app, item_id: int, token: str) -> Response:
    found = await call(_letters(app).GetLetterPdf, pb.GetLetterPdfRequest(item_id=item_id), token)
    return Response(
        found.content,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{found.file_name}"', "cache-control": "private, no-store"},
    )

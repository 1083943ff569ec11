"""Qualification letters in the scripts servicer: ERCOT drafts a flight's letters, a letter is an item (its page and
its actions, through the ItemService the scripts servicer serves), and its PDF."""

import asyncio
import re
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client

from flightrak import errors, projections, tokens
from flightrak.grpc_runtime import caller
from flightrak.item_steps import StepWriter
from flightrak.items.v1 import items_pb2
from flightrak.market_time import CENTRAL
from flightrak.scripts.v1 import letters_pb2 as pb
from flightrak.scripts.v1 import letters_pb2_grpc
from flightrak.temporal import forward
from services.scripts import letter_pdf, letter_store, letters, models
from services.scripts.letter_activities import LetterDrafting
from workflows.items import actor_of
from workflows.letters import models as m
from workflows.letters.ids import letter_workflow_id
from workflows.letters.rules import FLOW, Letter

DESIGNATION = re.compile(r"\d{4}")
REPORT = "qualification-letters"
REPORT_TITLE = "Qualification Letters"
REPORT_COLUMNS = ["Item ID", "Flight", "CR Involved", "CR DUNS", "State", "Scripts Passed", "Scenarios", "Drafted"]


class LetterServicer(letters_pb2_grpc.LetterServiceServicer):
    REPORT = REPORT  # the scripts servicer's GetReport answers it here

    def __init__(self, sessions: async_sessionmaker, temporal: Client, write_steps: StepWriter):
        self._sessions = sessions
        self._temporal = temporal
        self._write_steps = write_steps
        self._drafting = LetterDrafting(temporal)

    def add_to_server(self, server) -> None:
        letters_pb2_grpc.add_LetterServiceServicer_to_server(self, server)

    async def DraftLetters(self, request: pb.DraftLettersRequest, context) -> pb.DraftLettersResponse:
        principal = caller()
        if not principal.is_ercot:
            raise errors.PermissionDenied("only ERCOT drafts a flight's qualification letters")
        if not DESIGNATION.fullmatch(request.flight):
            raise errors.InvalidFields({"flight": "a flight is named by its designation, MMYY: four digits"})
        drafted = []
        async with self._sessions.begin() as session:
            for cr_duns, cr_name in await letter_store.flight_crs(session, request.flight):
                started = await self._drafting.start(session, request.flight, cr_duns, cr_name, m.DRAFTED_BY_ERCOT)
                if started:
                    drafted.append(pb.DraftedLetter(cr_duns=cr_duns, cr_name=cr_name, workflow_id=started))
        return pb.DraftLettersResponse(flight=request.flight, drafted=drafted)

    async def GetLetterPdf(self, request: pb.GetLetterPdfRequest, context) -> pb.LetterPdf:
        principal = caller()
        async with self._sessions() as session:
            letter = await letter_store.readable_letter(session, principal, request.item_id)
            item = await session.get(models.Item, request.item_id)
            history = await projections.history(session, models.ItemHistory, request.item_id)
        approved = item is not None and item.state == m.APPROVED
        if not approved and not principal.is_ercot:  # a draft is ERCOT's alone: to anyone else, there is none yet
            raise errors.NotFound(f"no approved letter {request.item_id}")
        approval = next((entry for entry in reversed(history) if entry.to_state == m.APPROVED), None)
        content = letter_pdf.LetterContent(
            flight=letter.flight,
            cr_name=letter.cr_name,
            cr_duns=letter.cr_duns,
            scenarios=list(letter.scenarios),
            rows=[letters.LetterRow.of(row) for row in letter.rows],
            drafted_at=letter.drafted_at,
            draft=letter.draft,
            approved=_approved_words(approval) if approved and approval is not None else "",
        )
        rendered = await asyncio.to_thread(letter_pdf.render, content)  # a few hundred rows take a while: off the loop
        state = "" if approved else "-DRAFT"
        name = f"qualification-letter-{letter.flight}-{letter.cr_duns}{state}.pdf"
        return pb.LetterPdf(content=rendered, file_name=name, draft=not approved)

    async def report(self, principal: tokens.Principal, flight: str) -> items_pb2.Report:
        """Every letter the caller may read (ERCOT: those awaiting its review among them), of the flight if named."""
        async with self._sessions() as session:
            found = await letter_store.letters_of(session, principal, flight)
        rows = [
            [
                str(letter.item_id),
                letter.flight,
                letter.cr_name,
                letter.cr_duns,
                item.state,
                item.fields.get("scripts_passed", ""),
                item.fields.get("scenarios", ""),
                item.fields.get("drafted_on", ""),
            ]
            for letter, item in found
        ]
        return projections.report(REPORT, REPORT_TITLE, REPORT_COLUMNS, rows)

    # Letters as items: the scripts servicer's GetItem and ActOnItem answer them when the Item ID is no script issue.

    async def item(self, item_id: int, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            letter = await letter_store.readable_letter(session, principal, item_id)
            item = await session.get(models.Item, item_id)
            if item is None:
                raise errors.FailedPrecondition("this qualification letter is still being drafted; try again shortly")
            history = await projections.history(session, models.ItemHistory, item_id)
        actions = FLOW.offered(item.state, principal, Letter(letter.cr_duns), datetime.now(UTC))
        return projections.item_proto(item, history, actions)

    async def act(self, request: items_pb2.ActOnItemRequest, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            letter = await letter_store.readable_letter(session, principal, request.item_id)
        # The table's actions only; the system's Drafted, forwarded, is refused by the workflow as no one's to take.
        if (unknown := FLOW.unknown(request.action)) is not None:
            raise errors.refused(unknown)
        handle = self._temporal.get_workflow_handle(letter_workflow_id(letter.flight, letter.cr_duns))
        given = m.ActionInput(actor_of(principal), comment=request.comment)
        await forward(handle, request.action, given, self._write_steps)
        return await self.item(request.item_id, principal)


def _approved_words(entry) -> str:
    return f"on {entry.at.astimezone(CENTRAL).date().isoformat()} by {entry.actor_name}, ERCOT"

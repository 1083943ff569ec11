"""The scripts gRPC servicer: script packs ERCOT publishes per flight, and script issues and their P2P
sub-flows as items."""

import asyncio
import base64
import json
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client

from flightrak import authz, errors, grpc_runtime, needs_attention, projections, roles, tokens
from flightrak.copying import same_named
from flightrak.grpc_runtime import caller
from flightrak.item_steps import StepWriter
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.scripts.v1 import analytics_pb2_grpc, scripts_pb2_grpc
from flightrak.scripts.v1 import scripts_pb2 as pb
from flightrak.temporal import forward
from services.scripts import analytics, models, packs, reports, store, transactions, x12
from services.scripts.letter_server import LetterServicer
from services.scripts.test_beds import TestBeds
from workflows.items import actor_of, invalid
from workflows.scripts import models as m
from workflows.scripts import rules
from workflows.table import Flow

# The table each item type runs: ActOnItem forwards its buttons, and the workflow's validator decides.
FLOWS: dict[str, Flow[Any]] = {m.SCRIPT_ISSUE: rules.FLOW, m.P2P_SUB_FLOW: rules.P2P_FLOW}


def version_proto(published: models.Pack) -> pb.PackVersion:
    return pb.PackVersion(
        **same_named(published, "flight", "version", "title", "example", "digest", "published_by"),
        scripts=published.script_count,
        published_at=published.published_at.isoformat(),
    )


def pairing_of(issue: models.ScriptIssue, item: models.Item) -> m.Pairing:
    fields = item.fields
    return m.Pairing(
        issue.flight,
        issue.cr_duns,
        fields.get("cr_name", ""),
        issue.tdsp_duns,
        fields.get("tdsp_name", ""),
        issue.sp_duns,
    )


def script_facts(issue: models.ScriptIssue, item: models.Item) -> rules.Script:
    return rules.script_facts(pairing_of(issue, item), item.state, item.responsible_party, item.fields)


CLAIMED_AT_ONCE = 50  # candidate steps of issues expecting a transaction later, tried together
# An interchange this small (a few sets) is read in well under a millisecond: a thread for it costs about as much.
READ_INLINE_BYTES = 4096
TAKEN_AT_ONCE = 12  # receipts of one interchange or batch taken together, each in a database transaction of its own
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 5000


def page_size(asked: int) -> int:
    """0 means the default; more than the most a page holds is served as the most (AIP-158)."""
    if asked < 0:
        raise errors.InvalidFields({"page_size": f"{asked} is not a page size: ask for 1 to {MAX_PAGE_SIZE} rows"})
    return min(asked or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def page_token(item_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{item_id}".encode()).decode()


def _transaction_page_token(received_at: datetime, sender_duns: str, reference: str) -> str:
    kept = json.dumps(["transactions after", received_at.isoformat(), sender_duns, reference])
    return base64.urlsafe_b64encode(kept.encode()).decode()


def _transaction_page_start(token: str) -> tuple | None:
    """The (received at, sender, reference) of the last transaction a page showed (None: the first page)."""
    if not token:
        return None
    try:
        kind, received_at, sender_duns, reference = json.loads(base64.urlsafe_b64decode(token.encode()))
        if kind != "transactions after":
            raise ValueError(kind)
        return datetime.fromisoformat(received_at), sender_duns, reference
    except (ValueError, TypeError) as error:  # binascii.Error, UnicodeDecodeError and JSON errors are ValueErrors
        raise errors.InvalidFields(
            {"page_token": "not a page token this report gave; start from the first page"}
        ) from error


def page_start(token: str) -> int:
    """The Item ID a page token says the next page starts after (0: the first page)."""
    if not token:
        return 0
    try:
        kind, item_id = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if kind != "after":
            raise ValueError(kind)
        return int(item_id)
    except ValueError as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise errors.InvalidFields(
            {"page_token": "not a page token this report gave; start from the first page"}
        ) from error


def reporter() -> tokens.Principal:
    """The caller, when it is a transaction-processing system ERCOT registered (never a person)."""
    principal = caller()
    if not roles.is_transaction_system(principal):
        raise errors.PermissionDenied(
            "only a transaction-processing system ERCOT registered reports transactions, signed in with its own "
            "key (POST /api/v1/system-session), not a person's account"
        )
    return principal


def refused_words(part: x12.RefusedPart) -> str:
    number = f" {part.control_number}" if part.control_number else ""
    return f"{part.level}{number} (segments {part.first_position}-{part.last_position})"


class ScriptsServicer(
    needs_attention.AttendedItems, scripts_pb2_grpc.ScriptsServiceServicer, items_pb2_grpc.ItemServiceServicer
):
    _attention_model, _item_model = models.NeedsAttention, models.Item

    def __init__(self, sessions: async_sessionmaker, temporal: Client, test_beds: TestBeds):
        self._sessions = sessions
        self._write_steps = StepWriter(sessions, store.record_transition)
        self._temporal = temporal
        self._test_beds = test_beds
        self._packs: dict[tuple[str, int], packs.ScriptPack] = {}
        self.letters = LetterServicer(sessions, temporal, self._write_steps)

    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="scripts", caller_user_id=principal.user_id, caller_duns=principal.duns)

    async def PublishPack(self, request: pb.PublishPackRequest, context) -> pb.PublishPackResponse:
        principal = caller()
        if not authz.may_run_flights(principal):
            raise errors.PermissionDenied("only an ERCOT admin publishes a flight's script pack")
        try:  # parsing is pure Python and may take a while for a large pack: off the event loop
            parsed = await asyncio.to_thread(packs.parse_pack, request.content, request.media_type)
        except packs.PackError as error:
            return pb.PublishPackResponse(ok=False, problems=error.problems)
        content = packs.pack_as_json(parsed)
        digest = packs.digest(content)
        # The testbed is told the version's test-bed scripts before the version is committed (told again when
        # the same pack is published again): a version is never published without them.
        async with self._sessions.begin() as session:
            latest = await store.latest_pack(session, request.flight)
            if latest is not None and latest.digest == digest:
                await self._test_beds.tell(request.flight, latest.version, parsed)
                return pb.PublishPackResponse(ok=True, version=version_proto(latest), unchanged=True)
            try:
                published = await store.add_pack_version(session, request.flight, parsed, content, principal.name)
            except IntegrityError:
                raise errors.Conflict(
                    "another version of this pack was published at the same moment; try again"
                ) from None
            await self._test_beds.tell(request.flight, published.version, parsed)
        return pb.PublishPackResponse(ok=True, version=version_proto(published))

    async def GetPack(self, request: pb.GetPackRequest, context) -> pb.Pack:
        caller()
        async with self._sessions() as session:
            found = await store.pack(session, request.flight, request.version)
        return pb.Pack(version=version_proto(found), content=found.content)

    async def ReportTransaction(self, request: pb.TransactionReport, context) -> pb.TransactionOutcome:
        """Kept for the record, then given to the script issue that has waited longest for a transaction of
        this type between these parties on its premise (or to the one named by `item_id`)."""
        principal = reporter()
        reported = transactions.Reported.of(request)
        problems = transactions.problems_of(reported)
        if problems:
            raise errors.InvalidFields(problems, errors.problems_message(problems, transactions.LABELS))
        return await self._take(reported, principal, "json")

    async def ReportTransactions(self, request_iterator, context) -> pb.TransactionBatchOutcome:
        """Every report of the stream checked before any is taken: a bad one refuses the batch, naming each
        problem by its place in the stream (0 first), and nothing of it is kept."""
        principal = reporter()
        batch = [transactions.Reported.of(request) async for request in request_iterator]
        problems = {
            f"{n}.{name}": problem
            for n, reported in enumerate(batch)
            for name, problem in transactions.problems_of(reported).items()
        }
        if problems:
            raise errors.InvalidFields(problems, f"{len(problems)} problem(s) in the batch; nothing was taken")
        return pb.TransactionBatchOutcome(transactions=await self._take_all(batch, principal, "json"))

    async def ReportInterchange(self, request: pb.Interchange, context) -> pb.InterchangeOutcome:
        principal = reporter()
        if len(request.content) <= READ_INLINE_BYTES:
            reading = x12.read_interchange(request.content, ercot_duns=principal.duns)
        else:  # a large one is read off the event loop
            reading = await asyncio.to_thread(x12.read_interchange, request.content, ercot_duns=principal.duns)
        if reading.refused:
            async with self._sessions.begin() as session:
                await store.record_refused(session, reading, principal.name)
        accepted = [transactions.Reported.of_x12(receipt) for receipt in reading.receipts]
        problems = {  # the reader checks these; what it accepts must still meet the JSON rules, all before any
            f"{receipt.control_number}.{name}": problem
            for receipt, reported in zip(reading.receipts, accepted, strict=True)
            for name, problem in transactions.problems_of(reported).items()
        }
        if problems:
            raise errors.InvalidFields(problems, errors.problems_message(problems, transactions.LABELS))
        taken = await self._take_all(accepted, principal, "x12")
        return pb.InterchangeOutcome(
            accepted_whole=reading.accepted_whole,
            interchange_control_number=reading.envelope.control_number if reading.envelope else "",
            transactions=taken,
            problems=[
                pb.X12Problem(
                    position=p.position, segment_id=p.segment_id, control_number=p.control_number, reason=p.reason
                )
                for p in reading.problems
            ],
            refused=[refused_words(part) for part in reading.refused],
        )

    async def _take_all(
        self, batch: list[transactions.Reported], principal: tokens.Principal, source: str
    ) -> list[pb.TransactionOutcome]:
        """The receipts of one interchange or batch taken together, TAKEN_AT_ONCE at a time, and answered in their
        order. Each is taken as `_take` takes a single one, in a database transaction of its own: one batch-wide
        transaction would hold the steps it claimed while waiting for a step another batch is claiming, and two
        such batches could wait on each other; a receipt alone waits only while it holds no claim
        (store.claim_free_step). Every receipt is seen through before the report is answered: when one failed
        (its signal was not delivered), the error is raised once the others are kept, and the system's retry of
        the same interchange is answered duplicate for those and takes the one that failed."""
        at_once = asyncio.Semaphore(TAKEN_AT_ONCE)

        async def take(reported: transactions.Reported) -> pb.TransactionOutcome:
            async with at_once:
                return await self._take(reported, principal, source)

        outcomes = await asyncio.gather(*(take(reported) for reported in batch), return_exceptions=True)
        failed = next((outcome for outcome in outcomes if isinstance(outcome, BaseException)), None)
        if failed is not None:
            raise failed
        return [outcome for outcome in outcomes if isinstance(outcome, pb.TransactionOutcome)]

    async def _take(self, reported: transactions.Reported, principal: tokens.Principal, source: str):
        """Keeps one transaction (once per sender and reference) and signals the script issue it belongs to,
        in one database transaction: the receipt, the step it claims and its match are written, the workflow is
        signalled, and only then is it committed. Signal then commit, not commit then signal: a failed signal
        rolls the receipt and its claim back (the step is free again, nothing is reported matched to a step that
        will not move), and a retry does it all again. A commit that fails after the signal was delivered leaves
        the workflow holding a receipt nothing kept; the retry (the same bytes) keeps it and signals it again,
        and the workflow, which remembers each receipt by its key, moves nothing twice. Commit then signal would
        instead need a kept outbox and a sender that never loses it, for a receipt already answered "matched"."""
        key: dict[str, Any] = {
            "sender_duns": reported.sender_duns,
            "reference": reported.reference,
            "type": reported.type,
        }
        async with self._sessions.begin() as session:
            kept = await store.record_transaction(session, reported, source, principal.name)
            if kept is None:
                earlier = await store.transaction(session, reported.sender_duns, reported.reference)
                return pb.TransactionOutcome(
                    matched_item_id=earlier.matched_item_id or 0,
                    matched_step=await store.claimed_step_of(session, earlier.sender_duns, earlier.reference),
                    duplicate=True,
                    unmatched_reason=earlier.unmatched_reason,
                    **key,
                )
            chosen = await self._match(session, kept, reported.item_id, principal.duns)
            if chosen is None:
                between = await store.open_issues_between(session, {kept.sender_duns, kept.receiver_duns})
                taken = await store.steps_taken_alike(session, kept, transactions.TAKEN_SHOWN) if kept.valid else ()
                unmatched_reason = transactions.why_unmatched(kept, between, *taken)
                await store.set_match(session, kept, None, unmatched_reason)
                return pb.TransactionOutcome(unmatched_reason=unmatched_reason, **key)
            issue, item, step = chosen
            await store.set_match(session, kept, issue.item_id)
            receipt = transactions.receipt_of(kept)
            await self._temporal.get_workflow_handle(item.workflow_id).signal(m.TRANSACTION_RECEIVED, receipt)
        return pb.TransactionOutcome(matched_item_id=issue.item_id, matched_step=step, **key)

    async def AttachTransaction(self, request: pb.AttachTransactionRequest, context) -> pb.AttachTransactionResponse:
        """ERCOT's decision, by hand: the transaction is kept as attached and the script issue's workflow takes it
        (an update) in one database transaction, so a refused update leaves the transaction unmatched. The row
        stays locked meanwhile: a second attach of it waits, then finds it attached."""
        principal = caller()
        key = transactions.key_of(request.sender_duns, request.reference)
        comment = request.comment.strip()
        async with self._sessions.begin() as session:
            item, issue = await self._visible(session, request.item_id, principal)
            if item.item_type != m.SCRIPT_ISSUE:
                parent = item.fields.get("parent_item_id", "")
                raise errors.FailedPrecondition(
                    f"item {item.item_id} is a {item.item_type}; attach the transaction to its script issue {parent}"
                )
            refused = rules.FLOW.not_theirs(m.ATTACH_TRANSACTION, principal, script_facts(issue, item))
            if refused is not None:
                raise errors.refused(refused)
            kept = await store.transaction_to_attach(session, request.sender_duns, request.reference)
            if kept.matched_item_id:
                by = f" by {kept.attached_by}" if kept.attached_by else ""
                raise errors.Conflict(f"transaction {key} was already matched{by} to item {kept.matched_item_id}")
            # A valid one claims the step it moves on, as a receipt does (store.claim_step): none takes it twice.
            step = transactions.current_step(item.fields)
            if kept.valid and not await store.claim_step(session, kept, item.item_id, step):
                holder = await store.step_claim(session, item.item_id, step)
                raise errors.Conflict(
                    f"step {step} of item {item.item_id} already has its transaction "
                    f"{transactions.key_of(holder.sender_duns, holder.reference)}, which moves it on"
                )
            # Kept as attached in this transaction; the workflow's refusal (its rule, its state) rolls it back.
            await store.attach(session, kept, item.item_id, principal.name, comment)
            handle = self._temporal.get_workflow_handle(item.workflow_id)
            attached = m.AttachedTransaction(actor_of(principal), transactions.receipt_of(kept), comment)
            # The update's ID is the transaction's: if the commit below fails after the workflow took it, the
            # same attach again gets the workflow's first answer instead of a refusal.
            await forward(handle, m.ATTACH_TRANSACTION, attached, self._write_steps, id=f"attach-{key}")
            outcome = pb.TransactionOutcome(
                matched_item_id=item.item_id,
                matched_step=step if kept.valid else 0,
                sender_duns=kept.sender_duns,
                reference=kept.reference,
                type=kept.type,
            )
        return pb.AttachTransactionResponse(
            transaction=outcome,
            attached_by=principal.name,
            comment=comment,
            item=await self._item(request.item_id, principal),
        )

    async def _match(self, session, kept: models.Transaction, item_id: int, ercot_duns: str):
        """The script issue and step the transaction goes to, as (issue, item, step): the step that waits for it
        now, else a later step that expects it (systems are quick); None when there is none. A valid one claims
        its step (store.claim_free_step), so receipts arriving together take different steps; a failed one claims
        none (the step waits on for a valid one) and goes to a step still free if there is one (step 0)."""
        parties = {kept.sender_duns, kept.receiver_duns}
        waiting = await store.waiting_for(session, kept.type, item_id, parties, kept.esi_id)
        now = {
            (issue.item_id, transactions.current_step(item.fields)): (issue, item)
            for issue, item in transactions.likeliest_first(kept, waiting)
            if transactions.parties_match(kept, issue, item.fields, ercot_duns=ercot_duns)
        }
        chosen = await self._step_of(session, kept, now)
        if chosen is None:
            async with aclosing(self._expecting_later(session, kept, item_id, ercot_duns)) as batches:
                async for later in batches:
                    if (chosen := await self._step_of(session, kept, later)) is not None:
                        break
        return chosen

    async def _expecting_later(self, session, kept: models.Transaction, item_id: int, ercot_duns: str):
        """(Item ID, step) -> (issue, item) of the steps of open issues between the transaction's parties, from
        each issue's current step on, that expect it; likeliest first, a few issues at a time (a flight may
        hold thousands between two parties, and the first few usually have a free step)."""
        between = await store.open_issues_between(session, {kept.sender_duns, kept.receiver_duns}, item_id)
        later = {}
        for issue, item in transactions.likeliest_first(kept, between):
            script = (await self._pack(session, issue.flight, issue.pack_version)).script(issue.script_id)
            current = transactions.current_step(item.fields)
            for step in transactions.steps_expecting(kept, issue, script, current, ercot_duns):
                later[(issue.item_id, step)] = (issue, item)
            if len(later) >= CLAIMED_AT_ONCE:
                yield later
                later = {}
        if later:
            yield later

    @staticmethod
    async def _step_of(session, kept: models.Transaction, candidates: dict):
        """Of candidate steps ((Item ID, step) -> (issue, item), likeliest first), the one the transaction goes
        to, as (issue, item, step); None when a valid one finds every step taken."""
        if not candidates:
            return None
        if kept.valid:
            claimed = await store.claim_free_step(session, kept, list(candidates))
            return None if claimed is None else (*candidates[claimed], claimed[1])
        taken = await store.claimed_steps(session, {item_id for item_id, _ in candidates})
        free = [candidate for candidate in candidates if candidate not in taken]
        return (*candidates[(free or list(candidates))[0]], 0)

    async def _pack(self, session, flight: str, version: int) -> packs.ScriptPack:
        """A published version, parsed once: it never changes."""
        key = (flight, version)
        if key not in self._packs:
            self._packs[key] = packs.pack_from_json((await store.pack(session, flight, version)).content)
        return self._packs[key]

    # Script issues and sub-flows as items

    async def GetItem(self, request: items_pb2.GetItemRequest, context) -> items_pb2.Item:
        principal = caller()
        try:
            return await self._item(request.item_id, principal)
        except errors.NotFound:  # no script issue: a qualification letter, or nothing the caller may see
            return await self.letters.item(request.item_id, principal)

    async def ActOnItem(self, request: items_pb2.ActOnItemRequest, context) -> items_pb2.Item:
        principal = caller()
        try:
            async with self._sessions() as session:
                item, issue = await self._visible(session, request.item_id, principal)
        except errors.NotFound:
            return await self.letters.act(request, principal)
        action = FLOWS[item.item_type].actions.get(request.action)
        if action is None or not action.button:
            raise errors.refused(invalid("action", f"'{request.action}' is not an action of a {item.item_type}"))
        handle = self._temporal.get_workflow_handle(item.workflow_id)
        await forward(handle, request.action, m.ScriptAction(actor_of(principal), request.comment), self._write_steps)
        return await self._item(request.item_id, principal)

    async def GetReport(self, request: items_pb2.ReportRequest, context) -> items_pb2.Report:
        principal = caller()
        if request.report == LetterServicer.REPORT:
            return await self.letters.report(principal, request.flight)
        if request.report not in reports.REPORTS:
            raise errors.NotFound(f"no report {request.report}")
        title, columns = reports.REPORTS[request.report]
        found = (principal, request.flight, request.item_id)
        if request.report == "flight-progress-summary":
            return await self._progress(principal, request.flight, request.item_id)
        size = page_size(request.page_size)
        if request.report == "unmatched-transactions":
            after = _transaction_page_start(request.page_token)
            async with self._sessions() as session:
                unmatched = await store.unmatched_transactions(session, principal, size + 1, after)
            shown = projections.report(request.report, title, columns, reports.unmatched_rows(unmatched[:size]))
            if len(unmatched) > size:
                last = unmatched[size - 1]
                shown.next_page_token = _transaction_page_token(last.received_at, last.sender_duns, last.reference)
            return shown
        if request.report == "refused-transactions":
            if not principal.is_ercot:
                raise errors.PermissionDenied("refused X12 is ERCOT's to investigate")
            async with self._sessions() as session:
                refused = await store.refused_transactions(session, size + 1, page_start(request.page_token))
            shown = projections.report(request.report, title, columns, reports.refused_rows(refused[:size]))
            if len(refused) > size:
                shown.next_page_token = page_token(refused[size - 1].refused_id)
            return shown
        statement = store.report_statement(request.report, *found, after=page_start(request.page_token))
        async with self._sessions() as session:
            page = await store.rows(session, statement.limit(size + 1))
        shown = projections.report(
            request.report, title, columns, reports.report_rows(request.report, principal, page[:size])
        )
        if len(page) > size:
            shown.next_page_token = page_token(page[size - 1].item_id)
        return shown

    async def _progress(self, principal: tokens.Principal, flight: str, item_id: int) -> items_pb2.Report:
        """The picture is of one flight: the one searched for, else the newest the caller has script issues in."""
        title, columns = reports.REPORTS["flight-progress-summary"]
        async with self._sessions() as session:
            if not flight and not item_id:
                flight = await store.current_flight(session, principal)
            counted = await store.rows(session, store.progress_statement(principal, flight, item_id))
            names = await store.progress_names(session, {row[4] for row in counted})
        if flight:
            title = f"{title}, Flight {flight}"
        return projections.report("flight-progress-summary", title, columns, reports.summary_rows(counted, names))

    async def _visible(self, session, item_id: int, principal: tokens.Principal):
        """ERCOT, and the CR, its Service Provider and the TDSP of the pairing. An issue whose workflow has not
        started yet has no item: it is listed nowhere, and whoever knows its Item ID is told to wait."""
        issue = await store.readable_issue(session, principal, item_id)
        item = await session.get(models.Item, item_id)
        if item is None:
            kind = "script issue" if issue.parent_item_id is None else "P2P sub-flow"
            raise errors.FailedPrecondition(f"this {kind} is still opening; try again in a moment")
        return item, issue

    async def _item(self, item_id: int, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            item, issue = await self._visible(session, item_id, principal)
            history = await projections.history(session, models.ItemHistory, item_id)
        now = datetime.now(UTC)
        if item.item_type == m.P2P_SUB_FLOW:
            facts = rules.sub_flow_facts(pairing_of(issue, item), item.responsible_party)
            actions = rules.P2P_FLOW.offered(item.state, principal, facts, now)
        else:
            actions = rules.buttons(script_facts(issue, item), principal, now)
        return projections.item_proto(item, history, actions)


async def register(server, settings, sessions) -> str:
    from flightrak import temporal

    test_beds = TestBeds(grpc_runtime.channel(settings.service_address("testbed")))
    servicer = ScriptsServicer(sessions, await temporal.connect(settings), test_beds)
    scripts_pb2_grpc.add_ScriptsServiceServicer_to_server(servicer, server)
    items_pb2_grpc.add_ItemServiceServicer_to_server(servicer, server)
    servicer.letters.add_to_server(server)
    flight_analytics = analytics.FlightAnalyticsServicer(sessions, settings.analytics_moving_seconds)
    analytics_pb2_grpc.add_FlightAnalyticsServiceServicer_to_server(flight_analytics, server)
    return pb.DESCRIPTOR.services_by_name["ScriptsService"].full_name

"""Qualification letters in the scripts service: when a CR's letter is due, starting its workflow (LetterDrafting),
and freezing each draft's rows (the letter workflow's activity).

A letter is due once every script issue the flight opened for the CR has closed, and the flight has opened its
business scripts (or its pack has none): all passed, it certifies the CR; otherwise it lists those that did not pass.
The check runs as each script issue's closing step is recorded, in that step's transaction: the record activity runs
for every step, whether or not the service wrote it first."""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from flightrak.activity_failures import classified_activity
from flightrak.market_time import CENTRAL
from services.scripts import letter_store, letters, packs, store
from workflows import letters as letters_flow
from workflows.items import ItemTransition
from workflows.letters import models as m
from workflows.letters.ids import letter_workflow_id
from workflows.letters.workflows import QualificationLetterWorkflow
from workflows.scripts import models as scripts

RecordTransition = Callable[[AsyncSession, ItemTransition], Awaitable[None]]


class LetterDrafting:
    def __init__(self, temporal: Client):
        self._temporal = temporal
        self._business: dict[tuple[str, int], set[str]] = {}  # a published pack's business Script IDs

    def recording(self, record_transition: RecordTransition) -> RecordTransition:
        """The scripts' record activity's write, and then whether the step makes its CR's letter due."""

        async def record(session: AsyncSession, step: ItemTransition) -> None:
            await record_transition(session, step)
            await self.after_step(session, step)

        return record

    async def after_step(self, session: AsyncSession, step: ItemTransition) -> None:
        if step.item_type != scripts.SCRIPT_ISSUE or not step.closed:
            return
        flight, cr_duns = step.fields.get("flight", ""), step.fields.get("cr_duns", "")
        await letter_store.one_drafter(session, flight, cr_duns)
        if await letter_store.has_letter(session, flight, cr_duns):
            return
        why = letters.why_due(await letter_store.cr_states(session, flight, cr_duns))
        if why and await self._business_opened(session, flight):
            await self.start(session, flight, cr_duns, step.fields.get("cr_name", cr_duns), why)

    async def _business_opened(self, session: AsyncSession, flight: str) -> bool:
        latest = await store.latest_pack(session, flight)
        if latest is None:
            return False
        key = (flight, latest.version)
        if key not in self._business:
            pack = packs.pack_from_json(latest.content)
            self._business[key] = {script.script_id for script in pack.scripts if script.kind == "business"}
        business = self._business[key]
        return not business or bool(business & await letter_store.flight_script_ids(session, flight))

    async def start(self, session: AsyncSession, flight: str, cr_duns: str, cr_name: str, why: str) -> str:
        """Starts the CR's letter workflow; its ID, or '' when the CR has one already (drafting twice is a no-op)."""
        [item_id] = await store.new_item_ids(session, 1)
        workflow_id = letter_workflow_id(flight, cr_duns)
        try:
            await self._temporal.start_workflow(
                QualificationLetterWorkflow.run,
                m.LetterInput(item_id, flight, cr_duns, cr_name, why),
                id=workflow_id,
                task_queue=letters_flow.TASK_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            return ""
        return workflow_id


class LetterActivities:
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    @classified_activity(m.DRAFT_LETTER)
    async def draft_letter(self, request: m.DraftRequest) -> m.LetterDraft:
        async with self._sessions.begin() as session:
            kept = await letter_store.freeze(session, request.item_id, request.flight, request.cr_duns, request.draft)
        rows = [letters.LetterRow.of(row) for row in kept.rows]
        drafted_on = kept.drafted_at.astimezone(CENTRAL).date().isoformat()
        return m.LetterDraft(letters.summary(rows, kept.scenarios) | {"drafted_on": drafted_on}, kept.sp_duns)

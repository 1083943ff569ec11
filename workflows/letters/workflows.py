"""One workflow per qualification letter, running the letter's table (rules.FLOW): the scripts service freezes the
letter's rows as the workflow starts (and again at each Draft Again), so the PDF is exactly the draft ERCOT approved;
Approve ends it."""

from temporalio import workflow

from workflows import attention
from workflows import search_attributes as sa
from workflows.item_flow import ItemFlow
from workflows.items import SYSTEM_ACTOR
from workflows.letters import models as m
from workflows.letters.rules import FLOW, Letter


@workflow.defn(name="QualificationLetter")
class QualificationLetterWorkflow(ItemFlow[Letter], flow=FLOW):
    @workflow.init
    def __init__(self, letter: m.LetterInput) -> None:
        self._letter = letter
        self._drafts = 0
        self._sp_duns = ""  # the CR's Service Provider as the last draft found it
        self._begin(
            letter.item_id, fields={"flight": letter.flight, "cr_duns": letter.cr_duns, "cr_name": letter.cr_name}
        )

    @workflow.run
    async def run(self, letter: m.LetterInput) -> m.LetterStatus:
        await self._draft(m.DRAFT, m.ActionInput(SYSTEM_ACTOR, comment=letter.why))
        await workflow.wait_condition(lambda: self._state == m.APPROVED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.LetterStatus:
        return m.LetterStatus(self._item_id, self._state, dict(self._fields))

    async def _draft(self, name: str, action: m.ActionInput) -> None:
        self._drafts += 1
        request = m.DraftRequest(self._item_id, self._letter.flight, self._letter.cr_duns, self._drafts)
        drafted = await self._attention.run(
            m.DRAFT_LETTER, request, result_type=m.LetterDraft, **attention.STEP_OPTIONS
        )
        self._sp_duns = drafted.sp_duns
        changes = self._keep_fields({**drafted.fields, "draft": str(self._drafts)})
        await self._move(name, action, changes)

    # The table's rules read these.

    def _facts(self) -> Letter:
        return Letter(self._letter.cr_duns)

    def _title(self) -> str:
        return f"Qualification Letter - {self._letter.cr_name}, Flight {self._letter.flight}"[:300]

    def _company_duns(self) -> str:
        return self._letter.cr_duns

    def _search_attributes(self) -> list:
        return [
            sa.FLIGHT.value_set(self._letter.flight),
            sa.CR_DUNS.value_set(self._letter.cr_duns),
            sa.service_provider(self._sp_duns),
        ]

    # Actions that do more than move.

    async def _take_draft_again(self, action: m.ActionInput) -> None:
        await self._draft(m.DRAFT_AGAIN, action)

"""Every path of a qualification letter, driven against fake scripts activities.

The workflow tests (tests/test_letter_workflow.py) drive these paths; run as
`.venv/bin/python -m tests.letter_histories` this module records one history per path into
tests/histories/letter_*.json, which those tests replay on every run."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from flightrak.worker import WORKFLOW_RUNNER
from tests.acting import acted
from tests.flight_histories import ERCOT_ADMIN
from tests.record_histories import HISTORIES, start_dev_server
from workflows.items import ItemTransition
from workflows.letters import models as m
from workflows.letters.ids import letter_workflow_id
from workflows.letters.workflows import QualificationLetterWorkflow
from workflows.scripts import models as scripts

LONESTAR, EDIGATE = "079348512", "601234587"
Letter = WorkflowHandle[QualificationLetterWorkflow, m.LetterStatus]


class FakeScriptsActivities:
    """Stands in for the scripts service: each draft counts one more script passed, of two."""

    def __init__(self) -> None:
        self.steps: list[ItemTransition] = []
        self.drafts: list[m.DraftRequest] = []

    @activity.defn(name=scripts.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: ItemTransition) -> None:
        self.steps.append(step)

    @activity.defn(name=m.DRAFT_LETTER)
    async def draft_letter(self, request: m.DraftRequest) -> m.LetterDraft:
        self.drafts.append(request)
        passed = min(request.draft, 2)
        fields = {"scripts_passed": f"{passed} of 2", "scenarios": "New CR", "drafted_on": "2030-08-17"}
        return m.LetterDraft(fields, EDIGATE)

    def actions(self, item_id: int) -> list[str]:
        return [step.action for step in self.steps if step.item_id == item_id]


@asynccontextmanager
async def workers(client: Client, fakes: FakeScriptsActivities) -> AsyncIterator[str]:
    task_queue = f"letter-test-{uuid.uuid4().hex}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[QualificationLetterWorkflow],
        activities=[fakes.record_item_transition, fakes.draft_letter],
        workflow_runner=WORKFLOW_RUNNER,
    ):
        yield task_queue


def new_item_id() -> int:
    return uuid.uuid4().int % 10**9 * 8 + 4


async def drafted(client: Client, task_queue: str, item_id: int, why: str = m.ALL_PASSED) -> Letter:
    """A letter started as the scripts service starts one, once its first draft awaits ERCOT's review."""
    flight = f"{item_id % 10_000:04d}"
    handle = await client.start_workflow(
        QualificationLetterWorkflow.run,
        m.LetterInput(item_id, flight, LONESTAR, "Lone Star Power & Light, LLC", why),
        id=letter_workflow_id(flight, LONESTAR) + f"-{item_id}",
        task_queue=task_queue,
    )
    give_up = asyncio.get_running_loop().time() + 15
    while (await handle.query(QualificationLetterWorkflow.status)).state != m.AWAITING_REVIEW:
        assert asyncio.get_running_loop().time() < give_up, "the letter was never drafted"
        await asyncio.sleep(0.05)
    return handle


async def act(handle: Letter, action: str, given: m.ActionInput) -> m.LetterStatus:
    """Takes one of the letter's table actions, by its name, as the scripts service does."""
    return await acted(handle.execute_update(action, given, result_type=m.LetterStatus), handle)


async def record() -> None:
    histories: dict[str, str] = {}
    fakes = FakeScriptsActivities()
    env = await start_dev_server()
    try:
        async with workers(env.client, fakes) as task_queue:
            handle = await drafted(env.client, task_queue, 10004)
            await act(handle, m.APPROVE, m.ActionInput(ERCOT_ADMIN))
            await handle.result()
            histories["letter_drafted_approved"] = (await handle.fetch_history()).to_json()

            handle = await drafted(env.client, task_queue, 10012, m.ALL_CLOSED)
            await act(handle, m.REJECT, m.ActionInput(ERCOT_ADMIN, comment="LTR02 passed after the draft"))
            await act(handle, m.DRAFT_AGAIN, m.ActionInput(ERCOT_ADMIN))
            await act(handle, m.APPROVE, m.ActionInput(ERCOT_ADMIN))
            await handle.result()
            histories["letter_rejected_drafted_again_approved"] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    for name, history in histories.items():
        (HISTORIES / f"{name}.json").write_text(history)
        print(f"recorded {name}")


if __name__ == "__main__":
    asyncio.run(record())

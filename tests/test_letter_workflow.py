"""The qualification letter workflow alone, against fake scripts activities on the dev server: its first draft, ERCOT's
decisions (a Reject needs a comment, only ERCOT decides), Draft Again freezing a new draft, and replay of every
recorded history."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from flightrak.worker import WORKFLOW_RUNNER
from tests.conftest import refused
from tests.flight_histories import ERCOT_ADMIN
from tests.letter_histories import FakeScriptsActivities, act, drafted, new_item_id, workers
from tests.record_histories import HISTORIES, start_dev_server
from workflows.items import Actor
from workflows.letters import models as m
from workflows.letters.workflows import QualificationLetterWorkflow

LONESTAR_AR = Actor("7", "Pat Doe", "079348512", ["ar", "user"], "CR")


@pytest.fixture(scope="module")
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


async def test_ercot_rejects_with_a_comment_drafts_again_and_approves(dev_env):
    fakes = FakeScriptsActivities()
    async with workers(dev_env.client, fakes) as task_queue:
        item_id = new_item_id()
        handle = await drafted(dev_env.client, task_queue, item_id, m.ALL_CLOSED)
        [first] = [step for step in fakes.steps if step.item_id == item_id]
        assert (first.action, first.to_state, first.responsible_party, first.comment) == (
            "Drafted",
            m.AWAITING_REVIEW,
            "ERCOT",
            m.ALL_CLOSED,
        )
        assert first.fields["scripts_passed"] == "1 of 2" and first.fields["draft"] == "1"
        await refused(act(handle, m.APPROVE, m.ActionInput(LONESTAR_AR)), "only ERCOT")
        await refused(act(handle, m.REJECT, m.ActionInput(ERCOT_ADMIN)), "say what is wrong")
        await refused(act(handle, m.DRAFT_AGAIN, m.ActionInput(ERCOT_ADMIN)), "not possible in state")
        await refused(act(handle, m.DRAFT, m.ActionInput(ERCOT_ADMIN)), "FlighTrak drafts")
        assert fakes.actions(item_id) == ["Drafted"]  # the refusals recorded nothing

        rejected = await act(handle, m.REJECT, m.ActionInput(ERCOT_ADMIN, comment="LTR02 passed after the draft"))
        assert rejected.state == m.REJECTED
        again = await act(handle, m.DRAFT_AGAIN, m.ActionInput(ERCOT_ADMIN))
        assert (again.state, again.fields["scripts_passed"], again.fields["draft"]) == (
            m.AWAITING_REVIEW,
            "2 of 2",
            "2",
        )
        assert [d.draft for d in fakes.drafts if d.item_id == item_id] == [1, 2]
        approved = await act(handle, m.APPROVE, m.ActionInput(ERCOT_ADMIN))
        assert approved.state == m.APPROVED
        assert (await handle.result()).state == m.APPROVED
        assert fakes.actions(item_id) == ["Drafted", "Reject", "Draft Again", "Approve"]
        assert fakes.steps[-1].closed and fakes.steps[-1].responsible_party == ""


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("letter_*.json")), ids=lambda path: path.stem)
async def test_recorded_letter_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=[QualificationLetterWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)


def test_every_letter_path_has_a_recorded_history():
    recorded = {path.stem for path in HISTORIES.glob("letter_*.json")}
    assert recorded >= {"letter_drafted_approved", "letter_rejected_drafted_again_approved"}

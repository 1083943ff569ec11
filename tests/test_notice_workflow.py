"""The market notice workflow alone, against fake activities, on the dev server with per-workflow time skipping
(the reminder is days away; acknowledgements are updates): acknowledgement, the reminder before the day affected
to only the companies that have not acknowledged, no reminder when all have, mail retried through an outage,
refusals that record nothing, and replay of every recorded notice history."""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from flightrak.worker import WORKFLOW_RUNNER
from tests.conftest import refused
from tests.flight_histories import ERCOT_ADMIN
from tests.notice_histories import (
    BRAZOS,
    BRAZOS_AR,
    BRAZOS_USER,
    FIELDS,
    PECOS,
    PECOS_BAR,
    FakeNoticeActivities,
    acknowledge,
    act,
    draft,
    eventually,
    in_days,
    new_item_id,
    publish,
    workers,
)
from tests.record_histories import HISTORIES
from workflows.notices import models as m
from workflows.notices.workflows import MarketNoticeWorkflow


@pytest.fixture
def fakes() -> FakeNoticeActivities:
    return FakeNoticeActivities()


async def test_reminder_goes_before_the_day_affected_to_those_who_have_not_acknowledged(clock_env, fakes):
    async with workers(clock_env.client, fakes) as task_queue:
        item_id = new_item_id()
        handle = await draft(clock_env.client, task_queue, item_id)
        await refused(acknowledge(handle, BRAZOS_AR), "not possible in state Draft")
        status = await publish(handle, in_days(3))
        assert (status.state, status.notice_id, status.pending) == (m.PUBLISHED, "M-A073012-02", [BRAZOS, PECOS])
        await eventually(fakes, item_id, "Mail Delivered")
        await refused(acknowledge(handle, BRAZOS_USER), "AR or BAR")
        steps_before = len(fakes.of(item_id))
        status = await acknowledge(handle, BRAZOS_AR)
        assert (status.acknowledged, status.pending) == ([BRAZOS], [PECOS])
        await refused(acknowledge(handle, BRAZOS_AR), "already acknowledged")
        assert len(fakes.of(item_id)) == steps_before + 1  # the refusal recorded nothing

        await clock_env.fast_forward(handle, timedelta(days=2))
        assert "Reminder" not in fakes.actions(item_id)  # not yet: due a day before... three days out
        await clock_env.fast_forward(handle, timedelta(days=1, minutes=1))
        await eventually(fakes, item_id, "Reminder Mail Delivered")
        reminder = next(s for s in fakes.of(item_id) if s.transition.action == "Reminder")
        assert (reminder.mail_round, reminder.mailed_duns) == (m.REMINDER, [PECOS])
        assert [r.round for r in fakes.rounds if r.item_id == item_id] == [m.PUBLICATION, m.REMINDER]

        status = await acknowledge(handle, PECOS_BAR)
        assert status.pending == [] and status.reminded
        ack = fakes.of(item_id)[-1]
        assert (ack.acknowledged_duns, ack.transition.responsible_party) == (PECOS, "")
        await handle.signal(MarketNoticeWorkflow.superseded, m.Supersession("M-A073012-03", item_id + 8))
        final = await handle.result()
        assert final.state == m.SUPERSEDED and fakes.of(item_id)[-1].transition.closed


async def test_no_reminder_once_every_company_has_acknowledged(clock_env, fakes):
    async with workers(clock_env.client, fakes) as task_queue:
        item_id = new_item_id()
        handle = await draft(clock_env.client, task_queue, item_id)
        await publish(handle, in_days(2))
        await acknowledge(handle, BRAZOS_AR)
        await acknowledge(handle, PECOS_BAR)
        await clock_env.fast_forward(handle, timedelta(days=3))
        await eventually(fakes, item_id, "Mail Delivered")
        assert "Reminder" not in fakes.actions(item_id)
        await handle.terminate("test over")


async def test_a_notice_without_action_takes_no_acknowledgement_and_no_reminder(clock_env, fakes):
    async with workers(clock_env.client, fakes) as task_queue:
        item_id = new_item_id()
        handle = await draft(clock_env.client, task_queue, item_id, {**FIELDS, "action_required": ""})
        status = await publish(handle, None)
        assert status.pending == []
        await refused(acknowledge(handle, BRAZOS_AR), "nothing to acknowledge")
        await handle.terminate("test over")


async def test_mail_is_retried_through_an_smtp_outage(clock_env, fakes):
    fakes.outage = 2
    async with workers(clock_env.client, fakes) as task_queue:
        item_id = new_item_id()
        handle = await draft(clock_env.client, task_queue, item_id)
        await publish(handle, None)
        await eventually(fakes, item_id, "Mail Delivered", within=30)
        assert fakes.outage == 0
        delivered = fakes.of(item_id)[-1]
        assert delivered.transition.changes["mail_accepted"] == "2"
        await handle.terminate("test over")


async def test_a_published_notice_is_never_edited_and_only_ercot_publishes_to_an_audience(clock_env, fakes):
    async with workers(clock_env.client, fakes) as task_queue:
        item_id = new_item_id()
        handle = await draft(clock_env.client, task_queue, item_id)
        publication = m.Publication("M-A010130-01", [])
        await refused(act(handle, m.PUBLISH, m.NoticeAction(BRAZOS_AR, publication=publication)), "only ERCOT")
        await refused(act(handle, m.PUBLISH, m.NoticeAction(ERCOT_ADMIN, publication=publication)), "no active company")
        await publish(handle, None)
        edit = m.NoticeAction(ERCOT_ADMIN, {"contact": "x"})
        await refused(act(handle, m.EDIT, edit), "Edit is not possible in state Published")
        await refused(act(handle, m.REISSUE, m.NoticeAction(ERCOT_ADMIN)), "a reissue is a new draft")
        await refused(act(handle, m.SUPERSEDE, m.NoticeAction(ERCOT_ADMIN)), "superseded by its reissue")
        await eventually(fakes, item_id, "Mail Delivered")
        assert fakes.actions(item_id) == ["OK", "Publish", "Mail Delivered"]  # the refusals recorded nothing
        await handle.terminate("test over")


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("notice_*.json")), ids=lambda path: path.stem)
async def test_recorded_notice_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=[MarketNoticeWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)


def test_every_notice_path_has_a_recorded_history():
    recorded = {path.stem for path in HISTORIES.glob("notice_*.json")}
    assert recorded >= {
        "notice_publish_acknowledge_remind_superseded",
        "notice_draft_edit_discard",
        "notice_smtp_outage_then_delivered",
    }

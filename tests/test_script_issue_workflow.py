"""The script-issue and P2P sub-flow workflows alone, against fake scripts-service activities: the guide's
CON03 walk-through, transaction-driven steps, escalations, refusals; reminders and the flight's end on the
dev server's per-workflow time skipping; replay of every recorded history."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from flightrak.business_time import business_hours_between
from flightrak.worker import WORKFLOW_RUNNER
from tests.conftest import refused
from tests.flight_histories import ERCOT, ERCOT_REVIEWER, LONESTAR, LONESTAR_AR, LONESTAR_USER, ONCOR, ONCOR_AR
from tests.record_histories import HISTORIES, start_dev_server
from tests.script_issue_histories import (
    CON03,
    EDIGATE,
    SWITCH,
    FakeScripts,
    act,
    attach,
    con03_with_escalation_and_return,
    escalated_to_ercot_and_failed,
    new_issue,
    open_issue,
    open_sub_flow,
    p2p_act,
    p2p_terminated_then_resolved,
    receipt,
    state_of,
    sub_flow_reminded_until_the_flight_ended,
    switch_by_transactions,
    switch_with_transactions_attached_by_ercot,
    wait_for_p2p,
    workers,
)
from workflows import search_attributes as sa
from workflows.items import Actor
from workflows.scripts import models as m
from workflows.scripts.ids import p2p_workflow_id
from workflows.scripts.p2p import P2PWorkflow
from workflows.scripts.workflows import ScriptIssueWorkflow

BLUEBONNET_AR = Actor("21", "Bo Ramirez", "116724480", ["ar", "user"], "CR")


@pytest.fixture(scope="module")
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture
def fakes() -> FakeScripts:
    return FakeScripts(mail_outage=2)  # the SMTP server refuses the first two attempts to mail


async def test_con03_as_the_guide_walks_it(dev_env: WorkflowEnvironment, fakes):
    issue = new_issue(CON03)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        assert (await handle.query(ScriptIssueWorkflow.status)).state == m.READY_TO_BEGIN
        await refused(act(handle, m.STEP_ACTION, LONESTAR_AR), "not possible in state Ready to Begin")
        await refused(act(handle, m.BEGIN_WORKING, ONCOR_AR), "the CR begins this script")
        await con03_with_escalation_and_return(dev_env.client, handle)
        done = await handle.result()
    assert (done.state, done.step) == (m.SCRIPT_PASSED, 4)
    assert fakes.moves(issue.item_id) == [
        ("Begin Working", m.READY_TO_BEGIN, "Pending Bank Info Provided by CR", "CR"),
        (
            "Bank Info Provided by CR",
            "Pending Bank Info Provided by CR",
            "Pending TDSP Banking Info sent to CR",
            "TDSP",
        ),
        ("Task Complete", "Pending TDSP Banking Info sent to CR", "P2P Bank Transfer in Progress", "CR"),
        ("P2P Flow - Bank Transfer Opened", "P2P Bank Transfer in Progress", "P2P Bank Transfer in Progress", "CR"),
        ("P2P Flow - Bank Transfer Completed", "P2P Bank Transfer in Progress", m.SCRIPT_PASSED, ""),
    ]
    steps = fakes.steps(issue.item_id)
    assert [s.seq for s in steps] == [2, 3, 4, 5, 6]
    assert steps[1].actor.name == "Sam Ito"  # the SP, for the CR
    assert steps[-1].closed and steps[-1].fields["p2p_item_id"] == str(fakes.p2p_items[(issue.item_id, 3)])
    assert steps[0].fields["step_action"] == "Bank Info Provided by CR"
    [p2p_item] = fakes.p2p_items.values()
    assert fakes.moves(p2p_item) == [
        ("Opened", "", m.SUBMITTER_WORKING, "CR"),
        ("Task Complete", m.SUBMITTER_WORKING, m.RECEIVER_IN_REVIEW, "TDSP"),
        ("Escalate to Submitter", m.RECEIVER_IN_REVIEW, m.ESCALATED_TO_SUBMITTER, "CR"),
        ("Return to Receiver", m.ESCALATED_TO_SUBMITTER, m.RECEIVER_IN_REVIEW, "TDSP"),
        ("Task Complete", m.RECEIVER_IN_REVIEW, m.COMPLETED, ""),
    ]
    assert [s.comment for s in fakes.steps(p2p_item)][2:4] == ["No transfer has arrived.", "Sent again on the 12th."]


async def test_p2p_refuses_the_wrong_party_and_a_missing_comment(dev_env: WorkflowEnvironment, fakes):
    issue = new_issue(m.ScriptSpec("P2P1", "Billing", m.TDSP, [CON03.steps[2]]))
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await act(handle, m.BEGIN_WORKING, ONCOR_AR)
        p2p_id = p2p_workflow_id(issue.item_id, 1)
        await wait_for_p2p(dev_env.client, p2p_id)
        await refused(p2p_act(dev_env.client, p2p_id, m.TASK_COMPLETE, ONCOR_AR), "this step is the CR's")
        await refused(p2p_act(dev_env.client, p2p_id, m.RETURN_TO_RECEIVER, LONESTAR_AR, "x"), "not possible")
        await p2p_act(dev_env.client, p2p_id, m.TASK_COMPLETE, LONESTAR_AR)
        for workflow_id in (handle.id, p2p_id):  # the pairing's SP, for operators to filter its tasks by
            described = await dev_env.client.get_workflow_handle(workflow_id).describe()
            assert described.typed_search_attributes[sa.SERVICE_PROVIDER] == EDIGATE
        await refused(p2p_act(dev_env.client, p2p_id, m.ESCALATE_TO_SUBMITTER, ONCOR_AR), "needs a comment")
        await refused(p2p_act(dev_env.client, p2p_id, m.TASK_COMPLETE, BLUEBONNET_AR), "this step is the TDSP's")
        await p2p_act(dev_env.client, p2p_id, m.TASK_COMPLETE, ONCOR_AR)
        assert (await handle.result()).state == m.SCRIPT_PASSED


async def test_transactions_move_a_script_and_a_failed_one_shows_why(dev_env: WorkflowEnvironment, fakes):
    issue = new_issue(SWITCH)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await switch_by_transactions(handle)
        done = await handle.result()
        with pytest.raises(RPCError, match="workflow execution already completed"):
            await act(handle, m.ESCALATE_TO_ERCOT, LONESTAR_AR, "late")
    assert done.state == m.SCRIPT_PASSED
    moves = fakes.moves(issue.item_id)
    assert moves == [
        ("Begin Working", m.READY_TO_BEGIN, "Pending 814_01 from CR", "CR"),
        ("814_01 Failed", "Pending 814_01 from CR", "Pending 814_01 from CR", "CR"),
        ("814_01 Received", "Pending 814_01 from CR", "Pending 814_04 from TDSP", "TDSP"),
        ("814_04 Received", "Pending 814_04 from TDSP", m.SCRIPT_PASSED, ""),
    ]
    failed = fakes.steps(issue.item_id)[1]
    assert "REF02 missing; DTM*007 in the past" in failed.comment and failed.actor.name == "FlighTrak"
    assert "REF02 missing" in failed.fields["last_failed_transaction"]
    assert "814_04 from 103994067 to 183529049" in fakes.steps(issue.item_id)[3].comment


async def test_ercot_attaches_a_transaction_by_hand_and_nothing_else_is_let_through(
    dev_env: WorkflowEnvironment, fakes
):
    issue = new_issue(SWITCH)
    given = receipt("814_01", LONESTAR, ERCOT)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await refused(attach(handle, ERCOT_REVIEWER, given, "x"), "not possible in state Ready to Begin")
        await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
        await refused(attach(handle, LONESTAR_AR, given, "Ours."), "only ERCOT attaches")
        await refused(attach(handle, ERCOT_REVIEWER, given, "  "), "needs a comment")
        await refused(
            attach(handle, ERCOT_REVIEWER, receipt("814_04", ONCOR, ERCOT), "x"),
            "waits for a 814_01 from the CR to the ERCOT; this transaction is a 814_04",
        )
        # A refused update leaves nothing behind, not even its ID: the same ID is then taken, once.
        await refused(attach(handle, LONESTAR_AR, given, "x", update_id="attach-1"), "only ERCOT attaches")
        moved = await attach(handle, ERCOT_REVIEWER, given, "Counted for this step.", update_id="attach-1")
        again = await attach(handle, ERCOT_REVIEWER, given, "Counted for this step.", update_id="attach-1")
        assert moved.state == again.state == "Pending 814_04 from TDSP"
        await refused(attach(handle, ERCOT_REVIEWER, given, "Again."), "has this transaction already")
        await handle.terminate("test over")
    assert fakes.moves(issue.item_id) == [
        ("Begin Working", m.READY_TO_BEGIN, "Pending 814_01 from CR", "CR"),
        ("Transaction Attached", "Pending 814_01 from CR", "Pending 814_04 from TDSP", "TDSP"),
    ]
    attached = fakes.steps(issue.item_id)[1]
    assert (attached.actor.name, attached.comment) == ("Rae Chen", "Counted for this step.")
    assert attached.changes == {
        "last_transaction": f"814_01 from {LONESTAR} to {ERCOT}, ESI ID {given.esi_id}, reference REF-1"
    }

    issue = new_issue(SWITCH)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await switch_with_transactions_attached_by_ercot(handle)
        assert (await handle.result()).state == m.SCRIPT_PASSED
    assert [(action, to) for action, _, to, _ in fakes.moves(issue.item_id)] == [
        ("Begin Working", "Pending 814_01 from CR"),
        ("Transaction Attached", "Pending 814_01 from CR"),
        ("Transaction Attached", "Pending 814_04 from TDSP"),
        ("814_04 Received", m.SCRIPT_PASSED),
    ]
    failed = fakes.steps(issue.item_id)[1]
    assert "REF*TD missing" in failed.changes["last_failed_transaction"] and failed.actor.name == "Rae Chen"
    assert "REF*TD missing" in failed.fields["last_failed_transaction"]


async def test_escalations_and_failure(dev_env: WorkflowEnvironment, fakes):
    issue = new_issue(CON03)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
        await refused(act(handle, m.ESCALATE_TO_ERCOT, LONESTAR_AR), "needs a comment")
        only_the_pairing = "only the CR (or its Service Provider) and the TDSP of this pairing"
        await refused(act(handle, m.ESCALATE_TO_ERCOT, BLUEBONNET_AR, "x"), only_the_pairing)
        await refused(act(handle, m.MARK_FAILED, LONESTAR_AR, "x"), "only ERCOT marks a script failed")
        await act(handle, m.ESCALATE_TO_ERCOT, ONCOR_AR, "The CR sent no bank information.")
        await refused(act(handle, m.STEP_ACTION, LONESTAR_AR), "not possible in state Escalated to ERCOT")
        await refused(act(handle, m.RESOLVE, ONCOR_AR, "x"), "only the party it was escalated to (ERCOT)")
        await handle.terminate("test over")
    issue = new_issue(CON03)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await escalated_to_ercot_and_failed(handle)
        done = await handle.result()
    assert done.state == m.SCRIPT_FAILED
    assert fakes.moves(issue.item_id) == [
        ("Begin Working", m.READY_TO_BEGIN, "Pending Bank Info Provided by CR", "CR"),
        ("Escalate to ERCOT", "Pending Bank Info Provided by CR", m.ESCALATED_TO_ERCOT, "ERCOT"),
        ("Resolve Escalation", m.ESCALATED_TO_ERCOT, "Pending Bank Info Provided by CR", "CR"),
        ("Escalate to Testing Partner", "Pending Bank Info Provided by CR", m.ESCALATED_TO_PARTNER, "TDSP"),
        ("Resolve Escalation", m.ESCALATED_TO_PARTNER, "Pending Bank Info Provided by CR", "CR"),
        ("Mark Failed", "Pending Bank Info Provided by CR", m.SCRIPT_FAILED, ""),
    ]


async def test_a_sub_flow_that_ends_without_completing_is_escalated_to_ercot(dev_env: WorkflowEnvironment, fakes):
    issue = new_issue(CON03)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await p2p_terminated_then_resolved(dev_env.client, handle)
        assert (await handle.result()).state == m.SCRIPT_PASSED
    moves = fakes.moves(issue.item_id)
    assert moves[-3:] == [
        ("Escalated by FlighTrak", "P2P Bank Transfer in Progress", m.ESCALATED_TO_ERCOT, "ERCOT"),
        ("Resolve Escalation", m.ESCALATED_TO_ERCOT, "P2P Bank Transfer in Progress", "CR"),
        ("P2P Flow - Bank Transfer Completed", "P2P Bank Transfer in Progress", m.SCRIPT_PASSED, ""),
    ]
    escalated = [s for s in fakes.steps(issue.item_id) if s.action == "Escalated by FlighTrak"][0]
    assert "ended without being completed" in escalated.comment and "Mark Failed" in escalated.comment


async def test_a_plain_user_of_the_cr_works_its_scripts_but_another_company_cannot(dev_env: WorkflowEnvironment, fakes):
    issue = new_issue(CON03)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_issue(dev_env.client, task_queue, issue)
        await refused(act(handle, m.BEGIN_WORKING, BLUEBONNET_AR), "the CR begins this script")
        assert (await act(handle, m.BEGIN_WORKING, LONESTAR_USER)).state == "Pending Bank Info Provided by CR"
        await handle.terminate("test over")


async def test_reminders_every_few_business_hours_and_not_completed_at_the_flight_end(
    clock_env: WorkflowEnvironment, fakes
):
    issue = new_issue(CON03, ends_in=timedelta(days=20), reminder_hours=9)  # a business day
    async with workers(clock_env.client, fakes) as task_queue:
        handle = await open_issue(clock_env.client, task_queue, issue)
        begun_at = datetime.now(UTC)
        await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
        await clock_env.fast_forward(handle, timedelta(days=21))
        await state_of(handle, m.NOT_COMPLETED)
        done = await handle.result()
    assert done.state == m.NOT_COMPLETED
    actions = [s.action for s in fakes.steps(issue.item_id)]
    # One reminder every 9 business hours until the flight's end, on the retail calendar (weekends, holidays).
    business_hours = business_hours_between(begun_at, datetime.fromisoformat(issue.timing.ends_at))
    reminders = [s for s in fakes.steps(issue.item_id) if s.action == "Reminder"]
    assert abs(len(reminders) - business_hours // 9) <= 1 and len(reminders) >= 8, (business_hours, actions)
    mailed = "A reminder mail goes to the distribution lists of Lone Star Power & Light."
    assert reminders[0].comment == f"Waiting on Lone Star Power & Light for 9 business hours. {mailed}"
    assert reminders[1].comment == f"Waiting on Lone Star Power & Light for 18 business hours. {mailed}"
    assert actions[0] == "Begin Working" and actions[-1] == "Flight Ended"
    assert fakes.steps(issue.item_id)[-1].closed

    # Each reminder also reaches the CR and the SP it chose by mail; the outage at the first delayed it, lost none.
    assert len(fakes.mails) == len(reminders) and fakes.mail_attempts == len(reminders) + 2
    first = fakes.mails[0]
    assert (first.company_duns, first.item_id) == ([LONESTAR, EDIGATE], issue.item_id)
    assert first.mail_id == f"{handle.id}-reminder-{reminders[0].seq}"
    assert first.subject == (
        f"Reminder: Script Issue {issue.item_id} waits on Lone Star Power & Light - CON03 Bank Information and Transfer"
    )
    lines = first.text.splitlines()
    assert lines[0] == f"Script Issue {issue.item_id} has waited on Lone Star Power & Light (CR) for 9 business hours."
    assert f"Flight: {issue.pairing.flight}" in lines
    assert "Pairing: Lone Star Power & Light (CR) / Oncor (TDSP)" in lines
    assert "Current state: Pending Bank Info Provided by CR" in lines
    assert "Instructions: Send your bank information to the TDSP." in lines
    assert any(line.startswith("Waiting since: ") and "(9 business hours" in line for line in lines)
    assert "(18 business hours" in fakes.mails[1].text


async def test_a_sub_flow_reminds_its_waiting_party_by_mail(clock_env: WorkflowEnvironment, fakes):
    issue = new_issue(CON03, ends_in=timedelta(days=6), reminder_hours=9)
    async with workers(clock_env.client, fakes) as task_queue:
        sub_flow = await open_sub_flow(clock_env.client, task_queue, issue)
        await sub_flow_reminded_until_the_flight_ended(clock_env, sub_flow)
    [p2p_item] = {s.item_id for s in fakes.transitions}
    reminders = [s for s in fakes.steps(p2p_item) if s.action == "Reminder"]
    assert reminders and len(fakes.mails) == len(reminders)
    mail = fakes.mails[0]
    assert (mail.company_duns, mail.item_id) == ([LONESTAR, EDIGATE], p2p_item)
    waits = "waits on Lone Star Power & Light - P2P Flow - Bank Transfer"
    assert mail.subject == f"Reminder: P2P Sub-flow {p2p_item} {waits}"
    assert f"Script issue: {issue.item_id} CON03" in mail.text.splitlines()
    assert "Current state: Submitter Working" in mail.text


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("script_*.json")), ids=lambda path: path.stem)
async def test_recorded_script_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[ScriptIssueWorkflow, P2PWorkflow], workflow_runner=WORKFLOW_RUNNER)
    await replayer.replay_workflow(history)


PATHS = (  # every path
    "script_issue_con03_escalation_return_passed",
    "script_issue_switch_by_transactions",
    "script_issue_switch_transactions_attached_by_ercot",
    "script_issue_escalations_then_failed",
    "script_issue_p2p_terminated_resolved",
    "script_p2p_escalate_return_completed",
    "script_issue_reminded_flight_ended",
    "script_p2p_reminded_flight_ended",
)


def test_every_path_has_a_recorded_history():
    names = {path.stem for path in HISTORIES.glob("script_*.json")}
    assert names == set(PATHS)

"""Every path of a script issue and its P2P sub-flow, driven against fake scripts-service activities.

tests/test_script_issue_workflow.py drives these paths; run as `.venv/bin/python -m tests.script_issue_histories`
this module records one history per path into tests/histories/script_issue_*.json, which that test replays.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from flightrak.worker import WORKFLOW_RUNNER
from tests.acting import acted
from tests.flight_histories import ERCOT, ERCOT_REVIEWER, LONESTAR, LONESTAR_AR, ONCOR, ONCOR_AR, start_clock_server
from tests.record_histories import HISTORIES, start_dev_server
from workflows import list_mail
from workflows.items import Actor, ItemTransition
from workflows.scripts import models as m
from workflows.scripts.ids import p2p_workflow_id, script_issue_workflow_id
from workflows.scripts.p2p import P2PWorkflow
from workflows.scripts.workflows import ScriptIssueWorkflow

EDIGATE = "601234587"
EDIGATE_USER = Actor("41", "Sam Ito", EDIGATE, ["user"], "SP")
FIRST_P2P_ITEM_ID = 900_004

# CON03 as the guide's §7.1 walks it.
CON03 = m.ScriptSpec(
    script_id="CON03",
    title="Bank Information and Transfer",
    begins=m.CR,
    steps=[
        m.StepSpec(
            "Pending Bank Info Provided by CR",
            m.CR,
            "Send your bank information to the TDSP.",
            action="Bank Info Provided by CR",
        ),
        m.StepSpec(
            "Pending TDSP Banking Info sent to CR",
            m.TDSP,
            "Send your banking information to the CR.",
            action="Task Complete",
        ),
        m.StepSpec(
            "P2P Bank Transfer in Progress",
            m.CR,
            "Work the P2P Flow - Bank Transfer sub-flow.",
            p2p=m.P2PSpec("P2P Flow - Bank Transfer", m.CR, m.TDSP),
        ),
    ],
    pack_version=1,
)
# A business script whose steps end by transactions.
SWITCH = m.ScriptSpec(
    script_id="SW01",
    title="Switch",
    begins=m.CR,
    steps=[
        m.StepSpec(
            "Pending 814_01 from CR",
            m.CR,
            "Send the 814_01 switch request to ERCOT.",
            transaction=m.TransactionSpec("814_01", m.CR, m.ERCOT),
        ),
        m.StepSpec(
            "Pending 814_04 from TDSP",
            m.TDSP,
            "Answer ERCOT's 814_03 with an 814_04.",
            transaction=m.TransactionSpec("814_04", m.TDSP, m.ERCOT),
        ),
    ],
    pack_version=1,
)

ScriptIssue = WorkflowHandle[ScriptIssueWorkflow, m.ScriptIssueStatus]


class FakeScripts:
    """Stands in for the scripts service's activities, and the identity service's mail to distribution lists, and
    keeps what the workflows sent them. `mail_outage`: how many attempts to mail fail first, as when the SMTP server
    is down."""

    def __init__(self, mail_outage: int = 0) -> None:
        self.transitions: list[ItemTransition] = []
        self.p2p_items: dict[tuple[int, int], int] = {}
        self.mails: list[list_mail.ListMail] = []
        self.mail_attempts = 0
        self.mail_outage = mail_outage

    @activity.defn(name=list_mail.MAIL_DISTRIBUTION_LISTS)
    async def mail_distribution_lists(self, mail: list_mail.ListMail) -> list_mail.ListMailResult:
        self.mail_attempts += 1
        if self.mail_attempts <= self.mail_outage:
            raise ApplicationError("cannot reach the SMTP server: connection refused")
        self.mails.append(mail)
        return list_mail.ListMailResult([f"lists-of-{duns}@example.com" for duns in mail.company_duns])

    @activity.defn(name=m.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: ItemTransition) -> None:
        """Idempotent on (item, step) like the service's: a local activity may run again when its workflow
        task is retried (a child's start arriving meanwhile, with no workflow cache)."""
        if all((s.item_id, s.seq) != (step.item_id, step.seq) for s in self.transitions):
            self.transitions.append(step)

    @activity.defn(name=m.OPEN_P2P_ITEM)
    async def open_p2p_item(self, request: m.P2PItemRequest) -> int:
        key = (request.parent_item_id, request.step)
        return self.p2p_items.setdefault(key, FIRST_P2P_ITEM_ID + 8 * len(self.p2p_items))

    def steps(self, item_id: int) -> list[ItemTransition]:
        return [step for step in self.transitions if step.item_id == item_id]

    def moves(self, item_id: int) -> list[tuple[str, str, str, str]]:
        return [(s.action, s.from_state, s.to_state, s.responsible_party) for s in self.steps(item_id)]


@asynccontextmanager
async def workers(client: Client, fakes: FakeScripts, mail_activity=None) -> AsyncIterator[str]:
    """The workflows on a task queue of their own with the fakes; the list-mail queue served by the fake, or by
    `mail_activity` (the identity service's own, sending through a real SMTP server)."""
    task_queue = f"scripts-test-{uuid.uuid4().hex}"
    async with (
        Worker(
            client,
            task_queue=task_queue,
            workflows=[ScriptIssueWorkflow, P2PWorkflow],
            activities=[fakes.record_item_transition, fakes.open_p2p_item],
            workflow_runner=WORKFLOW_RUNNER,
        ),
        Worker(
            client,
            task_queue=list_mail.LIST_MAIL_TASK_QUEUE,
            activities=[mail_activity or fakes.mail_distribution_lists],
        ),
    ):
        yield task_queue


def new_issue(
    script: m.ScriptSpec, ends_in: timedelta = timedelta(days=40), reminder_hours: float = 0, item_id: int = 0
) -> m.ScriptIssueInput:
    flight = f"T{uuid.uuid4().hex[:3]}"
    pairing = m.Pairing(flight, LONESTAR, "Lone Star Power & Light", ONCOR, "Oncor", EDIGATE, ERCOT)
    ends_at = (datetime.now(UTC) + ends_in).isoformat()
    return m.ScriptIssueInput(
        item_id or uuid.uuid4().int % 10**8 * 8 + 4, pairing, script, m.Timing(ends_at, reminder_hours)
    )


async def open_issue(client: Client, task_queue: str, issue: m.ScriptIssueInput) -> ScriptIssue:
    pairing = issue.pairing
    return await client.start_workflow(
        ScriptIssueWorkflow.run,
        issue,
        id=script_issue_workflow_id(pairing.flight, pairing.cr_duns, pairing.tdsp_duns, issue.script.script_id),
        task_queue=task_queue,
    )


async def act(handle: ScriptIssue, update: str, actor: Actor, comment: str = "") -> m.ScriptIssueStatus:
    answering = handle.execute_update(update, m.ScriptAction(actor, comment), result_type=m.ScriptIssueStatus)
    return await acted(answering, handle)


async def p2p_act(client: Client, workflow_id: str, update: str, actor: Actor, comment: str = "") -> m.P2PStatus:
    handle = client.get_workflow_handle(workflow_id)
    return await acted(handle.execute_update(update, m.ScriptAction(actor, comment), result_type=m.P2PStatus), handle)


def receipt(kind: str, sender: str, receiver: str, valid: bool = True, reasons: tuple[str, ...] = ()):
    return m.TransactionReceipt(
        uuid.uuid4().hex, kind, sender, receiver, "10443720000000001", "REF-1", valid, list(reasons)
    )


async def attach(
    handle: ScriptIssue, actor: Actor, receipt: m.TransactionReceipt, comment: str, update_id: str | None = None
) -> m.ScriptIssueStatus:
    answering = handle.execute_update(
        m.ATTACH_TRANSACTION,
        m.AttachedTransaction(actor, receipt, comment),
        id=update_id,
        result_type=m.ScriptIssueStatus,
    )
    return await acted(answering, handle)


async def state_of(handle: ScriptIssue, state: str, within: float = 10.0) -> m.ScriptIssueStatus:
    give_up = asyncio.get_running_loop().time() + within
    while (status := await handle.query(ScriptIssueWorkflow.status)).state != state:
        assert asyncio.get_running_loop().time() < give_up, f"script still {status.state}, never {state}"
        await asyncio.sleep(0.05)
    return status


# The paths


async def con03_with_escalation_and_return(client: Client, handle: ScriptIssue) -> None:
    """The guide's CON03: Begin Working, Bank Info Provided by CR, the TDSP's Task Complete, then the bank
    transfer sub-flow with an escalation to the submitter and a return, to Script Passed."""
    await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
    await act(handle, m.STEP_ACTION, EDIGATE_USER)  # the SP acts for the CR
    await act(handle, m.STEP_ACTION, ONCOR_AR)
    await state_of(handle, "P2P Bank Transfer in Progress")
    p2p_id = p2p_workflow_id(await item_of(handle), 3)
    await wait_for_p2p(client, p2p_id)
    await p2p_act(client, p2p_id, m.TASK_COMPLETE, LONESTAR_AR)
    await p2p_act(client, p2p_id, m.ESCALATE_TO_SUBMITTER, ONCOR_AR, "No transfer has arrived.")
    await p2p_act(client, p2p_id, m.RETURN_TO_RECEIVER, LONESTAR_AR, "Sent again on the 12th.")
    await p2p_act(client, p2p_id, m.TASK_COMPLETE, ONCOR_AR)
    await state_of(handle, m.SCRIPT_PASSED)


async def item_of(handle: ScriptIssue) -> int:
    return (await handle.query(ScriptIssueWorkflow.status)).item_id


async def wait_for_p2p(client: Client, workflow_id: str, within: float = 10.0) -> None:
    give_up = asyncio.get_running_loop().time() + within
    while True:
        try:
            status = await client.get_workflow_handle(workflow_id).query(P2PWorkflow.status)
            if status.state:
                return
        except Exception:  # not started yet
            assert asyncio.get_running_loop().time() < give_up, f"sub-flow {workflow_id} never started"
        await asyncio.sleep(0.05)


async def switch_by_transactions(handle: ScriptIssue) -> None:
    """A business script that nobody clicks past Begin Working: an early 814_04, a failed 814_01, a good one."""
    await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
    await handle.signal(ScriptIssueWorkflow.transaction_received, receipt("814_04", ONCOR, ERCOT))
    await handle.signal(
        ScriptIssueWorkflow.transaction_received,
        receipt("814_01", LONESTAR, ERCOT, valid=False, reasons=("REF02 missing", "DTM*007 in the past")),
    )
    await state_of(handle, "Pending 814_01 from CR")
    await handle.signal(ScriptIssueWorkflow.transaction_received, receipt("814_01", LONESTAR, ERCOT))
    await state_of(handle, m.SCRIPT_PASSED)


async def switch_with_transactions_attached_by_ercot(handle: ScriptIssue) -> None:
    """Lone Star's 814_01s went out on a premise no test bed holds, so none matched: ERCOT attaches a failed one
    (shown on the step, which waits on) and then a good one (the step moves on) by hand; the 814_04 comes by
    itself."""
    await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
    elsewhere = "10443720000099999"
    failed = receipt("814_01", LONESTAR, ERCOT, valid=False, reasons=("REF*TD missing",))
    await attach(handle, ERCOT_REVIEWER, replace(failed, esi_id=elsewhere), "Sent on the old premise; counted here.")
    good = replace(receipt("814_01", LONESTAR, ERCOT), esi_id=elsewhere)
    await attach(handle, ERCOT_REVIEWER, good, "Resent on the old premise; counted here.")
    await handle.signal(ScriptIssueWorkflow.transaction_received, receipt("814_04", ONCOR, ERCOT))
    await state_of(handle, m.SCRIPT_PASSED)


async def escalated_to_ercot_and_failed(handle: ScriptIssue) -> None:
    await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
    await act(handle, m.ESCALATE_TO_ERCOT, ONCOR_AR, "The CR sent no bank information.")
    await act(handle, m.RESOLVE, ERCOT_REVIEWER, "Bank information resent; go on.")
    await act(handle, m.ESCALATE_TO_PARTNER, LONESTAR_AR, "Please confirm you received it.")
    await act(handle, m.RESOLVE, ONCOR_AR, "Received.")
    await act(handle, m.MARK_FAILED, ERCOT_REVIEWER, "The CR withdrew from the flight.")


async def p2p_terminated_then_resolved(client: Client, handle: ScriptIssue) -> None:
    """An operator terminates the bank-transfer sub-flow; the script escalates itself to ERCOT, who resolves it
    (the transfer was confirmed by telephone) and the script passes."""
    await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
    await act(handle, m.STEP_ACTION, LONESTAR_AR)
    await act(handle, m.STEP_ACTION, ONCOR_AR)
    p2p_id = p2p_workflow_id(await item_of(handle), 3)
    await wait_for_p2p(client, p2p_id)
    await client.get_workflow_handle(p2p_id).terminate("stuck in the old system")
    await state_of(handle, m.ESCALATED_TO_ERCOT)
    await act(handle, m.RESOLVE, ERCOT_REVIEWER, "Oncor confirmed the transfer by telephone.")
    await state_of(handle, m.SCRIPT_PASSED)


async def reminded_until_the_flight_ended(env, handle: ScriptIssue) -> None:
    """Begin Working, then nobody acts: a reminder to the CR every few business hours, and Not Completed at the
    flight's end. On the dev server's per-workflow time skipping (`env`)."""
    await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
    await env.fast_forward(handle, timedelta(days=7))
    await state_of(handle, m.NOT_COMPLETED)


async def open_sub_flow(client: Client, task_queue: str, issue: m.ScriptIssueInput) -> WorkflowHandle:
    """The CON03 bank transfer's sub-flow on its own (as if its script issue had opened it), the CR working."""
    p2p_id = p2p_workflow_id(issue.item_id, 3)
    parent_id = script_issue_workflow_id(issue.pairing.flight, LONESTAR, ONCOR, "CON03")
    spec = CON03.steps[2].p2p
    sub_flow = m.P2PInput(FIRST_P2P_ITEM_ID, issue.item_id, parent_id, issue.pairing, spec, issue.timing, "CON03")
    return await client.start_workflow(P2PWorkflow.run, sub_flow, id=p2p_id, task_queue=task_queue)


async def sub_flow_reminded_until_the_flight_ended(env, handle: WorkflowHandle) -> None:
    await env.fast_forward(handle, timedelta(days=7))
    assert (await handle.result()).state == m.NOT_COMPLETED


async def record_reminders() -> dict[str, str]:
    """A script issue and a sub-flow that wait on the CR until the flight ends, reminding it meanwhile."""
    histories: dict[str, str] = {}
    fakes = FakeScripts()
    env = await start_clock_server()
    try:
        async with workers(env.client, fakes) as task_queue:
            handle = await open_issue(env.client, task_queue, new_issue(CON03, timedelta(days=6), reminder_hours=9))
            await reminded_until_the_flight_ended(env, handle)
            await handle.result()
            histories["script_issue_reminded_flight_ended"] = (await handle.fetch_history()).to_json()
            sub_flow = await open_sub_flow(
                env.client, task_queue, new_issue(CON03, timedelta(days=6), reminder_hours=9)
            )
            await sub_flow_reminded_until_the_flight_ended(env, sub_flow)
            histories["script_p2p_reminded_flight_ended"] = (await sub_flow.fetch_history()).to_json()
    finally:
        await env.shutdown()
    return histories


async def record() -> dict[str, str]:
    histories: dict[str, str] = {}
    fakes = FakeScripts()
    env = await start_dev_server()
    try:
        async with workers(env.client, fakes) as task_queue:
            for name, script, path in (
                ("con03_escalation_return_passed", CON03, lambda h: con03_with_escalation_and_return(env.client, h)),
                ("switch_by_transactions", SWITCH, switch_by_transactions),
                ("switch_transactions_attached_by_ercot", SWITCH, switch_with_transactions_attached_by_ercot),
                ("escalations_then_failed", CON03, escalated_to_ercot_and_failed),
                ("p2p_terminated_resolved", CON03, lambda h: p2p_terminated_then_resolved(env.client, h)),
            ):
                handle = await open_issue(env.client, task_queue, new_issue(script))
                await path(handle)
                await handle.result()
                histories[f"script_issue_{name}"] = (await handle.fetch_history()).to_json()
                if script is CON03 and name.startswith("con03"):
                    p2p = env.client.get_workflow_handle(p2p_workflow_id(await item_of(handle), 3))
                    histories["script_p2p_escalate_return_completed"] = (await p2p.fetch_history()).to_json()
    finally:
        await env.shutdown()
    return histories | await record_reminders()


async def main() -> None:
    for name, history in (await record()).items():
        path = HISTORIES / f"{name}.json"
        path.write_text(history)
        print(f"{path}: {len(history)} characters")


if __name__ == "__main__":
    asyncio.run(main())

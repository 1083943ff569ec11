"""Every path of a market notice, driven against fake registration activities.

The workflow tests (tests/test_notice_workflow.py) drive these paths; run as
`.venv/bin/python -m tests.notice_histories` this module records one history per path into
tests/histories/notice_*.json, which those tests replay on every run. Notices live on the dev server with
per-workflow time skipping: the reminder is days away, and acknowledgements are updates.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from flightrak.worker import WORKFLOW_RUNNER
from tests.acting import acted, recorded
from tests.flight_histories import ERCOT_ADMIN, start_clock_server
from tests.record_histories import HISTORIES
from workflows.items import Actor
from workflows.notices import models as m
from workflows.notices.ids import notice_workflow_id
from workflows.notices.workflows import MarketNoticeWorkflow

BRAZOS, PECOS = "148203657", "073915264"
BRAZOS_AR = Actor("41", "James Whitfield", BRAZOS, ["ar", "user"], "QSE")
BRAZOS_USER = Actor("44", "Tom Becker", BRAZOS, ["user"], "QSE")
PECOS_BAR = Actor("52", "Priya Natarajan", PECOS, ["bar", "user"], "QSE")
ADDRESSEES = [
    m.Addressee(BRAZOS, "Brazos Scheduling Services, LLC", "QSE", ["certification@brazos-qse.example"]),
    m.Addressee(PECOS, "Pecos Power Marketing, LP", "QSE", ["certification@pecos-qse.example"]),
]
FIELDS = {
    "notice_type": "NPRR",
    "short_description": "Implementation details for NPRR348",
    "audience": "QSE",
    "days_affected": "2030-08-29",
    "long_description": "ERCOT is implementing settlement changes for NPRR348.",
    "action_required": "Implement changes to shadow settlement systems in compliance with NPRR348.",
    "contact": "ERCOT Client Services",
}

Notice = WorkflowHandle[MarketNoticeWorkflow, m.NoticeStatus]


class FakeNoticeActivities:
    """Stands in for the registration service's notice activities; the mail fails `outage` times first."""

    def __init__(self) -> None:
        self.steps: list[m.NoticeStep] = []
        self.rounds: list[m.MailRound] = []
        self.outage = 0

    @activity.defn(name=m.RECORD_NOTICE_STEP)
    async def record_notice_step(self, step: m.NoticeStep) -> None:
        self.steps.append(step)

    @activity.defn(name=m.DELIVER_NOTICE_MAIL)
    async def deliver_notice_mail(self, mail_round: m.MailRound) -> m.MailResult:
        if self.outage:
            self.outage -= 1
            raise ApplicationError("cannot reach the SMTP server: connection refused")
        self.rounds.append(mail_round)
        mailed = [
            s for s in self.steps if s.mail_round == mail_round.round and s.transition.item_id == mail_round.item_id
        ]
        return m.MailResult(sum(len(a.lists) for a in ADDRESSEES if mailed and a.duns in mailed[-1].mailed_duns))

    def of(self, item_id: int) -> list[m.NoticeStep]:
        return [s for s in self.steps if s.transition.item_id == item_id]

    def actions(self, item_id: int) -> list[str]:
        return [s.transition.action for s in self.of(item_id)]


@asynccontextmanager
async def workers(client: Client, fakes: FakeNoticeActivities) -> AsyncIterator[str]:
    task_queue = f"notice-test-{uuid.uuid4().hex}"
    async with (
        Worker(
            client,
            task_queue=task_queue,
            workflows=[MarketNoticeWorkflow],
            activities=[fakes.record_notice_step],
            workflow_runner=WORKFLOW_RUNNER,
        ),
        Worker(client, task_queue=m.MAIL_TASK_QUEUE, activities=[fakes.deliver_notice_mail]),
    ):
        yield task_queue


def new_item_id() -> int:
    return uuid.uuid4().int % 10**9 * 8 + 2


async def draft(client: Client, task_queue: str, item_id: int, fields: dict | None = None) -> Notice:
    start = WithStartWorkflowOperation(
        MarketNoticeWorkflow.run,
        m.NoticeInput(item_id),
        id=notice_workflow_id(item_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    await client.execute_update_with_start_workflow(
        m.SAVE,
        m.NoticeAction(ERCOT_ADMIN, dict(fields or FIELDS)),
        start_workflow_operation=start,
        result_type=m.NoticeStatus,
    )
    await recorded(await start.workflow_handle())
    return client.get_workflow_handle_for(MarketNoticeWorkflow.run, notice_workflow_id(item_id))


async def publish(handle: Notice, reminder_at: datetime | None, notice_id: str = "M-A073012-02") -> m.NoticeStatus:
    publication = m.Publication(
        notice_id, ADDRESSEES, reminder_at.isoformat() if reminder_at else "", notice_date="2030-08-17"
    )
    return await act(handle, m.PUBLISH, m.NoticeAction(ERCOT_ADMIN, publication=publication))


async def acknowledge(handle: Notice, actor: Actor) -> m.NoticeStatus:
    return await act(handle, m.ACKNOWLEDGE, m.NoticeAction(actor))


async def act(handle: Notice, action: str, given: m.NoticeAction) -> m.NoticeStatus:
    """Takes one of the notice's table actions, by its name, as the registration service does."""
    return await acted(handle.execute_update(action, given, result_type=m.NoticeStatus), handle)


async def eventually(fakes: FakeNoticeActivities, item_id: int, action: str, within: float = 15) -> None:
    give_up = asyncio.get_running_loop().time() + within
    while action not in fakes.actions(item_id):
        assert asyncio.get_running_loop().time() < give_up, f"never {action}: {fakes.actions(item_id)}"
        await asyncio.sleep(0.1)


def in_days(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def record() -> None:
    histories: dict[str, str] = {}
    fakes = FakeNoticeActivities()
    env = await start_clock_server()
    try:
        async with workers(env.client, fakes) as task_queue:
            item_id = 10002
            handle = await draft(env.client, task_queue, item_id)
            await publish(handle, in_days(2))
            await eventually(fakes, item_id, "Mail Delivered")
            await acknowledge(handle, BRAZOS_AR)
            await env.fast_forward(handle, timedelta(days=2, minutes=1))
            await eventually(fakes, item_id, "Reminder Mail Delivered")
            await handle.signal(MarketNoticeWorkflow.superseded, m.Supersession("M-A073012-03", 10010))
            await handle.result()
            histories["notice_publish_acknowledge_remind_superseded"] = (await handle.fetch_history()).to_json()

            item_id = 10018
            handle = await draft(env.client, task_queue, item_id)
            await act(handle, m.EDIT, m.NoticeAction(ERCOT_ADMIN, {"short_description": "Corrected"}))
            await act(handle, m.DISCARD, m.NoticeAction(ERCOT_ADMIN))
            await handle.result()
            histories["notice_draft_edit_discard"] = (await handle.fetch_history()).to_json()

            item_id = 10026
            fakes.outage = 2
            handle = await draft(env.client, task_queue, item_id, {**FIELDS, "action_required": "None"})
            await publish(handle, None)
            await eventually(fakes, item_id, "Mail Delivered")
            await handle.signal(MarketNoticeWorkflow.superseded, m.Supersession("M-A073012-03", 10034))
            await handle.result()
            histories["notice_smtp_outage_then_delivered"] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    for name, history in histories.items():
        (HISTORIES / f"{name}.json").write_text(history)
        print(f"recorded {name}")


if __name__ == "__main__":
    asyncio.run(record())

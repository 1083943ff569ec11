"""A script task's reminder reaching the waiting party by mail, with the identity service's real activity reading the
demo market's distribution lists from PostgreSQL and a real SMTP server: the script-issue workflow on the dev
server's per-workflow time skipping (a reminder's business hours pass at once; only the scripts service's
projection is a fake), and the stack's own worker mailing through an SMTP outage."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from flightrak import db
from flightrak import temporal as temporal_connection
from flightrak.mail import SmtpMailer
from services.identity import store as identity_store
from services.identity.activities import IdentityActivities
from tests.flight_histories import LONESTAR_AR
from tests.script_issue_histories import CON03, FakeScripts, act, new_issue, open_issue, state_of, workers
from workflows import list_mail
from workflows.scripts import models as m
from workflows.scripts.reminders import reminder_mail

LONESTAR_LIST = "certification@lonestar.example"
REMINDED = ("079348512", "601234587")  # Lone Star and EDIGate, the Service Provider it chose


async def current_lists(settings) -> list[str]:
    """Lone Star's and its SP's lists as they are now: other tests of the session add lists of their own."""
    engine = db.create_engine(settings.database_url)
    try:
        async with db.session_factory(engine)() as session:
            return sorted(email for email, _ in await identity_store.list_recipients(session, list(REMINDED)))
    finally:
        await engine.dispose()


def reminders_in(smtp_sink, mail_id_prefix: str) -> list:
    return [mail for mail in smtp_sink.keeper.parsed() if str(mail["X-FlighTrak-Mail"]).startswith(mail_id_prefix)]


async def test_a_reminder_reaches_the_waiting_partys_distribution_lists(
    stack, settings, smtp_sink, clock_env: WorkflowEnvironment
):
    engine = db.create_engine(settings.database_url)
    mailer = SmtpMailer(smtp_sink.url, settings.mail_from, settings.effective_public_url)
    identity = IdentityActivities(db.session_factory(engine), mailer)
    fakes = FakeScripts()
    issue = new_issue(CON03, ends_in=timedelta(days=6), reminder_hours=9)
    try:
        async with workers(clock_env.client, fakes, identity.mail_distribution_lists) as task_queue:
            handle = await open_issue(clock_env.client, task_queue, issue)
            await act(handle, m.BEGIN_WORKING, LONESTAR_AR)
            await clock_env.fast_forward(handle, timedelta(days=7))
            await state_of(handle, m.NOT_COMPLETED)
            await handle.result()
    finally:
        await engine.dispose()

    reminders = [s for s in fakes.steps(issue.item_id) if s.action == "Reminder"]
    mails = reminders_in(smtp_sink, f"{handle.id}-reminder-")
    lists = await current_lists(settings)
    assert LONESTAR_LIST in lists and "certification@edigate.example" in lists
    assert reminders and sorted(mail["To"] for mail in mails) == sorted(lists * len(reminders))
    first = next(mail for mail in mails if mail["To"] == LONESTAR_LIST)
    assert first["From"] == settings.mail_from
    assert first["Subject"] == (
        f"Reminder: Script Issue {issue.item_id} waits on Lone Star Power & Light - CON03 Bank Information and Transfer"
    )
    lines = first.get_content().splitlines()
    assert lines[0] == f"Script Issue {issue.item_id} has waited on Lone Star Power & Light (CR) for 9 business hours."
    assert f"Flight: {issue.pairing.flight}" in lines and "Current state: Pending Bank Info Provided by CR" in lines
    assert "Instructions: Send your bank information to the TDSP." in lines
    assert f"Open it in FlighTrak: {settings.effective_public_url}/items/{issue.item_id}" in lines
    company = "Lone Star Power & Light, LLC"
    why = f"You receive this because {LONESTAR_LIST} is a distribution list of {company} in FlighTrak."
    assert why in lines


@workflow.defn(name="ListMailThroughAnOutage")
class MailOnce:
    """Sends one mail as the script-issue workflow does: the same activity, queue and retries."""

    @workflow.run
    async def run(self, mail: list_mail.ListMail) -> list_mail.ListMailResult:
        return await workflow.execute_activity(
            list_mail.MAIL_DISTRIBUTION_LISTS, mail, result_type=list_mail.ListMailResult, **list_mail.LIST_MAIL_OPTIONS
        )


async def test_an_smtp_outage_delays_a_reminder_and_loses_none(stack, settings, smtp_sink):
    issue = new_issue(CON03)
    since = datetime.now(UTC) - timedelta(days=2)
    mail_id = f"outage-{uuid.uuid4().hex[:8]}-reminder-2"
    mail = reminder_mail(
        mail_id, issue.item_id, m.SCRIPT_ISSUE, "CON03 Bank Transfer", issue.pairing, m.CR, "Pending", "Go.", 16, since
    )
    client = await temporal_connection.connect(settings)
    task_queue = f"list-mail-test-{uuid.uuid4().hex}"
    async with Worker(client, task_queue=task_queue, workflows=[MailOnce], workflow_runner=UnsandboxedWorkflowRunner()):
        smtp_sink.stop()
        try:
            handle = await client.start_workflow(MailOnce.run, mail, id=mail_id, task_queue=task_queue)
            for _ in range(100):  # the stack's worker tries, and fails, while the server is down
                pending = (await handle.describe()).raw_description.pending_activities
                if pending and pending[0].attempt >= 3:
                    break
                await asyncio.sleep(0.2)
            assert pending[0].attempt >= 3 and "cannot reach the SMTP server" in pending[0].last_failure.message
            assert reminders_in(smtp_sink, mail_id) == []
        finally:
            smtp_sink.start()
        result = await asyncio.wait_for(handle.result(), timeout=30)
    lists = await current_lists(settings)
    assert sorted(result.accepted) == lists
    assert sorted(mail["To"] for mail in reminders_in(smtp_sink, mail_id)) == lists

"""The workflow worker process: every workflow, and the activities of the services that own them."""

import asyncio
import logging
import signal
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from flightrak import db, logs, telemetry
from flightrak import temporal as temporal_connection
from flightrak.mail import SmtpMailer
from flightrak.settings import get_settings
from services.identity.activities import IdentityActivities
from services.registration.activities import NoticeActivities, RegistrationActivities
from services.scripts.activities import ScriptsActivities
from services.scripts.letter_activities import LetterActivities
from services.testbed.activities import TestbedActivities
from services.testbed.edm_self_test import EdmSelfTestActivities
from workflows import flight, list_mail, notices, registration, scripts, specifications, user_admin
from workflows.flight.workflows import FlightWorkflow
from workflows.letters.workflows import QualificationLetterWorkflow
from workflows.notices import models as notice_models
from workflows.notices.workflows import MarketNoticeWorkflow
from workflows.registration import models as registrations
from workflows.registration.workflows import FlightRegistrationWorkflow
from workflows.scripts.p2p import P2PWorkflow
from workflows.scripts.workflows import ScriptIssueWorkflow
from workflows.specifications import models as specification_requests
from workflows.specifications.workflows import TestingSpecificationsWorkflow
from workflows.user_admin.models import ACTIVITY_TASK_QUEUE as IDENTITY_TASK_QUEUE
from workflows.user_admin.workflows import UserAdminRequestWorkflow

WORKFLOWS: dict[str, list[type]] = {
    user_admin.TASK_QUEUE: [UserAdminRequestWorkflow],
    flight.TASK_QUEUE: [FlightWorkflow],
    registration.TASK_QUEUE: [FlightRegistrationWorkflow],
    specifications.TASK_QUEUE: [TestingSpecificationsWorkflow],
    scripts.TASK_QUEUE: [ScriptIssueWorkflow, P2PWorkflow, QualificationLetterWorkflow],
    notices.TASK_QUEUE: [MarketNoticeWorkflow],
}


# The flows' own code (workflows.*, and the flightrak rules it uses) is imported again in every workflow's sandbox,
# under its determinism guard. Passed through: the token library under flightrak.tokens, whose Rust core cannot be
# imported twice, and the Central time zone, since a ZoneInfo made inside the sandbox comes wrapped and datetime
# refuses it. bench/sandbox.py measures what the sandbox costs.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("jwt", "cryptography", "flightrak.market_time")
)


def notice_mailer(settings) -> SmtpMailer:
    return SmtpMailer(settings.effective_smtp_url, settings.notice_mail_from, settings.effective_public_url)


def build_workers(
    client: Client,
    sessions,
    reminder_business_hours: float = 16,
    mailer: SmtpMailer | None = None,
    data_dir: Path | None = None,
    **options,
) -> list[Worker]:
    mailer = mailer or notice_mailer(get_settings())
    # Mail to distribution lists other than notices goes through the same server, from the tool's own sender.
    identity = IdentityActivities(sessions, SmtpMailer(mailer.url, get_settings().mail_from, mailer.public_url))
    notice_activities = NoticeActivities(sessions, mailer)
    testbed = TestbedActivities(sessions, client)
    # FlighTrak's EDM key is kept in the data directory; the settings say whether private addresses may be tested.
    settings = get_settings()
    edm_self_test = EdmSelfTestActivities(
        data_dir or settings.data_dir, settings.edm_self_test_reaches_private_addresses, settings.edm_signing_key
    )
    script_issues = ScriptsActivities(sessions, client, reminder_business_hours)
    # A service's writes for its own flows run on their workflows' own queues (steps as regular activities, scheduled
    # in the workflow task that took the step; attention marks as local ones).
    registration_activities = RegistrationActivities(sessions)
    local = {queue: registration_activities.all() for queue in (flight.TASK_QUEUE, registration.TASK_QUEUE)}
    local[specifications.TASK_QUEUE] = [testbed.record_item_transition, testbed.record_attention]
    local[notices.TASK_QUEUE] = [notice_activities.record_notice_step, registration_activities.record_attention]
    # The scripts queue also serves the flight workflow's activities that open script issues.
    local[scripts.TASK_QUEUE] = [
        script_issues.record_item_transition,
        script_issues.record_attention,
        script_issues.open_p2p_item,
        script_issues.pack_version,
        script_issues.open_script_issues,
        LetterActivities(sessions).draft_letter,
    ]
    activities = {
        IDENTITY_TASK_QUEUE: [identity.record_item_transition, identity.apply_user_change, identity.record_attention],
        notice_models.MAIL_TASK_QUEUE: [notice_activities.deliver_notice_mail],
        list_mail.LIST_MAIL_TASK_QUEUE: [identity.mail_distribution_lists],
        registrations.TESTBED_TASK_QUEUE: [
            testbed.open_testing_specifications_request,
            testbed.close_for_cancelled_registration,
            testbed.test_beds_missing,
            testbed.flight_pairings,
        ],
        specification_requests.EDM_SELF_TEST_TASK_QUEUE: [edm_self_test.edm_self_test],
    }
    return [
        *(
            Worker(
                client,
                task_queue=queue,
                workflows=flows,
                activities=local.get(queue, []),
                workflow_runner=WORKFLOW_RUNNER,
                **options,
            )
            for queue, flows in WORKFLOWS.items()
        ),
        *(Worker(client, task_queue=queue, activities=acts, **options) for queue, acts in activities.items()),
    ]


async def run() -> None:
    settings = get_settings()
    telemetry.setup("flightrak-worker")
    engine = db.create_engine(settings.effective_database_url, settings.database_pool_size)
    client = await temporal_connection.connect(settings)
    workers = build_workers(
        client,
        db.session_factory(engine),
        settings.script_reminder_business_hours,
        notice_mailer(settings),
        max_cached_workflows=settings.worker_cached_workflows,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    running = [asyncio.create_task(worker.run()) for worker in workers]
    logging.getLogger(__name__).info("worker polling %s", [w.task_queue for w in workers])
    await stop.wait()
    await asyncio.gather(*(worker.shutdown() for worker in workers))
    await asyncio.gather(*running, return_exceptions=True)
    await engine.dispose()


def main() -> None:
    logs.setup("worker")
    asyncio.run(run())

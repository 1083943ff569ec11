"""A projection never outruns its workflow (issue 14, item 6): the worker is killed with -9 at random points of
concurrent actions, a new one is started, the users retry what failed, and then every item's projection row and
history rows are exactly what its workflow holds in Temporal: the workflow's state, one row per transition Temporal
recorded (seq 1..n, none missing, none twice), and no row for a transition it does not hold.

A flow is one FlowCase: how its items are made and which action each item takes next. Every flow's items act in the
same rounds against one worker process, so each kill cuts short actions of all the flows at once."""

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

import grpc
from sqlalchemy import select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from flightrak import db, grpc_runtime, service_process
from flightrak import temporal as temporal_connection
from flightrak.identity.v1 import identity_pb2, identity_pb2_grpc
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.registration.v1 import registration_pb2, registration_pb2_grpc
from services.identity import models as identity_tables
from services.registration import models as registration_tables
from services.scripts import models as scripts_tables
from services.scripts import packs
from services.testbed import models as testbed_tables
from tests.conftest import DEMO_PASSWORD, RESTART_NAMESPACE, free_port, new_user_fields
from tests.registration_helpers import next_designation
from tests.test_script_pack_api import EXAMPLE
from tests.test_specifications_rules import good_raw
from tests.test_worker_restart import con03_opened, item_when
from workflows import flight as flight_flow
from workflows import scripts as scripts_flow
from workflows.flight import models as flights
from workflows.flight import rules as flight_rules
from workflows.items import ItemTransition
from workflows.notices import models as notices
from workflows.notices import rules as notice_rules
from workflows.registration import models as registrations
from workflows.registration import rules as registration_rules
from workflows.scripts import models as script_issues
from workflows.scripts import rules as script_rules
from workflows.scripts.ids import script_issue_workflow_id
from workflows.scripts.workflows import ScriptIssueWorkflow
from workflows.specifications import models as specifications
from workflows.specifications import rules as specifications_rules
from workflows.table import Flow
from workflows.user_admin import models as user_requests
from workflows.user_admin import rules as user_admin_rules

ITEMS = 17  # items per flow, each taking one action per round: seven flows, about 120 actions for one worker
INTERRUPTED = 50  # per flow: actions not yet answered when the worker was killed
MAX_ROUNDS = 6
KILL_WITHIN = 0.2  # seconds after the round's actions are sent
SETTLED_WITHIN = 75.0  # a killed step's activity is retried after its start-to-close timeout (30 s)
CALL_TIMEOUT = 20.0
SERVICE_POOL_SIZE = 5
SEED = int(os.environ.get("FLIGHTRAK_KILL_SEED") or random.SystemRandom().randrange(2**32))

Auth = list[tuple[str, str]]


@dataclass
class Running:
    """The test's own services, in this process, and the worker it kills: a separate OS process."""

    settings: object
    worker: subprocess.Popen
    client: Client
    items: dict[str, items_pb2_grpc.ItemServiceStub]  # by the service that owns the items
    registration: registration_pb2_grpc.RegistrationServiceStub
    auth: dict[str, Auth]  # by who: "ercot" (admin), "reviewer", "ar", "mp_admin" and "cr_user" (Lone Star's)
    sessions: object  # every service's schema is in the one database
    identity: identity_pb2_grpc.IdentityServiceStub

    def start_worker(self) -> None:
        env = {
            **os.environ,
            "FLIGHTRAK_DATABASE_URL": self.settings.database_url,
            "FLIGHTRAK_TEMPORAL_ADDRESS": self.settings.temporal_address,
            "FLIGHTRAK_TEMPORAL_NAMESPACE": RESTART_NAMESPACE,
        }
        self.worker = subprocess.Popen([sys.executable, "-m", "flightrak.cli", "worker"], env=env)

    async def worker_polling(self, task_queue: str) -> None:
        """Until the worker this test started polls `task_queue` (a dead one's pollers are listed for a while)."""
        me = f"{self.worker.pid}@{socket.gethostname()}"
        request = DescribeTaskQueueRequest(
            namespace=RESTART_NAMESPACE,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        give_up = time.monotonic() + 60
        while me not in {p.identity for p in (await self.client.workflow_service.describe_task_queue(request)).pollers}:
            assert self.worker.poll() is None, f"the worker exited with {self.worker.returncode}"
            assert time.monotonic() < give_up, f"the worker never polled {task_queue}"
            await asyncio.sleep(0.2)

    def kill_worker(self) -> None:
        """SIGKILL to the worker this test started, and to no other process."""
        os.kill(self.worker.pid, signal.SIGKILL)
        assert self.worker.wait(10) == -signal.SIGKILL


@dataclass(frozen=True)
class FlowCase:
    name: str
    flow: Flow
    service: str  # the service that owns its items
    item_model: type
    history_model: type
    record_activity: str  # the regular activity that records each step
    make_items: Callable[[Running, int], Awaitable[list[int]]]
    next_action: Callable[[str, int], tuple[str, items_pb2.ActOnItemRequest]]  # (who, request) from (state, item)
    # Each action leaves the state it may start from, so a retry of one that landed is refused: every round adds
    # exactly one step. (A Change Dates retried after a timeout is a second change the user asked for.)
    one_step_per_action: bool = True
    # Where the service records an item's opening itself before it starts the workflow: how many steps it recorded,
    # from the workflow's input (as a dict); the workflow numbers its own from there. Otherwise (None) the workflow
    # records every step, its first OK or Create among them.
    opened_steps: Callable[[dict], int] | None = None
    # Where an action's row in the table leads to a state the item's data names (a script's step): the state it leads
    # to, by the action's name.
    leads_to: Callable[[str], str] | None = None
    # What the record activity takes when it wraps the ItemTransition in `.transition` with what the step adds to the
    # flow's own tables (a notice's NoticeStep); None: the ItemTransition itself.
    record_input: type | None = None
    # Steps the workflow takes while its items are made, besides its first (a sub-flow's Task Complete after Opened).
    more_steps_while_made: int = 0

    def steps(self, round_number: int) -> int | None:
        """How many steps each item's workflow holds after the round, if the flow knows: one per round, after the
        first OK or Create if the workflow recorded it."""
        if not self.one_step_per_action:
            return None
        return round_number + 1 + (self.opened_steps is None) + self.more_steps_while_made

    def state_after(self, action: str) -> str:
        return self.leads_to(action) if self.leads_to else self.flow.action(action).leads_to


async def _flights(running: Running, count: int) -> list[items_pb2.Item]:
    deadline = date.today() + timedelta(days=30)

    async def one() -> items_pb2.Item:
        request = registration_pb2.CreateFlightRequest(
            designation=next_designation(),
            signup_deadline=deadline.isoformat(),
            day1_of_testing=(deadline + timedelta(days=10)).isoformat(),
            end_date=(deadline + timedelta(days=40)).isoformat(),
        )
        created = await running.registration.CreateFlight(request, metadata=running.auth["ercot"], timeout=60)
        return await running.items["registration"].GetItem(
            items_pb2.GetItemRequest(item_id=created.item_id), metadata=running.auth["ercot"], timeout=60
        )

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def flights_open(running: Running, count: int) -> list[int]:
    return [flight.item_id for flight in await _flights(running, count)]


async def registrations_pending(running: Running, count: int) -> list[int]:
    """One registration per flight, by Blue Bonnet's AR, in Pending Submittal."""
    flights_made = await _flights(running, count)
    users = await running.identity.ListUsers(identity_pb2.ListUsersRequest(), metadata=running.auth["ar"])
    contacts = [user.user_id for user in users.users]
    fields = {
        "primary_contact": contacts[0],
        "secondary_contact": contacts[1],
        "testing_contact": contacts[2],
        "customer_classes": "residential",
        "tdsps": "007929441",
        "edi_system": "Sterling B2B Integrator 6.1",
        "bank_name": "Frost Bank",
        "service_provider": "self",
        "changing_banks": "No",
        "system_change": "No",
    }

    async def register(flight: items_pb2.Item) -> int:
        request = registration_pb2.RegisterRequest(designation=flight.fields["designation"], fields=fields)
        item = await running.registration.Register(request, metadata=running.auth["ar"], timeout=60)
        return item.item_id

    return list(await asyncio.gather(*(register(flight) for flight in flights_made)))


async def specifications_pending(running: Running, count: int) -> list[int]:
    """The CR's Request for Testing Specifications that approving each registration opens, in Pending Testing
    Specifications."""
    made = await registrations_pending(running, count)

    async def approved(item_id: int) -> int:
        for who, action in (("ar", registrations.SUBMIT), ("reviewer", registrations.APPROVE)):
            request = items_pb2.ActOnItemRequest(item_id=item_id, action=action)
            item = await running.items["registration"].ActOnItem(request, metadata=running.auth[who], timeout=60)
        return int(item.fields["testing_specifications_item_id"])

    return list(await asyncio.gather(*(approved(item_id) for item_id in made)))


def specifications_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """The CR's Provide and ERCOT's Reject, back and forth."""
    if state == specifications.PENDING_SPECIFICATIONS:
        return "ar", items_pb2.ActOnItemRequest(item_id=item_id, action=specifications.PROVIDE, fields=good_raw())
    assert state == specifications.ERCOT_REVIEW, state
    return "reviewer", items_pb2.ActOnItemRequest(
        item_id=item_id, action=specifications.REJECT, comment="The login must be the one issued for this flight."
    )


CON03 = packs.parse_pack(EXAMPLE).script("CON03")


async def scripts_ready(running: Running, count: int) -> list[int]:
    """CON03 between Lone Star and Oncor, Ready to Begin, each on a flight of its own: its rows as the scripts
    service opens them and its workflow started (tests/test_worker_restart.py), without a pack or flight behind it."""

    async def opened() -> int:
        issue = await con03_opened(running.sessions, running.settings)
        pairing = issue.pairing
        await running.client.start_workflow(
            ScriptIssueWorkflow.run,
            issue,
            id=script_issue_workflow_id(pairing.flight, pairing.cr_duns, pairing.tdsp_duns, CON03.script_id),
            task_queue=scripts_flow.TASK_QUEUE,
        )
        return issue.item_id

    return list(await asyncio.gather(*(opened() for _ in range(count))))


def script_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """Begin Working, then the CR escalates its first step to ERCOT and ERCOT resolves it, back and forth."""
    if state == script_issues.READY_TO_BEGIN:
        return "cr_user", items_pb2.ActOnItemRequest(item_id=item_id, action=script_issues.BEGIN_WORKING)
    if state == script_issues.ESCALATED_TO_ERCOT:
        return "ercot", items_pb2.ActOnItemRequest(
            item_id=item_id, action=script_issues.RESOLVE, comment="The bank's routing number is 111000025."
        )
    assert state == CON03.steps[0].state, state
    return "cr_user", items_pb2.ActOnItemRequest(
        item_id=item_id, action=script_issues.ESCALATE_TO_ERCOT, comment="Oncor has not sent its bank details."
    )


async def p2p_in_review(running: Running, count: int) -> list[int]:
    """CON03's bank-transfer sub-flow as the guide reaches it: Lone Star begins and sends its bank details, Oncor sends
    its own, the sub-flow opens, and Lone Star's Task Complete leaves it with Oncor, in review."""
    items = running.items["scripts"]

    async def act(who: str, item_id: int, action: str) -> None:
        request = items_pb2.ActOnItemRequest(item_id=item_id, action=action)
        await items.ActOnItem(request, metadata=running.auth[who], timeout=CALL_TIMEOUT)

    async def opened(issue: int) -> int:
        await act("cr_user", issue, script_issues.BEGIN_WORKING)
        await act("cr_user", issue, script_issues.STEP_ACTION)
        await act("tdsp_user", issue, script_issues.STEP_ACTION)
        parent = await item_when(items, running.auth["cr_user"], issue, lambda item: "p2p_item_id" in item.fields)
        p2p = int(parent.fields["p2p_item_id"])
        await item_when(items, running.auth["cr_user"], p2p, lambda item: item.state == script_issues.SUBMITTER_WORKING)
        await act("cr_user", p2p, script_issues.TASK_COMPLETE)
        return p2p

    return list(await asyncio.gather(*(opened(issue) for issue in await scripts_ready(running, count))))


def p2p_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """Oncor escalates to Lone Star what is missing, Lone Star returns it done, back and forth."""
    if state == script_issues.RECEIVER_IN_REVIEW:
        return "tdsp_user", items_pb2.ActOnItemRequest(
            item_id=item_id, action=script_issues.ESCALATE_TO_SUBMITTER, comment="The routing number is missing."
        )
    assert state == script_issues.ESCALATED_TO_SUBMITTER, state
    return "cr_user", items_pb2.ActOnItemRequest(
        item_id=item_id, action=script_issues.RETURN_TO_RECEIVER, comment="Routing number 111000025 added."
    )


def script_leads_to(action: str) -> str:
    """Begin Working and Resolve Escalation lead to the script's first step (the table's 'A step of the script')."""
    leads_to = script_rules.FLOW.action(action).leads_to
    return CON03.steps[0].state if leads_to == script_rules.STEP else leads_to


def registration_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """Submit and Return to CR, back and forth."""
    if state == registrations.PENDING_SUBMITTAL:
        return "ar", items_pb2.ActOnItemRequest(item_id=item_id, action=registrations.SUBMIT)
    assert state == registrations.REGISTRATION_REVIEW, state
    return "reviewer", items_pb2.ActOnItemRequest(
        item_id=item_id, action=registrations.RETURN_TO_CR, comment="Add the bank's ABA routing number."
    )


def flight_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """Change Dates: the end date moves a day later each time (Open -> Open)."""
    assert state == flights.OPEN, state
    end = date.today() + timedelta(days=70 + random.Random(item_id).randrange(300))
    request = items_pb2.ActOnItemRequest(
        item_id=item_id, action=flights.CHANGE_DATES, fields={"end_date": end.isoformat()}
    )
    return "ercot", request


async def user_requests_pending(running: Running, count: int) -> list[int]:
    """Add New User requests by Lone Star's MP Admin, OK'd into Pending Commit."""

    async def start() -> int:
        request = identity_pb2.StartUserRequestRequest(kind=user_requests.ADD, fields=new_user_fields())
        item = await running.identity.StartUserRequest(request, metadata=running.auth["mp_admin"], timeout=60)
        return item.item_id

    return list(await asyncio.gather(*(start() for _ in range(count))))


def user_request_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """OK again with the user's details corrected: a new phone number each time (Pending Commit -> Pending Commit)."""
    assert state == user_requests.PENDING_COMMIT, state
    fields = new_user_fields(
        employee_id=f"E-{item_id}",
        email=f"rosa.{item_id}@lonestar.example",
        phone=f"512-555-{random.randrange(10000):04d}",
    )
    return "mp_admin", items_pb2.ActOnItemRequest(item_id=item_id, action=user_requests.OK, fields=fields)


async def notices_drafted(running: Running, count: int) -> list[int]:
    """Market notices ERCOT has saved, in Draft."""

    async def save(number: int) -> int:
        fields = {
            "notice_type": "Testing",
            "short_description": f"Market test window {number}",
            "audience": "QSE",
            "long_description": "ERCOT will run a market test.",
            "contact": "ERCOT Client Services, (512) 248-3900",
        }
        request = registration_pb2.CreateNoticeRequest(fields=fields)
        notice = await running.registration.CreateNotice(request, metadata=running.auth["ercot"], timeout=60)
        return notice.item_id

    return list(await asyncio.gather(*(save(number) for number in range(count))))


def notice_next(state: str, item_id: int) -> tuple[str, items_pb2.ActOnItemRequest]:
    """ERCOT's Edit of the draft, a new description each time (Draft -> Draft)."""
    assert state == notices.DRAFT, state
    fields = {"long_description": f"ERCOT will run a market test; revision {random.randrange(10**6)}."}
    return "ercot", items_pb2.ActOnItemRequest(item_id=item_id, action=notices.EDIT, fields=fields)


FLOWS = [
    FlowCase(
        "registration",
        registration_rules.FLOW,
        "registration",
        registration_tables.Item,
        registration_tables.ItemHistory,
        registrations.RECORD_ITEM_TRANSITION,
        registrations_pending,
        registration_next,
    ),
    FlowCase(
        "flight",
        flight_rules.FLOW,
        "registration",
        registration_tables.Item,
        registration_tables.ItemHistory,
        flights.RECORD_ITEM_TRANSITION,
        flights_open,
        flight_next,
        one_step_per_action=False,
    ),
    FlowCase(
        "user admin",
        user_admin_rules.FLOW,
        "identity",
        identity_tables.Item,
        identity_tables.ItemHistory,
        user_requests.RECORD_ITEM_TRANSITION,
        user_requests_pending,
        user_request_next,
        one_step_per_action=False,  # OK leads back to Pending Commit: a retry of one that landed is taken again
    ),
    FlowCase(
        "testing specifications",
        specifications_rules.CR_FLOW,
        "testbed",
        testbed_tables.Item,
        testbed_tables.ItemHistory,
        specifications.RECORD_ITEM_TRANSITION,
        specifications_pending,
        specifications_next,
        opened_steps=lambda started: started["opened_seq"],
    ),
    FlowCase(
        "script issues",
        script_rules.FLOW,
        "scripts",
        scripts_tables.Item,
        scripts_tables.ItemHistory,
        script_issues.RECORD_ITEM_TRANSITION,
        scripts_ready,
        script_next,
        opened_steps=lambda started: 1,  # the service records the issue's opening; its workflow starts at seq 1
        leads_to=script_leads_to,
    ),
    FlowCase(
        "P2P sub-flows",
        script_rules.P2P_FLOW,
        "scripts",
        scripts_tables.Item,
        scripts_tables.ItemHistory,
        script_issues.RECORD_ITEM_TRANSITION,
        p2p_in_review,
        p2p_next,
        more_steps_while_made=1,
    ),
    FlowCase(
        "market notices",
        notice_rules.FLOW,
        "registration",
        registration_tables.Item,
        registration_tables.ItemHistory,
        notices.RECORD_NOTICE_STEP,
        notices_drafted,
        notice_next,
        one_step_per_action=False,  # Edit leads back to Draft: a retry of one that landed is taken again
        record_input=notices.NoticeStep,
    ),
]


async def recorded_steps(
    client: Client, workflow_id: str, case: FlowCase, item_id: int
) -> tuple[int, list[ItemTransition]]:
    """The steps Temporal holds for the workflow: how many its input says the service recorded before it started,
    and the inputs of the record activities its completed workflow tasks scheduled, in order."""
    converter = client.data_converter.payload_converter
    opened = 0
    steps = []
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("workflow_execution_started_event_attributes") and case.opened_steps:
            [started] = converter.from_payloads(event.workflow_execution_started_event_attributes.input.payloads)
            opened = case.opened_steps(started)
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name != case.record_activity:
            continue
        if case.record_input:
            [recorded] = converter.from_payloads(scheduled.input.payloads, [case.record_input])
            step = recorded.transition
        else:
            [step] = converter.from_payloads(scheduled.input.payloads, [ItemTransition])
        if step.item_id == item_id:
            steps.append(step)
    return opened, steps


async def mismatch(running: Running, case: FlowCase, item_id: int, expected_steps: int | None) -> str:
    """Why the item's projection is not its workflow's state ("" when it is)."""
    async with running.sessions() as session:
        row = await session.get(case.item_model, item_id, populate_existing=True)
        history = list(
            await session.scalars(
                select(case.history_model).where(case.history_model.item_id == item_id).order_by(case.history_model.seq)
            )
        )
    status = await running.client.get_workflow_handle(row.workflow_id).query("status")
    state = status["state"] if isinstance(status, dict) else status.state
    opened, steps = await recorded_steps(running.client, row.workflow_id, case, item_id)
    held = [(s.seq, s.action, s.from_state, s.to_state) for s in steps]
    shown = [(h.seq, h.action, h.from_state, h.to_state) for h in history]
    problems = []
    if [s.seq for s in steps] != list(range(opened + 1, opened + len(steps) + 1)):
        problems.append(f"the workflow's steps are numbered {[s.seq for s in steps]} after {opened} the service's")
    if not steps or steps[-1].to_state != state:
        problems.append(f"the workflow is in {state!r} but its last step leads to {steps[-1:]}")
    if (row.state, row.last_seq) != (state, opened + len(steps)):
        problems.append(
            f"projection ({row.state!r}, seq {row.last_seq}) != workflow ({state!r}, {opened} + {len(steps)} steps)"
        )
    if [h.seq for h in history[:opened]] != list(range(1, opened + 1)):
        problems.append(f"history rows {shown[:opened]} are not the {opened} the service recorded at opening")
    if shown[opened:] != held:
        problems.append(f"history rows {shown[opened:]} != the workflow's transitions {held}")
    if expected_steps is not None and len(steps) != expected_steps:
        problems.append(f"the workflow holds {len(steps)} steps, not {expected_steps}: {held}")
    return f"item {item_id}: " + "; ".join(problems) if problems else ""


async def act_until_decided(
    running: Running, case: FlowCase, who: str, request: items_pb2.ActOnItemRequest, give_up: float
) -> str:
    """The action as a user retries it: again after a timeout or an unavailable service, until the workflow takes it
    ("taken") or refuses it with the item already where the action leads (the first attempt landed, or is still
    recording: "landed"; refused as not in this state, or as not theirs when the state it led to is another party's).
    Any other refusal fails the test."""
    while True:
        try:
            await running.items[case.service].ActOnItem(request, metadata=running.auth[who], timeout=CALL_TIMEOUT)
            return "taken"
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.PERMISSION_DENIED):
                state = await workflow_state(running, case, request.item_id)
                assert state == case.state_after(request.action), (
                    f"{request.action} on item {request.item_id} refused in {state!r}: {error.details()}"
                )
                return "landed"
            if error.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
                raise
        assert time.monotonic() < give_up, f"{request.action} on item {request.item_id} never decided"
        await asyncio.sleep(0.5)


async def settled(running: Running, case: FlowCase, made: list[int], steps: int | None, give_up: float) -> None:
    """Every item's projection equals its workflow, by `give_up`: the last differences fail the test."""
    while True:
        problems = [p for p in await asyncio.gather(*(mismatch(running, case, item, steps) for item in made)) if p]
        if not problems:
            return
        assert time.monotonic() < give_up, "\n".join(problems)
        await asyncio.sleep(0.5)


async def workflow_state(running: Running, case: FlowCase, item_id: int) -> str:
    async with running.sessions() as session:
        row = await session.get(case.item_model, item_id, populate_existing=True)
    status = await running.client.get_workflow_handle(row.workflow_id).query("status")
    return status["state"] if isinstance(status, dict) else status.state


async def converged(running: Running, case: FlowCase, made: list[int], steps: int | None, give_up: float) -> float:
    """How long after the round's start every item of the flow equaled its workflow."""
    await settled(running, case, made, steps, give_up)
    return time.monotonic()


async def test_projection_equals_workflow_after_kills(stack, settings):
    print(f"seed {SEED} (FLIGHTRAK_KILL_SEED={SEED} repeats it)")
    rng = random.Random(f"{SEED}-all")
    ports = {name: free_port() for name in {"identity", "registration", *(case.service for case in FLOWS)}}
    isolated = settings.model_copy(
        update={
            "temporal_namespace": RESTART_NAMESPACE,
            # Four services in this process and the worker, while other tests may hold connections too: the
            # services' share of PostgreSQL's 100 stays small (the worker keeps its 15 for the steps' records).
            "database_pool_size": SERVICE_POOL_SIZE,
            **{f"{name}_address": f"127.0.0.1:{port}" for name, port in ports.items()},
        }
    )
    servers = {}
    running = None
    try:
        for name, port in ports.items():
            server, _, engine, address = await service_process.start(name, isolated, port)
            server.add_insecure_port(address)
            await server.start()
            servers[name] = (server, engine)
        channels = {name: grpc.aio.insecure_channel(isolated.service_address(name)) for name in ports}
        try:
            identity = identity_pb2_grpc.IdentityServiceStub(channels["identity"])

            async def token(email: str) -> Auth:
                signed_in = await identity.SignIn(identity_pb2.SignInRequest(email=email, password=DEMO_PASSWORD))
                return grpc_runtime.bearer(signed_in.token)

            running = Running(
                isolated,
                None,
                await temporal_connection.connect(isolated),
                {name: items_pb2_grpc.ItemServiceStub(channel) for name, channel in channels.items()},
                registration_pb2_grpc.RegistrationServiceStub(channels["registration"]),
                {
                    who: await token(email)
                    for who, email in (
                        ("ercot", "admin@ercot.example"),
                        ("reviewer", "reviewer@ercot.example"),
                        ("ar", "ar@bluebonnet.example"),
                        ("mp_admin", "admin@lonestar.example"),
                        ("cr_user", "user@lonestar.example"),
                        ("tdsp_user", "user@oncor.example"),
                    )
                },
                db.session_factory(servers["registration"][1]),
                identity,
            )
            running.start_worker()
            await running.worker_polling(flight_flow.TASK_QUEUE)
            making = time.monotonic()
            made = dict(
                zip(
                    (case.name for case in FLOWS),
                    await asyncio.gather(*(case.make_items(running, ITEMS) for case in FLOWS)),
                    strict=True,
                )
            )
            print(f"{ITEMS} items of each of {len(FLOWS)} flows made in {time.monotonic() - making:.1f} s")
            everything = [(case, item) for case in FLOWS for item in made[case.name]]
            interrupted = dict.fromkeys(made, 0)
            for round_number in range(MAX_ROUNDS):
                states = await asyncio.gather(*(workflow_state(running, case, item) for case, item in everything))
                started = time.monotonic()
                give_up = started + SETTLED_WITHIN
                actions = [
                    asyncio.create_task(act_until_decided(running, case, *case.next_action(state, item), give_up))
                    for state, (case, item) in zip(states, everything, strict=True)
                ]
                delay = rng.uniform(0, KILL_WITHIN)
                await asyncio.sleep(delay)
                running.kill_worker()
                cut_short = dict.fromkeys(made, 0)
                for action, (case, _) in zip(actions, everything, strict=True):
                    cut_short[case.name] += not action.done()
                running.start_worker()
                outcomes = await asyncio.gather(*actions)
                decided = time.monotonic() - started
                done = await asyncio.gather(
                    *(converged(running, case, made[case.name], case.steps(round_number), give_up) for case in FLOWS)
                )
                for case, converged_at in zip(FLOWS, done, strict=True):
                    theirs = [o for o, (c, _) in zip(outcomes, everything, strict=True) if c is case]
                    interrupted[case.name] += cut_short[case.name]
                    print(
                        f"round {round_number}, killed {delay * 1000:.0f} ms in: {case.name}: "
                        f"{cut_short[case.name]} unanswered; {theirs.count('taken')} taken, "
                        f"{theirs.count('landed')} refused on retry as landed; "
                        f"every projection equals its workflow {converged_at - started:.1f} s into the round"
                    )
                print(f"round {round_number}: all actions decided in {decided:.1f} s")
                if min(interrupted.values()) >= INTERRUPTED:
                    break
            short = {name: count for name, count in interrupted.items() if count < INTERRUPTED}
            assert not short, f"fewer than {INTERRUPTED} actions were cut short in {MAX_ROUNDS} rounds: {short}"
        finally:
            await asyncio.gather(*(channel.close() for channel in channels.values()))
    finally:
        if running is not None and running.worker is not None and running.worker.poll() is None:
            running.kill_worker()
        for server, engine in servers.values():
            await server.stop(grace=1)
            await engine.dispose()

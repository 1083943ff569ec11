"""Every path of a flight and of a flight registration, driven against fake registration and testbed activities.

The workflow tests (tests/test_flight_workflow.py, tests/test_registration_workflow.py) drive these paths;
run as `.venv/bin/python -m tests.flight_histories` this module records one history per path into
tests/histories/flight_*.json and tests/histories/registration_*.json, which those tests replay on every run.
Flights live on the dev server with per-workflow time skipping (the deadline is days away and only an update
starts a flight); registrations on the plain dev server.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, time, timedelta

from temporalio import activity
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment
from temporalio.worker import Worker

from flightrak.market_time import CENTRAL
from flightrak.temporal import binary
from flightrak.worker import WORKFLOW_RUNNER
from services.registration.domain import registration_closes_at
from tests.acting import acted, recorded
from tests.record_histories import HISTORIES, start_dev_server
from workflows import attention, owners
from workflows.flight import models as flights
from workflows.flight.ids import flight_workflow_id
from workflows.flight.workflows import FlightWorkflow
from workflows.items import Actor, ItemTransition
from workflows.registration import models as registrations
from workflows.registration.ids import registration_workflow_id
from workflows.registration.workflows import FlightRegistrationWorkflow
from workflows.scripts import models as scripts
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES
from workflows.specifications import models as specifications

ERCOT = "183529049"
LONESTAR = "079348512"
BLUEBONNET = "116724480"
ONCOR = "103994067"
ERCOT_ADMIN = Actor(user_id="1", name="Erin Ortiz", duns=ERCOT, roles=["ercot_admin", "user"], company_kind="ERCOT")
ERCOT_REVIEWER = Actor("2", "Rae Chen", ERCOT, ["ercot_reviewer", "user"], "ERCOT")
LONESTAR_AR = Actor("12", "James Whitfield", LONESTAR, ["ar", "user"], "CR")
LONESTAR_USER = Actor("13", "Dana Price", LONESTAR, ["user"], "CR")
BLUEBONNET_AR = Actor("21", "Bo Ramirez", BLUEBONNET, ["ar", "user"], "CR")
ONCOR_AR = Actor("31", "Olivia Grant", ONCOR, ["ar", "user"], "TDSP")

REGISTRATION_FIELDS = {
    "primary_contact": "11",
    "primary_contact_name": "Ana Baker",
    "testing_contact": "12",
    "customer_classes": "residential,small_commercial",
    "tdsps": "103994067,957877905",
    "tdsp_names": "Oncor Electric Delivery; CenterPoint Energy Houston Electric",
    "edi_system": "EDIGate 5",
    "bank_name": "Frost Bank",
    "service_provider": "601234587",
    "service_provider_name": "EDIGate Solutions",
}
FIRST_SPECIFICATIONS_ITEM_ID = 7001
# A step recorded with this comment fails for good the first time (the fakes' stand-in for bad data in PostgreSQL).
FAILS_ONCE = "This step's record fails once"

Flight = WorkflowHandle[FlightWorkflow, flights.FlightStatus]
Registration = WorkflowHandle[FlightRegistrationWorkflow, registrations.RegistrationStatus]


class FakeRegistrationActivities:
    """Stands in for the registration and testbed services' activities and keeps what the workflows sent them."""

    def __init__(self) -> None:
        self.transitions: list[ItemTransition] = []
        self.pairings: list[registrations.TestPairings] = []
        self.specification_requests: list[registrations.SpecificationsRequest] = []
        self.cancelled_registrations: list[specifications.CancelledRegistration] = []
        # Set by a test to hold the testbed's answer, so it can act while an approval is under way.
        self.testbed_answers = asyncio.Event()
        self.testbed_answers.set()
        # What the testbed answers about each flight's test beds; by default one TDSP, approved.
        self.test_beds: dict[str, flights.TestBedsMissing] = {}
        # Each flight's latest script pack version (0: none); by default one is published.
        self.packs: dict[str, int] = {}
        self.opened_issues: list[scripts.OpenScriptIssues] = []
        self.failed: set[tuple[int, int]] = set()  # (item, step) whose record failed once
        self.attention: list[attention.AttentionRecord] = []

    @activity.defn(name=flights.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: ItemTransition) -> None:
        if step.comment == FAILS_ONCE and (step.item_id, step.seq) not in self.failed:
            self.failed.add((step.item_id, step.seq))
            raise ApplicationError(
                "DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes", non_retryable=True
            )
        self.transitions.append(step)

    @activity.defn(name=owners.REGISTRATION.record_attention)
    async def record_attention(self, entry: attention.AttentionRecord) -> None:
        self.attention.append(entry)

    @activity.defn(name=registrations.RECORD_TEST_PAIRINGS)
    async def record_test_pairings(self, pairings: registrations.TestPairings) -> None:
        self.pairings.append(pairings)

    @activity.defn(name=registrations.OPEN_SPECIFICATIONS_REQUEST)
    async def open_testing_specifications_request(self, request: registrations.SpecificationsRequest) -> int:
        self.specification_requests.append(request)
        await self.testbed_answers.wait()
        return FIRST_SPECIFICATIONS_ITEM_ID + len(self.specification_requests) - 1

    @activity.defn(name=specifications.CLOSE_FOR_CANCELLED_REGISTRATION)
    async def close_for_cancelled_registration(self, cancelled: specifications.CancelledRegistration) -> None:
        self.cancelled_registrations.append(cancelled)

    @activity.defn(name=flights.TEST_BEDS_MISSING)
    async def test_beds_missing(self, flight: str) -> flights.TestBedsMissing:
        return self.test_beds.get(flight, flights.TestBedsMissing(1, []))

    @activity.defn(name=flights.FLIGHT_PAIRINGS)
    async def flight_pairings(self, flight: str) -> list[scripts.PairingToTest]:
        pairing = scripts.Pairing(flight, LONESTAR, "Lone Star", ONCOR, "Oncor")
        return [scripts.PairingToTest(pairing, ["new_cr"], "iou")]

    @activity.defn(name=flights.PACK_VERSION)
    async def pack_version(self, flight: str) -> int:
        return self.packs.get(flight, 1)

    @activity.defn(name=flights.OPEN_SCRIPT_ISSUES)
    async def open_script_issues(self, request: scripts.OpenScriptIssues) -> int:
        self.opened_issues.append(request)
        return 5 * len(request.pairings)

    def steps(self, item_id: int) -> list[ItemTransition]:
        """Only this item's steps: a flight left open by another test may still close on the same server."""
        return [step for step in self.transitions if step.item_id == item_id]

    def pairings_of(self, item_id: int) -> list[registrations.TestPairings]:
        return [p for p in self.pairings if p.registration_item_id == item_id]

    def requests_of(self, item_id: int) -> list[registrations.SpecificationsRequest]:
        return [r for r in self.specification_requests if r.registration_item_id == item_id]

    def cancellations_of(self, item_id: int) -> list[specifications.CancelledRegistration]:
        return [c for c in self.cancelled_registrations if c.registration_item_id == item_id]


async def start_clock_server() -> WorkflowEnvironment:
    """The dev server with per-workflow time skipping (experimental in the SDK): updates and a days-long
    deadline meet only there. Workflows start unskipped, their clock at real now; tests fast-forward them."""
    return await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
    )


@asynccontextmanager
async def workers(client: Client, fakes: FakeRegistrationActivities) -> AsyncIterator[str]:
    """Both workflows on a task queue of their own, with the registration fakes as their local activities,
    and the testbed fake on the queue the registration workflow sends its activity to."""
    task_queue = f"flight-test-{uuid.uuid4().hex}"
    workflows = [FlightWorkflow, FlightRegistrationWorkflow]
    local = [fakes.record_item_transition, fakes.record_test_pairings, fakes.record_attention]
    async with (
        Worker(
            client,
            task_queue=task_queue,
            workflows=workflows,
            activities=local,
            workflow_runner=WORKFLOW_RUNNER,
        ),
        Worker(
            client,
            task_queue=registrations.TESTBED_TASK_QUEUE,
            activities=[
                fakes.open_testing_specifications_request,
                fakes.close_for_cancelled_registration,
                fakes.test_beds_missing,
                fakes.flight_pairings,
            ],
        ),
        Worker(
            client,
            task_queue=flights.SCRIPTS_TASK_QUEUE,
            activities=[fakes.pack_version, fakes.open_script_issues],
        ),
    ):
        yield task_queue


def new_item_id() -> int:
    return uuid.uuid4().int % 10**9


# Flights


def closing_in(days: int, at: time = time(17, 0)) -> datetime:
    """The signup deadline `days` Central days from today, as the registration service computes it."""
    return registration_closes_at(datetime.now(CENTRAL).date() + timedelta(days=days), at)


def flight_dates(closes_at: datetime) -> flights.FlightDates:
    deadline = closes_at.astimezone(CENTRAL).date()
    return flights.FlightDates(
        signup_deadline=deadline.isoformat(),
        registration_closes_at=closes_at.isoformat(),
        day1_of_testing=(deadline + timedelta(days=14)).isoformat(),
        end_date=(deadline + timedelta(days=60)).isoformat(),
    )


def new_flight(closes_at: datetime, item_id: int | None = None, designation: str | None = None) -> flights.FlightInput:
    designation = designation or f"T{uuid.uuid4().hex[:8]}"
    return flights.FlightInput(item_id or new_item_id(), designation, flight_dates(closes_at), ERCOT)


async def create_flight(
    client: Client, task_queue: str, flight: flights.FlightInput, actor: Actor = ERCOT_ADMIN
) -> flights.FlightStatus:
    """As the registration service's CreateFlight does: the workflow starts with its `create` update."""
    start = WithStartWorkflowOperation(
        FlightWorkflow.run,
        flight,
        id=flight_workflow_id(flight.designation),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    status = await client.execute_update_with_start_workflow(
        flights.CREATE, flights.FlightAction(actor), start_workflow_operation=start, result_type=flights.FlightStatus
    )
    await recorded(await start.workflow_handle())
    return status


def flight_handle(client: Client, flight: flights.FlightInput) -> Flight:
    return client.get_workflow_handle_for(FlightWorkflow.run, flight_workflow_id(flight.designation))


async def change_dates(handle: Flight, closes_at: datetime, actor: Actor = ERCOT_ADMIN) -> flights.FlightStatus:
    change = flights.FlightAction(actor, flight_dates(closes_at).as_fields(), "Moved at the TDSPs' request")
    return await acted(handle.execute_update(flights.CHANGE_DATES, change, result_type=flights.FlightStatus), handle)


async def advance(handle: Flight, action: str, actor: Actor = ERCOT_ADMIN) -> flights.FlightStatus:
    answering = handle.execute_update(action, flights.FlightAction(actor), result_type=flights.FlightStatus)
    return await acted(answering, handle)


async def flight_state(handle: Flight) -> str:
    return (await handle.query(FlightWorkflow.status)).state


async def eventually_in(handle: Flight, state: str, within: timedelta = timedelta(seconds=10)) -> None:
    """The deadline's timer fires with the fast-forward; the workflow task that acts on it follows shortly."""
    give_up = asyncio.get_running_loop().time() + within.total_seconds()
    while (current := await flight_state(handle)) != state:
        assert asyncio.get_running_loop().time() < give_up, f"flight still {current}, never {state}"
        await asyncio.sleep(0.1)


def until(closes_at: datetime) -> timedelta:
    """How far a workflow started about now must fast-forward to reach `closes_at`."""
    return closes_at - datetime.now(UTC)


async def run_all_phases(handle: Flight) -> None:
    for action in (flights.OPEN_CONNECTIVITY_TESTING, flights.OPEN_BUSINESS_TESTING, flights.COMPLETE_FLIGHT):
        await advance(handle, action)


async def record_flights() -> dict[str, str]:
    histories: dict[str, str] = {}
    fakes = FakeRegistrationActivities()
    env = await start_clock_server()
    try:
        async with workers(env.client, fakes) as task_queue:
            closes_at = closing_in(days=3)
            flight = new_flight(closes_at, item_id=1, designation="0725")
            await create_flight(env.client, task_queue, flight)
            handle = flight_handle(env.client, flight)
            await env.fast_forward(handle, until(closes_at) + timedelta(minutes=1))
            await eventually_in(handle, flights.CLOSED)
            await run_all_phases(handle)
            await handle.result()
            histories["flight_deadline_closes_phases_complete"] = (await handle.fetch_history()).to_json()

            flight = new_flight(closes_at, item_id=2, designation="0825")
            await create_flight(env.client, task_queue, flight)
            handle = flight_handle(env.client, flight)
            moved = closing_in(days=5)
            await change_dates(handle, moved)
            await env.fast_forward(handle, until(moved) + timedelta(minutes=1))
            await eventually_in(handle, flights.CLOSED)
            await handle.terminate("recorded")
            histories["flight_change_dates_closes"] = (await handle.fetch_history()).to_json()

            flight = new_flight(closes_at, item_id=3, designation="0925")
            await create_flight(env.client, task_queue, flight)
            handle = flight_handle(env.client, flight)
            await env.fast_forward(handle, until(closes_at) + timedelta(minutes=1))
            await eventually_in(handle, flights.CLOSED)
            fakes.test_beds[flight.designation] = flights.TestBedsMissing(2, ["CenterPoint (Test Bed Loading)"])
            with suppress(WorkflowUpdateFailedError):
                await advance(handle, flights.OPEN_CONNECTIVITY_TESTING)
            fakes.test_beds[flight.designation] = flights.TestBedsMissing(2, [])
            await advance(handle, flights.OPEN_CONNECTIVITY_TESTING)
            await handle.terminate("recorded")
            histories["flight_connectivity_waits_for_test_beds"] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    return histories


# Registrations


def flight_context(closes_at: datetime | None = None, state: str = flights.OPEN) -> registrations.FlightContext:
    closes_at = closes_at or closing_in(days=3)
    return registrations.FlightContext(state, closes_at.astimezone(CENTRAL).isoformat())


def new_registration(
    item_id: int | None = None, flight: str | None = None, context: registrations.FlightContext | None = None
) -> registrations.RegistrationInput:
    return registrations.RegistrationInput(
        item_id or new_item_id(),
        flight or f"T{uuid.uuid4().hex[:8]}",
        LONESTAR,
        "Lonestar Energy",
        context or flight_context(),
    )


def action(
    actor: Actor = LONESTAR_AR, fields: dict[str, str] | None = None, comment: str = ""
) -> registrations.RegistrationAction:
    return registrations.RegistrationAction(actor, fields or {}, comment)


async def flight_changes(handle, context: registrations.FlightContext) -> None:
    """As the flight's workflow tells its registrations; the query after it returns once the signal is applied."""
    await handle.signal(flights.FLIGHT_CHANGED, context)
    await handle.query(FlightRegistrationWorkflow.status)


async def register(
    client: Client,
    task_queue: str,
    registration: registrations.RegistrationInput,
    given: registrations.RegistrationAction | None = None,
) -> registrations.RegistrationStatus:
    """As the registration service's Register does: the workflow starts with the CR's first OK."""
    start = WithStartWorkflowOperation(
        FlightRegistrationWorkflow.run,
        registration,
        id=registration_workflow_id(registration.flight, registration.cr_duns),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    given = given or action(fields=REGISTRATION_FIELDS)
    status = await client.execute_update_with_start_workflow(
        "ok", given, start_workflow_operation=start, result_type=registrations.RegistrationStatus
    )
    await recorded(await start.workflow_handle())
    return status


def registration_handle(client: Client, registration: registrations.RegistrationInput) -> Registration:
    return client.get_workflow_handle_for(
        FlightRegistrationWorkflow.run, registration_workflow_id(registration.flight, registration.cr_duns)
    )


async def submit(handle: Registration) -> None:
    await acted(handle.execute_update("submit", action()), handle)


async def approve(handle: Registration) -> None:
    await acted(handle.execute_update("approve", action(ERCOT_REVIEWER, comment="Looks complete")), handle)


async def return_to_cr(handle: Registration) -> None:
    given = action(ERCOT_REVIEWER, comment="Add your testing contact's phone")
    await acted(handle.execute_update("return_to_cr", given), handle)


async def modify(handle: Registration) -> None:
    await acted(handle.execute_update("modify", action(fields={"testing_contact": "14"})), handle)


async def withdraw(handle: Registration) -> None:
    await acted(handle.execute_update("withdraw", action(comment="Not ready this flight")), handle)


async def cancel(handle: Registration, actor: Actor = LONESTAR_AR) -> None:
    await acted(handle.execute_update("cancel", action(actor, comment="Testing next flight")), handle)


async def submit_approve(handle: Registration) -> None:
    await submit(handle)
    await approve(handle)


async def submit_return_modify_submit_approve(handle: Registration) -> None:
    await submit(handle)
    await return_to_cr(handle)
    await modify(handle)
    await submit(handle)
    await approve(handle)


async def submit_cancel(handle: Registration) -> None:
    await submit(handle)
    await cancel(handle)


async def submit_needing_attention(handle: Registration, decision: str) -> None:
    """A Submit whose record fails for good: the flow waits for ERCOT's operators, who decide."""
    submitting = await handle.start_update(
        "submit", action(comment=FAILS_ONCE), wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    decided = attention.OperatorDecision(ERCOT_ADMIN, decision)
    for _ in range(100):
        with suppress(WorkflowUpdateFailedError):  # refused until the failed step waits for them
            await handle.execute_update(FlightRegistrationWorkflow.decide_needs_attention, decided)
            break
        await asyncio.sleep(0.1)
    with suppress(WorkflowUpdateFailedError):  # a cancelled flow's Submit fails
        await submitting.result()


async def submit_needs_attention_retried_approve(handle: Registration) -> None:
    await submit_needing_attention(handle, attention.RETRY)
    await approve(handle)


async def submit_needs_attention_cancelled(handle: Registration) -> None:
    await submit_needing_attention(handle, attention.CANCEL)


REGISTRATION_PATHS: dict[str, Callable[[Registration], Awaitable[None]]] = {
    "ok_submit_approve": submit_approve,
    "ok_submit_return_modify_submit_approve": submit_return_modify_submit_approve,
    "ok_withdraw": withdraw,
    "ok_submit_cancel": submit_cancel,
    "ok_submit_needs_attention_retried_approve": submit_needs_attention_retried_approve,
    "ok_submit_needs_attention_cancelled": submit_needs_attention_cancelled,
}


async def record_registrations() -> dict[str, str]:
    histories: dict[str, str] = {}
    fakes = FakeRegistrationActivities()
    env = await start_dev_server()
    try:
        async with workers(env.client, fakes) as task_queue:
            for item_id, (name, drive) in enumerate(REGISTRATION_PATHS.items(), start=1):
                registration = new_registration(item_id, flight=f"07{item_id:02d}")
                await register(env.client, task_queue, registration)
                handle = registration_handle(env.client, registration)
                await drive(handle)
                if (await handle.query(FlightRegistrationWorkflow.status)).state == registrations.CANCELLED:
                    await handle.result()
                else:
                    await handle.terminate("recorded")  # an approved registration lives on into testing
                histories[f"registration_{name}"] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    return histories


async def record() -> None:
    HISTORIES.mkdir(exist_ok=True)
    histories = {**await record_flights(), **await record_registrations()}
    for name, history in histories.items():
        path = HISTORIES / f"{name}.json"
        path.write_text(history + "\n")
        print(f"{path}: {len(history)} characters")


if __name__ == "__main__":
    asyncio.run(record())

"""The flight workflow alone, against fake registration activities, on the dev server with per-workflow time
skipping: only an update starts a flight, and its signup deadline is days away. Then replay of every recorded
flight history."""

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from flightrak.worker import WORKFLOW_RUNNER
from tests.flight_histories import (
    ERCOT_ADMIN,
    ERCOT_REVIEWER,
    HISTORIES,
    LONESTAR_AR,
    FakeRegistrationActivities,
    Flight,
    advance,
    change_dates,
    closing_in,
    create_flight,
    eventually_in,
    flight_dates,
    flight_handle,
    flight_state,
    new_flight,
    until,
    workers,
)
from workflows.flight import models as m
from workflows.flight.ids import flight_workflow_id
from workflows.flight.workflows import FlightWorkflow
from workflows.items import SYSTEM_ACTOR

MINUTE = timedelta(minutes=1)


@pytest.fixture
def fakes() -> FakeRegistrationActivities:
    return FakeRegistrationActivities()


async def end(handle: Flight) -> None:
    """A flight left open would close later on the same server; the fakes filter by item, this tidies up."""
    if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate("test over")


def moves(fakes: FakeRegistrationActivities, flight: m.FlightInput) -> list[tuple[str, str, str]]:
    """The flight's moves; the record of its script issues opening (which follows Open Connectivity Testing
    at its own pace) is left to the tests about it."""
    steps = fakes.steps(flight.item_id)
    return [(s.action, s.from_state, s.to_state) for s in steps if not s.action.endswith("Scripts Opened")]


async def test_create_opens_the_flight_for_registration(clock_env: WorkflowEnvironment, fakes):
    flight = new_flight(closing_in(days=3))
    async with workers(clock_env.client, fakes) as task_queue:
        created = await create_flight(clock_env.client, task_queue, flight)
        await end(flight_handle(clock_env.client, flight))
    assert created == m.FlightStatus(flight.item_id, flight.designation, m.OPEN, flight.dates)
    [step] = fakes.steps(flight.item_id)
    assert (step.action, step.from_state, step.to_state, step.actor) == ("Create Flight", "", m.OPEN, ERCOT_ADMIN)
    assert (step.workflow_id, step.item_type, step.title) == (
        flight_workflow_id(flight.designation),
        m.ITEM_TYPE,
        f"Flight {flight.designation}",
    )
    assert (step.company_duns, step.responsible_party, step.closed, step.seq) == (flight.ercot_duns, "ERCOT", False, 1)
    assert step.changes == flight.dates.as_fields()
    assert step.fields == {"designation": flight.designation, **flight.dates.as_fields()}


async def test_only_an_ercot_admin_creates_a_flight(clock_env: WorkflowEnvironment, fakes):
    flight = new_flight(closing_in(days=3))
    async with workers(clock_env.client, fakes) as task_queue:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await create_flight(clock_env.client, task_queue, flight, actor=ERCOT_REVIEWER)
        assert "only an ERCOT admin runs flights" in str(refused.value.cause)
        await end(flight_handle(clock_env.client, flight))
    assert fakes.steps(flight.item_id) == []


async def test_registration_closes_by_itself_at_the_signup_deadline(clock_env: WorkflowEnvironment, fakes):
    closes_at = closing_in(days=3)
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        assert await clock_env.fast_forward(handle, until(closes_at) - MINUTE)
        assert await flight_state(handle) == m.OPEN
        assert moves(fakes, flight) == [("Create Flight", "", m.OPEN)]

        assert await clock_env.fast_forward(handle, 2 * MINUTE)
        await eventually_in(handle, m.CLOSED)
        await end(handle)
    assert moves(fakes, flight) == [("Create Flight", "", m.OPEN), ("Registration Closed", m.OPEN, m.CLOSED)]
    closed = fakes.steps(flight.item_id)[1]
    assert (closed.actor, closed.seq, closed.closed, closed.responsible_party) == (SYSTEM_ACTOR, 2, False, "ERCOT")
    assert closed.changes == {}
    closes_at = datetime.fromisoformat(flight.dates.registration_closes_at)
    assert closed.comment == (
        f"The signup deadline passed: registration closed at 5:00 PM Central on {closes_at:%B %-d, %Y}."
    )


async def test_the_closing_step_names_the_time_registration_actually_closed(clock_env: WorkflowEnvironment, fakes):
    """ERCOT may set another closing time than 5:00 PM (the signup_deadline_time field of the flight form)."""
    closes_at = closing_in(days=1, at=time(14, 30))
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        await clock_env.fast_forward(handle, until(closes_at) + MINUTE)
        await eventually_in(handle, m.CLOSED)
        await end(handle)
    closed = fakes.steps(flight.item_id)[-1]
    assert "2:30 PM Central" in closed.comment, closed.comment


async def test_moving_the_deadline_later_keeps_registration_open_until_the_new_one(
    clock_env: WorkflowEnvironment, fakes
):
    closes_at, moved = closing_in(days=2), closing_in(days=4)
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        changed = await change_dates(handle, moved)
        assert (changed.state, changed.dates) == (m.OPEN, flight_dates(moved))

        assert await clock_env.fast_forward(handle, until(closes_at) + MINUTE)
        assert await flight_state(handle) == m.OPEN
        assert await clock_env.fast_forward(handle, moved - closes_at - 2 * MINUTE)
        assert await flight_state(handle) == m.OPEN
        assert await clock_env.fast_forward(handle, 2 * MINUTE)
        await eventually_in(handle, m.CLOSED)
        await end(handle)
    assert moves(fakes, flight) == [
        ("Create Flight", "", m.OPEN),
        ("Change Dates", m.OPEN, m.OPEN),
        ("Registration Closed", m.OPEN, m.CLOSED),
    ]
    _, change, closed = fakes.steps(flight.item_id)
    before, after = flight.dates.as_fields(), flight_dates(moved).as_fields()
    assert change.changes == {name: f"{before[name]} -> {after[name]}" for name in before}
    assert (change.actor, change.comment, change.fields["registration_closes_at"]) == (
        ERCOT_ADMIN,
        "Moved at the TDSPs' request",
        moved.isoformat(),
    )
    assert closed.fields["signup_deadline"] == flight_dates(moved).signup_deadline


async def test_moving_the_deadline_earlier_closes_registration_then_and_only_once(
    clock_env: WorkflowEnvironment, fakes
):
    closes_at, moved = closing_in(days=5), closing_in(days=2)
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        await change_dates(handle, moved)
        assert await clock_env.fast_forward(handle, until(moved) - MINUTE)
        assert await flight_state(handle) == m.OPEN
        assert await clock_env.fast_forward(handle, 2 * MINUTE)
        await eventually_in(handle, m.CLOSED)
        # Past the old deadline nothing more happens.
        assert await clock_env.fast_forward(handle, closes_at - moved + MINUTE)
        assert await flight_state(handle) == m.CLOSED
        await end(handle)
    assert moves(fakes, flight) == [
        ("Create Flight", "", m.OPEN),
        ("Change Dates", m.OPEN, m.OPEN),
        ("Registration Closed", m.OPEN, m.CLOSED),
    ]


async def test_change_dates_is_refused_to_others_than_ercot_admins(clock_env: WorkflowEnvironment, fakes):
    flight = new_flight(closing_in(days=3))
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        for actor in (ERCOT_REVIEWER, LONESTAR_AR):
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await change_dates(handle, closing_in(days=5), actor=actor)
            assert "only an ERCOT admin runs flights" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await change_dates(handle, closing_in(days=-1))
        assert "the new signup deadline must be in the future" in str(refused.value.cause)
        assert (await handle.query(FlightWorkflow.status)).dates == flight.dates
        await end(handle)
    assert moves(fakes, flight) == [("Create Flight", "", m.OPEN)]


async def test_change_dates_is_refused_once_the_deadline_passed(clock_env: WorkflowEnvironment, fakes):
    closes_at = closing_in(days=2)
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        await clock_env.fast_forward(handle, until(closes_at) + MINUTE)
        await eventually_in(handle, m.CLOSED)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await change_dates(handle, closing_in(days=10))
        assert "Change Dates is not possible in state Registration Closed" in str(refused.value.cause)
        assert (await handle.query(FlightWorkflow.status)).dates == flight.dates
        await end(handle)
    assert moves(fakes, flight) == [("Create Flight", "", m.OPEN), ("Registration Closed", m.OPEN, m.CLOSED)]


async def test_ercot_runs_the_phases_in_order_and_the_flight_completes(clock_env: WorkflowEnvironment, fakes):
    closes_at = closing_in(days=2)
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.OPEN_CONNECTIVITY_TESTING)
        assert "Open Connectivity Testing is not possible in state Open for Registration" in str(refused.value.cause)
        await clock_env.fast_forward(handle, until(closes_at) + MINUTE)
        await eventually_in(handle, m.CLOSED)

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.OPEN_BUSINESS_TESTING)
        assert "Open Business Testing is not possible in state Registration Closed" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.COMPLETE_FLIGHT)
        assert "Complete Flight is not possible in state Registration Closed" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, "launch")
        assert "'launch' is not a flight action" in str(refused.value.cause)
        for actor in (ERCOT_REVIEWER, LONESTAR_AR):
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await advance(handle, m.OPEN_CONNECTIVITY_TESTING, actor=actor)
            assert "only an ERCOT admin runs flights" in str(refused.value.cause)
        assert len(fakes.steps(flight.item_id)) == 2

        assert (await advance(handle, m.OPEN_CONNECTIVITY_TESTING)).state == m.CONNECTIVITY_TESTING
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.OPEN_CONNECTIVITY_TESTING)
        assert "not possible in state Connectivity Testing" in str(refused.value.cause)
        assert (await advance(handle, m.OPEN_BUSINESS_TESTING)).state == m.BUSINESS_TESTING
        assert (await advance(handle, m.COMPLETE_FLIGHT)).state == m.COMPLETE
        done = await handle.result()
        assert done == m.FlightStatus(flight.item_id, flight.designation, m.COMPLETE, flight.dates)
        # A complete flight's workflow has returned: the server refuses any update before a validator runs.
        with pytest.raises(RPCError, match="workflow execution already completed"):
            await advance(handle, m.COMPLETE_FLIGHT)
    assert moves(fakes, flight) == [
        ("Create Flight", "", m.OPEN),
        ("Registration Closed", m.OPEN, m.CLOSED),
        ("Open Connectivity Testing", m.CLOSED, m.CONNECTIVITY_TESTING),
        ("Open Business Testing", m.CONNECTIVITY_TESTING, m.BUSINESS_TESTING),
        ("Complete Flight", m.BUSINESS_TESTING, m.COMPLETE),
    ]
    everything = fakes.steps(flight.item_id)
    # The script issues' openings are recorded too (connectivity's always; business's when it opened before
    # the flight completed): every step once, in order.
    assert [s.seq for s in everything] == list(range(1, len(everything) + 1))
    steps = [s for s in everything if not s.action.endswith("Scripts Opened")]
    assert len(steps) == 5 and "Connectivity Scripts Opened" in [s.action for s in everything]
    assert [(s.actor, s.closed, s.responsible_party) for s in steps[2:]] == [
        (ERCOT_ADMIN, False, "ERCOT"),
        (ERCOT_ADMIN, False, "ERCOT"),
        (ERCOT_ADMIN, True, ""),
    ]


async def test_connectivity_testing_waits_for_every_tdsp_test_bed(clock_env: WorkflowEnvironment, fakes):
    closes_at = closing_in(days=2)
    flight = new_flight(closes_at)
    async with workers(clock_env.client, fakes) as task_queue:
        await create_flight(clock_env.client, task_queue, flight)
        handle = flight_handle(clock_env.client, flight)
        await clock_env.fast_forward(handle, until(closes_at) + MINUTE)
        await eventually_in(handle, m.CLOSED)

        fakes.test_beds[flight.designation] = m.TestBedsMissing(0, [])
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.OPEN_CONNECTIVITY_TESTING)
        assert "no TDSP is paired in this flight yet" in str(refused.value.cause)

        missing = ["CenterPoint Energy (Test Bed Review (ERCOT))", "Oncor (Test Bed Loading)"]
        fakes.test_beds[flight.designation] = m.TestBedsMissing(3, missing)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.OPEN_CONNECTIVITY_TESTING)
        assert refused.value.cause.message == (
            "connectivity testing opens once ERCOT has approved every TDSP's test bed; still waiting for "
            "CenterPoint Energy (Test Bed Review (ERCOT)), Oncor (Test Bed Loading)"
        )
        assert await flight_state(handle) == m.CLOSED

        fakes.test_beds[flight.designation] = m.TestBedsMissing(3, [])
        fakes.packs[flight.designation] = 0
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await advance(handle, m.OPEN_CONNECTIVITY_TESTING)
        assert refused.value.cause.message == (
            "publish the flight's script pack first: connectivity testing opens its script issues"
        )
        fakes.packs[flight.designation] = 2
        assert (await advance(handle, m.OPEN_CONNECTIVITY_TESTING)).state == m.CONNECTIVITY_TESTING
        opened = await eventually_recorded(fakes, flight, "Connectivity Scripts Opened")
        assert opened.comment == "5 script issues opened." and opened.actor.name == "FlighTrak"
        [request] = [r for r in fakes.opened_issues if r.flight == flight.designation]
        assert (request.kind, request.ercot_duns, len(request.pairings)) == ("connectivity", flight.ercot_duns, 1)
        assert request.ends_at.startswith(str(date.fromisoformat(flight.dates.end_date) + timedelta(days=1)))
        await end(handle)
    assert [move[0] for move in moves(fakes, flight)] == [
        "Create Flight",
        "Registration Closed",
        "Open Connectivity Testing",
    ]


async def eventually_recorded(fakes: FakeRegistrationActivities, flight: m.FlightInput, action: str):
    for _ in range(100):
        found = [s for s in fakes.steps(flight.item_id) if s.action == action]
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{action} was never recorded")


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("flight_*.json")), ids=lambda path: path.stem)
async def test_recorded_flight_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=[FlightWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)

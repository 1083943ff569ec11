"""The flight registration workflow alone, against fake registration and testbed activities, on the dev server:
every path of its state machine through updates, every refusal (which records nothing), and replay of every
recorded registration history."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHistory,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from flightrak.worker import WORKFLOW_RUNNER
from tests.conftest import refused
from tests.flight_histories import (
    BLUEBONNET_AR,
    ERCOT_ADMIN,
    ERCOT_REVIEWER,
    FIRST_SPECIFICATIONS_ITEM_ID,
    HISTORIES,
    LONESTAR,
    LONESTAR_AR,
    LONESTAR_USER,
    ONCOR_AR,
    REGISTRATION_FIELDS,
    FakeRegistrationActivities,
    Registration,
    action,
    approve,
    cancel,
    flight_changes,
    flight_context,
    modify,
    new_registration,
    register,
    registration_handle,
    return_to_cr,
    submit,
    withdraw,
    workers,
)
from tests.record_histories import start_dev_server
from workflows.flight import models as flights
from workflows.items import Actor
from workflows.registration import models as m
from workflows.registration.ids import registration_workflow_id
from workflows.registration.workflows import FlightRegistrationWorkflow

LONESTAR_BAR = Actor("14", "Mia Torres", LONESTAR, ["bar", "user"], "CR")
W = FlightRegistrationWorkflow


@pytest.fixture(scope="module")
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture
def fakes() -> FakeRegistrationActivities:
    return FakeRegistrationActivities()


def closed_an_hour_ago() -> m.FlightContext:
    """The validators compare the deadline with workflow.now(), which on the dev server is real time."""
    return flight_context(datetime.now(UTC) - timedelta(hours=1))


async def state(handle: Registration) -> str:
    return (await handle.query(W.status)).state


async def end(handle: Registration) -> None:
    if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate("test over")


def moves(fakes: FakeRegistrationActivities, registration: m.RegistrationInput) -> list[tuple[str, str, str]]:
    return [(s.action, s.from_state, s.to_state) for s in fakes.steps(registration.item_id)]


async def test_ok_registers_the_cr_in_pending_submittal(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        status = await register(dev_env.client, task_queue, registration)
        await end(registration_handle(dev_env.client, registration))
    assert status == m.RegistrationStatus(registration.item_id, m.PENDING_SUBMITTAL, REGISTRATION_FIELDS)
    [step] = fakes.steps(registration.item_id)
    assert (step.action, step.from_state, step.to_state, step.actor, step.seq) == (
        "OK",
        "",
        m.PENDING_SUBMITTAL,
        LONESTAR_AR,
        1,
    )
    assert (step.workflow_id, step.item_type, step.title, step.company_duns) == (
        registration_workflow_id(registration.flight, LONESTAR),
        m.ITEM_TYPE,
        f"Flight {registration.flight} Registration - Lonestar Energy",
        LONESTAR,
    )
    assert (step.responsible_party, step.closed) == ("CR", False)
    assert step.changes == REGISTRATION_FIELDS
    assert step.fields == {
        **REGISTRATION_FIELDS,
        "flight": registration.flight,
        "cr_duns": LONESTAR,
        "cr_name": "Lonestar Energy",
    }


async def test_a_cr_registers_for_a_flight_once(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        with pytest.raises(WorkflowAlreadyStartedError):
            await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await refused(handle.execute_update("ok", action(fields=REGISTRATION_FIELDS)), "OK is not possible in state")
        await end(handle)
    assert moves(fakes, registration) == [("OK", "", m.PENDING_SUBMITTAL)]


async def test_modify_records_what_changed(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        changed = await handle.execute_update(
            "modify",
            action(LONESTAR_BAR, fields={"testing_contact": "14", "secondary_contact": "15"}),
            result_type=m.RegistrationStatus,
        )
        await end(handle)
    assert changed.state == m.PENDING_SUBMITTAL
    assert changed.fields == {**REGISTRATION_FIELDS, "testing_contact": "14", "secondary_contact": "15"}
    _, step = fakes.steps(registration.item_id)
    assert (step.action, step.from_state, step.to_state, step.actor) == (
        "Modify",
        m.PENDING_SUBMITTAL,
        m.PENDING_SUBMITTAL,
        LONESTAR_BAR,
    )
    assert step.changes == {"testing_contact": "12 -> 14", "secondary_contact": "15"}


async def test_submit_return_resubmit_and_approve_pairs_the_cr_and_opens_its_specifications_request(
    dev_env: WorkflowEnvironment, fakes
):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await submit(handle)
        assert await state(handle) == m.REGISTRATION_REVIEW

        for comment in ("", "   "):
            await refused(
                handle.execute_update("return_to_cr", action(ERCOT_REVIEWER, comment=comment)),
                "Return to CR needs a comment",
            )
        await return_to_cr(handle)
        assert await state(handle) == m.PENDING_SUBMITTAL
        await modify(handle)
        await submit(handle)
        await approve(handle)
        status = await handle.query(W.status)
        await refused(approve(handle), "Approve is not possible in state Pending Script Assignment")
        # An approved registration lives on into testing.
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await end(handle)

    assert status.state == m.PENDING_SCRIPT_ASSIGNMENT
    assert status.fields["testing_specifications_item_id"] == str(FIRST_SPECIFICATIONS_ITEM_ID)
    assert moves(fakes, registration) == [
        ("OK", "", m.PENDING_SUBMITTAL),
        ("Submit", m.PENDING_SUBMITTAL, m.REGISTRATION_REVIEW),
        ("Return to CR", m.REGISTRATION_REVIEW, m.PENDING_SUBMITTAL),
        ("Modify", m.PENDING_SUBMITTAL, m.PENDING_SUBMITTAL),
        ("Submit", m.PENDING_SUBMITTAL, m.REGISTRATION_REVIEW),
        ("Approve", m.REGISTRATION_REVIEW, m.PENDING_SCRIPT_ASSIGNMENT),
    ]
    steps = fakes.steps(registration.item_id)
    assert [s.seq for s in steps] == [1, 2, 3, 4, 5, 6]
    assert [s.responsible_party for s in steps] == ["CR", "ERCOT", "CR", "CR", "ERCOT", "ERCOT"]
    returned, approved = steps[2], steps[5]
    assert (returned.actor, returned.comment) == (ERCOT_REVIEWER, "Add your testing contact's phone")
    assert (approved.actor, approved.closed) == (ERCOT_REVIEWER, False)
    assert approved.changes == {"testing_specifications_item_id": str(FIRST_SPECIFICATIONS_ITEM_ID)}
    assert approved.fields["testing_specifications_item_id"] == str(FIRST_SPECIFICATIONS_ITEM_ID)

    lonestar = m.Company(LONESTAR, "Lonestar Energy")
    edigate = m.Company("601234587", "EDIGate Solutions")
    tdsps = [
        m.Company("103994067", "Oncor Electric Delivery"),
        m.Company("957877905", "CenterPoint Energy Houston Electric"),
    ]
    assert fakes.pairings_of(registration.item_id) == [
        m.TestPairings(registration.flight, registration.item_id, lonestar, edigate, tdsps)
    ]
    assert fakes.requests_of(registration.item_id) == [
        m.SpecificationsRequest(registration.flight, registration.item_id, lonestar, edigate, tdsps)
    ]


async def test_a_cr_running_its_own_edi_is_paired_without_a_service_provider(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    fields = {**REGISTRATION_FIELDS, "service_provider": "self", "service_provider_name": ""}
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration, action(fields=fields))
        handle = registration_handle(dev_env.client, registration)
        await submit(handle)
        await approve(handle)
        await end(handle)
    [pairings] = fakes.pairings_of(registration.item_id)
    [request] = fakes.requests_of(registration.item_id)
    assert pairings.service_provider == request.service_provider == m.Company("", "")
    assert [tdsp.duns for tdsp in pairings.tdsps] == ["103994067", "957877905"]


async def test_withdraw_from_pending_submittal_cancels_the_registration(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await withdraw(handle)
        done = await handle.result()
        # A cancelled registration's workflow has returned: the server refuses any update before a validator.
        with pytest.raises(RPCError, match="workflow execution already completed"):
            await submit(handle)
    assert (done.state, done.fields) == (m.CANCELLED, REGISTRATION_FIELDS)
    assert moves(fakes, registration) == [
        ("OK", "", m.PENDING_SUBMITTAL),
        ("Withdraw", m.PENDING_SUBMITTAL, m.CANCELLED),
    ]
    withdrawn = fakes.steps(registration.item_id)[1]
    assert (withdrawn.actor, withdrawn.comment, withdrawn.closed, withdrawn.responsible_party) == (
        LONESTAR_AR,
        "Not ready this flight",
        True,
        "",
    )


@pytest.mark.parametrize("approved", [False, True], ids=["from_review", "from_pending_script_assignment"])
async def test_the_cr_cancels_its_registration_before_testing(dev_env: WorkflowEnvironment, fakes, approved: bool):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await submit(handle)
        if approved:
            await approve(handle)
        from_state = await state(handle)
        await cancel(handle)
        done = await handle.result()
    assert done.state == m.CANCELLED
    assert moves(fakes, registration)[-1] == ("Cancel", from_state, m.CANCELLED)
    cancelled = fakes.steps(registration.item_id)[-1]
    assert (cancelled.actor, cancelled.closed, cancelled.comment) == (LONESTAR_AR, True, "Testing next flight")
    assert len(fakes.requests_of(registration.item_id)) == int(approved)
    # Only an approved registration opened anything for the testbed to close.
    tdsps = REGISTRATION_FIELDS["tdsps"].split(",")
    closing = [(registration.flight, LONESTAR, tdsps, LONESTAR_AR.name)] if approved else []
    told = [(c.flight, c.cr_duns, c.tdsp_duns, c.cancelled_by) for c in fakes.cancellations_of(registration.item_id)]
    assert told == closing


@pytest.mark.parametrize("flight_state", [flights.CONNECTIVITY_TESTING, flights.BUSINESS_TESTING, flights.COMPLETE])
async def test_cancel_is_refused_once_the_flight_is_testing(dev_env: WorkflowEnvironment, fakes, flight_state: str):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await submit(handle)
        await approve(handle)
        await flight_changes(handle, flight_context(state=flight_state))
        await refused(
            handle.execute_update("cancel", action(comment="Testing next flight")),
            f"the flight is in {flight_state}: a registration can be cancelled",
        )
        assert await state(handle) == m.PENDING_SCRIPT_ASSIGNMENT
        await end(handle)
    assert len(fakes.steps(registration.item_id)) == 3


async def test_submit_is_refused_after_the_signup_deadline(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await flight_changes(handle, closed_an_hour_ago())
        await refused(
            handle.execute_update("submit", action()),
            "registration for this flight closed at the signup deadline",
        )
        assert await state(handle) == m.PENDING_SUBMITTAL
        # Withdrawing is still possible: the CR is then simply not in the flight.
        await handle.execute_update("withdraw", action())
        await handle.result()
    assert moves(fakes, registration) == [
        ("OK", "", m.PENDING_SUBMITTAL),
        ("Withdraw", m.PENDING_SUBMITTAL, m.CANCELLED),
    ]


async def test_ok_is_refused_after_the_signup_deadline(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration(context=closed_an_hour_ago())
    late = action(fields=REGISTRATION_FIELDS)
    async with workers(dev_env.client, fakes) as task_queue:
        await refused(
            register(dev_env.client, task_queue, registration, late),
            "registration for this flight closed at the signup deadline",
        )
        handle = registration_handle(dev_env.client, registration)
        assert (await handle.query(W.status)) == m.RegistrationStatus(registration.item_id, "", {})
        await end(handle)
    assert fakes.steps(registration.item_id) == []


@pytest.mark.parametrize(
    "actor, reason",
    [
        (ONCOR_AR, "only the CR's AR or BAR may register"),
        (LONESTAR_USER, "only the CR's AR or BAR may register"),
        (BLUEBONNET_AR, "only the CR's AR or BAR may register"),
        (ERCOT_ADMIN, "only the CR's AR or BAR may register"),
    ],
    ids=["tdsp_ar", "cr_plain_user", "another_crs_ar", "ercot_admin"],
)
async def test_ok_is_refused_to_anyone_but_the_crs_ar_or_bar(
    dev_env: WorkflowEnvironment, fakes, actor: Actor, reason: str
):
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await refused(register(dev_env.client, task_queue, registration, action(actor, REGISTRATION_FIELDS)), reason)
        await end(registration_handle(dev_env.client, registration))
    assert fakes.steps(registration.item_id) == []


async def test_each_party_acts_only_in_its_own_turn(dev_env: WorkflowEnvironment, fakes):
    registration = new_registration()
    cr_only = "only the CR's AR or BAR may register for, change or withdraw from a flight"
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        # Pending Submittal: the CR's turn.
        for actor in (ERCOT_REVIEWER, LONESTAR_USER, BLUEBONNET_AR, ONCOR_AR):
            await refused(handle.execute_update("submit", action(actor)), cr_only)
            await refused(handle.execute_update("modify", action(actor, {"testing_contact": "14"})), cr_only)
            await refused(handle.execute_update("withdraw", action(actor)), cr_only)
        await refused(approve(handle), "Approve is not possible in state Pending Submittal")
        await refused(return_to_cr(handle), "Return to CR is not possible in state Pending Submittal")
        await refused(cancel(handle), "Cancel is not possible in state Pending Submittal")
        await refused(handle.execute_update("approve", action(LONESTAR_AR)), "only ERCOT reviews registrations")
        assert len(fakes.steps(registration.item_id)) == 1

        # Registration Review: ERCOT's turn.
        await submit(handle)
        for actor in (LONESTAR_AR, LONESTAR_BAR, ONCOR_AR):
            await refused(handle.execute_update("approve", action(actor)), "only ERCOT reviews registrations")
            given = action(actor, comment="Fix it")
            await refused(handle.execute_update("return_to_cr", given), "only ERCOT reviews registrations")
        await refused(submit(handle), "Submit is not possible in state Registration Review (ERCOT)")
        await refused(modify(handle), "Modify is not possible in state Registration Review (ERCOT)")
        await refused(withdraw(handle), "Withdraw is not possible in state Registration Review (ERCOT)")
        await refused(cancel(handle, actor=ERCOT_REVIEWER), cr_only)
        assert await state(handle) == m.REGISTRATION_REVIEW
        await end(handle)
    assert moves(fakes, registration) == [
        ("OK", "", m.PENDING_SUBMITTAL),
        ("Submit", m.PENDING_SUBMITTAL, m.REGISTRATION_REVIEW),
    ]
    assert fakes.pairings_of(registration.item_id) == []
    assert fakes.requests_of(registration.item_id) == []


async def test_a_cancel_while_approval_is_under_way_is_not_undone_by_the_approval(dev_env: WorkflowEnvironment, fakes):
    """Approve moves to Pending Script Assignment before its two activities run, and Cancel is possible from
    there. Whether the CR's Cancel in that window is refused, waits, or wins, the workflow and the item it
    records must agree in the end: the last step's state is the workflow's, closed exactly when it has ended."""
    registration = new_registration()
    async with workers(dev_env.client, fakes) as task_queue:
        await register(dev_env.client, task_queue, registration)
        handle = registration_handle(dev_env.client, registration)
        await submit(handle)
        fakes.testbed_answers.clear()
        approving = await handle.start_update(
            "approve", action(ERCOT_REVIEWER), wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        while not fakes.requests_of(registration.item_id):
            await asyncio.sleep(0.05)
        cancelling = None
        try:
            given = action(comment="Testing next flight")
            cancelling = await handle.start_update("cancel", given, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        except WorkflowUpdateFailedError:
            pass  # refusing a Cancel while the approval is under way is a fair answer
        finally:
            fakes.testbed_answers.set()
        await approving.result()
        if cancelling is not None:
            try:
                await cancelling.result()
            except WorkflowUpdateFailedError:
                cancelling = None  # refused by the validator: the approval was under way
        status = await handle.query(W.status)
        ended = (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        await end(handle)
    last = fakes.steps(registration.item_id)[-1]
    assert (last.state, last.closed) == (status.state, ended), moves(fakes, registration)
    if cancelling is not None:
        assert (status.state, last.action) == (m.CANCELLED, "Cancel"), moves(fakes, registration)


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("registration_*.json")), ids=lambda path: path.stem)
async def test_recorded_registration_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=[FlightRegistrationWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)

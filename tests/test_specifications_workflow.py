"""The Request for Testing Specifications workflow alone, against a fake testbed activity, on the dev server:
both paths of its state machine through updates, the refusals of its validators (which record nothing), and
replay of every recorded specifications history."""

from dataclasses import replace
from pathlib import Path

import pytest
from temporalio.client import (
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHistory,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from flightrak.worker import WORKFLOW_RUNNER
from tests.flight_histories import BLUEBONNET_AR, ERCOT_REVIEWER, LONESTAR, LONESTAR_AR, LONESTAR_USER, ONCOR, ONCOR_AR
from tests.record_histories import HISTORIES, start_dev_server
from tests.specifications_histories import (
    CR_CANCELLED,
    EDIGATE_AR,
    FIXED_TEST_BED,
    ONLY_PARTNER_LEFT,
    PARTNER_LEFT,
    PATHS,
    REGISTRATION_ITEM_ID,
    REJECT_SPECIFICATIONS,
    REJECT_TEST_BED,
    TEST_BED,
    FakeTestbed,
    Request,
    act,
    action,
    approve,
    attach_test_bed,
    cr_provide_registration_cancelled,
    cr_provide_reject_provide_approve,
    new_request,
    open_request,
    provide,
    reject,
    specifications_of,
    submit_test_bed,
    tdsp_provide_attach_partner_left_twice_then_cancelled,
    tdsp_provide_attach_submit_reject_attach_submit_approve,
    tdsp_provide_self_test_failed_then_passed_then_test_bed_approved,
    workers,
)
from workflows import search_attributes as sa
from workflows.items import SYSTEM_ACTOR, Actor
from workflows.specifications import models as m
from workflows.specifications import rules
from workflows.specifications import workflows as specifications_flow
from workflows.specifications.ids import specifications_workflow_id

# Bound under a name pytest does not take for a test class.
W = specifications_flow.TestingSpecificationsWorkflow
PROVIDE = rules.PROVIDE
CR_ONLY = "only the CR or its Service Provider may work this request"
ERCOT_ONLY = "only ERCOT approves or rejects testing specifications"


@pytest.fixture(scope="module")
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture
def fakes() -> FakeTestbed:
    return FakeTestbed()


async def state(handle: Request) -> str:
    return (await handle.query(W.status)).state


async def end(handle: Request) -> None:
    if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate("test over")


def moves(fakes: FakeTestbed, request: m.SpecificationsInput) -> list[tuple[str, str, str, str]]:
    return [(s.action, s.from_state, s.to_state, s.responsible_party) for s in fakes.steps(request.item_id)]


async def refused(pending, reason: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await pending
    assert failure.value.cause.message == reason  # what run_update hands the person who clicked


def assert_recorded_for(fakes: FakeTestbed, request: m.SpecificationsInput) -> None:
    """What every step of a request carries, whichever step it is."""
    steps = fakes.steps(request.item_id)
    assert [s.seq for s in steps] == list(range(request.opened_seq + 1, request.opened_seq + 1 + len(steps)))
    for step in steps:
        assert (step.workflow_id, step.item_type, step.title, step.company_duns) == (
            specifications_workflow_id(request.flight, request.company_duns),
            m.ITEM_TYPE,
            f"Flight {request.flight} Testing Specifications - {request.company_name}",
            request.company_duns,
        )
        state = rules.FLOWS[request.kind].states[step.to_state]
        assert (step.state, step.instructions, step.responsible_party) == (
            step.to_state,
            state.instructions,
            state.responsible,
        )
        assert step.closed == state.closed


async def test_a_cr_request_is_rejected_with_a_comment_then_corrected_and_approved(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await cr_provide_reject_provide_approve(handle)
        done = await handle.result()
        attributes = (await handle.describe()).typed_search_attributes

    specified = {**request.fields, **specifications_of("lonestar"), "edm_login": "ercot_0001"}
    assert done == m.SpecificationsStatus(request.item_id, m.APPROVED, specified)
    assert moves(fakes, request) == [
        (PROVIDE, m.PENDING_SPECIFICATIONS, m.ERCOT_REVIEW, "ERCOT"),
        ("Reject", m.ERCOT_REVIEW, m.PENDING_SPECIFICATIONS, "CR"),
        (PROVIDE, m.PENDING_SPECIFICATIONS, m.ERCOT_REVIEW, "ERCOT"),
        ("Approve", m.ERCOT_REVIEW, m.APPROVED, ""),
    ]
    assert_recorded_for(fakes, request)
    provided, rejected, corrected, approved = fakes.steps(request.item_id)
    assert (provided.actor, provided.changes, provided.comment) == (LONESTAR_AR, specifications_of("lonestar"), "")
    assert provided.fields == {**request.fields, **specifications_of("lonestar")}
    assert (rejected.actor, rejected.changes, rejected.comment) == (ERCOT_REVIEWER, {}, REJECT_SPECIFICATIONS)
    assert (corrected.actor, corrected.changes) == (EDIGATE_AR, {"edm_login": "lonestar_edm -> ercot_0001"})
    assert (approved.actor, approved.changes, approved.fields, approved.closed) == (
        ERCOT_REVIEWER,
        {},
        specified,
        True,
    )
    assert (attributes[sa.ITEM_STATE], attributes[sa.RESPONSIBLE_PARTY], attributes[sa.CR_DUNS]) == (
        m.APPROVED,
        "-",
        LONESTAR,
    )


async def test_a_tdsp_request_goes_on_to_the_test_bed_which_is_rejected_then_approved(
    dev_env: WorkflowEnvironment, fakes
):
    request = new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await tdsp_provide_attach_submit_reject_attach_submit_approve(handle)
        done = await handle.result()
        attributes = (await handle.describe()).typed_search_attributes

    loaded = {**request.fields, **specifications_of("oncor"), **FIXED_TEST_BED}
    assert done == m.SpecificationsStatus(request.item_id, m.COMPLETED, loaded)
    attach, submit = (rules.TDSP_FLOW.action(name).label for name in (m.ATTACH_TEST_BED, m.SUBMIT_TEST_BED))
    assert moves(fakes, request) == [
        (PROVIDE, m.PENDING_SPECIFICATIONS, m.TEST_BED_LOADING, "TDSP"),
        (attach, m.TEST_BED_LOADING, m.TEST_BED_LOADING, "TDSP"),
        (submit, m.TEST_BED_LOADING, m.TEST_BED_REVIEW, "ERCOT"),
        ("Reject", m.TEST_BED_REVIEW, m.TEST_BED_LOADING, "TDSP"),
        (attach, m.TEST_BED_LOADING, m.TEST_BED_LOADING, "TDSP"),
        (submit, m.TEST_BED_LOADING, m.TEST_BED_REVIEW, "ERCOT"),
        ("Approve", m.TEST_BED_REVIEW, m.COMPLETED, ""),
    ]
    assert_recorded_for(fakes, request)
    provided, attached, submitted, rejected, reattached, resubmitted, approved = fakes.steps(request.item_id)
    assert (provided.actor, provided.changes) == (ONCOR_AR, specifications_of("oncor"))
    assert (attached.actor, attached.changes) == (ONCOR_AR, TEST_BED)
    assert attached.fields == {**request.fields, **specifications_of("oncor"), **TEST_BED}
    assert (submitted.actor, submitted.changes, resubmitted.changes) == (ONCOR_AR, {}, {})
    assert (rejected.actor, rejected.comment) == (ERCOT_REVIEWER, REJECT_TEST_BED)
    assert reattached.changes == {
        "test_bed_id": "31 -> 32",
        "test_bed_file": "oncor_test_bed.xlsx -> oncor_test_bed_v2.xlsx",
        "test_bed_rows": "40 -> 42",
    }
    assert (approved.actor, approved.fields, approved.closed) == (ERCOT_REVIEWER, loaded, True)
    assert (attributes[sa.ITEM_STATE], attributes[sa.TDSP_DUNS]) == (m.COMPLETED, ONCOR)
    assert sa.CR_DUNS not in attributes


async def test_a_closed_request_takes_no_more_actions(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await cr_provide_reject_provide_approve(handle)
        await handle.result()
        with pytest.raises(RPCError, match="workflow execution already completed"):
            await reject(handle, "Too late")
    assert len(fakes.steps(request.item_id)) == 4


@pytest.mark.parametrize("actor", [BLUEBONNET_AR, ONCOR_AR], ids=["another_crs_ar", "a_tdsps_ar"])
async def test_only_the_cr_or_its_service_provider_provides(dev_env: WorkflowEnvironment, fakes, actor: Actor):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await refused(provide(handle, actor, specifications_of("lonestar")), CR_ONLY)
        assert await state(handle) == m.PENDING_SPECIFICATIONS
        await end(handle)
    assert fakes.steps(request.item_id) == []


@pytest.mark.parametrize("actor", [EDIGATE_AR, LONESTAR_USER], ids=["its_service_provider", "a_plain_cr_user"])
async def test_the_crs_service_provider_and_any_of_its_users_may_provide(
    dev_env: WorkflowEnvironment, fakes, actor: Actor
):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        provided = await provide(handle, actor, specifications_of("lonestar"))
        await end(handle)
    assert provided.state == m.ERCOT_REVIEW
    [step] = fakes.steps(request.item_id)
    assert (step.actor, step.to_state) == (actor, m.ERCOT_REVIEW)


async def test_a_tdsp_request_is_worked_by_the_tdsp_only(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        for actor in (LONESTAR_AR, EDIGATE_AR):
            await refused(provide(handle, actor, specifications_of("oncor")), "only the TDSP may work this request")
        await end(handle)
    assert fakes.steps(request.item_id) == []


async def test_only_ercot_approves_or_rejects(dev_env: WorkflowEnvironment, fakes):
    cr, tdsp = new_request(m.CR), new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, cr)
        await provide(handle, LONESTAR_AR, specifications_of("lonestar"))
        for actor in (LONESTAR_AR, EDIGATE_AR, ONCOR_AR):
            await refused(act(handle, m.APPROVE, action(actor)), ERCOT_ONLY)
            await refused(act(handle, m.REJECT, action(actor, comment="Fix it")), ERCOT_ONLY)
        assert await state(handle) == m.ERCOT_REVIEW
        await end(handle)

        handle = await open_request(dev_env.client, task_queue, tdsp)
        await provide(handle, ONCOR_AR, specifications_of("oncor"))
        await attach_test_bed(handle, TEST_BED)
        await submit_test_bed(handle)
        await refused(act(handle, m.APPROVE, action(ONCOR_AR)), ERCOT_ONLY)
        assert await state(handle) == m.TEST_BED_REVIEW
        await end(handle)
    assert len(fakes.steps(cr.item_id)) == 1
    assert len(fakes.steps(tdsp.item_id)) == 3


async def test_reject_needs_a_comment(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await provide(handle, LONESTAR_AR, specifications_of("lonestar"))
        for comment in ("", "   "):
            await refused(reject(handle, comment), "Reject needs a comment telling them what to fix")
        assert await state(handle) == m.ERCOT_REVIEW
        await end(handle)
    assert len(fakes.steps(request.item_id)) == 1


async def test_submit_test_bed_needs_an_attached_test_bed(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await provide(handle, ONCOR_AR, specifications_of("oncor"))
        await refused(submit_test_bed(handle), "attach a valid test bed (Attach and Validate) before submitting it")
        # Fields sent with a Submit attach nothing: only Attach and Validate does.
        claims = action(ONCOR_AR, fields={"test_bed_rows": "40"})
        await refused(
            act(handle, m.SUBMIT_TEST_BED, claims),
            "attach a valid test bed (Attach and Validate) before submitting it",
        )
        assert await state(handle) == m.TEST_BED_LOADING
        await end(handle)
    assert len(fakes.steps(request.item_id)) == 1


async def test_actions_are_refused_in_the_wrong_state_or_on_the_wrong_kind_of_request(
    dev_env: WorkflowEnvironment, fakes
):
    cr, tdsp = new_request(m.CR), new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, cr)
        await refused(approve(handle), "Approve is not possible in state Pending Testing Specifications")
        await refused(reject(handle, "Fix it"), "Reject is not possible in state Pending Testing Specifications")
        await refused(
            attach_test_bed(handle, TEST_BED),
            "'attach_test_bed' is not a CR request action",
        )
        await provide(handle, LONESTAR_AR, specifications_of("lonestar"))
        await refused(
            provide(handle, LONESTAR_AR, {"edm_port": "8443"}),
            "Provide/Review Testing Specifications is not possible in state ERCOT Review",
        )
        await end(handle)

        handle = await open_request(dev_env.client, task_queue, tdsp)
        await refused(approve(handle), "Approve is not possible in state Pending Testing Specifications")
        await refused(
            attach_test_bed(handle, TEST_BED),
            "Attach and Validate is not possible in state Pending Testing Specifications",
        )
        await provide(handle, ONCOR_AR, specifications_of("oncor"))
        await refused(approve(handle), "Approve is not possible in state Test Bed Loading")
        await end(handle)
    assert moves(fakes, cr) == [(PROVIDE, m.PENDING_SPECIFICATIONS, m.ERCOT_REVIEW, "ERCOT")]
    assert moves(fakes, tdsp) == [(PROVIDE, m.PENDING_SPECIFICATIONS, m.TEST_BED_LOADING, "TDSP")]


@pytest.mark.parametrize("kind", [m.CR, m.TDSP])
async def test_no_person_takes_the_systems_registration_cancelled(dev_env: WorkflowEnvironment, fakes, kind: str):
    request = new_request(kind)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        for actor in (ERCOT_REVIEWER, LONESTAR_AR if kind == m.CR else ONCOR_AR):
            await refused(
                act(handle, m.CANCEL_REQUEST, action(actor, comment="Cancel it")),
                "only the system cancels a request, when the registration it served is cancelled",
            )
        assert await state(handle) == m.PENDING_SPECIFICATIONS
        await end(handle)
    assert fakes.steps(request.item_id) == []


async def test_the_system_cancels_a_crs_request_when_its_registration_is_cancelled(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await cr_provide_registration_cancelled(handle)
        done = await handle.result()
        attributes = (await handle.describe()).typed_search_attributes
        with pytest.raises(RPCError, match="workflow execution already completed"):
            await provide(handle, LONESTAR_AR, specifications_of("lonestar"))
    assert done.state == m.CANCELLED
    assert moves(fakes, request) == [
        (PROVIDE, m.PENDING_SPECIFICATIONS, m.ERCOT_REVIEW, "ERCOT"),
        ("Registration Cancelled", m.ERCOT_REVIEW, m.CANCELLED, ""),
    ]
    assert_recorded_for(fakes, request)
    cancelled = fakes.steps(request.item_id)[-1]
    assert (cancelled.actor, cancelled.comment, cancelled.changes, cancelled.closed) == (
        SYSTEM_ACTOR,
        CR_CANCELLED,
        {},
        True,
    )
    assert (attributes[sa.ITEM_STATE], attributes[sa.RESPONSIBLE_PARTY]) == (m.CANCELLED, "-")


async def test_a_tdsp_request_notes_each_cr_that_leaves_once_and_is_cancelled_when_its_last_one_leaves(
    dev_env: WorkflowEnvironment, fakes
):
    request = new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await tdsp_provide_attach_partner_left_twice_then_cancelled(handle)
        done = await handle.result()
    assert done.state == m.CANCELLED
    assert moves(fakes, request)[2:] == [
        ("Registration Cancelled", m.TEST_BED_LOADING, m.TEST_BED_LOADING, "TDSP"),
        ("Registration Cancelled", m.TEST_BED_LOADING, m.CANCELLED, ""),
    ]
    assert_recorded_for(fakes, request)
    noted, cancelled = fakes.steps(request.item_id)[2:]
    assert (noted.actor, noted.comment, noted.changes) == (SYSTEM_ACTOR, PARTNER_LEFT, {"test_bed_rows": "40 -> 12"})
    assert noted.fields["test_bed_rows"] == "12"
    assert (cancelled.actor, cancelled.comment) == (SYSTEM_ACTOR, ONLY_PARTNER_LEFT)


async def test_a_closed_request_is_cancelled_by_a_run_that_starts_where_it_ended(dev_env: WorkflowEnvironment, fakes):
    request = new_request(m.CR)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await cr_provide_reject_provide_approve(handle)
        approved = await handle.result()
        # As the testbed service starts it (services/testbed/activities.py): the projection's state, fields and step.
        later = replace(request, fields=approved.fields, opened_seq=5, state=m.APPROVED)
        start = WithStartWorkflowOperation(
            W.run,
            later,
            id=handle.id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        step = m.RegistrationCancelledStep(REGISTRATION_ITEM_ID, True, CR_CANCELLED)
        cancelled = await dev_env.client.execute_update_with_start_workflow(
            W.registration_cancelled, step, start_workflow_operation=start, result_type=m.SpecificationsStatus
        )
        done = await (await start.workflow_handle()).result()
    assert (cancelled.state, done.state, done.fields) == (m.CANCELLED, m.CANCELLED, approved.fields)
    last = fakes.steps(request.item_id)[-1]
    assert (last.seq, last.action, last.from_state, last.to_state, last.fields) == (
        6,
        "Registration Cancelled",
        m.APPROVED,
        m.CANCELLED,
        approved.fields,
    )


async def test_an_edm_self_test_is_recorded_where_the_request_stands_each_time_it_runs(dev_env, fakes):
    request = new_request(m.TDSP)
    async with workers(dev_env.client, fakes) as task_queue:
        handle = await open_request(dev_env.client, task_queue, request)
        await tdsp_provide_self_test_failed_then_passed_then_test_bed_approved(handle)
        done = await handle.result()
    tests = [step for step in fakes.steps(request.item_id) if step.action == rules.SELF_TEST]
    assert [(step.from_state, step.to_state, step.actor) for step in tests] == [
        (m.TEST_BED_LOADING, m.TEST_BED_LOADING, ONCOR_AR)
    ] * 2
    failed, passed = tests
    assert (failed.changes["edm_self_test"], failed.changes["edm_self_test_failed"]) == ("Failed", "certificate")
    assert failed.comment == "the server's certificate is not the one agreed in the specifications"
    assert passed.changes["edm_self_test"] == "Failed -> Passed" and "request-status=ok" in passed.comment
    assert passed.changes["edm_self_test_failed"] == "certificate -> "
    assert (done.state, done.fields["edm_self_test"]) == (m.COMPLETED, "Passed")


def test_every_path_has_a_recorded_history():
    recorded = {path.stem for path in HISTORIES.glob("specifications_*.json")}
    assert recorded == {f"specifications_{name}" for name in PATHS}


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("specifications_*.json")), ids=lambda path: path.stem)
async def test_recorded_specifications_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[W], workflow_runner=WORKFLOW_RUNNER)
    await replayer.replay_workflow(history)

"""The user-admin request workflow alone, against fake identity activities: idle expiry on the time-skipping
server, human decisions (updates) on the dev server, and replay of every recorded history."""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment
from temporalio.worker import Replayer

from flightrak.temporal import binary
from flightrak.worker import WORKFLOW_RUNNER
from tests.record_histories import (
    ADDED_USER_ID,
    HISTORIES,
    LONESTAR_ADMIN,
    NEW_USER,
    FakeIdentity,
    add_ok_cancel,
    add_ok_commit,
    cancel,
    commit,
    new_request,
    ok,
    start,
    start_dev_server,
    start_time_skipping,
    workers,
)
from workflows.items import SYSTEM_ACTOR
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES
from workflows.user_admin import models as m
from workflows.user_admin.rules import FLOW
from workflows.user_admin.workflows import EXPIRED_COMMENT, IDLE_EXPIRY, UserAdminRequestWorkflow

EXPIRED = FLOW.action(m.EXPIRE).label

BLUEBONNET_ADMIN = m.Actor(user_id="5", name="Bo Ramirez", duns="116724480", roles=["mp_admin", "user"])


@pytest.fixture(scope="module")
async def time_skipping_env():
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
async def clock_env():
    """The dev server with per-workflow time skipping (experimental in the SDK): the only server where
    updates and a 30-day clock meet. Workflows start unskipped; each test fast-forwards them itself."""
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
    )
    yield env
    await env.shutdown()


@pytest.fixture
def identity() -> FakeIdentity:
    return FakeIdentity()


async def status(handle: WorkflowHandle) -> m.RequestStatus:
    return await handle.query(UserAdminRequestWorkflow.status)


async def test_a_request_left_alone_for_30_days_cancels_itself(time_skipping_env: WorkflowEnvironment, identity):
    request = new_request()
    async with workers(time_skipping_env.client, identity) as task_queue:
        handle = await start(time_skipping_env.client, task_queue, request)
        await time_skipping_env.sleep(IDLE_EXPIRY + timedelta(minutes=1))
        assert (await status(handle)).state == m.CANCELLED
        assert (await handle.result()).state == m.CANCELLED
    [step] = identity.steps(request.item_id)
    assert (step.action, step.from_state, step.to_state) == (EXPIRED, m.NEW, m.CANCELLED)
    assert (step.actor, step.comment, step.closed, step.responsible_party) == (SYSTEM_ACTOR, EXPIRED_COMMENT, True, "")
    assert identity.changes == []


async def test_a_request_is_still_open_a_day_before_it_expires(time_skipping_env: WorkflowEnvironment, identity):
    request = new_request()
    async with workers(time_skipping_env.client, identity) as task_queue:
        handle = await start(time_skipping_env.client, task_queue, request)
        await time_skipping_env.sleep(IDLE_EXPIRY - timedelta(days=1))
        assert (await status(handle)).state == m.NEW
        await handle.terminate("test over")
    assert identity.steps(request.item_id) == []


async def test_each_action_restarts_the_30_day_clock(clock_env: WorkflowEnvironment, identity):
    request = new_request()
    async with workers(clock_env.client, identity) as task_queue:
        handle = await start(clock_env.client, task_queue, request)
        assert await clock_env.fast_forward(handle, timedelta(days=20))
        await ok(handle, NEW_USER)
        assert await clock_env.fast_forward(handle, timedelta(days=25))
        assert (await status(handle)).state == m.PENDING_COMMIT
        # False: the workflow closes (expires on day 50) before the 6 days have passed.
        assert not await clock_env.fast_forward(handle, timedelta(days=6))
        assert (await handle.result()).state == m.CANCELLED
    assert [(s.action, s.from_state, s.to_state) for s in identity.steps(request.item_id)] == [
        ("OK", m.NEW, m.PENDING_COMMIT),
        (EXPIRED, m.PENDING_COMMIT, m.CANCELLED),
    ]


async def test_ok_then_commit_adds_the_user(dev_env: WorkflowEnvironment, identity):
    request = new_request()
    async with workers(dev_env.client, identity) as task_queue:
        handle = await start(dev_env.client, task_queue, request)
        await add_ok_commit(handle)
        done = await handle.result()
    assert (done.state, done.user_id, done.fields) == (m.COMPLETED, ADDED_USER_ID, NEW_USER)
    steps = identity.steps(request.item_id)
    assert [(s.seq, s.action, s.from_state, s.to_state) for s in steps] == [
        (1, "OK", m.NEW, m.PENDING_COMMIT),
        (2, "Commit", m.PENDING_COMMIT, m.COMPLETED),
    ]
    assert steps[1].changes == {"user_id": ADDED_USER_ID}
    assert identity.changes == [m.UserChange(m.ADD, request.company_duns, "", NEW_USER)]


async def test_cancel_closes_the_request_and_changes_no_user(dev_env: WorkflowEnvironment, identity):
    request = new_request()
    async with workers(dev_env.client, identity) as task_queue:
        handle = await start(dev_env.client, task_queue, request)
        await add_ok_cancel(handle)
        done = await handle.result()
    assert done.state == m.CANCELLED
    assert [(s.action, s.to_state, s.actor) for s in identity.steps(request.item_id)] == [
        ("OK", m.PENDING_COMMIT, LONESTAR_ADMIN),
        ("Cancel", m.CANCELLED, LONESTAR_ADMIN),
    ]
    assert identity.changes == []


async def test_validators_refuse_before_anything_is_recorded(dev_env: WorkflowEnvironment, identity):
    request = new_request()
    async with workers(dev_env.client, identity) as task_queue:
        handle = await start(dev_env.client, task_queue, request)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await ok(handle, NEW_USER, actor=BLUEBONNET_ADMIN)
        assert "only an MP Admin of this company" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await commit(handle)
        assert "Commit is not possible in state New" in str(refused.value.cause)
        assert identity.steps(request.item_id) == []

        await cancel(handle)
        assert (await handle.result()).state == m.CANCELLED
        # A closed request's workflow has returned, so the server refuses the update before any validator.
        with pytest.raises(RPCError, match="workflow execution already completed"):
            await commit(handle)
    assert [s.action for s in identity.steps(request.item_id)] == ["Cancel"]
    assert identity.changes == []


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("user_admin_*.json")), ids=lambda path: path.stem)
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=[UserAdminRequestWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)

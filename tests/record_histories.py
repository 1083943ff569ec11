"""Every path of a user-admin request, driven against fake identity activities.

The workflow tests drive these paths; run as `.venv/bin/python -m tests.record_histories` this module
records one history per path into tests/histories/, which the replay test replays on every run.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from temporalio import activity
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flightrak.temporal import binary
from flightrak.worker import WORKFLOW_RUNNER
from tests.acting import acted
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES
from workflows.user_admin import models as m
from workflows.user_admin.ids import user_request_workflow_id
from workflows.user_admin.workflows import IDLE_EXPIRY, UserAdminRequestWorkflow

HISTORIES = Path(__file__).parent / "histories"
LONESTAR = "079348512"
LONESTAR_ADMIN = m.Actor(user_id="2", name="Lena Ortiz", duns=LONESTAR, roles=["mp_admin", "user"])
NEW_USER = {
    "first_name": "Rosa",
    "last_name": "Delgado",
    "employee_id": "E-1042",
    "email": "rosa.delgado@lonestar.example",
    "phone": "512-555-0142",
}
ADDED_USER_ID = "9001"

UserRequest = WorkflowHandle[UserAdminRequestWorkflow, m.RequestStatus]


class FakeIdentity:
    """Stands in for the identity service's activities and keeps what the workflow sent them."""

    def __init__(self) -> None:
        self.transitions: list[m.ItemTransition] = []
        self.changes: list[m.UserChange] = []

    @activity.defn(name=m.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: m.ItemTransition) -> None:
        self.transitions.append(step)

    @activity.defn(name=m.APPLY_USER_CHANGE)
    async def apply_user_change(self, change: m.UserChange) -> m.UserChangeResult:
        self.changes.append(change)
        return m.UserChangeResult(change.target_user_id or ADDED_USER_ID)

    def steps(self, item_id: int) -> list[m.ItemTransition]:
        """Only this item's steps: a request left open by another test may still expire on the same server."""
        return [step for step in self.transitions if step.item_id == item_id]


async def start_time_skipping() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=binary("temporal-test-server"))
    # The Java test server has no --search-attribute flag, but it implements the operator API.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={key.name: key.indexed_value_type for key in SEARCH_ATTRIBUTES},
        )
    )
    return env


async def start_dev_server() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), search_attributes=SEARCH_ATTRIBUTES
    )


@asynccontextmanager
async def workers(client: Client, identity: FakeIdentity) -> AsyncIterator[str]:
    """A workflow worker on a task queue of its own, and the fakes on the queue the workflow sends activities to."""
    task_queue = f"user-admin-test-{uuid.uuid4().hex}"
    activities = [identity.record_item_transition, identity.apply_user_change]
    async with (
        Worker(
            client,
            task_queue=task_queue,
            workflows=[UserAdminRequestWorkflow],
            workflow_runner=WORKFLOW_RUNNER,
        ),
        Worker(client, task_queue=m.ACTIVITY_TASK_QUEUE, activities=activities),
    ):
        yield task_queue


def new_request(kind: str = m.ADD, item_id: int | None = None) -> m.UserRequestInput:
    item_id = item_id if item_id is not None else uuid.uuid4().int % 10**9
    if kind == m.ADD:
        return m.UserRequestInput(item_id, kind, LONESTAR, "Lonestar Energy")
    return m.UserRequestInput(item_id, kind, LONESTAR, "Lonestar Energy", target_user_id="17", before=NEW_USER)


async def start(client: Client, task_queue: str, request: m.UserRequestInput) -> UserRequest:
    return await client.start_workflow(
        UserAdminRequestWorkflow.run,
        request,
        id=user_request_workflow_id(request.item_id),
        task_queue=task_queue,
    )


async def ok(handle: UserRequest, fields: dict[str, str] | None = None, actor: m.Actor = LONESTAR_ADMIN) -> None:
    await acted(handle.execute_update("ok", m.ActionInput(actor, fields or {})), handle)


async def commit(handle: UserRequest, actor: m.Actor = LONESTAR_ADMIN) -> None:
    await acted(handle.execute_update("commit", m.ActionInput(actor)), handle)


async def cancel(handle: UserRequest, actor: m.Actor = LONESTAR_ADMIN) -> None:
    await acted(handle.execute_update("cancel", m.ActionInput(actor, comment="Entered twice")), handle)


async def add_ok_commit(handle: UserRequest) -> None:
    await ok(handle, NEW_USER)
    await commit(handle)


async def add_ok_ok_commit(handle: UserRequest) -> None:
    await ok(handle, NEW_USER)
    await ok(handle, {"phone": "512-555-0199"})
    await commit(handle)


async def add_ok_cancel(handle: UserRequest) -> None:
    await ok(handle, NEW_USER)
    await cancel(handle)


async def deactivate_ok_commit(handle: UserRequest) -> None:
    await ok(handle)
    await commit(handle)


ACTED_PATHS: dict[str, tuple[str, Callable[[UserRequest], Awaitable[None]]]] = {
    "add_ok_commit": (m.ADD, add_ok_commit),
    "add_ok_ok_commit": (m.ADD, add_ok_ok_commit),
    "add_ok_cancel": (m.ADD, add_ok_cancel),
    "deactivate_ok_commit": (m.DEACTIVATE, deactivate_ok_commit),
}


async def record() -> None:
    HISTORIES.mkdir(exist_ok=True)
    identity = FakeIdentity()
    histories: dict[str, str] = {}
    env = await start_dev_server()
    try:
        async with workers(env.client, identity) as task_queue:
            for item_id, (name, (kind, drive)) in enumerate(ACTED_PATHS.items(), start=1):
                handle = await start(env.client, task_queue, new_request(kind, item_id))
                await drive(handle)
                await handle.result()
                histories[name] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    env = await start_time_skipping()
    try:
        async with workers(env.client, identity) as task_queue:
            handle = await start(env.client, task_queue, new_request(m.ADD, len(ACTED_PATHS) + 1))
            await env.sleep(IDLE_EXPIRY + timedelta(minutes=1))
            await handle.result()
            histories["idle_expiry"] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    for name, history in histories.items():
        path = HISTORIES / f"user_admin_{name}.json"
        path.write_text(history + "\n")
        print(f"{path}: {len(history)} characters")


if __name__ == "__main__":
    asyncio.run(record())

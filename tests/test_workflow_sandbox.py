"""The flows' own code runs under the workflow sandbox's determinism guard: on the worker's sandbox settings
(flightrak.worker.WORKFLOW_RUNNER), every module of `workflows` and `flightrak` that the flows import is imported
again inside the workflow's sandbox instead of being passed through from the worker's process (only the Central time
zone is), so a rule that read the clock would be refused there."""

import sys
import uuid

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

# The flows as the worker runs them.
from workflows import items
from workflows.flight import workflows as flight  # noqa: F401
from workflows.notices import workflows as notices  # noqa: F401
from workflows.registration import workflows as registration  # noqa: F401
from workflows.scripts import workflows as scripts  # noqa: F401
from workflows.specifications import workflows as specifications  # noqa: F401
from workflows.user_admin import workflows as user_admin  # noqa: F401

PASSED_THROUGH = {"flightrak.market_time"}


@workflow.defn(name="SandboxProbe")
class SandboxProbe:
    @workflow.run
    async def run(self) -> dict[str, int]:
        """The identity of each of our modules as the sandbox holds it; and a clock read in a rule is refused."""
        try:
            items.datetime.now()
        except RestrictedWorkflowAccessError:
            pass
        else:
            raise ApplicationError("workflows.items read the real clock", non_retryable=True)
        return {
            name: id(module) for name, module in sys.modules.items() if name.split(".")[0] in ("workflows", "flightrak")
        }


async def test_the_flows_own_modules_are_imported_inside_the_sandbox(temporal_env):
    from flightrak.worker import WORKFLOW_RUNNER  # the worker's services are not for the sandbox to import

    queue = f"sandbox-test-{uuid.uuid4().hex}"
    async with Worker(temporal_env.client, task_queue=queue, workflows=[SandboxProbe], workflow_runner=WORKFLOW_RUNNER):
        inside = await temporal_env.client.execute_workflow(SandboxProbe.run, id=queue, task_queue=queue)
    expected = {"workflows.items", "workflows.table", "workflows.item_flow", "workflows.registration.rules"}
    assert expected | {"workflows.flight.rules", "workflows.scripts.waiting", "flightrak.authz"} <= set(inside)
    passed = {name for name, ident in inside.items() if name in sys.modules and id(sys.modules[name]) == ident}
    assert passed == PASSED_THROUGH

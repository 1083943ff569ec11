"""What the workflow sandbox costs a workflow task, for three ways of passing modules through it:

- everything: `workflows` and `flightrak` passed through whole (FlighTrak's runner before 1.0; no determinism
  guard on the flows' own code);
- nothing: the SDK's default (the standard library, temporalio and pydantic pass through; `jwt` and
  `cryptography`, which flightrak.tokens imports, would be executed again in every sandbox);
- the worker's: flightrak.worker.WORKFLOW_RUNNER as it is now.

Figures: (1) every recorded history in tests/histories replayed, each in a new sandbox as on a worker's cache miss
(best of 5 rounds, ms a history); (2) on a dev server, the first workflow task of 30 user-admin requests per runner
on a worker with no cache, WorkflowTaskStarted to WorkflowTaskCompleted in each history (the server's clock), p50.
No stack needed: `.venv/bin/python bench/sandbox.py` from the repository root.
"""

import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flightrak.worker import WORKFLOW_RUNNER, WORKFLOWS  # noqa: E402
from tests.record_histories import start_dev_server  # noqa: E402
from workflows.user_admin import models as user_admin  # noqa: E402
from workflows.user_admin.workflows import UserAdminRequestWorkflow  # noqa: E402

RUNNERS = {
    "everything": SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows", "flightrak")
    ),
    "nothing": SandboxedWorkflowRunner(),
    "worker's": WORKFLOW_RUNNER,
}
ROUNDS = 5
FIRST_TASKS = 30
ALL_WORKFLOWS = [flow for flows in WORKFLOWS.values() for flow in flows]


def histories() -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(path.stem, path.read_text())
        for path in sorted((ROOT / "tests" / "histories").glob("*.json"))
    ]


async def each(recorded: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in recorded:
        yield history


async def replay_time(runner: SandboxedWorkflowRunner, recorded: list[WorkflowHistory]) -> float:
    """Ms per history, the best of ROUNDS replays of them all by one replayer; each history builds its workflow in
    a new sandbox, as a worker does on a cache miss."""
    replayer = Replayer(workflows=ALL_WORKFLOWS, workflow_runner=runner)
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await replayer.replay_workflows(each(recorded))
        best = min(best, (time.perf_counter() - started) * 1000 / len(recorded))
    return best


async def first_task_times(client, runner: SandboxedWorkflowRunner) -> list[float]:
    """The first workflow task of new user-admin requests, in ms as the server timed it."""
    queue = f"bench-sandbox-{uuid.uuid4().hex}"
    times = []
    async with Worker(
        client, task_queue=queue, workflows=[UserAdminRequestWorkflow], workflow_runner=runner, max_cached_workflows=0
    ):
        for n in range(FIRST_TASKS + 1):
            request = user_admin.UserRequestInput(uuid.uuid4().int % 10**9, user_admin.ADD, "079348512", "Bench")
            handle = await client.start_workflow(
                UserAdminRequestWorkflow.run, request, id=f"bench-sandbox-{uuid.uuid4().hex}", task_queue=queue
            )
            while True:
                events = [e async for e in handle.fetch_history_events()]
                kinds = [e.event_type for e in events]
                if EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in kinds:
                    break
                await asyncio.sleep(0.02)
            started = next(e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
            completed = next(e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
            if n:  # the first one also pays the host's own imports
                times.append((completed.event_time.ToDatetime() - started.event_time.ToDatetime()).total_seconds())
            await handle.terminate("measured")
    return [t * 1000 for t in times]


async def measured(measure) -> list[float] | float | str:
    """The figures, or why this runner cannot run the flows at all."""
    try:
        return await measure
    except Exception as error:  # noqa: BLE001  (a runner that fails is a result of the bench)
        cause = error
        while cause.__cause__ is not None:
            cause = cause.__cause__
        return f"fails: {type(cause).__name__}: {cause}"


async def main() -> None:
    recorded = histories()
    replays = {name: await measured(replay_time(runner, recorded)) for name, runner in RUNNERS.items()}
    env = await start_dev_server()
    try:
        first = {name: await measured(first_task_times(env.client, runner)) for name, runner in RUNNERS.items()}
    finally:
        await env.shutdown()
    print(f"runner      replay, ms a history ({len(recorded)}, best of {ROUNDS})   first user-admin task p50 / p95 ms")
    for name, per_history in replays.items():
        if isinstance(per_history, str):
            print(f"{name:<12}{per_history}")
            continue
        tasks = sorted(first[name])
        p95 = tasks[int(len(tasks) * 0.95) - 1]
        print(f"{name:<12}{per_history:>8.1f}{'':>30}{statistics.median(tasks):6.1f} / {p95:.1f}")


if __name__ == "__main__":
    asyncio.run(main())

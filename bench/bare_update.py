"""The baseline of the registration benchmark: a workflow whose update does nothing but validate and answer.
In a module of its own so the workflow sandbox imports nothing else with it."""

from temporalio import workflow


@workflow.defn(name="BenchBareUpdate")
class BareUpdateWorkflow:
    def __init__(self) -> None:
        self._done = False
        self._count = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._done)
        return self._count

    @workflow.update
    async def touch(self, value: int) -> int:
        self._count += 1
        return value

    @touch.validator
    def validate_touch(self, value: int) -> None:
        if value < 0:
            raise ValueError("negative")

    @workflow.signal
    def finish(self) -> None:
        self._done = True

"""The baseline of the transactions benchmark: a workflow that waits for one signal and ends when it comes.
In a module of its own so the workflow sandbox imports nothing else with it."""

from temporalio import workflow


@workflow.defn(name="BenchBareSignal")
class BareSignalWorkflow:
    def __init__(self) -> None:
        self._received = ""

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: bool(self._received))
        return self._received

    @workflow.signal
    def receive(self, reference: str) -> None:
        self._received = self._received or reference

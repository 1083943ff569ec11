"""No flow can jam: every activity of every flow runs through `Attention.run`. A step whose activity finally fails
(non-retryable, or out of its bounded retries) marks its item "Needs attention" in the owning service, sets the
FlightrakNeedsAttention search attribute, and waits for ERCOT's operators: Retry runs the step again with a fresh
retry budget, Cancel ends the flow. Every item workflow inherits `Attended`, which takes their decision."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, FailureError

from flightrak import authz, boundary
from workflows import search_attributes as sa
from workflows.items import (
    ACTION_UNDER_WAY,
    NEEDS_ATTENTION,
    Actor,
    check_text,
    conflict,
    forbidden,
    invalid,
    principal_of,
    refuse,
)
from workflows.owners import Owner

# About ten tries, backing off to a minute apart (~5 minutes): a restarted database or service is ridden out;
# anything longer is for ERCOT's operators to see.
BOUNDED_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=10,
)
# A step's own write in the owning service.
STEP_OPTIONS: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=30), "retry_policy": BOUNDED_RETRY}

DECIDE = "decide_needs_attention"
RETRY = "Retry"
CANCEL = "Cancel"
RETRIED = "Retried"
CANCELLED = "Cancelled"
ERROR_WORDS = 300  # the longest error kept on the item


@dataclass
class AttentionRecord:
    """What the owning service writes on the item: nothing a person typed, so it succeeds where the step's write
    failed. Marks the item when `resolved_how` is empty, else resolves its mark."""

    item_id: int
    workflow_id: str
    item_type: str
    activity: str = ""
    error: str = ""
    since: str = ""  # ISO 8601, workflow time
    resolved_how: str = ""
    resolved_by: str = ""
    resolved_at: str = ""


@dataclass
class OperatorDecision:
    actor: Actor
    decision: str  # RETRY or CANCEL


def failure_of(error: FailureError) -> FailureError:
    """What the activity raised: a remote activity's failure comes wrapped in an ActivityError, a local one's not."""
    return error.cause if isinstance(error, ActivityError) and isinstance(error.cause, FailureError) else error


def error_words(error: FailureError) -> str:
    """The failure as the item shows it: the activity's own message (services give plain ones), control characters
    shown as escapes, so recording it cannot fail like the step did."""
    failure = failure_of(error)
    return boundary.quoted(failure.message or str(failure), ERROR_WORDS)[1:-1]


def _execute(activity: str, arg, local: bool, result_type, options: dict):
    if local:
        return workflow.execute_local_activity(activity, arg, result_type=result_type, **options)
    return workflow.execute_activity(activity, arg, result_type=result_type, **options)


class Attention:
    """One item's flow: runs its steps, and when one keeps failing, waits for ERCOT's decision."""

    def __init__(self, owner: Owner, item_id: int, item_type: str):
        self._owner = owner
        self._item_id = item_id
        self._item_type = item_type
        self._waiting = 0  # steps waiting for a decision
        self._since = ""
        self._decisions = 0
        self._decision: OperatorDecision | None = None
        self._deciding = False  # a decision taken and not yet acted on: one at a time
        self._records: asyncio.Task | None = None  # the latest step's record; each waits for the one before it

    def admit(self, given) -> None:
        """What every validator checks first: the flow is not waiting for ERCOT, and the input's text is clean."""
        if self._waiting:
            message = (
                f"this item needs attention from ERCOT's operators (a step failed at {self._since}); "
                "try again once they have retried it"
            )
            refuse(conflict(message, NEEDS_ATTENTION))
        check_text(given)

    async def run(self, activity: str, arg, *, local: bool = False, result_type=None, answers=(), **options):
        """The activity's result, once the steps recorded before it are written. An ApplicationError whose type is in
        `answers` is the caller's to handle (an update refused); any other final failure waits for ERCOT's operators.
        Cancel raises."""
        await self.recorded()
        options.setdefault("retry_policy", BOUNDED_RETRY)
        attempt = _execute(activity, arg, local, result_type, options)
        return await self._until_done(attempt, activity, arg, local, result_type, answers, options)

    def record(self, activity: str, step, written: Callable[[], None], **options) -> None:
        """Writes a step in the owning service after the steps before it, while the flow goes on: an action answers
        without waiting for its record. Every other activity waits for it (`run`), so none reads a step unwritten."""
        options.setdefault("retry_policy", BOUNDED_RETRY)
        before = self._records

        async def in_turn() -> None:
            if before is not None:
                await before
            attempt = _execute(activity, step, False, None, options)
            await self._until_done(attempt, activity, step, False, None, (), options)
            written()

        self._records = asyncio.create_task(in_turn())

    async def recorded(self) -> None:
        """Until every step recorded so far is written (raises as its record did: cancelled by ERCOT)."""
        if self._records is not None:
            await self._records

    def start(self, activity: str, arg, *, result_type=None, **options) -> asyncio.Task:
        """`run`, as a task: the flow goes on and awaits it later."""
        return asyncio.create_task(self.run(activity, arg, result_type=result_type, **options))

    async def _until_done(self, attempt, activity: str, arg, local: bool, result_type, answers, options: dict):
        retried_by: Actor | None = None
        while True:
            try:
                result = await attempt
            except FailureError as error:
                failure = failure_of(error)
                answered = isinstance(failure, ApplicationError) and failure.type in answers
                if answered or isinstance(error, CancelledError):
                    raise
                decision = await self._wait_for_operators(activity, error_words(error))
                if decision.decision == CANCEL:
                    raise ApplicationError(
                        f"Cancelled by ERCOT ({decision.actor.name}) after {activity} failed",
                        type="CancelledByErcot",
                        non_retryable=True,
                    ) from None
                retried_by = decision.actor
                attempt = _execute(activity, arg, local, result_type, options)
                continue
            if retried_by is not None and not self._waiting:
                await self._resolve(RETRIED, retried_by)
            return result

    def check_decision(self, decision: OperatorDecision) -> None:
        if not authz.may_operate_flows(principal_of(decision.actor)):
            refuse(forbidden("only ERCOT's staff retry or cancel a flow that needs attention"))
        if decision.decision not in (RETRY, CANCEL):
            refuse(invalid("decision", f"the decision is {RETRY} or {CANCEL}"))
        if not self._waiting:
            refuse(conflict("this item's flow is not waiting for ERCOT's operators"))
        if self._deciding:
            under_way = "another decision on this flow is still under way; try again in a moment"
            refuse(conflict(under_way, ACTION_UNDER_WAY))

    async def decide(self, decision: OperatorDecision) -> str:
        self._deciding = True
        if decision.decision == CANCEL:
            await self._resolve(CANCELLED, decision.actor)
        self._decision = decision
        self._decisions += 1
        return decision.decision

    async def _wait_for_operators(self, activity: str, error: str) -> OperatorDecision:
        self._waiting += 1
        self._since = self._since or workflow.now().isoformat()
        workflow.upsert_search_attributes([sa.NEEDS_ATTENTION.value_set(True)])
        await self._record(self._entry(activity=activity, error=error, since=self._since))
        seen = self._decisions
        await workflow.wait_condition(lambda: self._decisions != seen)
        self._waiting -= 1
        self._deciding = False
        assert self._decision is not None  # decide() sets it before it counts the decision
        return self._decision

    async def _resolve(self, how: str, by: Actor) -> None:
        self._since = ""
        workflow.upsert_search_attributes([sa.NEEDS_ATTENTION.value_set(False)])
        await self._record(self._entry(resolved_how=how, resolved_by=by.name, resolved_at=workflow.now().isoformat()))

    def _entry(self, **values) -> AttentionRecord:
        return AttentionRecord(self._item_id, workflow.info().workflow_id, self._item_type, **values)

    async def _record(self, record: AttentionRecord) -> None:
        """Best effort: when even this fails (the service's database is gone), the search attribute still shows it."""
        try:
            if self._owner.task_queue:
                await workflow.execute_activity(
                    self._owner.record_attention, record, task_queue=self._owner.task_queue, **STEP_OPTIONS
                )
            else:
                await workflow.execute_local_activity(self._owner.record_attention, record, **STEP_OPTIONS)
        except FailureError as error:
            workflow.logger.warning("item %s: attention not recorded: %s", self._item_id, error_words(error))


class Attended:
    """Every item workflow: ERCOT's operators decide on a step that keeps failing. Set `self._attention`."""

    _attention: Attention

    @workflow.update(name=DECIDE)
    async def decide_needs_attention(self, decision: OperatorDecision) -> str:
        return await self._attention.decide(decision)

    @decide_needs_attention.validator
    def validate_decide_needs_attention(self, decision: OperatorDecision) -> None:
        self._attention.check_decision(decision)

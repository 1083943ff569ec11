"""One workflow per flight: registration closes at the signup deadline by a durable timer, with
nobody present; ERCOT then opens connectivity testing, business testing, and completes it."""

import asyncio
from contextlib import suppress
from datetime import date, datetime, time, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

from flightrak import authz
from flightrak.market_time import CENTRAL
from workflows import attention
from workflows import search_attributes as sa
from workflows.flight import models as m
from workflows.flight import rules
from workflows.flight.ids import flight_workflow_id
from workflows.items import (
    SYSTEM_ACTOR,
    Actor,
    ItemTransition,
    conflict,
    deadline_words,
    forbidden,
    invalid,
    principal_of,
    refuse,
)
from workflows.scripts import models as scripts

# A step is recorded by a regular activity on this queue (this worker hosts the registration service's activities):
# it runs only once the workflow task that took the step is durable (see workflows.item_flow).
RECORD_OPTIONS = attention.STEP_OPTIONS

# Asking the testbed service which test beds are missing: quick, and ERCOT is waiting on the answer, so a failure
# refuses ERCOT's action (nothing jams) rather than waiting for the operators.
TESTBED_OPTIONS = {
    "task_queue": m.TESTBED_TASK_QUEUE,
    "start_to_close_timeout": timedelta(seconds=10),
    "schedule_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=5)),
}
SCRIPTS_QUEUE = {"task_queue": m.SCRIPTS_TASK_QUEUE}
SCRIPTS_OPTIONS = {
    "task_queue": m.SCRIPTS_TASK_QUEUE,
    "start_to_close_timeout": timedelta(minutes=15),
    "heartbeat_timeout": timedelta(minutes=1),
}
# Business scripts open at this time of Day 1 of testing, Central.
BUSINESS_OPENS_AT = time(8, 0)

# A flight starts with its create update (update-with-start); a refused create leaves nothing to run.
CREATED_WITHIN = timedelta(minutes=10)

INSTRUCTIONS = {
    m.OPEN: "Open for registration: an AR or BAR of a CR registers from this flight until the signup deadline.",
    m.CLOSED: "Registration is closed. ERCOT opens connectivity testing once every TDSP test bed is approved.",
    m.CONNECTIVITY_TESTING: "Connectivity testing is under way.",
    m.BUSINESS_TESTING: "Business testing is under way.",
    m.COMPLETE: "The flight is complete.",
}


@workflow.defn(name="Flight")
class FlightWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, flight: m.FlightInput) -> None:
        self._flight = flight
        self._attention = attention.Attention(attention.REGISTRATION, flight.item_id, m.ITEM_TYPE)
        self._dates = flight.dates
        self._state = ""
        self._seq = 0
        self._registrations: list[str] = []  # the workflow IDs of the registrations told of every change

    @workflow.run
    async def run(self, flight: m.FlightInput) -> m.FlightStatus:
        try:
            await workflow.wait_condition(lambda: self._state != "", timeout=CREATED_WITHIN)
        except TimeoutError:
            return self.status()  # started with a create that was refused: there is no flight
        while self._state == m.OPEN:
            closes_at = self._closes_at()
            remaining = closes_at - workflow.now()
            if remaining > timedelta(0):
                # Wakes early when ERCOT moves the deadline, then waits for the new one.
                with suppress(asyncio.TimeoutError):
                    await workflow.wait_condition(
                        lambda waiting_for=closes_at: self._closes_at() != waiting_for, timeout=remaining
                    )
                continue
            await self._move(
                m.CLOSED,
                SYSTEM_ACTOR,
                "Registration Closed",
                {},
                f"The signup deadline passed: registration closed at {deadline_words(self._closes_at())}.",
            )
        await workflow.wait_condition(lambda: self._state in m.TESTING_STATES)
        if self._state != m.COMPLETE:
            await self._open_script_issues()
        await workflow.wait_condition(lambda: self._state == m.COMPLETE)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _open_script_issues(self) -> None:
        """The connectivity scripts of every pairing now; the business scripts on Day 1 of testing (or when
        ERCOT opens business testing, if that comes first)."""
        flight = self._flight.designation
        pairings = await self._attention.run(
            m.FLIGHT_PAIRINGS, flight, result_type=list[scripts.PairingToTest], **TESTBED_OPTIONS
        )
        ends_at = datetime.combine(
            date.fromisoformat(self._dates.end_date) + timedelta(days=1), time(0), CENTRAL
        ).isoformat()
        for kind in ("connectivity", "business"):
            if kind == "business":
                day1 = datetime.combine(date.fromisoformat(self._dates.day1_of_testing), BUSINESS_OPENS_AT, CENTRAL)
                # Day 1 comes, or ERCOT opens business testing before it.
                with suppress(asyncio.TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._state in (m.BUSINESS_TESTING, m.COMPLETE),
                        timeout=max(day1 - workflow.now(), timedelta(seconds=1)),
                    )
                if self._state == m.COMPLETE:
                    return
            request = scripts.OpenScriptIssues(flight, kind, pairings, ends_at, self._flight.ercot_duns)
            opened = await self._attention.run(m.OPEN_SCRIPT_ISSUES, request, result_type=int, **SCRIPTS_OPTIONS)
            await self._move(
                self._state, SYSTEM_ACTOR, f"{kind.title()} Scripts Opened", {}, f"{opened} script issues opened."
            )

    @workflow.signal(name=m.REGISTERED)
    async def registered(self, registration_workflow_id: str) -> None:
        if registration_workflow_id not in self._registrations:
            self._registrations.append(registration_workflow_id)
        await self._tell(registration_workflow_id)

    async def _tell(self, registration_workflow_id: str) -> None:
        context = m.FlightContext(self._state, self._dates.registration_closes_at)
        try:
            await workflow.get_external_workflow_handle(registration_workflow_id).signal(m.FLIGHT_CHANGED, context)
        except FailureError as error:  # a registration that has ended needs no news
            workflow.logger.info("registration %s not told: %s", registration_workflow_id, error)

    @workflow.query
    def status(self) -> m.FlightStatus:
        return m.FlightStatus(self._flight.item_id, self._flight.designation, self._state, self._dates)

    @workflow.update(name=m.CREATE)
    async def create(self, actor: Actor) -> m.FlightStatus:
        """Started with the workflow, so the caller gets the flight back once its item is recorded."""
        await self._move(m.OPEN, actor, "Create Flight", self._dates.as_fields())
        return self.status()

    @create.validator
    def validate_create(self, actor: Actor) -> None:
        self._attention.admit(actor)
        if not authz.may_run_flights(principal_of(actor)):
            refuse(forbidden("only an ERCOT admin creates flights"))
        if self._state:
            refuse(conflict(f"flight {self._flight.designation} already exists"))

    @workflow.update(name=m.CHANGE_DATES)
    async def change_dates(self, change: m.DatesChange) -> m.FlightStatus:
        before = self._dates.as_fields()
        self._dates = change.dates
        changes = {k: f"{before[k]} -> {v}" for k, v in change.dates.as_fields().items() if before[k] != v}
        await self._move(m.OPEN, change.actor, "Change Dates", changes, change.comment)
        return self.status()

    @change_dates.validator
    def validate_change_dates(self, change: m.DatesChange) -> None:
        self._attention.admit(change)
        self._check(m.CHANGE_DATES, change.actor)
        if datetime.fromisoformat(change.dates.registration_closes_at) <= workflow.now():
            refuse(invalid("signup_deadline", "the new signup deadline must be in the future"))

    @workflow.update(name=m.ADVANCE)
    async def advance(self, change: m.PhaseChange) -> m.FlightStatus:
        _, to_state, label = m.PHASES[change.action]
        if change.action == m.OPEN_CONNECTIVITY_TESTING:
            # Connectivity testing waits for every TDSP's test bed to be approved and a script pack published.
            readiness = await workflow.execute_activity(
                m.TEST_BEDS_MISSING, self._flight.designation, result_type=m.TestBedsMissing, **TESTBED_OPTIONS
            )
            # Asked and answered while another action may have moved the flight: checked again, then refused
            # as an update's failure (the flight goes on as it was).
            problem = rules.test_beds_refusal(readiness)
            if problem is None:
                version = await workflow.execute_activity(
                    m.PACK_VERSION, self._flight.designation, result_type=int, **(TESTBED_OPTIONS | SCRIPTS_QUEUE)
                )
                problem = rules.pack_refusal(version)
            problem = problem or self._refusal(change.action, change.actor)
            refuse(problem)
        await self._move(to_state, change.actor, label, {}, change.comment)
        return self.status()

    @advance.validator
    def validate_advance(self, change: m.PhaseChange) -> None:
        self._attention.admit(change)
        self._check(change.action, change.actor)

    def _check(self, action: str, actor: Actor) -> None:
        problem = self._refusal(action, actor)
        refuse(problem)

    def _refusal(self, action: str, actor: Actor) -> str | None:
        return rules.refusal(action, self._state, principal_of(actor), self._closes_at(), workflow.now())

    def _closes_at(self) -> datetime:
        return datetime.fromisoformat(self._dates.registration_closes_at)

    async def _move(self, to_state: str, actor: Actor, label: str, changes: dict[str, str], comment: str = "") -> None:
        # The state changes before the step is recorded, so a second action in the same instant sees it.
        from_state, self._state = self._state, to_state
        self._seq += 1
        self._upsert_search_attributes()
        step = ItemTransition(
            workflow_id=flight_workflow_id(self._flight.designation),
            item_id=self._flight.item_id,
            seq=self._seq,
            item_type=m.ITEM_TYPE,
            title=f"Flight {self._flight.designation}",
            company_duns=self._flight.ercot_duns,
            state=to_state,
            responsible_party="" if to_state == m.COMPLETE else "ERCOT",
            instructions=INSTRUCTIONS[to_state],
            fields={"designation": self._flight.designation, **self._dates.as_fields()},
            closed=to_state == m.COMPLETE,
            actor=actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            comment=comment,
        )
        await self._attention.run(m.RECORD_ITEM_TRANSITION, step, **RECORD_OPTIONS)
        await asyncio.gather(*(self._tell(registration) for registration in self._registrations))

    def _upsert_search_attributes(self) -> None:
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(self._flight.item_id)),
                sa.ITEM_TYPE.value_set(m.ITEM_TYPE),
                sa.FLIGHT.value_set(self._flight.designation),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set("ERCOT"),
            ]
        )

"""One workflow per flight, running the flight's table (rules.FLOW): registration closes at the signup deadline by a
durable timer, with nobody present; ERCOT then opens connectivity testing, business testing, and completes it.
Connectivity testing opens the flight's script issues, Day 1 of testing its business ones."""

import asyncio
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

from flightrak.market_time import CENTRAL
from workflows import search_attributes as sa
from workflows.flight import models as m
from workflows.flight import rules
from workflows.flight.rules import FLOW, Flight
from workflows.item_flow import ItemFlow
from workflows.items import SYSTEM_ACTOR, Refusal, deadline_words, invalid, refuse
from workflows.scripts import models as scripts

# Asking the testbed service which test beds are missing: quick, and ERCOT is waiting on the answer, so a failure
# refuses ERCOT's action (nothing jams) rather than waiting for the operators.
TESTBED_OPTIONS: dict[str, Any] = {
    "task_queue": m.TESTBED_TASK_QUEUE,
    "start_to_close_timeout": timedelta(seconds=10),
    "schedule_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=5)),
}
SCRIPTS_QUEUE: dict[str, Any] = {"task_queue": m.SCRIPTS_TASK_QUEUE}
SCRIPTS_OPTIONS: dict[str, Any] = {
    "task_queue": m.SCRIPTS_TASK_QUEUE,
    "start_to_close_timeout": timedelta(minutes=15),
    "heartbeat_timeout": timedelta(minutes=1),
}
# Business scripts open at this time of Day 1 of testing, Central.
BUSINESS_OPENS_AT = time(8, 0)


@workflow.defn(name="Flight")
class FlightWorkflow(ItemFlow[Flight], flow=FLOW):
    @workflow.init
    def __init__(self, flight: m.FlightInput) -> None:
        self._flight = flight
        self._dates = flight.dates
        self._registrations: list[str] = []  # the workflow IDs of the registrations told of every change
        self._begin(flight.item_id)

    @workflow.run
    async def run(self, flight: m.FlightInput) -> m.FlightStatus:
        if not await self._first_action_taken():
            return self.status()  # started with a create that was refused: there is no flight
        while self._state == m.OPEN:
            closes_at = self._closes_at()
            remaining = closes_at - workflow.now()
            if remaining > timedelta(0):
                # Wakes early when ERCOT moves the deadline, then waits for the new one.
                def moved(waiting_for: datetime = closes_at) -> bool:
                    return self._closes_at() != waiting_for

                with suppress(asyncio.TimeoutError):
                    await workflow.wait_condition(moved, timeout=remaining)
                continue
            closed = f"The signup deadline passed: registration closed at {deadline_words(closes_at)}."
            await self._move(m.CLOSE_REGISTRATION, m.FlightAction(SYSTEM_ACTOR, comment=closed))
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
            label, comment = f"{kind.title()} Scripts Opened", f"{opened} script issues opened."
            await self._record_move(self._state, SYSTEM_ACTOR, label, {}, comment)

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

    # The table's rules read these.

    def _facts(self) -> Flight:
        return Flight(self._closes_at())

    def _title(self) -> str:
        return f"Flight {self._flight.designation}"

    def _company_duns(self) -> str:
        return self._flight.ercot_duns

    def _projected_fields(self) -> dict[str, str]:
        return {"designation": self._flight.designation, **self._dates.as_fields()}

    def _search_attributes(self) -> list:
        return [sa.FLIGHT.value_set(self._flight.designation)]

    def _closes_at(self) -> datetime:
        return datetime.fromisoformat(self._dates.registration_closes_at)

    def _input_refusal(self, name: str, given: m.FlightAction) -> Refusal | None:
        if name == m.CHANGE_DATES and datetime.fromisoformat(given.fields["registration_closes_at"]) <= workflow.now():
            return invalid("signup_deadline", "the new signup deadline must be in the future")
        return None

    async def _record_move(self, to_state: str, actor, label: str, changes: dict[str, str], comment: str) -> None:
        """Every registration of the flight hears of each step: its state and deadline are theirs to decide on."""
        await super()._record_move(to_state, actor, label, changes, comment)
        await asyncio.gather(*(self._tell(registration) for registration in self._registrations))

    # Actions that do more than move.

    async def _take_create(self, action: m.FlightAction) -> None:
        await self._move(m.CREATE, action, self._dates.as_fields())

    async def _take_change_dates(self, action: m.FlightAction) -> None:
        before, self._dates = self._dates.as_fields(), m.FlightDates.of(action.fields)
        changes = {k: f"{before[k]} -> {v}" for k, v in self._dates.as_fields().items() if before[k] != v}
        await self._move(m.CHANGE_DATES, action, changes)

    async def _take_open_connectivity_testing(self, action: m.FlightAction) -> None:
        """Asked and answered while another action may have moved the flight: checked again, then refused as the
        update's failure (the flight goes on as it was)."""
        readiness = await workflow.execute_activity(
            m.TEST_BEDS_MISSING, self._flight.designation, result_type=m.TestBedsMissing, **TESTBED_OPTIONS
        )
        problem = rules.test_beds_refusal(readiness)
        if problem is None:
            version = await workflow.execute_activity(
                m.PACK_VERSION, self._flight.designation, result_type=int, **(TESTBED_OPTIONS | SCRIPTS_QUEUE)
            )
            problem = rules.pack_refusal(version)
        refuse(problem or self._refusal(m.OPEN_CONNECTIVITY_TESTING, action))
        await self._move(m.OPEN_CONNECTIVITY_TESTING, action)

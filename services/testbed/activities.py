"""Temporal activities the testbed service executes."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from flightrak.activity_failures import classified_activity
from flightrak.item_steps import ItemSteps
from services.testbed import catalog, models, store
from workflows import owners
from workflows import specifications as specifications_flow
from workflows.flight import models as flights
from workflows.registration import models as registrations
from workflows.scripts import models as scripts
from workflows.specifications import models as specifications
from workflows.specifications.ids import specifications_workflow_id
from workflows.specifications.workflows import TestingSpecificationsWorkflow


class TestbedActivities(ItemSteps):
    def __init__(self, sessions: async_sessionmaker, temporal: Client):
        super().__init__(sessions, store.record_transition, models.NeedsAttention, owners.TESTBED)
        self._temporal = temporal

    @classified_activity(registrations.OPEN_SPECIFICATIONS_REQUEST)
    async def open_testing_specifications_request(self, request: registrations.SpecificationsRequest) -> int:
        """The CR's request, and each paired TDSP's that has none yet; each with its workflow. Safe to retry:
        requests are unique per company and flight, and starting a running workflow again changes nothing."""
        async with self._sessions.begin() as session:
            cr, _ = await store.open_request(
                session,
                request.flight,
                specifications.CR,
                request.cr.duns,
                request.cr.name,
                request.service_provider.duns,
                request.registration_item_id,
            )
            await store.record_pairings(
                session,
                request.flight,
                (request.cr.duns, request.cr.name),
                request.service_provider.duns,
                [(tdsp.duns, tdsp.name) for tdsp in request.tdsps],
                request.pairing_kinds,
            )
            tdsps = [
                (await store.open_request(session, request.flight, specifications.TDSP, tdsp.duns, tdsp.name))[0]
                for tdsp in request.tdsps
            ]
        for opened in (cr, *tdsps):
            await self._temporal.start_workflow(
                TestingSpecificationsWorkflow.run,
                opened,
                id=specifications_workflow_id(opened.flight, opened.company_duns),
                task_queue=specifications_flow.TASK_QUEUE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        return cr.item_id

    @classified_activity(specifications.CLOSE_FOR_CANCELLED_REGISTRATION)
    async def close_for_cancelled_registration(self, cancelled: specifications.CancelledRegistration) -> None:
        """The CR's pairings end and its request is cancelled; each TDSP it was paired with takes the CR's rows out
        of a test bed not yet approved and notes why, or, if that CR was its only one, is cancelled too. Safe to
        retry: pairings and rows are deleted by key, a cancelled request is left alone, and a request's workflow
        records a registration's cancellation once."""
        flight, cr, registration = cancelled.flight, cancelled.cr_name, cancelled.registration_item_id
        by = f"was cancelled by {cancelled.cancelled_by}"
        own = f"The CR's registration for flight {flight} {by}."
        steps = {cancelled.cr_duns: specifications.RegistrationCancelledStep(registration, True, own)}
        async with self._sessions.begin() as session:
            await store.end_pairings(session, flight, cancelled.cr_duns)
            for tdsp_duns in cancelled.tdsp_duns:
                if not await store.has_pairings(session, flight, tdsp_duns):
                    only = (
                        f"{cr}, the only CR paired with this TDSP in flight {flight}, left it: its registration {by}."
                    )
                    steps[tdsp_duns] = specifications.RegistrationCancelledStep(registration, True, only)
                    continue
                fields = {}
                test_bed_id = await store.test_bed_under_way(session, flight, tdsp_duns)
                if test_bed_id is not None:
                    kept = await store.drop_cr_rows(session, test_bed_id, cancelled.cr_duns)
                    fields["test_bed_rows"] = str(kept)
                note = f"{cr}'s registration for flight {flight} {by}: the test bed no longer has rows for it."
                steps[tdsp_duns] = specifications.RegistrationCancelledStep(registration, False, note, fields)
        for duns, step in steps.items():
            await self._record_cancellation(flight, duns, step)

    async def _record_cancellation(
        self, flight: str, duns: str, step: specifications.RegistrationCancelledStep
    ) -> None:
        """Through the request's workflow. A cancellation reaches a request whose workflow has ended (approved,
        completed, or ended by ERCOT's operators) too: a new run starts where its projection stands and records it.
        A note is kept only on a request still open."""
        async with self._sessions() as session:
            found = await store.request_and_item(session, flight, duns)
        if found is None or found[1].state == specifications.CANCELLED:
            return
        request, item = found
        # temporalio's update(name=...) types an async handler's result as its coroutine: the awaited update returns
        # the status, which is not needed here.
        if not step.close:
            if not item.closed:
                handle = self._temporal.get_workflow_handle(item.workflow_id)
                await handle.execute_update(TestingSpecificationsWorkflow.registration_cancelled, step)  # type: ignore[unused-coroutine]
            return
        start = WithStartWorkflowOperation(
            TestingSpecificationsWorkflow.run,
            store.resumed_input(request, item),
            id=item.workflow_id,
            task_queue=specifications_flow.TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await self._temporal.execute_update_with_start_workflow(  # type: ignore[unused-coroutine]
            TestingSpecificationsWorkflow.registration_cancelled, step, start_workflow_operation=start
        )

    @classified_activity(flights.TEST_BEDS_MISSING)
    async def test_beds_missing(self, flight: str) -> flights.TestBedsMissing:
        async with self._sessions() as session:
            missing = await store.test_beds_missing(session, flight)
            tdsps = await store.tdsp_count(session, flight)
        return flights.TestBedsMissing(tdsps, [f"{name} ({state})" for name, state in missing])

    @classified_activity(flights.FLIGHT_PAIRINGS)
    async def flight_pairings(self, flight: str) -> list[scripts.PairingToTest]:
        """Every approved pairing of the flight, for opening its script issues, with its approved test bed's
        premises per script (the ESI IDs its transactions must name)."""
        async with self._sessions() as session:
            found = await store.flight_pairings(session, flight)
            premises = await store.approved_premises(session, flight)
        return [
            scripts.PairingToTest(
                scripts.Pairing(p.flight, p.cr_duns, p.cr_name, p.tdsp_duns, p.tdsp_name, p.sp_duns),
                p.pairing_kinds.split(","),
                catalog.tdsp_type(p.tdsp_duns),
                {
                    script_id: esi_ids
                    for (cr, tdsp, script_id), esi_ids in premises.items()
                    if (cr, tdsp) == (p.cr_duns, p.tdsp_duns)
                },
            )
            for p in found
        ]

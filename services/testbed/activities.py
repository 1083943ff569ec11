"""Temporal activities the testbed service executes."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from flightrak import needs_attention
from flightrak.activity_failures import classified
from services.testbed import catalog, models, store
from workflows import attention
from workflows import specifications as specifications_flow
from workflows.flight import models as flights
from workflows.items import ItemTransition
from workflows.registration import models as registrations
from workflows.scripts import models as scripts
from workflows.specifications import models as specifications
from workflows.specifications.ids import specifications_workflow_id
from workflows.specifications.workflows import TestingSpecificationsWorkflow


class TestbedActivities:
    def __init__(self, sessions: async_sessionmaker, temporal: Client):
        self._sessions = sessions
        self._temporal = temporal

    @activity.defn(name=registrations.OPEN_SPECIFICATIONS_REQUEST)
    @classified
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

    @activity.defn(name=flights.TEST_BEDS_MISSING)
    @classified
    async def test_beds_missing(self, flight: str) -> flights.TestBedsMissing:
        async with self._sessions() as session:
            missing = await store.test_beds_missing(session, flight)
            tdsps = await store.tdsp_count(session, flight)
        return flights.TestBedsMissing(tdsps, [f"{name} ({state})" for name, state in missing])

    @activity.defn(name=flights.FLIGHT_PAIRINGS)
    @classified
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

    @activity.defn(name=specifications.RECORD_ITEM_TRANSITION)
    @classified
    async def record_item_transition(self, step: ItemTransition) -> None:
        async with self._sessions.begin() as session:
            await store.record_transition(session, step)

    @activity.defn(name=attention.TESTBED.record_attention)
    @classified
    async def record_attention(self, entry: attention.AttentionRecord) -> None:
        async with self._sessions.begin() as session:
            await needs_attention.record(session, models.NeedsAttention, entry)

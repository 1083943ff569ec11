"""One workflow per CR and flight, running the registration's table (rules.FLOW). Approval records the test pairings
and opens the CR's Request for Testing Specifications. The workflow holds what it decides on: the flight's state
and signup deadline reach it from the flight's own workflow, never from the caller."""


from temporalio import workflow
from temporalio.exceptions import FailureError

from workflows import attention
from workflows import search_attributes as sa
from workflows.flight.ids import flight_workflow_id
from workflows.flight.models import FLIGHT_CHANGED, REGISTERED
from workflows.item_flow import ItemFlow
from workflows.registration import models as m
from workflows.registration.rules import FLOW, Registration
from workflows.specifications import models as specifications

TESTBED_ACTIVITY = {**attention.STEP_OPTIONS, "task_queue": m.TESTBED_TASK_QUEUE}


@workflow.defn(name="FlightRegistration")
class FlightRegistrationWorkflow(ItemFlow[Registration], flow=FLOW):
    @workflow.init
    def __init__(self, registration: m.RegistrationInput) -> None:
        self._registration = registration
        self._flight = registration.flight_context
        self._begin(registration.item_id)

    @workflow.run
    async def run(self, registration: m.RegistrationInput) -> m.RegistrationStatus:
        if not await self._first_action_taken():
            return self.status()  # started with a first OK that was refused: nothing exists to keep
        await self._tell_the_flight()
        await workflow.wait_condition(lambda: self._state == m.CANCELLED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _tell_the_flight(self) -> None:
        """The flight's workflow answers with its state and deadline now, and again whenever they change."""
        flight = workflow.get_external_workflow_handle(flight_workflow_id(self._registration.flight))
        try:
            await flight.signal(REGISTERED, workflow.info().workflow_id)
        except FailureError as error:  # no such flight running: the context given at the start stands
            workflow.logger.warning("flight %s not told of registration: %s", self._registration.flight, error)

    @workflow.signal(name=FLIGHT_CHANGED)
    def flight_changed(self, flight: m.FlightContext) -> None:
        self._flight = flight

    @workflow.query
    def status(self) -> m.RegistrationStatus:
        return m.RegistrationStatus(self._registration.item_id, self._state, dict(self._fields))

    # The table's rules read these.

    def _facts(self) -> Registration:
        return Registration(self._registration.cr_duns, self._flight)

    def _title(self) -> str:
        return f"Flight {self._registration.flight} Registration - {self._registration.cr_name}"

    def _company_duns(self) -> str:
        return self._registration.cr_duns

    def _projected_fields(self) -> dict[str, str]:
        registration = self._registration
        return {
            **self._fields,
            "flight": registration.flight,
            "cr_duns": registration.cr_duns,
            "cr_name": registration.cr_name,
        }

    def _search_attributes(self) -> list:
        return [
            sa.FLIGHT.value_set(self._registration.flight),
            sa.CR_DUNS.value_set(self._registration.cr_duns),
            sa.service_provider(self._service_provider().duns),
        ]

    # Actions that do more than move.

    async def _take_ok(self, action: m.RegistrationAction) -> None:
        await self._edit(m.OK, action)

    async def _take_modify(self, action: m.RegistrationAction) -> None:
        await self._edit(m.MODIFY, action)

    async def _edit(self, name: str, action: m.RegistrationAction) -> None:
        await self._move(name, action, self._keep_fields(action.fields))

    async def _take_approve(self, action: m.RegistrationAction) -> None:
        registration = self._registration
        cr = m.Company(registration.cr_duns, registration.cr_name)
        provider, tdsps = self._service_provider(), self._tdsps()
        await self._attention.run(
            m.RECORD_TEST_PAIRINGS,
            m.TestPairings(registration.flight, registration.item_id, cr, provider, tdsps),
            **attention.STEP_OPTIONS,
        )
        request = m.SpecificationsRequest(
            registration.flight, registration.item_id, cr, provider, tdsps, self._pairing_kinds()
        )
        specifications_item_id: int = await self._attention.run(
            m.OPEN_SPECIFICATIONS_REQUEST, request, result_type=int, **TESTBED_ACTIVITY
        )
        self._fields["testing_specifications_item_id"] = str(specifications_item_id)
        await self._move(m.APPROVE, action, {"testing_specifications_item_id": str(specifications_item_id)})

    async def _take_withdraw(self, action: m.RegistrationAction) -> None:
        await self._leave(m.WITHDRAW, action)

    async def _take_cancel(self, action: m.RegistrationAction) -> None:
        await self._leave(m.CANCEL, action)

    async def _leave(self, name: str, action: m.RegistrationAction) -> None:
        """Withdraw or Cancel; once approved, what the approval opened (the CR's specifications request, its pairings,
        its TDSP partners' test-bed rows for it) is closed too, each with a history row saying why."""
        await self._move(name, action)
        if "testing_specifications_item_id" not in self._fields:
            return
        registration = self._registration
        cancelled = specifications.CancelledRegistration(
            registration.flight,
            registration.item_id,
            registration.cr_duns,
            registration.cr_name,
            [tdsp.duns for tdsp in self._tdsps()],
            action.actor.name,
        )
        await self._attention.run(specifications.CLOSE_FOR_CANCELLED_REGISTRATION, cancelled, **TESTBED_ACTIVITY)

    def _service_provider(self) -> m.Company:
        duns = self._fields.get(m.SERVICE_PROVIDER, "")
        if duns in ("", "self"):
            return m.Company("", "")
        return m.Company(duns, self._fields.get(m.SERVICE_PROVIDER_NAME, ""))

    def _pairing_kinds(self) -> list[str]:
        """An existing CR changing banks or systems runs those scripts; any other CR, a new CR's."""
        kinds = [
            kind
            for kind, name in (("bank_change", "changing_banks"), ("system_change", "system_change"))
            if self._fields.get(name) == "Yes"
        ]
        return kinds or ["new_cr"]

    def _tdsps(self) -> list[m.Company]:
        duns = [d for d in self._fields.get("tdsps", "").split(",") if d]
        names = self._fields.get("tdsp_names", "").split("; ")
        return [m.Company(d, names[i] if i < len(names) else d) for i, d in enumerate(duns)]

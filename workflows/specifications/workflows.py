"""One workflow per Request for Testing Specifications, running its kind's table (rules.FLOWS): a CR's (or its SP's)
provide -> ERCOT Review -> Approved, or rejected with a comment back to Pending; a TDSP's provide -> Test Bed Loading
(attach and validate, then Submit) -> Test Bed Review (ERCOT) -> Completed, or rejected back to Test Bed Loading.
When a registration behind it is cancelled, the system cancels it (Cancelled (Inactive)) whatever its state, or notes
it on a TDSP's still testing with other CRs."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

from workflows import search_attributes as sa
from workflows.item_flow import ItemFlow
from workflows.items import SYSTEM_ACTOR
from workflows.specifications import models as m
from workflows.specifications.rules import FLOWS, Request
from workflows.table import Flow

# The test's own timeouts are seconds (flightrak.edm): this bounds a worker that dies while sending.
EDM_SELF_TEST_WITHIN = timedelta(seconds=60)


@workflow.defn(name="TestingSpecifications")
class TestingSpecificationsWorkflow(ItemFlow[Request]):
    @workflow.init
    def __init__(self, request: m.SpecificationsInput) -> None:
        self._request = request
        self._cancelled_registrations: set[int] = set()  # those already recorded
        self._begin(request.item_id, request.state, request.fields)
        self._seq = request.opened_seq  # the service recorded the request's opening (and, resumed, its steps so far)

    @workflow.run
    async def run(self, request: m.SpecificationsInput) -> m.SpecificationsStatus:
        self._upsert_search_attributes(self._standing(self._state))
        await workflow.wait_condition(lambda: self._standing(self._state).closed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.SpecificationsStatus:
        return m.SpecificationsStatus(self._request.item_id, self._state, dict(self._fields))

    @workflow.update(name=m.REGISTRATION_CANCELLED)
    async def registration_cancelled(self, step: m.RegistrationCancelledStep) -> dict[str, Any]:
        """The system's step, not a person's: it waits for an action under way instead of being refused, and records
        each registration once. `close` takes the table's Registration Cancelled; otherwise the request notes it."""
        await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
        if step.registration_item_id in self._cancelled_registrations or self._state == m.CANCELLED:
            return self._answer()
        self._cancelled_registrations.add(step.registration_item_id)
        cancel = self._flow.action(m.CANCEL_REQUEST)
        with self._one_at_a_time.acting(cancel.label):
            changes = self._keep_fields(step.fields)
            if step.close:
                await self._move(m.CANCEL_REQUEST, m.SpecificationsAction(SYSTEM_ACTOR, comment=step.comment), changes)
            else:
                await self._record_move(self._state, SYSTEM_ACTOR, cancel.label, changes, step.comment)
        return self._answer()

    @registration_cancelled.validator
    def validate_registration_cancelled(self, step: m.RegistrationCancelledStep) -> None:
        self._attention.admit(step)

    # The table's rules read these.

    def _table(self) -> Flow[Any]:
        return FLOWS[self._request.kind]

    def _facts(self) -> Request:
        return Request.of(self._request.company_duns, self._request.service_provider_duns, self._fields)

    def _title(self) -> str:
        return f"Flight {self._request.flight} Testing Specifications - {self._request.company_name}"

    def _company_duns(self) -> str:
        return self._request.company_duns

    def _search_attributes(self) -> list[SearchAttributeUpdate[Any]]:
        party = sa.TDSP_DUNS if self._request.kind == m.TDSP else sa.CR_DUNS
        return [
            sa.FLIGHT.value_set(self._request.flight),
            party.value_set(self._request.company_duns),
            sa.service_provider(self._request.service_provider_duns),
        ]

    # Actions that do more than move: each keeps the fields it brings.

    async def _take_provide(self, action: m.SpecificationsAction) -> None:
        await self._move(m.PROVIDE, action, self._keep_fields(action.fields))

    async def _take_attach_test_bed(self, action: m.SpecificationsAction) -> None:
        await self._move(m.ATTACH_TEST_BED, action, self._keep_fields(action.fields))

    async def _take_run_edm_self_test(self, action: m.SpecificationsAction) -> None:
        """The test runs in an activity on its own queue; a test that failed is its result, recorded like a pass."""
        fields = self._fields
        tested = m.EdmSelfTestInput(
            self._request.item_id,
            self._request.flight,
            self._request.company_duns,
            fields.get("edm_url", ""),
            fields.get("edm_port", ""),
            fields.get("ssl_certificate", ""),
            fields.get("pgp_public_key", ""),
            fields.get("edm_login", ""),
        )
        result: m.EdmSelfTestResult = await self._attention.run(
            m.EDM_SELF_TEST,
            tested,
            result_type=m.EdmSelfTestResult,
            task_queue=m.EDM_SELF_TEST_TASK_QUEUE,
            start_to_close_timeout=EDM_SELF_TEST_WITHIN,
        )
        outcome = {
            "edm_self_test": m.PASSED if not result.failed else m.FAILED,
            "edm_self_test_failed": result.failed,
            "edm_self_test_at": workflow.now().isoformat(),
            "edm_self_test_url": result.url,
        }
        label = self._flow.action(m.RUN_EDM_SELF_TEST).label
        comment = "\n".join(part for part in (result.detail, action.comment) if part)
        await self._record_move(self._state, action.actor, label, self._keep_fields(outcome), comment)

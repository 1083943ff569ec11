"""One workflow per Request for Testing Specifications. A CR's (or its SP's): provide -> ERCOT Review ->
Approved, or rejected with a comment back to Pending. A TDSP's: provide -> Test Bed Loading (attach and
validate, then Submit) -> Test Bed Review (ERCOT) -> Completed, or rejected back to Test Bed Loading. When the
registration behind it is cancelled, the system cancels it (Cancelled (Inactive)), whatever its state."""

from temporalio import workflow

from workflows import attention
from workflows import search_attributes as sa
from workflows.items import (
    REFUSAL_QUERY,
    SYSTEM_ACTOR,
    Asked,
    ItemTransition,
    OneActionAtATime,
    Refusal,
    principal_of,
    refuse,
)
from workflows.specifications import models as m
from workflows.specifications import rules
from workflows.specifications.ids import specifications_workflow_id

INSTRUCTIONS = {
    m.PENDING_SPECIFICATIONS: (
        "Provide/Review Testing Specifications: enter the NAESB EDM specifications and the testing and "
        "connectivity contacts, then click OK."
    ),
    m.ERCOT_REVIEW: "ERCOT reviews the testing specifications: Approve them, or Reject with a comment.",
    m.TEST_BED_LOADING: (
        "Download the test-bed template, fill it in, then Attach and Validate it; when it is valid, Submit it."
    ),
    m.TEST_BED_REVIEW: "ERCOT reviews the test bed: Approve it, or Reject with a comment.",
    m.APPROVED: "The testing specifications are approved.",
    m.COMPLETED: "The test bed is approved; this request is complete.",
    m.CANCELLED: "The registration this request served was cancelled; nothing is left to provide.",
}


def _responsible(kind: str, state: str) -> str:
    if state in (m.ERCOT_REVIEW, m.TEST_BED_REVIEW):
        return "ERCOT"
    if state in m.CLOSED_STATES:
        return ""
    return "TDSP" if kind == m.TDSP else "CR"


@workflow.defn(name="TestingSpecifications")
class TestingSpecificationsWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, request: m.SpecificationsInput) -> None:
        self._request = request
        self._attention = attention.Attention(attention.TESTBED, request.item_id, m.ITEM_TYPE)
        self._state = request.state
        self._fields = dict(request.fields)
        self._seq = request.opened_seq
        self._one_at_a_time = OneActionAtATime("request")
        self._cancelled_registrations: set[int] = set()  # those already recorded

    @workflow.run
    async def run(self, request: m.SpecificationsInput) -> m.SpecificationsStatus:
        self._upsert_search_attributes()
        await workflow.wait_condition(lambda: self._state in m.CLOSED_STATES)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.SpecificationsStatus:
        return m.SpecificationsStatus(self._request.item_id, self._state, dict(self._fields))
    @workflow.update(name=m.PROVIDE)
    async def provide(self, action: m.SpecificationsAction) -> m.SpecificationsStatus:
        with self._one_at_a_time.acting(m.LABELS[m.PROVIDE]):
            after = m.TEST_BED_LOADING if self._request.kind == m.TDSP else m.ERCOT_REVIEW
            await self._move(after, action, m.LABELS[m.PROVIDE], self._changes(action.fields))
        return self.status()

    @provide.validator
    def validate_provide(self, action: m.SpecificationsAction) -> None:
        self._check(m.PROVIDE, action)

    @workflow.update(name=m.ATTACH_TEST_BED)
    async def attach_test_bed(self, action: m.SpecificationsAction) -> m.SpecificationsStatus:
        with self._one_at_a_time.acting(m.LABELS[m.ATTACH_TEST_BED]):
            await self._move(m.TEST_BED_LOADING, action, m.LABELS[m.ATTACH_TEST_BED], self._changes(action.fields))
        return self.status()

    @attach_test_bed.validator
    def validate_attach_test_bed(self, action: m.SpecificationsAction) -> None:
        self._check(m.ATTACH_TEST_BED, action)

    @workflow.update(name=m.SUBMIT_TEST_BED)
    async def submit_test_bed(self, action: m.SpecificationsAction) -> m.SpecificationsStatus:
        with self._one_at_a_time.acting(m.LABELS[m.SUBMIT_TEST_BED]):
            await self._move(m.TEST_BED_REVIEW, action, m.LABELS[m.SUBMIT_TEST_BED], {})
        return self.status()

    @submit_test_bed.validator
    def validate_submit_test_bed(self, action: m.SpecificationsAction) -> None:
        self._check(m.SUBMIT_TEST_BED, action)

    @workflow.update(name=m.APPROVE)
    async def approve(self, action: m.SpecificationsAction) -> m.SpecificationsStatus:
        with self._one_at_a_time.acting(m.LABELS[m.APPROVE]):
            after = m.COMPLETED if self._request.kind == m.TDSP else m.APPROVED
            await self._move(after, action, m.LABELS[m.APPROVE], {})
        return self.status()

    @approve.validator
    def validate_approve(self, action: m.SpecificationsAction) -> None:
        self._check(m.APPROVE, action)

    @workflow.update(name=m.REJECT)
    async def reject(self, action: m.SpecificationsAction) -> m.SpecificationsStatus:
        with self._one_at_a_time.acting(m.LABELS[m.REJECT]):
            back = m.TEST_BED_LOADING if self._request.kind == m.TDSP else m.PENDING_SPECIFICATIONS
            await self._move(back, action, m.LABELS[m.REJECT], {})
        return self.status()

    @reject.validator
    def validate_reject(self, action: m.SpecificationsAction) -> None:
        self._check(m.REJECT, action)

    @workflow.update(name=m.REGISTRATION_CANCELLED)
    async def registration_cancelled(self, step: m.RegistrationCancelledStep) -> m.SpecificationsStatus:
        """The system's step, not a person's: it waits for an action under way instead of being refused."""
        await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
        if step.registration_item_id in self._cancelled_registrations or self._state == m.CANCELLED:
            return self.status()
        self._cancelled_registrations.add(step.registration_item_id)
        with self._one_at_a_time.acting(m.REGISTRATION_CANCELLED_LABEL):
            after = m.CANCELLED if step.close else self._state
            action = m.SpecificationsAction(SYSTEM_ACTOR, comment=step.comment)
            await self._move(after, action, m.REGISTRATION_CANCELLED_LABEL, self._changes(step.fields))
        return self.status()

    @registration_cancelled.validator
    def validate_registration_cancelled(self, step: m.RegistrationCancelledStep) -> None:
        self._attention.admit(step)

    @workflow.query(name=REFUSAL_QUERY)
    def refusal(self, asked: Asked) -> Refusal | None:
        return rules.refusal(
            asked.action,
            self._request.kind,
            self._state,
            principal_of(asked.actor),
            self._request.company_duns,
            self._request.service_provider_duns,
            self._fields,
            asked.comment,
        )

    def _check(self, action: str, given: m.SpecificationsAction) -> None:
        self._attention.admit(given)
        self._one_at_a_time.check()
        refuse(self.refusal(Asked(action, given.actor, given.comment)))

    def _changes(self, given: dict[str, str]) -> dict[str, str]:
        before, self._fields = self._fields, {**self._fields, **given}
        return {
            name: f"{before[name]} -> {value}" if before.get(name) else value
            for name, value in self._fields.items()
            if before.get(name) != value
        }

    async def _move(self, to_state: str, action: m.SpecificationsAction, label: str, changes: dict[str, str]) -> None:
        from_state, self._state = self._state, to_state
        self._seq += 1
        self._upsert_search_attributes()
        request = self._request
        step = ItemTransition(
            workflow_id=specifications_workflow_id(request.flight, request.company_duns),
            item_id=request.item_id,
            seq=self._seq,
            item_type=m.ITEM_TYPE,
            title=f"Flight {request.flight} Testing Specifications - {request.company_name}",
            company_duns=request.company_duns,
            state=to_state,
            responsible_party=_responsible(request.kind, to_state),
            instructions=INSTRUCTIONS[to_state],
            fields=dict(self._fields),
            closed=to_state in m.CLOSED_STATES,
            actor=action.actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            comment=action.comment,
        )
        await self._attention.run(m.RECORD_ITEM_TRANSITION, step, local=True, **attention.STEP_OPTIONS)

    def _upsert_search_attributes(self) -> None:
        request = self._request
        party = sa.TDSP_DUNS if request.kind == m.TDSP else sa.CR_DUNS
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(request.item_id)),
                sa.ITEM_TYPE.value_set(m.ITEM_TYPE),
                sa.FLIGHT.value_set(request.flight),
                party.value_set(request.company_duns),
                sa.COMPANY_DUNS.value_set(request.company_duns),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set(_responsible(request.kind, self._state) or "-"),
            ]
        )

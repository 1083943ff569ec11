"""One workflow per CR and flight: Pending Submittal -> Registration Review (ERCOT) -> Pending Script
Assignment, with Return to CR, Withdraw and Cancel; approval records the test pairings and opens the
CR's Request for Testing Specifications."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import attention
    from workflows import search_attributes as sa
    from workflows.items import ItemTransition, OneActionAtATime, principal_of, refuse
    from workflows.registration import models as m
    from workflows.registration import rules
    from workflows.registration.ids import registration_workflow_id

# The registration service's own writes are local activities (this worker hosts them), so an action
# answers without another round trip through the Temporal server; the testbed's are its own service's.
RECORD_OPTIONS = {**attention.STEP_OPTIONS, "local": True}
TESTBED_ACTIVITY = {**attention.STEP_OPTIONS, "task_queue": m.TESTBED_TASK_QUEUE}
# A registration starts with its first OK (update-with-start); if that OK was refused, the workflow
# holds nothing and ends instead of waiting forever.
FIRST_OK_WITHIN = timedelta(minutes=10)

INSTRUCTIONS = {
    m.PENDING_SUBMITTAL: "Verify the registration, then Submit it to ERCOT (or Modify or Withdraw it).",
    m.REGISTRATION_REVIEW: "ERCOT reviews the registration: Approve it, or Return to CR with a comment.",
    m.PENDING_SCRIPT_ASSIGNMENT: (
        "Approved. ERCOT assigns the test scripts; the CR provides its testing specifications."
    ),
    m.CANCELLED: "The registration was cancelled; the CR is not in this flight.",
}
RESPONSIBLE = {
    m.PENDING_SUBMITTAL: "CR",
    m.REGISTRATION_REVIEW: "ERCOT",
    m.PENDING_SCRIPT_ASSIGNMENT: "ERCOT",
    m.CANCELLED: "",
}


@workflow.defn(name="FlightRegistration")
class FlightRegistrationWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, registration: m.RegistrationInput) -> None:
        self._registration = registration
        self._attention = attention.Attention(attention.REGISTRATION, registration.item_id, m.ITEM_TYPE)
        self._state = ""
        self._fields: dict[str, str] = {}
        self._seq = 0
        self._one_at_a_time = OneActionAtATime("registration")

    @workflow.run
    async def run(self, registration: m.RegistrationInput) -> m.RegistrationStatus:
        try:
            await workflow.wait_condition(lambda: self._state != "", timeout=FIRST_OK_WITHIN)
        except TimeoutError:
            return self.status()  # started with a first OK that was refused: nothing exists to keep
        await workflow.wait_condition(lambda: self._state == m.CANCELLED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.RegistrationStatus:
        return m.RegistrationStatus(self._registration.item_id, self._state, dict(self._fields))

    @workflow.update(name=m.OK)
    async def ok(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.OK]):
            return await self._edit(action, m.LABELS[m.OK])

    @ok.validator
    def validate_ok(self, action: m.RegistrationAction) -> None:
        self._check(m.OK, action)

    @workflow.update(name=m.MODIFY)
    async def modify(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.MODIFY]):
            return await self._edit(action, m.LABELS[m.MODIFY])

    @modify.validator
    def validate_modify(self, action: m.RegistrationAction) -> None:
        self._check(m.MODIFY, action)

    @workflow.update(name=m.SUBMIT)
    async def submit(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.SUBMIT]):
            await self._move(m.REGISTRATION_REVIEW, action, m.LABELS[m.SUBMIT])
        return self.status()

    @submit.validator
    def validate_submit(self, action: m.RegistrationAction) -> None:
        self._check(m.SUBMIT, action)

    @workflow.update(name=m.WITHDRAW)
    async def withdraw(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.WITHDRAW]):
            await self._move(m.CANCELLED, action, m.LABELS[m.WITHDRAW])
        return self.status()

    @withdraw.validator
    def validate_withdraw(self, action: m.RegistrationAction) -> None:
        self._check(m.WITHDRAW, action)

    @workflow.update(name=m.RETURN_TO_CR)
    async def return_to_cr(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.RETURN_TO_CR]):
            await self._move(m.PENDING_SUBMITTAL, action, m.LABELS[m.RETURN_TO_CR])
        return self.status()

    @return_to_cr.validator
    def validate_return_to_cr(self, action: m.RegistrationAction) -> None:
        self._check(m.RETURN_TO_CR, action)

    @workflow.update(name=m.APPROVE)
    async def approve(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.APPROVE]):
            cr = m.Company(self._registration.cr_duns, self._registration.cr_name)
            provider = self._service_provider()
            await self._attention.run(
                m.RECORD_TEST_PAIRINGS,
                m.TestPairings(self._registration.flight, self._registration.item_id, cr, provider, self._tdsps()),
                **RECORD_OPTIONS,
            )
            specifications_item_id: int = await self._attention.run(
                m.OPEN_SPECIFICATIONS_REQUEST,
                m.SpecificationsRequest(
                    self._registration.flight,
                    self._registration.item_id,
                    cr,
                    provider,
                    self._tdsps(),
                    self._pairing_kinds(),
                ),
                result_type=int,
                **TESTBED_ACTIVITY,
            )
            self._fields["testing_specifications_item_id"] = str(specifications_item_id)
            await self._move(
                m.PENDING_SCRIPT_ASSIGNMENT,
                action,
                m.LABELS[m.APPROVE],
                {"testing_specifications_item_id": str(specifications_item_id)},
            )
        return self.status()

    @approve.validator
    def validate_approve(self, action: m.RegistrationAction) -> None:
        self._check(m.APPROVE, action)

    @workflow.update(name=m.CANCEL)
    async def cancel(self, action: m.RegistrationAction) -> m.RegistrationStatus:
        with self._one_at_a_time.acting(m.LABELS[m.CANCEL]):
            await self._move(m.CANCELLED, action, m.LABELS[m.CANCEL])
        return self.status()

    @cancel.validator
    def validate_cancel(self, action: m.RegistrationAction) -> None:
        self._check(m.CANCEL, action)

    def _check(self, action: str, given: m.RegistrationAction) -> None:
        self._attention.admit(given)
        self._one_at_a_time.check()
        problem = rules.refusal(
            action,
            self._state,
            principal_of(given.actor),
            self._registration.cr_duns,
            given.flight,
            workflow.now(),
            given.comment,
        )
        refuse(problem)

    async def _edit(self, action: m.RegistrationAction, label: str) -> m.RegistrationStatus:
        before = dict(self._fields)
        self._fields = {**self._fields, **action.fields}
        changes = {
            name: f"{before[name]} -> {value}" if before.get(name) else value
            for name, value in self._fields.items()
            if before.get(name) != value
        }
        await self._move(m.PENDING_SUBMITTAL, action, label, changes)
        return self.status()

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

    async def _move(
        self, to_state: str, action: m.RegistrationAction, label: str, changes: dict[str, str] | None = None
    ) -> None:
        from_state, self._state = self._state, to_state
        self._seq += 1
        self._upsert_search_attributes()
        flight, cr_duns = self._registration.flight, self._registration.cr_duns
        step = ItemTransition(
            workflow_id=registration_workflow_id(flight, cr_duns),
            item_id=self._registration.item_id,
            seq=self._seq,
            item_type=m.ITEM_TYPE,
            title=f"Flight {flight} Registration - {self._registration.cr_name}",
            company_duns=cr_duns,
            state=to_state,
            responsible_party=RESPONSIBLE[to_state],
            instructions=INSTRUCTIONS[to_state],
            fields={**self._fields, "flight": flight, "cr_duns": cr_duns, "cr_name": self._registration.cr_name},
            closed=to_state == m.CANCELLED,
            actor=action.actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes or {},
            comment=action.comment,
        )
        await self._attention.run(m.RECORD_ITEM_TRANSITION, step, **RECORD_OPTIONS)

    def _upsert_search_attributes(self) -> None:
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(self._registration.item_id)),
                sa.ITEM_TYPE.value_set(m.ITEM_TYPE),
                sa.FLIGHT.value_set(self._registration.flight),
                sa.CR_DUNS.value_set(self._registration.cr_duns),
                sa.COMPANY_DUNS.value_set(self._registration.cr_duns),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set(RESPONSIBLE[self._state] or "-"),
            ]
        )

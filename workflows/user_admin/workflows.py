"""One workflow per user-admin request: OK (verify) -> Commit -> closed, every step recorded."""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from flightrak import authz
from flightrak.tokens import Principal
from workflows import attention
from workflows import search_attributes as sa
from workflows.items import REFUSAL_QUERY, SYSTEM_ACTOR, Asked, Refusal, conflict, forbidden, invalid, refuse
from workflows.user_admin import models as m
from workflows.user_admin.ids import user_request_workflow_id

# A request left open this long with no recorded step is cancelled by FlighTrak itself.
IDLE_EXPIRY = timedelta(days=30)
EXPIRED = "Expired"
EXPIRED_COMMENT = "No action for 30 days; the request was cancelled and nothing was changed."

ACTIVITY_OPTIONS = {**attention.STEP_OPTIONS, "task_queue": m.ACTIVITY_TASK_QUEUE}

INSTRUCTIONS = {
    m.NEW: "Enter the user's details and click OK.",
    m.PENDING_COMMIT: "Verify the information, then click Commit (or correct it and click OK).",
    m.COMPLETED: "The request is complete and closed.",
    m.CANCELLED: "The request was cancelled; nothing was changed.",
}


def _responsible_party(state: str) -> str:
    return "" if state in m.CLOSED_STATES else "MP Admin"


def _principal(actor: m.Actor) -> Principal:
    return Principal(actor.user_id, actor.duns, frozenset(actor.roles), actor.name, "")


@workflow.defn(name="UserAdminRequest")
class UserAdminRequestWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, request: m.UserRequestInput) -> None:
        self._request = request
        self._attention = attention.Attention(attention.IDENTITY, request.item_id, m.ITEM_TYPE)
        self._state = m.NEW
        self._fields: dict[str, str] = dict(request.before)
        self._seq = 0
        self._user_id = request.target_user_id

    @workflow.run
    async def run(self, request: m.UserRequestInput) -> m.RequestStatus:
        self._upsert_search_attributes()
        while self._state not in m.CLOSED_STATES:
            seq = self._seq
            try:
                await workflow.wait_condition(
                    lambda seq=seq: self._state in m.CLOSED_STATES or self._seq != seq, timeout=IDLE_EXPIRY
                )
            except TimeoutError:
                # An action still running when the clock runs out (a Commit retrying its activity) decides first.
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._seq == seq and self._state not in m.CLOSED_STATES:
                    expiry = m.ActionInput(actor=SYSTEM_ACTOR, comment=EXPIRED_COMMENT)
                    await self._move(m.CANCELLED, expiry, EXPIRED, {})
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.RequestStatus:
        return m.RequestStatus(self._request.item_id, self._state, dict(self._fields), self._user_id)

    @workflow.update(name=m.OK)
    async def ok(self, action: m.ActionInput) -> m.RequestStatus:
        before = dict(self._fields)
        self._fields.update({name: action.fields[name] for name in m.USER_FIELDS if name in action.fields})
        changes = {
            name: f"{before[name]} -> {value}" if before.get(name) else value
            for name, value in self._fields.items()
            if before.get(name) != value
        }
        await self._move(m.PENDING_COMMIT, action, "OK", changes)
        return self.status()

    @ok.validator
    def validate_ok(self, action: m.ActionInput) -> None:
        self._check(m.OK, action)
        if self._request.kind == m.DEACTIVATE and action.fields:
            refuse(invalid("fields", "a Delete User request changes no fields"))

    @workflow.update(name=m.COMMIT)
    async def commit(self, action: m.ActionInput) -> m.RequestStatus:
        change = m.UserChange(
            self._request.kind, self._request.company_duns, self._request.target_user_id, dict(self._fields)
        )
        try:
            result: m.UserChangeResult = await self._attention.run(
                m.APPLY_USER_CHANGE,
                change,
                result_type=m.UserChangeResult,
                answers=("InvalidFields",),
                **ACTIVITY_OPTIONS,
            )
        except ActivityError as error:  # the user's details conflict with another's: the Commit is refused
            cause = error.cause
            raise ApplicationError(cause.message, *cause.details, type="InvalidFields") from None
        self._user_id = result.user_id
        await self._move(m.COMPLETED, action, "Commit", {"user_id": result.user_id})
        return self.status()

    @commit.validator
    def validate_commit(self, action: m.ActionInput) -> None:
        self._check(m.COMMIT, action)

    @workflow.update(name=m.CANCEL)
    async def cancel(self, action: m.ActionInput) -> m.RequestStatus:
        await self._move(m.CANCELLED, action, "Cancel", {})
        return self.status()

    @cancel.validator
    def validate_cancel(self, action: m.ActionInput) -> None:
        self._check(m.CANCEL, action)

    @workflow.query(name=REFUSAL_QUERY)
    def refusal(self, asked: Asked) -> Refusal | None:
        if not authz.may_administer_users(_principal(asked.actor), self._request.company_duns):
            return forbidden("only an MP Admin of this company, or ERCOT, may act on this request")
        if asked.action == m.OK and self._state not in (m.NEW, m.PENDING_COMMIT):
            return conflict(f"OK is not possible in state {self._state}")
        if asked.action == m.COMMIT and self._state != m.PENDING_COMMIT:
            return conflict(f"Commit is not possible in state {self._state}")
        if asked.action == m.CANCEL and self._state in m.CLOSED_STATES:
            return conflict(f"the request is already {self._state}")
        return None

    def _check(self, action: str, given: m.ActionInput) -> None:
        self._attention.admit(given)
        refuse(self.refusal(Asked(action, given.actor)))

    async def _move(self, to_state: str, action: m.ActionInput, label: str, changes: dict[str, str]) -> None:
        # The state changes before the step is recorded, so an action arriving meanwhile sees it.
        from_state, self._state = self._state, to_state
        self._seq += 1
        transition = m.ItemTransition(
            workflow_id=user_request_workflow_id(self._request.item_id),
            item_id=self._request.item_id,
            seq=self._seq,
            item_type=m.ITEM_TYPE,
            title=f"{m.KIND_TITLES[self._request.kind]} - {self._request.company_name}",
            company_duns=self._request.company_duns,
            state=to_state,
            responsible_party=_responsible_party(to_state),
            instructions=INSTRUCTIONS[to_state],
            fields={
                **self._fields,
                "request": self._request.kind,
                "target_user_id": self._user_id,
            },
            closed=to_state in m.CLOSED_STATES,
            actor=action.actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            comment=action.comment,
        )
        await self._attention.run(m.RECORD_ITEM_TRANSITION, transition, **ACTIVITY_OPTIONS)
        self._upsert_search_attributes()

    def _upsert_search_attributes(self) -> None:
        workflow.upsert_search_attributes(
            [
                sa.ITEM_ID.value_set(str(self._request.item_id)),
                sa.ITEM_TYPE.value_set(m.ITEM_TYPE),
                sa.COMPANY_DUNS.value_set(self._request.company_duns),
                sa.ITEM_STATE.value_set(self._state),
                sa.RESPONSIBLE_PARTY.value_set(_responsible_party(self._state) or "-"),
            ]
        )

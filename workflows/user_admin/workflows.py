"""One workflow per user-admin request, running the request's table (rules.FLOW); Commit applies the change in the
identity service, and a request left 30 days without a step is cancelled by FlighTrak itself."""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import attention
from workflows.item_flow import ItemFlow
from workflows.items import INVALID, SYSTEM_ACTOR, Refusal, invalid
from workflows.user_admin import models as m
from workflows.user_admin.rules import FLOW, UserRequest

IDLE_EXPIRY = timedelta(days=30)
EXPIRED_COMMENT = "No action for 30 days; the request was cancelled and nothing was changed."

IDENTITY_OPTIONS = {**attention.STEP_OPTIONS, "task_queue": m.ACTIVITY_TASK_QUEUE}


@workflow.defn(name="UserAdminRequest")
class UserAdminRequestWorkflow(ItemFlow[UserRequest], flow=FLOW):
    @workflow.init
    def __init__(self, request: m.UserRequestInput) -> None:
        self._request = request
        self._user_id = request.target_user_id
        self._begin(request.item_id, m.NEW, request.before)

    @workflow.run
    async def run(self, request: m.UserRequestInput) -> m.RequestStatus:
        self._upsert_search_attributes(self._standing(self._state))
        while self._state not in m.CLOSED_STATES:
            seq = self._seq

            def acted(seq: int = seq) -> bool:
                return self._state in m.CLOSED_STATES or self._seq != seq

            try:
                await workflow.wait_condition(acted, timeout=IDLE_EXPIRY)
            except TimeoutError:
                # An action still running when the clock runs out (a Commit retrying its activity) decides first.
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._seq == seq and self._state not in m.CLOSED_STATES:
                    await self._move(m.EXPIRE, m.ActionInput(SYSTEM_ACTOR, comment=EXPIRED_COMMENT))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> m.RequestStatus:
        return m.RequestStatus(self._request.item_id, self._state, dict(self._fields), self._user_id)

    # The table's rules read these.

    def _facts(self) -> UserRequest:
        return UserRequest(self._request.company_duns)

    def _title(self) -> str:
        return f"{m.KIND_TITLES[self._request.kind]} - {self._request.company_name}"

    def _company_duns(self) -> str:
        return self._request.company_duns

    def _projected_fields(self) -> dict[str, str]:
        return {**self._fields, "request": self._request.kind, "target_user_id": self._user_id}

    def _input_refusal(self, name: str, given: m.ActionInput) -> Refusal | None:
        if name == m.OK and self._request.kind == m.DEACTIVATE and given.fields:
            return invalid("fields", "a Delete User request changes no fields")
        return None

    # Actions that do more than move.

    async def _take_ok(self, action: m.ActionInput) -> None:
        changes = self._keep_fields({name: action.fields[name] for name in m.USER_FIELDS if name in action.fields})
        await self._move(m.OK, action, changes)

    async def _take_commit(self, action: m.ActionInput) -> None:
        request = self._request
        change = m.UserChange(request.kind, request.company_duns, request.target_user_id, dict(self._fields))
        try:
            result: m.UserChangeResult = await self._attention.run(
                m.APPLY_USER_CHANGE, change, result_type=m.UserChangeResult, answers=(INVALID,), **IDENTITY_OPTIONS
            )
        except ActivityError as error:  # the user's details conflict with another's: the Commit is refused
            cause = error.cause
            if not isinstance(cause, ApplicationError):
                raise
            raise ApplicationError(cause.message, *cause.details, type=INVALID) from None
        self._user_id = result.user_id
        await self._move(m.COMMIT, action, {"user_id": result.user_id})

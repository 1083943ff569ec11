"""Temporal activities the identity service executes for user-admin workflows."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from flightrak import roles
from services.identity import domain, models, store
from workflows.user_admin import models as requests


def _invalid(problems: dict[str, str]) -> ApplicationError:
    message = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
    return ApplicationError(message, problems, type="InvalidFields", non_retryable=True)


class IdentityActivities:
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    @activity.defn(name=requests.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: requests.ItemTransition) -> None:
        async with self._sessions.begin() as session:
            await store.record_transition(session, step)

    @activity.defn(name=requests.APPLY_USER_CHANGE)
    async def apply_user_change(self, change: requests.UserChange) -> requests.UserChangeResult:
        """Commits the request to the users table; re-checks every rule, since time passed since OK."""
        try:
            async with self._sessions.begin() as session:
                return await self._apply(session, change)
        except IntegrityError as error:
            field = store.unique_violation_field(error)
            if field is None:
                raise
            raise _invalid({field: "is already used by another user"}) from None

    async def _apply(self, session, change: requests.UserChange) -> requests.UserChangeResult:
        if change.kind == requests.DEACTIVATE:
            target = await store.user(session, change.target_user_id)
            await store.deactivate(session, target.id)
            return requests.UserChangeResult(str(target.id))
        fields, problems = domain.clean_user_fields(change.fields)
        target_id = int(change.target_user_id) if change.kind == requests.UPDATE else None
        problems = problems or await store.uniqueness_problems(session, fields, except_user_id=target_id)
        if problems:
            raise _invalid(problems)
        if change.kind == requests.ADD:
            user = models.User(company_duns=change.company_duns, **fields)
            session.add(user)
            await session.flush()
            await store.set_roles(session, user.id, [roles.USER])
            return requests.UserChangeResult(str(user.id))
        target = await store.user(session, change.target_user_id)
        for name, value in fields.items():
            setattr(target, name, value)
        return requests.UserChangeResult(str(target.id))

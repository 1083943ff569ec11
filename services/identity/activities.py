"""Temporal activities the identity service executes: user-admin workflows' steps, and any flow's mail to companies'
distribution lists."""

import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from flightrak import roles
from flightrak.activity_failures import classified_activity
from flightrak.item_steps import ItemSteps
from flightrak.mail import MailInterrupted, SmtpMailer
from services.identity import domain, models, store
from services.identity.list_mail import ListMailMessage
from workflows import list_mail, owners
from workflows.user_admin import models as requests


def _invalid(problems: dict[str, str]) -> ApplicationError:
    message = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
    return ApplicationError(message, problems, type="InvalidFields", non_retryable=True)


class IdentityActivities(ItemSteps):
    def __init__(self, sessions: async_sessionmaker, mailer: SmtpMailer):
        super().__init__(sessions, store.record_transition, models.NeedsAttention, owners.IDENTITY)
        self._mailer = mailer

    @classified_activity(list_mail.MAIL_DISTRIBUTION_LISTS)
    async def mail_distribution_lists(self, mail: list_mail.ListMail) -> list_mail.ListMailResult:
        """The mail to each current list of the active companies named. When the SMTP server cannot be reached the
        activity fails and Temporal tries again later: the mail is delayed, not lost. The lists the server took
        before it stopped answering are kept in the attempt's heartbeat and not sent the mail again."""
        async with self._sessions() as session:
            recipients = await store.list_recipients(session, mail.company_duns)
        details = activity.info().heartbeat_details
        taken = list(details[0]) if details else []
        waiting = [(email, company) for email, company in recipients if email not in taken]
        if not waiting:
            return list_mail.ListMailResult(taken)
        message = ListMailMessage(mail, self._mailer.sender, self._mailer.public_url)
        try:
            accepted, rejected = await asyncio.to_thread(self._mailer.send, message, waiting)
        except MailInterrupted as interrupted:
            activity.heartbeat(taken + interrupted.accepted)
            raise ApplicationError(f"mail {mail.mail_id} delayed: {interrupted.error}") from None
        return list_mail.ListMailResult(taken + accepted, rejected)

    @classified_activity(requests.APPLY_USER_CHANGE)
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

"""Temporal activities the registration service executes for flight, registration and market notice workflows."""

import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from flightrak.activity_failures import classified_activity
from flightrak.item_steps import ItemSteps
from flightrak.mail import MailInterrupted, SmtpMailer
from services.registration import models, notices_store, store
from services.registration import notices as notice_rules
from services.registration.notices_mail import MailedNotice, NoticeMail
from workflows import owners
from workflows.notices import models as notices
from workflows.registration import models as registrations

# Mails sent between two writes of their state: a retry after an outage resends at most this many.
MAIL_BATCH = 100


class RegistrationActivities(ItemSteps):
    def __init__(self, sessions: async_sessionmaker):
        super().__init__(sessions, store.record_transition, models.NeedsAttention, owners.REGISTRATION)

    @classified_activity(registrations.RECORD_TEST_PAIRINGS)
    async def record_test_pairings(self, pairings: registrations.TestPairings) -> None:
        async with self._sessions.begin() as session:
            await store.record_test_pairings(session, pairings)

    def all(self) -> list:
        return [self.record_item_transition, self.record_test_pairings, self.record_attention]


class NoticeActivities:
    """A notice's steps (on its workflow's own queue) and its mail (on the mail queue, retried)."""

    def __init__(self, sessions: async_sessionmaker, mailer: SmtpMailer):
        self._sessions = sessions
        self._mailer = mailer

    @classified_activity(notices.RECORD_NOTICE_STEP)
    async def record_notice_step(self, step: notices.NoticeStep) -> None:
        async with self._sessions.begin() as session:
            await notices_store.record_step(session, step)

    @classified_activity(notices.DELIVER_NOTICE_MAIL)
    async def deliver_notice_mail(self, mail_round: notices.MailRound) -> notices.MailResult:
        """Sends every mail of the round the SMTP server has not accepted yet, recording each batch as it goes;
        if the server is unreachable the activity fails and Temporal tries again later."""
        item_id, round_ = mail_round.item_id, mail_round.round
        async with self._sessions() as session:
            notice = await notices_store.notice(session, item_id)
            queued = await notices_store.queued_mail(session, item_id, round_)
            companies = {r.company_duns: r.company_name for r in await notices_store.recipients(session, item_id)}
        if queued:
            builder = NoticeMail(mailed(notice, companies), self._mailer.sender, self._mailer.public_url, round_)
            for start in range(0, len(queued), MAIL_BATCH):
                batch = queued[start : start + MAIL_BATCH]
                mails = [(r.list_email, companies[r.company_duns]) for r in batch]
                try:
                    accepted, rejected = await asyncio.to_thread(self._mailer.send, builder, mails)
                    problem = None
                except MailInterrupted as interrupted:
                    accepted, rejected, problem = interrupted.accepted, interrupted.rejected, interrupted.error
                async with self._sessions.begin() as session:
                    await notices_store.mark_sent(session, item_id, round_, accepted)
                    await notices_store.mark_rejected(session, item_id, round_, rejected)
                    if problem:
                        unsent = [email for email, _ in mails if email not in accepted and email not in rejected]
                        await notices_store.mark_failed(session, item_id, round_, unsent, problem)
                if problem:
                    raise ApplicationError(f"mail of notice {notice.notice_id} delayed: {problem}")
                activity.heartbeat(start + len(batch))
        async with self._sessions() as session:
            sent = await notices_store.mail_count(session, item_id, round_, "sent")
            unsubscribed = await notices_store.mail_count(session, item_id, round_, "unsubscribed")
        return notices.MailResult(sent, unsubscribed)


def mailed(notice, companies: dict[str, str]) -> MailedNotice:
    names = dict(companies)
    return MailedNotice(
        item_id=notice.item_id,
        notice_id=notice.notice_id or "",
        notice_date=notice_rules.days_text([notice.notice_date]) if notice.notice_date else "",
        notice_type=notice.notice_type,
        short_description=notice.short_description,
        audience_text=notice_rules.audience_text(notice.audience, names),
        days_text=notice_rules.days_text(notice.days_affected),
        long_description=notice.long_description,
        action_required=notice.action_required,
        additional_information=notice.additional_information,
        contact=notice.contact,
    )

"""A set-password link mailed to the user's own email. The link's token is kept sealed beside its invitation (Fernet,
with a key derived from the token secret) only until the SMTP server takes the mail: a sender in the identity service
sends what is due at once and, through an SMTP outage, again and again, backing off to once a minute, until the link
expires. A link used or replaced before its mail went is not sent. Nothing here logs the link."""

import asyncio
import base64
import contextlib
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlencode

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from flightrak.mail import MailInterrupted, SmtpMailer
from flightrak.market_time import central_text
from services.identity import models

log = logging.getLogger(__name__)

# How often the sender looks for mail due without being told (a retry's time, another replica's link).
LOOK_EVERY_SECONDS = 5
RETRY_AT_MOST_EVERY = timedelta(minutes=1)
BATCH = 50
# How long a claimed mail waits before another round (or replica) may send it, should its sender die mid-send.
CLAIM_LEASE = timedelta(minutes=2)


def _fernet(token_secret: str) -> Fernet:
    key = hashlib.sha256(b"flightrak set-password link mail\0" + token_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(token_secret: str, link_token: str) -> str:
    return _fernet(token_secret).encrypt(link_token.encode()).decode()


def unseal(token_secret: str, sealed: str) -> str:
    return _fernet(token_secret).decrypt(sealed.encode()).decode()


def set_password_url(public_url: str, link_token: str) -> str:
    """The gateway's set-password page (services/gateway/api.set_password_url) at the address mails link to."""
    return f"{public_url.rstrip('/')}/set-password?{urlencode({'token': link_token})}"


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), RETRY_AT_MOST_EVERY)


class LinkMail:
    """One user's set-password link, as the mail flightrak/mail.py sends to their own address."""

    def __init__(self, invitation: models.Invitation, user: models.User, url: str, sender: str):
        self.invitation, self.user, self.url, self.sender = invitation, user, url, sender

    def message(self, email: str, company_name: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email
        message["Subject"] = "Set your FlighTrak password"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = f"<invitation.{self.invitation.id}@flightrak>"  # the same on every retry
        message["X-FlighTrak-Mail"] = f"invitation-{self.invitation.id}"
        message.set_content(
            f"Hello {self.user.first_name},\n\n"
            f"You have a FlighTrak account at {company_name}. Set your password with this link:\n\n"
            f"{self.url}\n\n"
            f"It works once, until {central_text(self.invitation.expires_at)}. If it has expired, ask your company's"
            " MP Admin (or ERCOT) for a new one.\n"
        )
        return message

    def raw(self, email: str, company_name: str) -> bytes:
        return self.message(email, company_name).as_bytes(policy=SMTP)


class LinkMailSender:
    def __init__(self, sessions: async_sessionmaker, mailer: SmtpMailer, token_secret: str):
        self._sessions = sessions
        self._mailer = mailer
        self._token_secret = token_secret
        self._told = asyncio.Event()

    def seal(self, link_token: str) -> str:
        return seal(self._token_secret, link_token)

    def tell(self) -> None:
        """A link was issued: send now rather than at the next look."""
        self._told.set()

    async def run(self) -> None:
        while True:
            self._told.clear()
            try:
                await self.send_due()
            except Exception as error:  # the database or a bug: look again later; the mail stays waiting
                log.warning("set-password mail not sent this round: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._told.wait(), LOOK_EVERY_SECONDS)

    async def send_due(self) -> int:
        """Sends every mail due now; returns how many the SMTP server took.

        The mails are claimed first, in one statement of its own that moves their due time a lease ahead, and each
        outcome is written in one statement after: no invitation is locked while the SMTP server is talked to, so
        setting a password or issuing a new link never waits on a slow mail server. A sender that dies mid-send
        leaves its claims to fall due again when the lease ends (the mail keeps its Message-ID)."""
        now = datetime.now(UTC)
        sent = 0
        claimed = await self._claim(now)
        for number, (invitation, user, company_name) in enumerate(claimed):
            if invitation.used_at or invitation.superseded_at or invitation.expires_at <= now or not user.active:
                await self._settle(invitation.id, mail_sealed=None, mail_error="not sent: the link no longer works")
                continue
            try:
                link_token = unseal(self._token_secret, invitation.mail_sealed)
            except InvalidToken:  # sealed under another token secret: it cannot be sent
                unsendable = "not sent: sealed with another token secret"
                await self._settle(invitation.id, mail_sealed=None, mail_error=unsendable)
                continue
            url = set_password_url(self._mailer.public_url, link_token)
            mail = LinkMail(invitation, user, url, self._mailer.sender)
            try:
                accepted, rejected = await asyncio.to_thread(self._mailer.send, mail, [(user.email, company_name)])
            except MailInterrupted as interrupted:
                attempts = invitation.mail_attempts + 1
                retry_at = now + retry_delay(attempts)
                await self._settle(
                    invitation.id, mail_attempts=attempts, mail_due_at=retry_at, mail_error=interrupted.error
                )
                log.warning("set-password mail to user %s delayed: %s", user.id, interrupted.error)
                # The server is away: the rest of the batch wait for the same retry.
                for waiting, _, _ in claimed[number + 1 :]:
                    await self._settle(waiting.id, mail_due_at=retry_at)
                break
            if accepted:
                await self._settle(invitation.id, mail_sealed=None, mailed_at=datetime.now(UTC), mail_error=None)
                sent += 1
            else:
                error = rejected.get(user.email, "refused")
                await self._settle(invitation.id, mail_sealed=None, mail_error=error)
                log.warning("set-password mail to user %s refused: %s", user.id, error)
        return sent

    async def _claim(self, now: datetime) -> list:
        """The mails due now (at most a batch), each with its user and company name, claimed for CLAIM_LEASE."""
        due = (
            select(models.Invitation.id)
            .where(models.Invitation.mail_sealed.is_not(None), models.Invitation.mail_due_at <= now)
            .order_by(models.Invitation.mail_due_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions.begin() as session:
            claimed = await session.execute(
                update(models.Invitation)
                .where(models.Invitation.id.in_(due.scalar_subquery()))
                .values(mail_due_at=now + CLAIM_LEASE)
                .returning(models.Invitation.id)
            )
            ids = list(claimed.scalars())
        if not ids:
            return []
        async with self._sessions() as session:
            rows = await session.execute(
                select(models.Invitation, models.User, models.Company.name)
                .join(models.User, models.User.id == models.Invitation.user_id)
                .join(models.Company, models.Company.duns == models.User.company_duns)
                .where(models.Invitation.id.in_(ids))
                .order_by(models.Invitation.id)
            )
            return [tuple(row) for row in rows.all()]

    async def _settle(self, invitation_id: int, **outcome) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(models.Invitation).where(models.Invitation.id == invitation_id).values(**outcome)
            )

"""The SMTP connection that delivers FlighTrak's mail (market notices, reminders of waiting tasks), shared by the
services that send it. A mail builder gives each (list, company) its mail: `message(list_email, company)` as an
EmailMessage, and `raw(list_email, company)` as the bytes SMTP sends when the server takes 8bit bodies."""

import smtplib
import ssl
from email.policy import SMTP
from typing import Protocol
from urllib.parse import urlsplit


class MailBuilder(Protocol):
    def message(self, list_email: str, company_name: str): ...

    def raw(self, list_email: str, company_name: str) -> bytes: ...


class MailInterrupted(Exception):
    """The SMTP server stopped answering part-way: `accepted` were taken, the rest are to send again."""

    def __init__(self, accepted: list[str], rejected: dict[str, str], error: str):
        super().__init__(error)
        self.accepted = accepted
        self.rejected = rejected
        self.error = error


class SmtpMailer:
    """Sends mail through the server FLIGHTRAK_SMTP_URL names: smtp://[user:password@]host:port (STARTTLS when
    the server offers it and credentials are given) or smtps://host:port."""

    def __init__(self, url: str, sender: str, public_url: str, timeout: float = 30):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"FLIGHTRAK_SMTP_URL must be smtp://host:port or smtps://host:port, not {url!r}")
        self.url = url
        self.sender = sender
        self.public_url = public_url
        self._parts = parts
        self._host: str = parts.hostname
        self._timeout = timeout

    def connect(self) -> smtplib.SMTP:
        parts = self._parts
        connection: smtplib.SMTP
        if parts.scheme == "smtps":
            connection = smtplib.SMTP_SSL(
                self._host, parts.port or 465, timeout=self._timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(self._host, parts.port or 25, timeout=self._timeout)
            if parts.username:
                connection.ehlo()
                if connection.has_extn("starttls"):
                    connection.starttls(context=ssl.create_default_context())
        if parts.username:
            connection.login(parts.username, parts.password or "")
        return connection

    def send(self, builder: MailBuilder, recipients: list[tuple[str, str]]) -> tuple[list[str], dict[str, str]]:
        """Sends each (list, company) its mail over one connection. Returns the lists accepted and those refused
        for good (5xx); a connection failure or a temporary refusal raises MailInterrupted with what got through."""
        accepted: list[str] = []
        rejected: dict[str, str] = {}
        try:
            connection = self.connect()
            connection.ehlo_or_helo_if_needed()
        except (OSError, smtplib.SMTPException) as error:
            raise MailInterrupted(accepted, rejected, f"cannot reach the SMTP server: {error}") from error
        eight_bit = connection.has_extn("8bitmime")
        options = ["BODY=8BITMIME"] if eight_bit else []
        sender = self.sender_address()
        try:
            for list_email, company in recipients:
                if eight_bit:
                    mail = builder.raw(list_email, company)
                else:
                    mail = builder.message(list_email, company).as_bytes(policy=SMTP)
                try:
                    connection.sendmail(sender, [list_email], mail, options)
                    accepted.append(list_email)
                except smtplib.SMTPRecipientsRefused as refused:
                    code, reason = refused.recipients.get(list_email, (0, b""))
                    if code < 500:
                        raise MailInterrupted(accepted, rejected, f"{code} {reason!r}") from refused
                    rejected[list_email] = f"{code} {reason.decode(errors='replace')}"
                except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as refused:
                    if refused.smtp_code < 500:
                        raise MailInterrupted(accepted, rejected, str(refused)) from refused
                    rejected[list_email] = f"{refused.smtp_code} {_words(refused.smtp_error)}"
        except (OSError, smtplib.SMTPException) as error:
            raise MailInterrupted(accepted, rejected, f"the SMTP server stopped answering: {error}") from error
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
        return accepted, rejected

    def sender_address(self) -> str:
        from email.utils import parseaddr

        return parseaddr(self.sender)[1]


def _words(reply: bytes | str) -> str:
    """An SMTP server's reply text (smtplib passes on the bytes it read)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply

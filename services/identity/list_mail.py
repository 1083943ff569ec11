"""A flow's mail to one distribution list (workflows/list_mail.py): the flow's text, a link to the item, and why
the list receives it. Plain text; flightrak/mail.py sends it."""

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from workflows.list_mail import ListMail


class ListMailMessage:
    def __init__(self, mail: ListMail, sender: str, public_url: str):
        self.mail = mail
        self.sender = sender
        self.public_url = public_url.rstrip("/")
        self._date = format_datetime(datetime.now(UTC))

    def item_url(self) -> str:
        return f"{self.public_url}/items/{self.mail.item_id}"

    def message(self, list_email: str, company_name: str) -> EmailMessage:
        link = f"Open it in FlighTrak: {self.item_url()}\n" if self.mail.item_id else ""
        why = f"You receive this because {list_email} is a distribution list of {company_name} in FlighTrak.\n"
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = list_email
        message["Subject"] = self.mail.subject
        message["Date"] = self._date
        # The same on every retry; short enough that no header line folds.
        digest = hashlib.sha256(f"{self.mail.mail_id} {list_email}".encode()).hexdigest()[:24]
        message["Message-ID"] = f"<{self.mail.item_id}.{digest}@flightrak>"
        message["X-FlighTrak-Mail"] = self.mail.mail_id
        message.set_content(f"{self.mail.text}\n{link}\n--\n{why}")
        return message

    def raw(self, list_email: str, company_name: str) -> bytes:
        return self.message(list_email, company_name).as_bytes(policy=SMTP)

"""A market notice as mail to a distribution list (flightrak/mail.py delivers it).

The plain-text part follows ERCOT's own layout (NOTICE DATE:, NOTICE TYPE: <ID> <type>, ...) with tables in
aligned columns; the HTML part shows the same notice with real tables, every text escaped. Each mail says
where to read and acknowledge the notice and how the list stops receiving notices of that type.
"""

import hashlib
import html
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import format_datetime
from urllib.parse import quote_plus, urlencode

from flightrak import notice_text
from services.registration import notices as rules
from workflows.notices import models as m


@dataclass(frozen=True)
class MailedNotice:
    """What every mail of one notice shares."""

    item_id: int
    notice_id: str
    notice_date: str  # as people read it
    notice_type: str
    short_description: str
    audience_text: str
    days_text: str
    long_description: str
    action_required: str
    additional_information: str
    contact: str


SECTIONS = (
    ("NOTICE DATE", "notice_date"),
    ("NOTICE TYPE", "notice_type"),
    ("SHORT DESCRIPTION", "short_description"),
    ("INTENDED AUDIENCE", "audience_text"),
    ("DAY AFFECTED", "days_text"),
    ("LONG DESCRIPTION", "long_description"),
    ("ACTION REQUIRED", "action_required"),
    ("ADDITIONAL INFORMATION", "additional_information"),
    ("CONTACT", "contact"),
)
REMINDER_LEAD = "your company has not yet acknowledged this notice's action required."
# The template's stand-ins for what differs from one list's mail to the next.
_LIST_TOKEN = "list@flightrak-template.invalid"
_ENCODED_LIST_TOKEN = quote_plus(_LIST_TOKEN).encode()
_COMPANY_TOKEN = "FLIGHTRAK-TEMPLATE-COMPANY"
_DIGEST_TOKEN = "flightraktemplatedigest"
# 8bit bodies may run to SMTP's 998-character lines; an unfolded body lets every mail be one template.
_EIGHT_BIT = SMTP.clone(max_line_length=998)
_LONGEST_LINE = 900  # leaves room for the longest list address and company name
RICH_SECTIONS = frozenset({"long_description", "action_required", "additional_information", "contact"})


class NoticeMail:
    """Builds the mails of one notice: the body once, each list's own footer and headers per mail."""

    def __init__(self, notice: MailedNotice, sender: str, public_url: str, round_: str):
        self.notice = notice
        self.sender = sender
        self.public_url = public_url.rstrip("/")
        self.round = round_
        subject = f"{notice.notice_id} {notice.notice_type}: {notice.short_description}"
        self.subject = f"Acknowledgement due - {subject}" if round_ == m.REMINDER else subject
        self._plain = self._plain_body()
        self._html = self._html_body()
        self._date = format_datetime(datetime.now(UTC))
        self._template: tuple[bytes, bytes] | tuple[()] | None = None

    def _value(self, name: str) -> str:
        value = getattr(self.notice, name)
        if name == "notice_type":
            return f"{self.notice.notice_id} {value}"
        if name == "action_required" and not rules.action_required(value):
            return value or "None"
        return value

    def _plain_body(self) -> str:
        parts = []
        if self.round == m.REMINDER:
            parts.append(f"REMINDER: {REMINDER_LEAD}\n")
        for label, name in SECTIONS:
            value = self._value(name)
            shown = notice_text.to_plain(value) if name in RICH_SECTIONS else value
            parts.append(f"{label}:  {shown}\n")
        return "\n".join(parts)

    def _html_body(self) -> str:
        rows = []
        for label, name in SECTIONS:
            value = self._value(name)
            shown = notice_text.to_html(value) if name in RICH_SECTIONS else html.escape(value)
            rows.append(
                f'<tr><th scope="row" style="text-align:left;vertical-align:top">{label}:</th><td>{shown}</td></tr>'
            )
        lead = ""
        if self.round == m.REMINDER:
            lead = f"<p><strong>Reminder: {REMINDER_LEAD}</strong></p>"
        return f"{lead}<table>\n" + "\n".join(rows) + "\n</table>"

    def notice_url(self) -> str:
        return f"{self.public_url}/notices/{self.notice.item_id}"

    def unsubscribe_url(self, list_email: str) -> str:
        query = urlencode({"list": list_email, "type": self.notice.notice_type})
        return f"{self.public_url}/notices/subscriptions?{query}"

    def message(self, list_email: str, company_name: str, mail_policy=default_policy, cte: str | None = None):
        """One list's mail as an EmailMessage (quoted-printable unless `cte` says otherwise)."""
        unsubscribe = self.unsubscribe_url(list_email)
        why = (
            f"You receive this because {list_email} is a distribution list of {company_name}, "
            f"which this notice addresses ({self.notice.audience_text})."
        )
        how = (
            f"To stop {list_email} receiving {self.notice.notice_type} notices, sign in to FlighTrak as a user of "
            f"{company_name} and open {unsubscribe}"
        )
        footer = f"\n--\nRead and acknowledge this notice in FlighTrak: {self.notice_url()}\n{why}\n{how}\n"
        footer_html = (
            f'<hr><p>Read and acknowledge this notice in FlighTrak: <a href="{html.escape(self.notice_url())}">'
            f"{html.escape(self.notice_url())}</a></p><p>{html.escape(why)}</p>"
            f"<p>To stop {html.escape(list_email)} receiving {html.escape(self.notice.notice_type)} notices, sign in "
            f"to FlighTrak as a user of {html.escape(company_name)} and open "
            f'<a href="{html.escape(unsubscribe)}">{html.escape(unsubscribe)}</a></p>'
        )
        mail = EmailMessage(policy=mail_policy)
        mail["From"] = self.sender
        mail["To"] = list_email
        mail["Subject"] = self.subject
        mail["Date"] = self._date
        digest = _DIGEST_TOKEN if list_email == _LIST_TOKEN else hashlib.sha256(list_email.encode()).hexdigest()[:16]
        mail["Message-ID"] = f"<notice-{self.notice.item_id}-{self.round}-{digest}@flightrak>"
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
        mail["X-FlighTrak-Notice"] = self.notice.notice_id
        mail.set_content(self._plain + footer, cte=cte or None)
        body = f"<!doctype html><html><body>{self._html}{footer_html}</body></html>"
        mail.add_alternative(body, subtype="html", cte=cte or None)
        return mail

    def raw(self, list_email: str, company_name: str) -> bytes:
        """One list's mail as the bytes SMTP sends, from a template rendered once per notice (8bit body): the
        same mail as message() gives, without composing and encoding 12 KB of MIME for each of 1,500 lists."""
        if self._template is None:
            try:
                template = self.message(_LIST_TOKEN, _COMPANY_TOKEN, _EIGHT_BIT, "8bit").as_bytes()
                if max(len(line) for line in template.split(b"\r\n")) > _LONGEST_LINE:
                    raise ValueError("a line longer than SMTP allows")
                cut = template.index(b"Content-Type: text/html")
                self._template = (template[:cut], template[cut:])
            except ValueError:  # a line too long for 8bit: every mail composed on its own
                self._template = ()
        if not self._template:
            return self.message(list_email, company_name).as_bytes(policy=SMTP)
        digest = hashlib.sha256(list_email.encode()).hexdigest()[:16].encode()
        listed, encoded = list_email.encode(), quote_plus(list_email).encode()
        plain, rich = self._template
        plain = plain.replace(_COMPANY_TOKEN.encode(), company_name.encode())
        rich = rich.replace(_COMPANY_TOKEN.encode(), html.escape(company_name).encode())
        rich = rich.replace(_LIST_TOKEN.encode(), html.escape(list_email).encode())
        out = plain + rich
        out = out.replace(_ENCODED_LIST_TOKEN, encoded).replace(_LIST_TOKEN.encode(), listed)
        return out.replace(_DIGEST_TOKEN.encode(), digest)

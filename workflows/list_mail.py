"""Mail to companies' distribution lists, for any flow: the workflow says what to say; the identity service, which
keeps the lists, sends it to each current list of the companies named, saying why the list receives it and linking
the item. Its own task queue, so an SMTP outage holds up only mail."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

MAIL_DISTRIBUTION_LISTS = "identity.mail_distribution_lists"
LIST_MAIL_TASK_QUEUE = "flightrak-list-mail"

# An SMTP outage delays mail and loses none: retried, backing off to once a minute, for up to two days; an outage
# longer than that is for ERCOT's operators to see (workflows/attention.py).
LIST_MAIL_OPTIONS: dict[str, Any] = {
    "task_queue": LIST_MAIL_TASK_QUEUE,
    "start_to_close_timeout": timedelta(minutes=2),
    "schedule_to_close_timeout": timedelta(days=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), backoff_coefficient=2, maximum_interval=timedelta(minutes=1)
    ),
}


@dataclass
class ListMail:
    mail_id: str  # the same on every retry: the mails' Message-ID
    company_duns: list[str]  # each current distribution list of these companies gets the mail
    subject: str
    text: str  # plain text; the identity service adds the link to the item and why the list receives it
    item_id: int = 0  # linked as <FLIGHTRAK_PUBLIC_URL>/items/<item_id>


@dataclass
class ListMailResult:
    accepted: list[str] = field(default_factory=list)  # list addresses the SMTP server took
    rejected: dict[str, str] = field(default_factory=dict)  # refused for good (5xx), with why


def send(attention, mail: ListMail):
    """Sends `mail` as a step of the flow whose `attention` (workflows.attention.Attention) runs its activities: the
    mail's activity starts now, the returned task ends when it is sent (the flow awaits it before it closes)."""
    return attention.start(MAIL_DISTRIBUTION_LISTS, mail, result_type=ListMailResult, **LIST_MAIL_OPTIONS)

"""A reminder of a task waiting on one party, as mail to that party's distribution lists (sent by the identity
service, workflows/list_mail.py). No I/O: the script-issue and sub-flow workflows build it from their state."""

from datetime import datetime

from flightrak.market_time import central_text
from workflows.list_mail import ListMail
from workflows.scripts import models as m
from workflows.scripts.rules import party_name


def companies_reminded(party: str, pairing: m.Pairing) -> list[str]:
    """Whose lists a reminder to `party` goes to: a CR's task reaches the CR and the Service Provider it chose
    (either may do it), a TDSP's the TDSP, ERCOT's ERCOT."""
    if party in (m.CR, m.SP):
        duns = [pairing.cr_duns, pairing.sp_duns]
    elif party == m.TDSP:
        duns = [pairing.tdsp_duns]
    else:
        duns = [pairing.ercot_duns] if party == m.ERCOT else []
    return [d for d in duns if d]


def reminder_mail(
    mail_id: str,
    item_id: int,
    item_type: str,
    title: str,
    pairing: m.Pairing,
    party: str,
    state: str,
    instructions: str,
    hours: float,
    since: datetime,
    script_issue: str = "",
) -> ListMail:
    """`title` is the item's; `script_issue` names a sub-flow's script issue."""
    who = party_name(party, pairing)
    party_shown = who if who == party else f"{who} ({party})"
    lines = [
        f"{item_type} {item_id} has waited on {party_shown} for {hours:g} business hours.",
        "",
        f"{item_type}: {item_id} {title}",
        *([f"Script issue: {script_issue}"] if script_issue else []),
        f"Flight: {pairing.flight}",
        f"Pairing: {pairing.cr_name} (CR) / {pairing.tdsp_name} (TDSP)",
        f"Current state: {state}",
        f"Responsible party: {party_shown}",
        f"Waiting since: {central_text(since)} ({hours:g} business hours, 08:00-17:00 Central on retail business days)",
        f"Instructions: {instructions}",
    ]
    return ListMail(
        mail_id=mail_id,
        company_duns=companies_reminded(party, pairing),
        subject=f"Reminder: {item_type} {item_id} waits on {who} - {title}",
        text="\n".join(lines) + "\n",
        item_id=item_id,
    )

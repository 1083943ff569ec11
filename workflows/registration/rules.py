"""Which registration actions a person may take now: one rule for the workflow's validators and the buttons."""

from datetime import datetime

from flightrak import authz
from flightrak.tokens import Principal
from workflows.flight.models import TESTING_STATES
from workflows.items import Refusal, conflict, deadline_words, forbidden, invalid
from workflows.registration import models as m

STATES_BY_ACTION = {
    m.OK: ("",),
    m.MODIFY: (m.PENDING_SUBMITTAL,),
    m.SUBMIT: (m.PENDING_SUBMITTAL,),
    m.WITHDRAW: (m.PENDING_SUBMITTAL,),
    m.RETURN_TO_CR: (m.REGISTRATION_REVIEW,),
    m.APPROVE: (m.REGISTRATION_REVIEW,),
    m.CANCEL: (m.REGISTRATION_REVIEW, m.PENDING_SCRIPT_ASSIGNMENT),
}
CR_ACTIONS = frozenset({m.OK, m.MODIFY, m.SUBMIT, m.WITHDRAW, m.CANCEL})


def refusal(
    action: str,
    state: str,
    actor: Principal,
    cr_duns: str,
    flight: m.FlightContext,
    now: datetime,
    comment: str = "",
) -> Refusal | None:
    """Why `action` is not possible, or None when it is."""
    if action not in STATES_BY_ACTION:
        return invalid("action", f"'{action}' is not a registration action")
    if action in CR_ACTIONS and not authz.may_register(actor, cr_duns):
        return forbidden("only the CR's AR or BAR may register for, change or withdraw from a flight")
    if action not in CR_ACTIONS and not authz.may_review_registrations(actor):
        return forbidden("only ERCOT reviews registrations")
    if state not in STATES_BY_ACTION[action]:
        return conflict(f"{m.LABELS[action]} is not possible in state {state or 'New'}")
    closes_at = datetime.fromisoformat(flight.registration_closes_at)
    if action in (m.OK, m.SUBMIT) and now >= closes_at:
        return conflict(f"registration for this flight closed at the signup deadline, {deadline_words(closes_at)}")
    if action in (m.WITHDRAW, m.CANCEL) and flight.state in TESTING_STATES:
        return conflict(f"the flight is in {flight.state}: a registration can be cancelled only before testing")
    if action == m.RETURN_TO_CR and not comment.strip():
        return invalid("comment", "Return to CR needs a comment telling the CR what to change")
    return None


def actions_for(
    state: str, actor: Principal, cr_duns: str, flight: m.FlightContext, now: datetime
) -> list[dict]:
    """The buttons: a comment-requiring action is offered, and refused only if the comment is missing."""
    offered = []
    for action in (m.MODIFY, m.SUBMIT, m.WITHDRAW, m.RETURN_TO_CR, m.APPROVE, m.CANCEL):
        if refusal(action, state, actor, cr_duns, flight, now, comment="-") is None:
            offered.append(
                {
                    "name": action,
                    "label": m.LABELS[action],
                    "requires_comment": action == m.RETURN_TO_CR,
                    "fields": list(m.FORM_FIELDS) if action == m.MODIFY else [],
                }
            )
    return offered

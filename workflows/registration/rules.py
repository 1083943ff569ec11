"""A CR's registration for a flight, as one table: Pending Submittal -> Registration Review (ERCOT) -> Pending Script
Assignment, with Modify, Return to CR, Withdraw and Cancel. The workflow, the buttons and the docs' diagram read it."""

from dataclasses import dataclass
from datetime import datetime

from flightrak import authz
from flightrak.tokens import Principal
from workflows import owners
from workflows.flight.models import TESTING_STATES
from workflows.items import Refusal, conflict, deadline_words
from workflows.registration import models as m
from workflows.table import NEW, Flow, Party, State


@dataclass(frozen=True)
class Registration:
    """What the rules read: whose registration it is, and the flight as the flight's workflow last said."""

    cr_duns: str
    flight: m.FlightContext


def _cr_registers(principal: Principal, registration: Registration) -> bool:
    return authz.may_register(principal, registration.cr_duns)


def _ercot_reviews(principal: Principal, registration: Registration) -> bool:
    return authz.may_review_registrations(principal)


CR_ONLY = "only the CR's AR or BAR may register for, change or withdraw from a flight"
ERCOT_ONLY = "only ERCOT reviews registrations"
_cr = Party[Registration](_cr_registers, CR_ONLY)
_ercot = Party[Registration](_ercot_reviews, ERCOT_ONLY)


def _flight_allows(action: str, registration: Registration, now: datetime) -> Refusal | None:
    """Registration closes at the flight's signup deadline; a CR leaves a flight only before its testing starts."""
    closes_at = datetime.fromisoformat(registration.flight.registration_closes_at)
    if action in (m.OK, m.SUBMIT) and now >= closes_at:
        return conflict(f"registration for this flight closed at the signup deadline, {deadline_words(closes_at)}")
    if action in (m.WITHDRAW, m.CANCEL) and registration.flight.state in TESTING_STATES:
        return conflict(
            f"the flight is in {registration.flight.state}: a registration can be cancelled only before testing"
        )
    return None


FLOW = Flow[Registration](
    item_type=m.ITEM_TYPE,
    item_word="registration",
    owner=owners.REGISTRATION,
    states={
        m.PENDING_SUBMITTAL: State(
            "CR", "Verify the registration, then Submit it to ERCOT (or Modify or Withdraw it)."
        ),
        m.REGISTRATION_REVIEW: State(
            "ERCOT", "ERCOT reviews the registration: Approve it, or Return to CR with a comment."
        ),
        m.PENDING_SCRIPT_ASSIGNMENT: State(
            "ERCOT", "Approved. ERCOT assigns the test scripts; the CR provides its testing specifications."
        ),
        m.CANCELLED: State("", "The registration was cancelled; the CR is not in this flight.", closed=True),
    },
    actions={
        m.OK: _cr("OK", (NEW,), m.PENDING_SUBMITTAL, fields=m.FORM_FIELDS, button=False),
        m.MODIFY: _cr("Modify", (m.PENDING_SUBMITTAL,), m.PENDING_SUBMITTAL, fields=m.FORM_FIELDS),
        m.SUBMIT: _cr("Submit", (m.PENDING_SUBMITTAL,), m.REGISTRATION_REVIEW),
        m.WITHDRAW: _cr("Withdraw", (m.PENDING_SUBMITTAL,), m.CANCELLED),
        m.RETURN_TO_CR: _ercot(
            "Return to CR",
            (m.REGISTRATION_REVIEW,),
            m.PENDING_SUBMITTAL,
            needs_comment="Return to CR needs a comment telling the CR what to change",
        ),
        m.APPROVE: _ercot("Approve", (m.REGISTRATION_REVIEW,), m.PENDING_SCRIPT_ASSIGNMENT),
        m.CANCEL: _cr("Cancel", (m.REGISTRATION_REVIEW, m.PENDING_SCRIPT_ASSIGNMENT), m.CANCELLED),
    },
    guard=_flight_allows,
)

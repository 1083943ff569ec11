"""A flight, as one table: Open for Registration until its signup deadline (the flight's own timer closes it), then
ERCOT opens connectivity testing, business testing, and completes it. The workflow, the buttons and the docs' diagram
read it."""

from dataclasses import dataclass
from datetime import datetime

from flightrak import authz
from flightrak.tokens import Principal
from workflows import owners
from workflows.flight import models as m
from workflows.items import Refusal, conflict
from workflows.table import NEW, Flow, Party, State, by_system


@dataclass(frozen=True)
class Flight:
    """What the rules read: when registration closes."""

    registration_closes_at: datetime


def _ercot_admin(principal: Principal, flight: Flight) -> bool:
    return authz.may_run_flights(principal)


_ercot = Party[Flight](_ercot_admin, "only an ERCOT admin runs flights")


def _dates_still_open(action: str, flight: Flight, now: datetime) -> Refusal | None:
    if action == m.CHANGE_DATES and now >= flight.registration_closes_at:
        closes_at = flight.registration_closes_at.isoformat()
        return conflict(f"the signup deadline has passed ({closes_at}); the flight's dates are fixed")
    return None


FLOW = Flow[Flight](
    item_type=m.ITEM_TYPE,
    item_word="flight",
    owner=owners.REGISTRATION,
    states={
        m.OPEN: State(
            "ERCOT", "Open for registration: an AR or BAR of a CR registers from this flight until the signup deadline."
        ),
        m.CLOSED: State(
            "ERCOT", "Registration is closed. ERCOT opens connectivity testing once every TDSP test bed is approved."
        ),
        m.CONNECTIVITY_TESTING: State("ERCOT", "Connectivity testing is under way."),
        m.BUSINESS_TESTING: State("ERCOT", "Business testing is under way."),
        m.COMPLETE: State("", "The flight is complete.", closed=True),
    },
    actions={
        m.CREATE: _ercot("Create Flight", NEW, m.OPEN, fields=m.DATE_FIELDS, button=False),
        m.CHANGE_DATES: _ercot("Change Dates", m.OPEN, m.OPEN, fields=m.DATE_FIELDS),
        # Taken by the flight's own timer at the signup deadline, never by a person.
        m.CLOSE_REGISTRATION: by_system(
            "Registration Closed", (m.OPEN,), m.CLOSED, "the signup deadline closes registration"
        ),
        m.OPEN_CONNECTIVITY_TESTING: _ercot("Open Connectivity Testing", m.CLOSED, m.CONNECTIVITY_TESTING),
        m.OPEN_BUSINESS_TESTING: _ercot("Open Business Testing", m.CONNECTIVITY_TESTING, m.BUSINESS_TESTING),
        m.COMPLETE_FLIGHT: _ercot("Complete Flight", m.BUSINESS_TESTING, m.COMPLETE),
    },
    guard=_dates_still_open,
)


def test_beds_refusal(readiness: m.TestBedsMissing) -> Refusal | None:
    """Connectivity testing opens once ERCOT has approved the test bed of every TDSP in the flight."""
    if readiness.tdsps == 0:
        return conflict(
            "no TDSP is paired in this flight yet: connectivity testing opens once registrations are approved"
        )
    if readiness.missing:
        waiting = ", ".join(readiness.missing)
        return conflict(
            f"connectivity testing opens once ERCOT has approved every TDSP's test bed; still waiting for {waiting}"
        )
    return None


def pack_refusal(pack_version: int) -> Refusal | None:
    """Connectivity testing opens the pack's script issues: a pack must be published first."""
    if pack_version == 0:
        return conflict("publish the flight's script pack first: connectivity testing opens its script issues")
    return None

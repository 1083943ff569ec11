"""Which flight actions a person may take now: one rule for the workflow's validators and the buttons."""

from datetime import datetime

from flightrak import authz
from flightrak.tokens import Principal
from workflows.flight import models as m
from workflows.items import Refusal, conflict, forbidden, invalid


def refusal(action: str, state: str, actor: Principal, closes_at: datetime, now: datetime) -> Refusal | None:
    """Why `action` is not possible, or None when it is."""
    if not authz.may_run_flights(actor):
        return forbidden("only an ERCOT admin runs flights")
    if action == m.CHANGE_DATES:
        if state != m.OPEN or now >= closes_at:
            return conflict(f"the signup deadline has passed ({closes_at.isoformat()}); the flight's dates are fixed")
        return None
    if action not in m.PHASES:
        return invalid("action", f"'{action}' is not a flight action")
    start, _, label = m.PHASES[action]
    if state != start:
        return conflict(f"{label} is possible only in state {start}; the flight is {state}")
    return None


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


def actions_for(state: str, actor: Principal, closes_at: datetime, now: datetime) -> list[dict]:
    offered = []
    if refusal(m.CHANGE_DATES, state, actor, closes_at, now) is None:
        offered.append({"name": m.CHANGE_DATES, "label": "Change Dates", "fields": list(m.DATE_FIELDS)})
    for action, (_, _, label) in m.PHASES.items():
        if refusal(action, state, actor, closes_at, now) is None:
            offered.append({"name": action, "label": label})
    return offered

"""Which notice actions a person may take now: one rule for the workflow's validators and the buttons."""

from flightrak import roles
from flightrak.tokens import Principal
from workflows.items import Refusal, conflict, forbidden, invalid
from workflows.notices import models as m

STATES_BY_ACTION = {
    m.SAVE: ("",),
    m.EDIT: (m.DRAFT,),
    m.PUBLISH: (m.DRAFT,),
    m.DISCARD: (m.DRAFT,),
    m.ACKNOWLEDGE: (m.PUBLISHED,),
    m.REISSUE: (m.PUBLISHED,),
}
ERCOT_ACTIONS = frozenset({m.SAVE, m.EDIT, m.PUBLISH, m.DISCARD, m.REISSUE})


def may_write_notices(actor: Principal) -> bool:
    """ERCOT's staff write, publish and reissue market notices."""
    return actor.is_ercot


def may_acknowledge(actor: Principal, company_duns: str) -> bool:
    """A company acknowledges a notice through its Authorized Representative or Backup."""
    return actor.duns == company_duns and (actor.has(roles.AR) or actor.has(roles.BAR))


def refusal(
    action: str,
    state: str,
    actor: Principal,
    addressed: frozenset[str] = frozenset(),
    acknowledged: frozenset[str] = frozenset(),
    action_required: bool = False,
) -> Refusal | None:
    """Why `action` is not possible, or None when it is."""
    if action not in STATES_BY_ACTION:
        return invalid("action", f"'{action}' is not a market notice action")
    if action in ERCOT_ACTIONS and not may_write_notices(actor):
        return forbidden("only ERCOT writes, publishes and reissues market notices")
    if state not in STATES_BY_ACTION[action]:
        if state == m.PUBLISHED and action in (m.EDIT, m.DISCARD):
            return conflict("a published notice is never edited: Reissue it instead")
        return conflict(f"{m.LABELS[action]} is not possible in state {state or 'New'}")
    if action == m.ACKNOWLEDGE:
        if not action_required:
            return conflict("this notice requires no action, so there is nothing to acknowledge")
        if actor.duns not in addressed:
            return forbidden("this notice is not addressed to your company")
        if not may_acknowledge(actor, actor.duns):
            return forbidden("only your company's AR or BAR acknowledges a market notice")
        if actor.duns in acknowledged:
            return conflict("your company has already acknowledged this notice")
    return None


def actions_for(
    state: str,
    actor: Principal,
    addressed: frozenset[str] = frozenset(),
    acknowledged: frozenset[str] = frozenset(),
    action_required: bool = False,
) -> list[dict]:
    """The buttons the caller may press now."""
    offered = []
    for action in (m.EDIT, m.PUBLISH, m.DISCARD, m.ACKNOWLEDGE, m.REISSUE):
        if refusal(action, state, actor, addressed, acknowledged, action_required) is None:
            offered.append(
                {
                    "name": action,
                    "label": m.LABELS[action],
                    "requires_comment": False,
                    "fields": list(m.FORM_FIELDS) if action == m.EDIT else [],
                }
            )
    return offered

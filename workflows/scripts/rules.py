"""Who may do what on a script issue and a P2P sub-flow, now: one rule for the workflows' validators and the
pages' buttons."""

from dataclasses import dataclass

from flightrak import authz
from flightrak.tokens import Principal
from workflows.items import Refusal, conflict, forbidden, invalid
from workflows.scripts import models as m


def parties_of(actor: Principal, pairing: m.Pairing) -> frozenset[str]:
    """The parties of this pairing the actor may act as. The SP a CR selected acts for that CR."""
    parties = set()
    if actor.is_ercot:
        parties.add(m.ERCOT)
    if authz.acts_for_cr(actor, pairing.cr_duns, pairing.sp_duns):
        parties.add(m.CR)
        parties.add(m.SP)
    if actor.duns == pairing.tdsp_duns:
        parties.add(m.TDSP)
    return frozenset(parties)


def party_name(party: str, pairing: m.Pairing) -> str:
    return {m.CR: pairing.cr_name, m.SP: pairing.cr_name, m.TDSP: pairing.tdsp_name}.get(party, party)


def partner_of(party: str) -> str:
    return m.TDSP if party in (m.CR, m.SP) else m.CR


@dataclass
class Situation:
    """Where a script issue is: its state; the party it waits on; the step's button label when the step ends
    by one; and who escalated it, when it is escalated."""

    state: str
    responsible: str
    step_action: str = ""
    escalated_by: str = ""  # CR or TDSP


def script_refusal(
    action: str, where: Situation, actor: Principal, pairing: m.Pairing, comment: str = ""
) -> Refusal | None:
    """Why `action` is not possible on a script issue now, or None when it is."""
    parties = parties_of(actor, pairing)
    if not parties:
        return forbidden("only the CR, its Service Provider, the TDSP of this pairing and ERCOT work this script")
    if where.state in m.CLOSED_STATES:
        return conflict(f"the script is {where.state}; nothing more can be done on it")
    escalated = where.state in (m.ESCALATED_TO_ERCOT, m.ESCALATED_TO_PARTNER)
    if action == m.BEGIN_WORKING:
        if where.state != m.READY_TO_BEGIN:
            return conflict(f"the script has begun already; it is {where.state}")
        if where.responsible not in parties:
            return forbidden(f"the {where.responsible} begins this script")
    elif action == m.STEP_ACTION:
        if escalated or where.state == m.READY_TO_BEGIN or not where.step_action:
            return conflict(f"the script is {where.state}: there is no step to complete now")
        if where.responsible not in parties:
            return forbidden(f"this step is the {where.responsible}'s to complete")
    elif action in (m.ESCALATE_TO_ERCOT, m.ESCALATE_TO_PARTNER):
        if escalated:
            return conflict(f"the script is {where.state} already")
        if not parties & {m.CR, m.TDSP}:
            return forbidden("only the CR (or its Service Provider) and the TDSP escalate a script")
    elif action == m.RESOLVE:
        if where.state == m.ESCALATED_TO_ERCOT and m.ERCOT not in parties:
            return forbidden("ERCOT resolves an escalation to ERCOT")
        if where.state == m.ESCALATED_TO_PARTNER and partner_of(where.escalated_by) not in parties:
            return forbidden(f"the {partner_of(where.escalated_by)} resolves this escalation")
        if not escalated:
            return conflict("the script is not escalated")
    elif action == m.MARK_FAILED:
        if m.ERCOT not in parties:
            return forbidden("only ERCOT marks a script failed")
    else:
        return invalid("action", f"'{action}' is not an action of a script issue")
    if action in m.NEEDS_COMMENT and not comment.strip():
        return invalid("comment", f"{m.LABELS[action]} needs a comment")
    return None


ONLY_ERCOT_ATTACHES = forbidden("only ERCOT attaches a transaction to a script issue by hand")
ATTACH_NEEDS_COMMENT = invalid(
    "comment", "attaching a transaction by hand needs a comment: why ERCOT counts it for this step"
)


def attach_refusal(
    where: Situation, expects_type: str, expects: str, actor: Principal, transaction_type: str, comment: str
) -> Refusal | None:
    """Why ERCOT may not attach a transaction of `transaction_type` to a script issue now, or None when it may.
    `expects_type` and `expects` (in words) are what the current step waits for ("" when it waits for no
    transaction). The type must be the step's: ERCOT's judgement overrides the parties and the premise, not
    what the step is for."""
    if not actor.is_ercot:
        return ONLY_ERCOT_ATTACHES
    if not comment.strip():
        return ATTACH_NEEDS_COMMENT
    if where.state in m.CLOSED_STATES:
        return conflict(f"the script is {where.state}; nothing more can be done on it")
    if where.state in (m.ESCALATED_TO_ERCOT, m.ESCALATED_TO_PARTNER):
        waits = "the escalation to be resolved"
        return conflict(f"the script is {where.state}: it waits for {waits}, not for a transaction")
    if where.state == m.READY_TO_BEGIN:
        begins = f"the {where.responsible} to click Begin Working"
        return conflict(f"the script is {where.state}: it waits for {begins}, not for a transaction")
    if not expects_type:
        if where.step_action:
            waits = f"the {where.responsible} to click {where.step_action}"
        else:
            waits = "its P2P sub-flow to be completed"
        return conflict(f"its step ({where.state}) waits for {waits}, not for a transaction")
    if transaction_type != expects_type:
        return conflict(f"its step ({where.state}) waits for a {expects}; this transaction is a {transaction_type}")
    return None


def script_actions(where: Situation, actor: Principal, pairing: m.Pairing) -> list[dict]:
    """The buttons of a script issue for this person now."""
    offered = []
    for action in (
        m.BEGIN_WORKING,
        m.STEP_ACTION,
        m.ESCALATE_TO_ERCOT,
        m.ESCALATE_TO_PARTNER,
        m.RESOLVE,
        m.MARK_FAILED,
    ):
        if script_refusal(action, where, actor, pairing, comment="-") is None:
            label = where.step_action if action == m.STEP_ACTION else m.LABELS[action]
            offered.append({"name": action, "label": label, "requires_comment": action in m.NEEDS_COMMENT})
    return offered


# P2P sub-flows: the submitter works and completes; the receiver completes or escalates back.
P2P_STATES_BY_ACTION = {
    m.TASK_COMPLETE: (m.SUBMITTER_WORKING, m.RECEIVER_IN_REVIEW),
    m.ESCALATE_TO_SUBMITTER: (m.RECEIVER_IN_REVIEW,),
    m.RETURN_TO_RECEIVER: (m.ESCALATED_TO_SUBMITTER,),
}


def p2p_responsible(state: str, spec: m.P2PSpec) -> str:
    if state in (m.SUBMITTER_WORKING, m.ESCALATED_TO_SUBMITTER):
        return spec.submitter
    if state == m.RECEIVER_IN_REVIEW:
        return spec.receiver
    return ""


def p2p_refusal(
    action: str, state: str, spec: m.P2PSpec, actor: Principal, pairing: m.Pairing, comment: str = ""
) -> Refusal | None:
    if action not in P2P_STATES_BY_ACTION:
        return invalid("action", f"'{action}' is not an action of a P2P sub-flow")
    if state in m.P2P_CLOSED_STATES:
        return conflict(f"the sub-flow is {state}; nothing more can be done on it")
    if state not in P2P_STATES_BY_ACTION[action]:
        return conflict(f"{m.LABELS[action]} is not possible in state {state}")
    responsible = p2p_responsible(state, spec)
    if responsible not in parties_of(actor, pairing):
        return forbidden(f"this step is the {responsible}'s ({party_name(responsible, pairing)})")
    if action in m.NEEDS_COMMENT and not comment.strip():
        return invalid("comment", f"{m.LABELS[action]} needs a comment")
    return None


def p2p_actions(state: str, spec: m.P2PSpec, actor: Principal, pairing: m.Pairing) -> list[dict]:
    return [
        {"name": action, "label": m.LABELS[action], "requires_comment": action in m.NEEDS_COMMENT}
        for action in P2P_STATES_BY_ACTION
        if p2p_refusal(action, state, spec, actor, pairing, comment="-") is None
    ]

"""Which actions on a Request for Testing Specifications a person may take now: one rule for the
workflow's validators and the buttons."""

from flightrak import authz
from flightrak.tokens import Principal
from workflows.items import Refusal, conflict, forbidden, invalid
from workflows.specifications import models as m

STATES_BY_ACTION = {
    (m.CR, m.PROVIDE): (m.PENDING_SPECIFICATIONS,),
    (m.CR, m.APPROVE): (m.ERCOT_REVIEW,),
    (m.CR, m.REJECT): (m.ERCOT_REVIEW,),
    (m.TDSP, m.PROVIDE): (m.PENDING_SPECIFICATIONS, m.TEST_BED_LOADING),
    (m.TDSP, m.ATTACH_TEST_BED): (m.TEST_BED_LOADING,),
    (m.TDSP, m.SUBMIT_TEST_BED): (m.TEST_BED_LOADING,),
    (m.TDSP, m.APPROVE): (m.TEST_BED_REVIEW,),
    (m.TDSP, m.REJECT): (m.TEST_BED_REVIEW,),
}
ERCOT_ACTIONS = frozenset({m.APPROVE, m.REJECT})


def may_work(actor: Principal, company_duns: str, service_provider_duns: str) -> bool:
    """Any active user of the company, or of the Service Provider a CR selected."""
    return authz.acts_for_cr(actor, company_duns, service_provider_duns)


def refusal(
    action: str,
    kind: str,
    state: str,
    actor: Principal,
    company_duns: str,
    service_provider_duns: str,
    fields: dict[str, str],
    comment: str = "",
) -> Refusal | None:
    """Why `action` is not possible, or None when it is."""
    if (kind, action) not in STATES_BY_ACTION:
        return invalid("action", f"'{action}' is not an action of a {kind} request for testing specifications")
    if action in ERCOT_ACTIONS:
        if not actor.is_ercot:
            return forbidden("only ERCOT approves or rejects testing specifications")
    elif not may_work(actor, company_duns, service_provider_duns):
        who = "the CR or its Service Provider" if kind == m.CR else "the TDSP"
        return forbidden(f"only {who} may work this request")
    if state not in STATES_BY_ACTION[(kind, action)]:
        return conflict(f"{m.LABELS[action]} is not possible in state {state}")
    if action == m.REJECT and not comment.strip():
        return invalid("comment", "Reject needs a comment telling them what to fix")
    if action == m.SUBMIT_TEST_BED and not fields.get("test_bed_rows"):
        return conflict("attach a valid test bed (Attach and Validate) before submitting it")
    return None


def actions_for(
    kind: str,
    state: str,
    actor: Principal,
    company_duns: str,
    service_provider_duns: str,
    fields: dict[str, str],
    provide_fields: tuple[str, ...] = (),
) -> list[dict]:
    """The buttons; `provide_fields` are the specification fields the Provide/Review form asks for.
    Attach and Validate is offered as an upload (POST /api/v1/items/{id}/attachments), not a button."""
    offered = []
    for (flow, action), _ in STATES_BY_ACTION.items():
        if flow != kind:
            continue
        if refusal(action, kind, state, actor, company_duns, service_provider_duns, fields, comment="-") is None:
            offered.append(
                {
                    "name": action,
                    "label": m.LABELS[action],
                    "requires_comment": action == m.REJECT,
                    "fields": list(provide_fields) if action == m.PROVIDE else [],
                }
            )
    return offered

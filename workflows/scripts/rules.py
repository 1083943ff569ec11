"""A script issue and its P2P sub-flow, each as one table (workflows.table.Flow): the workflows' validators, the
items' buttons and the docs' diagrams read them.

A script issue's states come from its pack: each step is a state whose responsible party is the step's sender and
whose instructions are the step's. The table knows them by kind, as one row, "A step of the script" (`kind_of`);
the workflow fills in the step's sender and instructions (and who begins, who answers an escalation) at run time.
What depends on the step itself (does it end by a button, or wait for a transaction?) is the table's guard."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flightrak import authz
from flightrak.tokens import Principal
from workflows import owners
from workflows.items import Refusal, conflict
from workflows.scripts import models as m
from workflows.scripts import vocabulary as words
from workflows.table import Action, Flow, Offer, State

STEP = "A step of the script"  # the table's row for every state a pack's step names
ESCALATED = (m.ESCALATED_TO_ERCOT, m.ESCALATED_TO_PARTNER)
OPEN = (m.READY_TO_BEGIN, STEP, *ESCALATED)
# Who answers in a state the table cannot name a party for: the workflow names it at run time.
BEGINS = "the party the script names to begin it"
SENDER = "the step's sender"
PARTNER = "the testing partner of the party that escalated"
SUBMITTER, RECEIVER = "the sub-flow's submitter", "the sub-flow's receiver"


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


def kind_of(state: str) -> str:
    """The table's row for a script issue's state: its own states by name, any other is a step of its pack (a
    pack may not name a step like one of the issue's own states)."""
    return state if state in words.OWN_STATES else STEP


@dataclass(frozen=True)
class Script:
    """What the table's rules read of a script issue now: its pairing, its state and the party it waits on, and
    how its current step ends: by a button (`step_action`, its label) or a transaction (`expects`, in words)."""

    pairing: m.Pairing
    state: str
    responsible: str
    step_action: str = ""
    expects: str = ""
    expects_type: str = ""

    @property
    def kind(self) -> str:
        return kind_of(self.state)


def script_facts(pairing: m.Pairing, state: str, responsible: str, fields: dict[str, str]) -> Script:
    """From what the item shows: the workflow reads its own, a service the item's projection."""
    return Script(
        pairing,
        state,
        responsible,
        fields.get("step_action", ""),
        fields.get("expects", ""),
        fields.get("expects_type", ""),
    )


def _waited_on_in(*kinds: str) -> Callable[[Principal, Script], bool]:
    """In these states, the party the script waits on; in any other, any party of the pairing (the state then
    refuses the action)."""

    def may_take(principal: Principal, script: Script) -> bool:
        parties = parties_of(principal, script.pairing)
        return script.responsible in parties if script.kind in kinds else bool(parties)

    return may_take


def _cr_or_tdsp(principal: Principal, script: Script) -> bool:
    return bool(parties_of(principal, script.pairing) & {m.CR, m.TDSP})


def _ercot(principal: Principal, script: Script) -> bool:
    return principal.is_ercot


def _the_tool(principal: Principal, facts: object) -> bool:
    return False


def _by_the_tool(label: str, starts_from: tuple[str, ...], leads_to: str, why: str) -> Action[Any]:  # either flow's
    return Action(label, starts_from, leads_to, _the_tool, why, button=False)


def _escalate(label: str, leads_to: str) -> Action[Script]:
    why = "only the CR (or its Service Provider) and the TDSP of this pairing escalate a script"
    needs = f"{label} needs a comment: what is wrong"
    return Action(label, (m.READY_TO_BEGIN, STEP), leads_to, _cr_or_tdsp, why, needs_comment=needs)


def _what_the_step_ends_by(action: str, script: Script, now: datetime) -> Refusal | None:
    """The step's own button only on a step that ends by one; a transaction by hand only to a step that waits for
    one."""
    if action == m.STEP_ACTION and not script.step_action:
        waits = f"a {script.expects}" if script.expects else "its P2P sub-flow to be completed"
        return conflict(f"its step ({script.state}) waits for {waits}, not for a button")
    if action == m.ATTACH_TRANSACTION and not script.expects:
        if script.step_action:
            waits = f"the {script.responsible} to click {script.step_action}"
        else:
            waits = "its P2P sub-flow to be completed"
        return conflict(f"its step ({script.state}) waits for {waits}, not for a transaction")
    return None


def wrong_transaction(script: Script, transaction_type: str) -> Refusal | None:
    """ERCOT's judgement overrides the parties and the premise of a transaction it attaches, not what the step is
    for."""
    if transaction_type != script.expects_type:
        waits = f"its step ({script.state}) waits for a {script.expects}"
        return conflict(f"{waits}; this transaction is a {transaction_type}")
    return None


FLOW = Flow[Script](
    item_type=m.SCRIPT_ISSUE,
    item_word="script",
    owner=owners.SCRIPTS,
    states={
        m.READY_TO_BEGIN: State(BEGINS, "The {party} clicks Begin Working to start this script."),
        STEP: State(SENDER, "The step's instructions, from the pack."),
        m.ESCALATED_TO_ERCOT: State(
            m.ERCOT, "ERCOT answers the escalation (see the comments): Resolve Escalation, or Mark Failed."
        ),
        m.ESCALATED_TO_PARTNER: State(
            PARTNER, "The {party} answers the escalation (see the comments), then Resolve Escalation."
        ),
        m.SCRIPT_PASSED: State("", "The script passed.", closed=True),
        m.SCRIPT_FAILED: State("", "ERCOT marked the script failed (see the comments).", closed=True),
        m.NOT_COMPLETED: State("", "The flight ended before the script passed.", closed=True),
    },
    actions={
        m.BEGIN_WORKING: Action(
            words.BEGIN_WORKING_LABEL,
            (m.READY_TO_BEGIN,),
            STEP,
            _waited_on_in(m.READY_TO_BEGIN),
            "the {responsible} begins this script",
        ),
        # Its label is the step's, from the pack; the next step, or Script Passed after the last.
        m.STEP_ACTION: Action(
            "The Step's Action", (STEP,), STEP, _waited_on_in(STEP), "this step is the {responsible}'s to complete"
        ),
        m.ESCALATE_TO_ERCOT: _escalate(words.ESCALATE_TO_ERCOT_LABEL, m.ESCALATED_TO_ERCOT),
        m.ESCALATE_TO_PARTNER: _escalate(words.ESCALATE_TO_PARTNER_LABEL, m.ESCALATED_TO_PARTNER),
        # Back where it was escalated from: its step, or Ready to Begin.
        m.RESOLVE: Action(
            words.RESOLVE_LABEL,
            ESCALATED,
            STEP,
            _waited_on_in(*ESCALATED),
            "only the party it was escalated to ({responsible}) resolves it",
            needs_comment=f"{words.RESOLVE_LABEL} needs a comment: how it was resolved",
        ),
        m.MARK_FAILED: Action(
            words.MARK_FAILED_LABEL,
            OPEN,
            m.SCRIPT_FAILED,
            _ercot,
            "only ERCOT marks a script failed",
            needs_comment=f"{words.MARK_FAILED_LABEL} needs a comment: why the script failed",
        ),
        # ERCOT gives a transaction that matched nothing to the step waiting for one (offered on the Unmatched
        # Transactions report, not on the item).
        m.ATTACH_TRANSACTION: Action(
            "Transaction Attached",
            (STEP,),
            STEP,
            _ercot,
            "only ERCOT attaches a transaction to a script issue by hand",
            needs_comment="attaching a transaction by hand needs a comment: why ERCOT counts it for this step",
            button=False,
        ),
        m.STEP_DONE: _by_the_tool(
            "Step Done", (STEP,), STEP, "a step ends by itself when its transaction arrives or its sub-flow completes"
        ),
        m.LAST_STEP_DONE: _by_the_tool(
            "Last Step Done", (STEP,), m.SCRIPT_PASSED, "the script passes when its last step ends"
        ),
        m.SUB_FLOW_ENDED: _by_the_tool(
            "Escalated by FlighTrak",
            (STEP,),
            m.ESCALATED_TO_ERCOT,
            "a sub-flow that ends without being completed escalates its script to ERCOT",
        ),
        m.FLIGHT_ENDED: _by_the_tool(
            "Flight Ended", OPEN, m.NOT_COMPLETED, "the flight's end closes an unfinished script"
        ),
    },
    guard=_what_the_step_ends_by,
    kind_of=kind_of,
)


def buttons(script: Script, principal: Principal, now: datetime) -> list[Offer]:
    """The script issue's buttons for this person now; the step's own one is labelled as the pack says."""
    offered = FLOW.offered(script.state, principal, script, now)
    for offer in offered:
        if offer["name"] == m.STEP_ACTION:
            offer["label"] = script.step_action
    return offered


# A P2P sub-flow: the submitter works and completes; the receiver completes or escalates back.


@dataclass(frozen=True)
class SubFlow:
    """What a sub-flow's rules read: its pairing and the party it waits on (and that party's company)."""

    pairing: m.Pairing
    responsible: str
    responsible_name: str


def sub_flow_facts(pairing: m.Pairing, responsible: str) -> SubFlow:
    return SubFlow(pairing, responsible, party_name(responsible, pairing))


def _its_turn(principal: Principal, sub_flow: SubFlow) -> bool:
    """The party it waits on; once it is closed, any party of the pairing (the state then refuses)."""
    parties = parties_of(principal, sub_flow.pairing)
    return sub_flow.responsible in parties if sub_flow.responsible else bool(parties)


NOT_THEIR_TURN = "this step is the {responsible}'s ({responsible_name})"

P2P_FLOW = Flow[SubFlow](
    item_type=m.P2P_SUB_FLOW,
    item_word="sub-flow",
    owner=owners.SCRIPTS,
    states={
        m.SUBMITTER_WORKING: State(SUBMITTER, "The {party} does its part, then clicks Task Complete."),
        m.RECEIVER_IN_REVIEW: State(
            RECEIVER,
            "The {party} checks the {submitter}'s part: Task Complete when it is done, or Escalate to Submitter "
            "with a comment when it is not.",
        ),
        m.ESCALATED_TO_SUBMITTER: State(
            SUBMITTER, "The {party} answers the escalation, then clicks Return to Receiver with a comment."
        ),
        m.COMPLETED: State("", "This sub-flow is complete.", closed=True),
        m.NOT_COMPLETED: State("", "The flight ended before this sub-flow was completed.", closed=True),
    },
    actions={
        m.TASK_COMPLETE: Action(
            "Task Complete",
            (m.SUBMITTER_WORKING, m.RECEIVER_IN_REVIEW),
            {m.SUBMITTER_WORKING: m.RECEIVER_IN_REVIEW, m.RECEIVER_IN_REVIEW: m.COMPLETED},
            _its_turn,
            NOT_THEIR_TURN,
        ),
        m.ESCALATE_TO_SUBMITTER: Action(
            "Escalate to Submitter",
            (m.RECEIVER_IN_REVIEW,),
            m.ESCALATED_TO_SUBMITTER,
            _its_turn,
            NOT_THEIR_TURN,
            needs_comment="Escalate to Submitter needs a comment: what is missing",
        ),
        m.RETURN_TO_RECEIVER: Action(
            "Return to Receiver",
            (m.ESCALATED_TO_SUBMITTER,),
            m.RECEIVER_IN_REVIEW,
            _its_turn,
            NOT_THEIR_TURN,
            needs_comment="Return to Receiver needs a comment: what was done",
        ),
        m.FLIGHT_ENDED: _by_the_tool(
            "Flight Ended",
            (m.SUBMITTER_WORKING, m.RECEIVER_IN_REVIEW, m.ESCALATED_TO_SUBMITTER),
            m.NOT_COMPLETED,
            "the flight's end closes an unfinished sub-flow",
        ),
    },
)

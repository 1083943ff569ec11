"""States, parties, actions and inputs of a script issue and of a P2P sub-flow; shared by their workflows,
their rules and the scripts service.

A script issue carries its script's steps in its input: a published pack never changes, and an issue keeps
the steps it started with whatever ERCOT publishes later.
"""

from dataclasses import dataclass, field

from workflows import owners
from workflows.items import Actor
from workflows.scripts.vocabulary import (  # noqa: F401  (one vocabulary with the pack reader)
    CR,
    ERCOT,
    ESCALATED_TO_ERCOT,
    ESCALATED_TO_PARTNER,
    NOT_COMPLETED,
    READY_TO_BEGIN,
    SCRIPT_FAILED,
    SCRIPT_PASSED,
    SP,
    TDSP,
)

SCRIPT_ISSUE = "Script Issue"
P2P_SUB_FLOW = "P2P Sub-flow"

CLOSED_STATES = frozenset({SCRIPT_PASSED, SCRIPT_FAILED, NOT_COMPLETED})

# A P2P sub-flow's states (guide §7.1 steps 9-23).
SUBMITTER_WORKING = "Submitter Working"
RECEIVER_IN_REVIEW = "Receiver in Review"
ESCALATED_TO_SUBMITTER = "Escalated to Submitter"
COMPLETED = "Completed"
P2P_CLOSED_STATES = frozenset({COMPLETED, NOT_COMPLETED})

# Actions (update names; their labels and who takes them are the tables', workflows.scripts.rules).
BEGIN_WORKING = "begin_working"
STEP_ACTION = "step_action"  # the current step's own button; its label comes from the pack
ESCALATE_TO_ERCOT = "escalate_to_ercot"
ESCALATE_TO_PARTNER = "escalate_to_partner"
RESOLVE = "resolve"  # ERCOT (or the partner) answers an escalation and the step goes on
MARK_FAILED = "mark_failed"
# ERCOT gives a transaction that matched nothing to the step waiting for one, by hand (not a button of the item:
# it is offered on the Unmatched Transactions report).
ATTACH_TRANSACTION = "attach_transaction"
TASK_COMPLETE = "task_complete"
ESCALATE_TO_SUBMITTER = "escalate_to_submitter"
RETURN_TO_RECEIVER = "return_to_receiver"
# Taken by the workflows themselves, never by a person.
STEP_DONE = "step_done"  # its transaction arrived, or its sub-flow completed
LAST_STEP_DONE = "last_step_done"
SUB_FLOW_ENDED = "sub_flow_ended"  # without being completed: escalated to ERCOT
FLIGHT_ENDED = "flight_ended"

TRANSACTION_RECEIVED = "transaction_received"  # the signal a transaction receipt arrives by
RECEIPTS_QUERY = "receipts"  # the receipts a script issue holds for steps still to come, and those it has seen

# Activity names: the scripts service's, hosted on these workflows' own queue.
RECORD_ITEM_TRANSITION = owners.SCRIPTS.record_item_transition
OPEN_P2P_ITEM = "scripts.open_p2p_item"


@dataclass
class TransactionSpec:
    type: str  # e.g. 814_01
    sender: str  # CR, TDSP or ERCOT
    receiver: str


@dataclass
class P2PSpec:
    title: str  # e.g. P2P Flow - Bank Transfer
    submitter: str  # CR or TDSP
    receiver: str
    submitter_instructions: str = ""
    receiver_instructions: str = ""


@dataclass
class StepSpec:
    """One step: its state, who is responsible, what they read, and how it ends: exactly one of a
    participant's button (`action`, its label), an expected transaction, or a P2P sub-flow."""

    state: str
    responsible: str
    instructions: str
    action: str = ""
    transaction: TransactionSpec | None = None
    p2p: P2PSpec | None = None


@dataclass
class ScriptSpec:
    script_id: str
    title: str
    begins: str  # the party that clicks Begin Working
    steps: list[StepSpec]
    pack_version: int = 0


@dataclass
class Pairing:
    flight: str
    cr_duns: str
    cr_name: str
    tdsp_duns: str
    tdsp_name: str
    sp_duns: str = ""
    ercot_duns: str = ""


@dataclass
class PairingToTest:
    """A pairing and what selects its scripts from the pack."""

    pairing: Pairing
    pairing_kinds: list[str]  # new_cr, bank_change, system_change
    tdsp_type: str  # iou or muni_coop
    premises: dict[str, list[str]] = field(default_factory=dict)  # Script ID -> its test-bed ESI IDs


@dataclass
class Timing:
    """When the flight ends (unfinished issues close as Not Completed) and after how many business hours a
    task waiting on one party raises a reminder (0: never)."""

    ends_at: str  # ISO 8601 instant
    reminder_business_hours: float = 0


@dataclass
class ScriptIssueInput:
    item_id: int
    pairing: Pairing
    script: ScriptSpec
    timing: Timing


@dataclass
class ScriptAction:
    actor: Actor
    comment: str = ""


@dataclass
class Receipts:
    """The receipts' IDs (transactions.key_of) a script issue keeps for a step still to come, and every one it has
    taken or shown."""

    waiting: list[str]
    seen: list[str]


@dataclass
class TransactionReceipt:
    """What ERCOT's systems report of one transaction: its type, who sent it to whom, and whether it passed
    validation (with the reasons when it did not)."""

    transaction_id: str
    type: str
    sender_duns: str
    receiver_duns: str
    esi_id: str = ""
    reference: str = ""
    valid: bool = True
    reasons: list[str] = field(default_factory=list)


def receipt_words(receipt: TransactionReceipt) -> str:
    """A receipt as the item's history names it, in the step it moved on or showed as failed."""
    esi_id = f", ESI ID {receipt.esi_id}" if receipt.esi_id else ""
    reference = f", reference {receipt.reference}" if receipt.reference else ""
    return f"{receipt.type} from {receipt.sender_duns} to {receipt.receiver_duns}{esi_id}{reference}"


@dataclass
class AttachedTransaction:
    """ERCOT's decision that a transaction no script issue took is the one this issue's current step waits for.
    Its type is the step's; its parties or premise may differ from the step's: that is ERCOT's judgement, and
    why a person attaches it, with a comment."""

    actor: Actor
    receipt: TransactionReceipt
    comment: str = ""


@dataclass
class ScriptIssueStatus:
    item_id: int
    state: str
    responsible_party: str
    step: int  # 0 before Begin Working; 1.. the pack's steps
    fields: dict[str, str]


@dataclass
class P2PInput:
    item_id: int
    parent_item_id: int
    parent_workflow_id: str
    pairing: Pairing
    spec: P2PSpec
    timing: Timing
    script_id: str


@dataclass
class P2PStatus:
    item_id: int
    state: str
    responsible_party: str


@dataclass
class P2PItemRequest:
    """Asks the service for the sub-flow's Item ID before it starts; the same step asks again after a retry."""

    parent_item_id: int
    step: int


@dataclass
class OpenScriptIssues:
    """Opens the flight's script issues of one kind (connectivity, or business on Day 1) for its pairings, from
    the latest published pack. Safe to repeat: an issue that exists is left as it is."""

    flight: str
    kind: str  # connectivity or business
    pairings: list[PairingToTest]
    ends_at: str  # the flight's end, ISO 8601
    ercot_duns: str

"""What every item-driving workflow shares: who acted, with what, and the step it records."""

from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime

from temporalio.exceptions import ApplicationError

from flightrak import boundary
from flightrak.tokens import Principal


@dataclass
class Actor:
    user_id: str
    name: str
    duns: str
    roles: list[str]
    company_kind: str = ""  # CR, TDSP, SP, ...; older histories lack it


def actor_of(principal: Principal) -> Actor:
    """The signed-in caller as a workflow records them."""
    return Actor(principal.user_id, principal.name, principal.duns, sorted(principal.roles), principal.company_kind)


def principal_of(actor: Actor) -> Principal:
    """The actor as the shared authorization rules (flightrak.authz) take it."""
    return Principal(actor.user_id, actor.duns, frozenset(actor.roles), actor.name, actor.company_kind)


# Steps that nobody clicked (a deadline passing, a transaction arriving) are recorded under this name.
SYSTEM_ACTOR = Actor(user_id="system", name="FlighTrak", duns="", roles=[])


@dataclass
class ActionInput:
    """Most flows' every action: who acts, the form's fields, the comment."""

    actor: Actor
    fields: dict[str, str] = field(default_factory=dict)
    comment: str = ""


@dataclass
class ItemStatus:
    """What most flows' actions answer: the item, its state and its fields."""

    item_id: int
    state: str
    fields: dict[str, str]


@dataclass
class ItemTransition:
    """One step of an item: its projection after the step and the history row that explains it."""

    workflow_id: str
    item_id: int
    seq: int
    item_type: str
    title: str
    company_duns: str
    state: str
    responsible_party: str
    instructions: str
    fields: dict[str, str]
    closed: bool
    actor: Actor
    action: str
    from_state: str
    to_state: str
    changes: dict[str, str]
    comment: str = ""


# An action answers the item's status, and under this key the steps its record activity has not written yet, for the
# service that asked to write them at once: Temporal holds them when the update answers, so writing them cannot outrun
# the workflow, and the record activity writes the same rows (idempotent on item and seq) whether or not the service
# did. A caller that reads only the status does not see the key (the data converter passes over unknown fields).
UNRECORDED_STEPS = "unrecorded_steps"
# How many steps the item's workflow has taken that its record activity has not written yet (0: the page is current).
UNRECORDED_QUERY = "unrecorded_steps"
# What the item's projection should say now, as `flightrak check` (flightrak.consistency) compares it.
STANDING_QUERY = "standing"


@dataclass
class Standing:
    """The item as its workflow holds it: the state and responsible party of its last step, how many steps it has
    taken, and how many of them its record activity has not written yet."""

    state: str
    responsible_party: str
    seq: int
    unrecorded: int


def deadline_words(moment: datetime) -> str:
    """A deadline as people in Texas read it; the instant carries the Central offset it was set in."""
    return f"{moment:%-I:%M %p} Central on {moment:%B %-d, %Y}"


class OneActionAtATime:
    """An action's steps may await activities; another action arriving meanwhile is refused by its
    validator instead of interleaving (a Cancel must not be undone by an Approve still recording)."""

    def __init__(self, item_word: str) -> None:
        self._item_word = item_word
        self._under_way = ""

    @contextmanager
    def acting(self, label: str):
        self._under_way = label
        try:
            yield
        finally:
            self._under_way = ""

    @property
    def busy(self) -> bool:
        return bool(self._under_way)

    def check(self) -> None:
        if self._under_way:
            message = f"{self._under_way} is still under way on this {self._item_word}; try again in a moment"
            refuse(conflict(message, ACTION_UNDER_WAY))


def check_text(given) -> None:
    """An update's input (a dataclass) holds only text the input boundary accepts: one NUL byte in a name or comment
    once made a step's projection fail for good, so it is refused here, before it enters history."""
    problems = {name.removeprefix("fields."): problem for name, problem in boundary.problems_in(asdict(given)).items()}
    if problems:
        message = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        raise ApplicationError(message, problems, INVALID_TEXT, type=INVALID, non_retryable=True)


# Why an action is not possible now, typed, so the workflow's validator, the service and the gateway all answer with
# one status: not the caller's to take (403), not in this state or not now (409), or bad input naming its field (400).
FORBIDDEN, CONFLICT, INVALID = "PermissionDenied", "FailedPrecondition", "InvalidFields"
KINDS = (FORBIDDEN, CONFLICT, INVALID)
# And the reason, for programs: it travels as the gRPC status's ErrorInfo reason and the API error's `reason`.
NOT_PERMITTED, NOT_IN_THIS_STATE, INVALID_FIELD = "NOT_PERMITTED", "NOT_IN_THIS_STATE", "INVALID_FIELD"
COMMENT_REQUIRED, UNKNOWN_ACTION, INVALID_TEXT = "COMMENT_REQUIRED", "UNKNOWN_ACTION", "INVALID_TEXT"
ACTION_UNDER_WAY, NEEDS_ATTENTION, ITEM_CLOSED = "ACTION_UNDER_WAY", "NEEDS_ATTENTION", "ITEM_CLOSED"
DEFAULT_CODES = {FORBIDDEN: NOT_PERMITTED, CONFLICT: NOT_IN_THIS_STATE, INVALID: INVALID_FIELD}
# An action's comment and its name are the fields every flow refuses alike.
FIELD_CODES = {"comment": COMMENT_REQUIRED, "action": UNKNOWN_ACTION}


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str
    field: str = ""
    code: str = ""

    def __str__(self) -> str:
        return self.message

    @property
    def fields(self) -> dict[str, str]:
        return {self.field: self.message} if self.field else {}


def forbidden(message: str, code: str = NOT_PERMITTED) -> Refusal:
    return Refusal(FORBIDDEN, message, code=code)


def conflict(message: str, code: str = NOT_IN_THIS_STATE) -> Refusal:
    return Refusal(CONFLICT, message, code=code)


def invalid(field_name: str, message: str) -> Refusal:
    return Refusal(INVALID, message, field_name, FIELD_CODES.get(field_name, INVALID_FIELD))


# A service about to do work that a refused action would waste or leave behind (check and keep an uploaded file,
# reserve a notice number) first asks the workflow, by this query, what its rule says now; the update's validator
# decides again when the update arrives.
REFUSAL_QUERY = "refusal"


@dataclass
class Asked:
    action: str
    actor: Actor
    comment: str = ""


def refuse(refusal: Refusal | None) -> None:
    """In a validator: raises the refusal as the ApplicationError its kind names, its details the fields and the
    code (read back by flightrak.temporal.run_update); nothing when there is none."""
    if refusal is None:
        return
    code = refusal.code or DEFAULT_CODES[refusal.kind]
    raise ApplicationError(refusal.message, refusal.fields, code, type=refusal.kind, non_retryable=True)

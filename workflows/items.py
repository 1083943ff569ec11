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
    actor: Actor
    fields: dict[str, str] = field(default_factory=dict)
    comment: str = ""


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
            raise ValueError(f"{self._under_way} is still under way on this {self._item_word}; try again in a moment")


def check_text(given) -> None:
    """An update's input (a dataclass) holds only text the input boundary accepts: one NUL byte in a name or comment
    once made a step's projection fail for good, so it is refused here, before it enters history."""
    problems = {
        name.removeprefix("fields."): problem for name, problem in boundary.problems_in(asdict(given)).items()
    }
    if problems:
        message = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        raise ApplicationError(message, problems, type="InvalidFields", non_retryable=True)


# Why an action is not possible now, typed, so the workflow's validator, the service and the gateway all answer with
# one status: not the caller's to take (403), not in this state or not now (409), or bad input naming its field (400).
FORBIDDEN, CONFLICT, INVALID = "PermissionDenied", "FailedPrecondition", "InvalidFields"


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str
    field: str = ""

    def __str__(self) -> str:
        return self.message


def forbidden(message: str) -> Refusal:
    return Refusal(FORBIDDEN, message)


def conflict(message: str) -> Refusal:
    return Refusal(CONFLICT, message)


def invalid(field_name: str, message: str) -> Refusal:
    return Refusal(INVALID, message, field_name)


def refuse(refusal: Refusal | None) -> None:
    """In a validator: raises the refusal as the ApplicationError its kind names; nothing when there is none."""
    if refusal is None:
        return
    details = [{refusal.field: refusal.message}] if refusal.kind == INVALID else []
    raise ApplicationError(refusal.message, *details, type=refusal.kind, non_retryable=True)

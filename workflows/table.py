"""A flow as one table: its states (who answers for the item in each, and what to do now) and its actions (the states
each starts from, the state it leads to, who may take it, what it needs). The workflow's validators, the buttons a
page offers, the servicer's answer and the flow's state diagram are all read from it."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypedDict, TypeVar, Unpack

from flightrak.tokens import Principal
from workflows.items import Refusal, conflict, forbidden, invalid
from workflows.owners import Owner

Facts = TypeVar("Facts")  # what a flow's rules read about one item: its CR, its flight's deadline, ...
NEW = ""  # the state of an item that does not exist yet (its first action creates it)


@dataclass(frozen=True)
class State:
    responsible: str  # the party that acts next ("CR", "ERCOT", ...); empty once closed
    instructions: str
    closed: bool = False


@dataclass(frozen=True)
class Action(Generic[Facts]):
    label: str  # the button's words, and the action's name in history
    starts_from: tuple[str, ...]
    leads_to: str | Mapping[str, str]  # the state it leads to; or, by the state it starts from, where it leads
    may_take: Callable[[Principal, Facts], bool]
    not_yours: str  # why a caller who may not take it is refused; may name a field of the facts: "the {begins}"
    needs_comment: str = ""  # when set, the action needs a comment, and this says what it should tell
    fields: tuple[str, ...] = ()  # what its form asks for
    button: bool = True  # False: taken by a form of its own (a registration's first OK), not offered on the item

    def to(self, start: str) -> str:
        """The state it leads to from `start`."""
        return self.leads_to if isinstance(self.leads_to, str) else self.leads_to[start]

    def refused(self, facts: Facts) -> Refusal:
        return forbidden(self.not_yours.format(**vars(facts)) if "{" in self.not_yours else self.not_yours)


class ActionOptions(TypedDict, total=False):
    """What a flow's shorthand for its actions (`_ercot(label, ...)`) passes on to Action."""

    needs_comment: str
    fields: tuple[str, ...]
    button: bool


class Offer(TypedDict):
    """One button of an item's page."""

    name: str
    label: str
    requires_comment: bool
    fields: list[str]


@dataclass(frozen=True)
class Party(Generic[Facts]):
    """A flow's shorthand for the actions one party takes, who may take them and why anyone else is refused:
    `ercot = Party(may_review, "only ERCOT reviews")`, then `ercot("Approve", m.REVIEW, m.APPROVED)`."""

    may_take: Callable[[Principal, Facts], bool]
    not_yours: str

    def __call__(
        self,
        label: str,
        starts_from: str | tuple[str, ...],
        leads_to: str | Mapping[str, str],
        **more: Unpack[ActionOptions],
    ) -> Action[Facts]:
        starts = (starts_from,) if isinstance(starts_from, str) else starts_from
        return Action(label, starts, leads_to, self.may_take, self.not_yours, **more)


def nobody(principal: Principal, facts: object) -> bool:
    """No person may take it: the system does (a timer, a reissue, a cancelled registration)."""
    return False


def by_system(label: str, starts_from: tuple[str, ...], leads_to: str, why: str) -> Action[Facts]:
    """An action the system takes, never a person, so never a button; `why` says what takes it."""
    return Action(label, starts_from, leads_to, nobody, why, button=False)


Guard = Callable[[str, Facts, datetime], Refusal | None]


def no_guard(action: str, facts: object, now: datetime) -> Refusal | None:
    return None


def same_state(state: str) -> str:
    return state


TakerGuard = Callable[[str, Principal, Facts], Refusal | None]


def no_taker_guard(action: str, principal: Principal, facts: object) -> Refusal | None:
    return None


@dataclass(frozen=True)
class Flow(Generic[Facts]):
    item_type: str
    item_word: str  # "registration": how refusals name the item
    owner: Owner  # the service that keeps the items: its activities record each step and each mark of attention
    states: Mapping[str, State]
    actions: Mapping[str, Action[Facts]]
    # What the table cannot say: a deadline, the state of another item. Asked after who and from which state.
    guard: Guard[Facts] = no_guard
    # A flow whose states are partly drawn at run time (a script's steps, from its pack) knows those by kind: the
    # table's row for the state an item is in.
    kind_of: Callable[[str], str] = same_state
    # What it cannot say of the one taking it: whether their company may, or already did (a notice's acknowledgement).
    taker_guard: TakerGuard[Facts] = no_taker_guard
    # Where an item type's kinds differ in actions, each kind runs a table of its own: this one's kind ("CR", "TDSP").
    item_kind: str = ""

    def action(self, name: str) -> Action[Facts]:
        return self.actions[name]

    def refusal(
        self, name: str, state: str, principal: Principal, facts: Facts, now: datetime, comment: str = ""
    ) -> Refusal | None:
        """Why `principal` may not take action `name` in `state` now, or None when they may."""
        action = self.actions.get(name)
        if action is None:
            return self.unknown(name)
        if not action.may_take(principal, facts):
            return action.refused(facts)
        if self.kind_of(state) not in action.starts_from:
            return conflict(f"{action.label} is not possible in state {state or 'New'}")
        refused = self.guard(name, facts, now) or self.taker_guard(name, principal, facts)
        if refused is not None:
            return refused
        if action.needs_comment and not comment.strip():
            return invalid("comment", action.needs_comment)
        return None

    def unknown(self, name: str) -> Refusal | None:
        """Why `name` is not one of the table's actions, or None when it is: what a service asks before forwarding,
        so a name no workflow handles never reaches Temporal."""
        return None if name in self.actions else invalid("action", f"'{name}' is not a {self.item_word} action")

    def not_theirs(self, name: str, principal: Principal, facts: Facts) -> Refusal | None:
        """Only the table's who: what a service asks before checking an action's form against what only the taker's
        company holds (its users, its dates), so a caller who may not take it hears that, not that the form is
        wrong. The workflow's validator still decides the whole rule."""
        action = self.actions[name]
        return None if action.may_take(principal, facts) else action.refused(facts)

    def offered(self, state: str, principal: Principal, facts: Facts, now: datetime) -> list[Offer]:
        """The item's buttons: an action that needs a comment is offered, and refused only if the comment is
        missing."""
        return [
            {
                "name": name,
                "label": action.label,
                "requires_comment": bool(action.needs_comment),
                "fields": list(action.fields),
            }
            for name, action in self.actions.items()
            if action.button and self.refusal(name, state, principal, facts, now, comment="-") is None
        ]

    def responsible(self, state: str) -> str:
        return self.states[self.kind_of(state)].responsible

    def diagram(self) -> str:
        """The flow as a Mermaid state diagram, for the docs (checked against the table in CI)."""
        ids = {name: f"s{number}" for number, name in enumerate(self.states)}
        lines = ["stateDiagram-v2"]
        lines += [f'    state "{name}" as {ids[name]}' for name in self.states]
        for action in self.actions.values():
            for start in action.starts_from:
                source = "[*]" if start == NEW else ids[start]
                lines.append(f"    {source} --> {ids[action.to(start)]}: {action.label}")
        lines += [f"    {ids[name]} --> [*]" for name, state in self.states.items() if state.closed]
        return "\n".join(lines) + "\n"

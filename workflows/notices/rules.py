"""A market notice, as one table: ERCOT saves a Draft, edits it, Publishes it to its audience (or Discards it); each
addressed company's AR or BAR Acknowledges a notice that requires action; a published reissue supersedes it. The
workflow, the buttons and the docs' diagram read it."""

from dataclasses import dataclass
from datetime import datetime

from flightrak import roles
from flightrak.tokens import Principal
from workflows.items import Refusal, conflict, forbidden
from workflows.notices import models as m
from workflows.table import NEW, Action, Flow, Party, State, by_system


@dataclass(frozen=True)
class Notice:
    """What the rules read: the companies addressed at publication, those that have acknowledged, and whether the
    notice requires action."""

    addressed: frozenset[str] = frozenset()
    acknowledged: frozenset[str] = frozenset()
    action_required: bool = False


def _ercot_writes(principal: Principal, notice: Notice) -> bool:
    return principal.is_ercot


def _ar_or_bar(principal: Principal, notice: Notice) -> bool:
    return principal.has(roles.AR) or principal.has(roles.BAR)


_ercot = Party[Notice](_ercot_writes, "only ERCOT writes, publishes and reissues market notices")


def _requires_action(action: str, notice: Notice, now: datetime) -> Refusal | None:
    if action == m.ACKNOWLEDGE and not notice.action_required:
        return conflict("this notice requires no action, so there is nothing to acknowledge")
    return None


def _company_acknowledges(action: str, principal: Principal, notice: Notice) -> Refusal | None:
    """A notice is acknowledged once by each company it is addressed to."""
    if action != m.ACKNOWLEDGE:
        return None
    if principal.duns not in notice.addressed:
        return forbidden("this notice is not addressed to your company")
    if principal.duns in notice.acknowledged:
        return conflict("your company has already acknowledged this notice")
    return None


FLOW = Flow[Notice](
    item_type=m.ITEM_TYPE,
    item_word="market notice",
    owner=m.OWNER,
    states={
        m.DRAFT: State(
            "ERCOT", "ERCOT completes the notice, then Publishes it to its audience (or Discards the draft)."
        ),
        m.PUBLISHED: State("", "Published to its audience and mailed to their distribution lists."),
        m.SUPERSEDED: State("", "Superseded by a reissue; read the reissue.", closed=True),
        m.DISCARDED: State("", "The draft was discarded; it was never published.", closed=True),
    },
    actions={
        m.SAVE: _ercot("OK", NEW, m.DRAFT, fields=m.FORM_FIELDS, button=False),
        m.EDIT: _ercot("Edit", m.DRAFT, m.DRAFT, fields=m.FORM_FIELDS),
        m.PUBLISH: _ercot("Publish", m.DRAFT, m.PUBLISHED),
        m.DISCARD: _ercot("Discard", m.DRAFT, m.DISCARDED),
        m.ACKNOWLEDGE: Action(
            "Acknowledge",
            (m.PUBLISHED,),
            m.PUBLISHED,
            _ar_or_bar,
            "only your company's AR or BAR acknowledges a market notice",
        ),
        # A published notice is never edited: its reissue is a new draft, which supersedes it once published.
        m.REISSUE: _ercot("Reissue", m.PUBLISHED, m.PUBLISHED),
        m.SUPERSEDE: by_system("Superseded", (m.PUBLISHED,), m.SUPERSEDED, "a notice is superseded by its reissue"),
    },
    guard=_requires_action,
    taker_guard=_company_acknowledges,
)

# What a published notice's step says while addressed companies have yet to acknowledge it.
AWAITING_ACKNOWLEDGEMENT = State(
    "Addressed companies",
    "Published. The action required applies to each addressed company: its AR or BAR Acknowledges the notice.",
)

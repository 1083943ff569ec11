"""A qualification letter, as one table: FlighTrak drafts it (Awaiting ERCOT Review); ERCOT Approves it, or Rejects
it with a comment saying what is wrong, then Draft Again once that is fixed, which drafts it anew from the scripts as
they stand. The workflow, the buttons and the docs' diagram read it."""

from dataclasses import dataclass

from flightrak.tokens import Principal
from workflows import owners
from workflows.letters import models as m
from workflows.table import NEW, Flow, Party, State, by_system


@dataclass(frozen=True)
class Letter:
    """What the rules read: whose letter it is."""

    cr_duns: str


def _ercot_reviews(principal: Principal, letter: Letter) -> bool:
    return principal.is_ercot


_ercot = Party[Letter](_ercot_reviews, "only ERCOT reviews qualification letters")

FLOW = Flow[Letter](
    item_type=m.ITEM_TYPE,
    item_word="qualification letter",
    owner=owners.SCRIPTS,
    states={
        m.AWAITING_REVIEW: State(
            "ERCOT",
            "Review the draft (its PDF preview is marked DRAFT), then Approve it, or Reject it saying what is wrong.",
        ),
        m.REJECTED: State(
            "ERCOT",
            "Rejected. Once what the comment names is fixed, click Draft Again: the letter is drafted anew from the "
            "CR's scripts as they stand.",
        ),
        m.APPROVED: State(
            "", "Approved: the CR, its Service Provider and ERCOT download the letter as a PDF.", closed=True
        ),
    },
    actions={
        m.DRAFT: by_system("Drafted", (NEW,), m.AWAITING_REVIEW, "FlighTrak drafts a CR's letter from its scripts"),
        m.APPROVE: _ercot("Approve", m.AWAITING_REVIEW, m.APPROVED),
        m.REJECT: _ercot(
            "Reject", m.AWAITING_REVIEW, m.REJECTED, needs_comment="say what is wrong with the letter, to be fixed"
        ),
        m.DRAFT_AGAIN: _ercot("Draft Again", m.REJECTED, m.AWAITING_REVIEW),
    },
)

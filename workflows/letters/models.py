"""States, actions and inputs of a qualification letter; shared by its workflow and the scripts service."""

from dataclasses import dataclass, field

from workflows.items import ActionInput, Actor  # noqa: F401  (the letter's own vocabulary)

ITEM_TYPE = "Qualification Letter"

AWAITING_REVIEW = "Awaiting ERCOT Review"
REJECTED = "Rejected"
APPROVED = "Approved"

# Actions, named as in the flow's table (workflows.letters.rules.FLOW) and as the workflow's updates.
DRAFT = "draft"  # FlighTrak's, as the workflow starts
APPROVE = "approve"
REJECT = "reject"
DRAFT_AGAIN = "draft_again"

# Why FlighTrak drafted it (the first step's comment).
ALL_PASSED = "Every script the CR's pairings run has passed."
ALL_CLOSED = "Every script the CR's pairings run has closed; the letter lists those that did not pass."
DRAFTED_BY_ERCOT = "ERCOT drafted the flight's letters; the letter lists the scripts that have not passed."

# What the item's page shows of a draft, in this order; the PDF lists every pairing and script.
FIELD_LABELS = {
    "flight": "Flight Designation",
    "cr_name": "Competitive Retailer",
    "cr_duns": "CR DUNS",
    "scenarios": "Scenarios Certified",
    "pairings": "Pairings",
    "scripts_passed": "Scripts Passed",
    "not_passed": "Not Passed",
    "draft": "Draft",
    "drafted_on": "Drafted On",
}

# Activity: the scripts service freezes the letter's rows (each pairing and script, passed or not) as they stand.
DRAFT_LETTER = "scripts.draft_letter"


@dataclass
class LetterInput:
    item_id: int
    flight: str
    cr_duns: str
    cr_name: str
    why: str = ALL_PASSED


@dataclass
class DraftRequest:
    item_id: int
    flight: str
    cr_duns: str
    draft: int  # 1 for the first draft, one more for each Draft Again


@dataclass
class LetterDraft:
    """What a draft holds, as the item's fields show it; its rows stay in the scripts service's table."""

    fields: dict[str, str] = field(default_factory=dict)
    sp_duns: str = ""  # the CR's Service Provider, for ERCOT's operators to filter its tasks by; no page shows it


@dataclass
class LetterStatus:
    item_id: int
    state: str
    fields: dict[str, str]

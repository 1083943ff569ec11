"""A CR's qualification letter: when FlighTrak drafts it, what it lists and how the item shows it. No I/O."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from workflows.letters import models as m
from workflows.scripts import models as scripts

# The scenarios a letter certifies, by the pairing kinds that selected its scripts (workflows.scripts.vocabulary).
SCENARIOS = {"new_cr": "New CR", "bank_change": "Bank Change", "system_change": "System Change"}


@dataclass(frozen=True)
class LetterRow:
    """One pairing x script of the CR, as the letter lists it."""

    tdsp_duns: str
    tdsp_name: str
    script_id: str
    script_title: str
    state: str
    passed_on: str = ""  # YYYY-MM-DD, Central: the day it passed; empty when it did not

    @property
    def passed(self) -> bool:
        return self.state == scripts.SCRIPT_PASSED

    def as_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def of(cls, kept: dict) -> "LetterRow":
        return cls(**{name: str(kept.get(name, "")) for name in cls.__dataclass_fields__})


def why_due(states: Iterable[str]) -> str:
    """Why FlighTrak drafts a CR's letter now, from the states of every script issue the flight opened for it: all
    passed, or all closed (the letter lists those that did not pass); empty while one is still open."""
    states = list(states)
    if not states or any(state not in scripts.CLOSED_STATES for state in states):
        return ""
    return m.ALL_PASSED if all(state == scripts.SCRIPT_PASSED for state in states) else m.ALL_CLOSED


def scenarios_of(pairing_kinds: Iterable[Iterable[str]]) -> list[str]:
    """The scenarios certified, in the market's order, from the pairing kinds of the CR's script issues."""
    kinds = {kind for kinds in pairing_kinds for kind in kinds}
    return [words for kind, words in SCENARIOS.items() if kind in kinds]


def summary(rows: list[LetterRow], scenarios: list[str]) -> dict[str, str]:
    """What the item's page shows of a draft; the PDF lists every row."""
    passed = sum(row.passed for row in rows)
    return {
        "scenarios": "; ".join(scenarios) or "-",
        "pairings": str(len({row.tdsp_duns for row in rows})),
        "scripts_passed": f"{passed} of {len(rows)}",
        "not_passed": ", ".join(f"{row.script_id} ({row.tdsp_name})" for row in rows if not row.passed)[:1000] or "-",
    }

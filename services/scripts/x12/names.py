"""Which Texas SET transaction an X12 transaction set is: the codes that tell 814_01 from 814_03 are data
(texas_set_names.csv, texas_set_parties.csv) that the team extends without touching code."""

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

CR = "CR"
TDSP = "TDSP"
ERCOT = "ERCOT"
ANY = "any"


@dataclass(frozen=True)
class TexasSetName:
    """One row of texas_set_names.csv. A blank code matches any value; `direction` names who sends it to whom."""

    name: str
    set_id: str
    purpose_code: str
    action_code: str
    service_code: str
    sender: str  # CR, TDSP, ERCOT, or "" for any
    receiver: str
    needs_esi_id: bool
    confirmed: str
    description: str

    @property
    def direction(self) -> str:
        return f"{self.sender}->{self.receiver}" if self.sender else ANY

    def matches(self, purpose: str, action: str, service: str, *, from_ercot: bool, to_ercot: bool) -> bool:
        return (
            all(
                not wanted or wanted == seen
                for wanted, seen in (
                    (self.purpose_code, purpose),
                    (self.action_code, action),
                    (self.service_code, service),
                )
            )
            # ERCOT's DUNS is the only party a reader can recognise on sight, so it alone decides direction
            and (not self.sender or (self.sender == ERCOT) == from_ercot)
            and (not self.receiver or (self.receiver == ERCOT) == to_ercot)
        )

    @property
    def specificity(self) -> int:
        return sum(bool(code) for code in (self.purpose_code, self.action_code, self.service_code, self.sender))


def rows_of(file_name: str) -> list[dict[str, str]]:
    """One of this package's CSV tables, every value trimmed."""
    text = resources.files(__package__).joinpath(file_name).read_text(encoding="utf-8")
    return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(io.StringIO(text))]


@cache
def texas_set_names() -> tuple[TexasSetName, ...]:
    """The table, most specific rows first (stable), so 814_01 (LIN05 CE) wins over 814_20 (any LIN05)."""
    names = []
    for row in rows_of("texas_set_names.csv"):
        sender, _, receiver = row["direction"].partition("->")
        if row["direction"] == ANY:
            sender = receiver = ""
        names.append(
            TexasSetName(
                name=row["name"],
                set_id=row["set_id"],
                purpose_code=row["purpose_code"],
                action_code=row["action_code"],
                service_code=row["service_code"],
                sender=sender,
                receiver=receiver,
                needs_esi_id=row["needs_esi_id"] == "yes",
                confirmed=row["confirmed"],
                description=row["description"],
            )
        )
    return tuple(sorted(names, key=lambda name: -name.specificity))


@cache
def n1_qualifiers() -> dict[str, str]:
    """Party (CR, TDSP, ERCOT) -> the N101 entity code that names it in a transaction set."""
    return {row["party"]: row["n1_qualifier"] for row in rows_of("texas_set_parties.csv")}


def known_set_ids() -> tuple[str, ...]:
    return tuple(dict.fromkeys(sorted(name.set_id for name in texas_set_names())))


def name_for(
    set_id: str, purpose: str, action: str, service: str, *, from_ercot: bool, to_ercot: bool
) -> TexasSetName | None:
    return next(
        (
            name
            for name in texas_set_names()
            if name.set_id == set_id
            and name.matches(purpose, action, service, from_ercot=from_ercot, to_ercot=to_ercot)
        ),
        None,
    )


def rows_named(texas_set_name: str) -> tuple[TexasSetName, ...]:
    return tuple(name for name in texas_set_names() if name.name == texas_set_name)

"""What reading an interchange gives: its envelope, the Texas SET transactions accepted, what was refused
(kept whole for investigation) and every problem with its segment position and reason."""

from dataclasses import dataclass, field, replace
from itertools import zip_longest

from services.scripts.x12 import acknowledgements, names

ERCOT_DUNS = "183529049"
INTERCHANGE = "interchange"
FUNCTIONAL_GROUP = "functional group"
TRANSACTION_SET = "transaction set"


@dataclass(frozen=True)
class TexasSetReceipt:
    """One accepted transaction set, in the words of the market (what ERCOT's systems report of it)."""

    set_id: str  # ST01: 814, 867, ...
    texas_set_name: str  # 814_01, 867_03, 997, ...
    sender_duns: str
    receiver_duns: str
    esi_id: str = ""
    reference: str = ""  # the transaction's own ID (BGN02, BPT02, BIG02, TRN02; ISA13-GS06-ST02 for a 997)
    answers_reference: str = ""  # the transaction it answers (BGN06; AK102, or AK102-AK202, for a 997)
    date: str = ""  # CCYYMMDD
    purpose_code: str = ""  # BGN01, BPT01, BIG08, BPR01
    action_code: str = ""  # ASI01; AK901 for a 997
    service_code: str = ""  # LIN05, BPT04, BIG07; AK101 for a 997
    reject_reasons: tuple[str, ...] = ()  # REF~7G codes; a 997's error segments (see acknowledgements.py)
    reject_words: tuple[str, ...] = ()  # REF03 beside each REF~7G code, "" where the sender wrote none
    control_number: str = ""  # ST02; the writer numbers sets itself when blank

    @property
    def passed(self) -> bool:
        """Whether the transaction passed validation: a 997 by its AK901, any other by carrying no reject code."""
        if self.set_id == acknowledgements.SET_ID:
            return acknowledgements.accepted(self.action_code)
        return not self.reject_reasons

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why it failed (or, for a 997 accepted with errors, what was noted), in the market's words."""
        if self.set_id == acknowledgements.SET_ID:
            return acknowledgements.reasons(
                self.service_code, self.answers_reference, self.action_code, self.reject_reasons
            )
        words = zip_longest(self.reject_reasons, self.reject_words, fillvalue="")
        return tuple(f"reject reason {code}" + (f": {said}" if said else "") for code, said in words)


@dataclass(frozen=True)
class Separators:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    after_segment: str = ""  # "\n" or "\r\n" to put each segment on its own line

    def problem(self) -> str:
        chosen = (self.element, self.component, self.segment)
        if any(len(char) != 1 for char in chosen):
            return "element, component and segment separators are one character each"
        if len(set(chosen)) != 3:
            return "element, component and segment separators must differ"
        if any(char.isalnum() or char == " " for char in chosen):
            return "a separator cannot be a letter, a digit or a space (they appear in the data)"
        if self.after_segment not in ("", "\n", "\r\n") or (self.after_segment and self.segment in "\r\n"):
            return "only a line break may follow a segment terminator that is not itself one"
        return ""


@dataclass(frozen=True)
class Envelope:
    """The ISA's facts."""

    sender_qualifier: str  # ISA05: 01 DUNS, 14 DUNS+4
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str  # ISA09 YYMMDD
    time: str  # ISA10 HHMM
    control_number: str  # ISA13
    version: str  # ISA12, 00401 for Texas SET
    usage: str  # ISA15: P production, T test
    separators: Separators


@dataclass(frozen=True)
class X12Problem:
    position: int  # 1-based segment index in the interchange (ISA is 1)
    segment_id: str
    control_number: str  # ST02 when the problem is inside a transaction set
    reason: str

    def __str__(self) -> str:
        inside = f" (transaction set {self.control_number})" if self.control_number else ""
        return f"segment {self.position} {self.segment_id}{inside}: {self.reason}"


@dataclass(frozen=True)
class RefusedPart:
    """A refused interchange, functional group or transaction set, with its text as received."""

    level: str  # interchange, functional group, transaction set
    control_number: str
    first_position: int
    last_position: int
    text: str


@dataclass(frozen=True)
class X12Reading:
    envelope: Envelope | None
    receipts: tuple[TexasSetReceipt, ...] = ()
    refused: tuple[RefusedPart, ...] = ()
    problems: tuple[X12Problem, ...] = field(default=())

    @property
    def accepted_whole(self) -> bool:
        return not self.problems and not self.refused


def new_receipt(texas_set_name: str, sender_duns: str, receiver_duns: str, **fields) -> TexasSetReceipt:
    """A receipt whose set ID and codes come from the table's first row of that name (the simulator's way
    to build one); `fields` may set any other field, or override a code the row leaves open."""
    rows = names.rows_named(texas_set_name)
    if not rows:
        raise ValueError(f"{texas_set_name} is not a Texas SET transaction FlighTrak knows")
    row = rows[0]
    receipt = TexasSetReceipt(
        set_id=row.set_id,
        texas_set_name=row.name,
        sender_duns=sender_duns,
        receiver_duns=receiver_duns,
        purpose_code=row.purpose_code,
        action_code=row.action_code,
        service_code=row.service_code,
    )
    return replace(receipt, **fields)

"""Where each transaction set keeps the fields FlighTrak reads: shared by the reader and the writer, so the
two cannot drift. Positions are X12 element numbers (BGN02 is element 2 of BGN)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    segment: str
    element: int


@dataclass(frozen=True)
class SetLayout:
    set_id: str
    functional_id: str  # GS01 of the group that carries this set
    header: str  # the segment that must follow ST
    purpose: Place | None
    reference: Place | None
    answers: Place | None
    date: Place | None
    action: Place | None
    service: Place | None
    carries_esi_id: bool
    carries_reasons: bool


def _bgn(set_id: str, functional_id: str, *, action: Place | None, service: Place | None, esi: bool) -> SetLayout:
    return SetLayout(
        set_id=set_id,
        functional_id=functional_id,
        header="BGN",
        purpose=Place("BGN", 1),
        reference=Place("BGN", 2),
        answers=Place("BGN", 6),
        date=Place("BGN", 3),
        action=action,
        service=service,
        carries_esi_id=esi,
        carries_reasons=True,
    )


LAYOUTS: dict[str, SetLayout] = {
    "814": _bgn("814", "GE", action=Place("ASI", 1), service=Place("LIN", 5), esi=True),
    # GS01 for the 650 is not confirmed from a Texas guide
    "650": _bgn("650", "MJ", action=None, service=None, esi=True),
    "824": _bgn("824", "AG", action=None, service=None, esi=True),
    "867": SetLayout(
        set_id="867",
        functional_id="PT",
        header="BPT",
        purpose=Place("BPT", 1),
        reference=Place("BPT", 2),
        answers=None,
        date=Place("BPT", 3),
        action=None,
        service=Place("BPT", 4),
        carries_esi_id=True,
        carries_reasons=True,
    ),
    "810": SetLayout(
        set_id="810",
        functional_id="IN",
        header="BIG",
        purpose=Place("BIG", 8),
        reference=Place("BIG", 2),
        answers=None,
        date=Place("BIG", 1),
        action=None,
        service=Place("BIG", 7),
        carries_esi_id=True,
        carries_reasons=True,
    ),
    "820": SetLayout(
        set_id="820",
        functional_id="RA",
        header="BPR",
        purpose=Place("BPR", 1),
        reference=Place("TRN", 2),
        answers=None,
        date=Place("BPR", 16),
        action=None,
        service=None,
        carries_esi_id=True,
        carries_reasons=True,
    ),
    # a 997 answers a functional group (AK101 its kind, AK102 its number, AK202 a set's) with AK901; it has no
    # reference or date of its own: acknowledgements.py reads and writes its reference and AK segments
    "997": SetLayout(
        set_id="997",
        functional_id="FA",
        header="AK1",
        purpose=None,
        reference=None,
        answers=Place("AK1", 2),
        date=None,
        action=Place("AK9", 1),
        service=Place("AK1", 1),
        carries_esi_id=False,
        carries_reasons=True,
    ),
}

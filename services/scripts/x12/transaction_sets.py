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


def _place(element: str) -> Place | None:
    """'BGN02' is element 2 of BGN; '' is nowhere."""
    return Place(element[:-2], int(element[-2:])) if element else None


def _layout(set_id: str, functional_id: str, header: str, *elements: str, esi_id: bool = True) -> SetLayout:
    purpose, reference, answers, date, action, service = (_place(element) for element in elements)
    return SetLayout(
        set_id, functional_id, header, purpose, reference, answers, date, action, service, esi_id, carries_reasons=True
    )


# Where each set keeps its purpose, reference, the reference it answers, date, action and service ("": it has none).
LAYOUTS: dict[str, SetLayout] = {
    layout.set_id: layout
    for layout in (
        #       set    GS01  header  purpose  reference answers  date     action   service
        _layout("814", "GE", "BGN", "BGN01", "BGN02", "BGN06", "BGN03", "ASI01", "LIN05"),
        # GS01 for the 650 is not confirmed from a Texas guide
        _layout("650", "MJ", "BGN", "BGN01", "BGN02", "BGN06", "BGN03", "", ""),
        _layout("824", "AG", "BGN", "BGN01", "BGN02", "BGN06", "BGN03", "", ""),
        _layout("867", "PT", "BPT", "BPT01", "BPT02", "", "BPT03", "", "BPT04"),
        _layout("810", "IN", "BIG", "BIG08", "BIG02", "", "BIG01", "", "BIG07"),
        _layout("820", "RA", "BPR", "BPR01", "TRN02", "", "BPR16", "", ""),
        # a 997 answers a functional group (AK101 its kind, AK102 its number, AK202 a set's) with AK901; it has no
        # reference or date of its own: acknowledgements.py reads and writes its reference and AK segments
        _layout("997", "FA", "AK1", "", "", "AK102", "", "AK901", "AK101", esi_id=False),
    )
}

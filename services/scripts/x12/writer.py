"""Writing receipts as an ANSI X12 004010 interchange, as a market participant would send them: what the
simulator puts on the wire for a waiting script step. No I/O; `read_interchange` reads it back equal."""

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby, zip_longest

from services.scripts.x12 import acknowledgements, names
from services.scripts.x12.receipts import ERCOT_DUNS, Separators, TexasSetReceipt
from services.scripts.x12.transaction_sets import LAYOUTS, Place, SetLayout

# ISA05/ISA07 and N103: what kind of identifier follows
_ISA_QUALIFIER = {9: "01", 13: "14"}
_N1_QUALIFIER = {9: "1", 13: "9"}


def write_interchange(
    receipts: Sequence[TexasSetReceipt],
    *,
    prepared: datetime,
    control_number: int,
    separators: Separators = Separators(),
    interchange_sender: str = "",
    interchange_receiver: str = "",
    usage: str = "T",
    ercot_duns: str = ERCOT_DUNS,
) -> str:
    """One interchange holding every receipt in order: a functional group per run of receipts of the same
    kind between the same two DUNS. The ISA names the first receipt's parties unless told otherwise."""
    if problem := separators.problem():
        raise ValueError(problem)
    if not receipts:
        raise ValueError("an interchange holds at least one transaction set")
    if not 0 < control_number < 10**9:
        raise ValueError("the interchange control number is 1 to 999999999")
    rows = [_row(receipt, separators, ercot_duns) for receipt in receipts]
    sender = interchange_sender or receipts[0].sender_duns
    receiver = interchange_receiver or receipts[0].receiver_duns
    segments = [
        [
            "ISA", "00", " " * 10, "00", " " * 10,
            _ISA_QUALIFIER.get(len(sender), "ZZ"), f"{sender:<15}",
            _ISA_QUALIFIER.get(len(receiver), "ZZ"), f"{receiver:<15}",
            prepared.strftime("%y%m%d"), prepared.strftime("%H%M"),
            "U", "00401", f"{control_number:09d}", "0", usage, separators.component,
        ]
    ]  # fmt: skip
    numbered = 0
    runs = groupby(receipts, key=lambda r: (LAYOUTS[r.set_id].functional_id, r.sender_duns, r.receiver_duns))
    group_count = 0
    for group_count, ((functional_id, group_sender, group_receiver), run) in enumerate(runs, start=1):
        segments.append(
            ["GS", functional_id, group_sender, group_receiver, prepared.strftime("%Y%m%d"),
             prepared.strftime("%H%M"), str(group_count), "X", "004010"]
        )  # fmt: skip
        used: set[str] = set()
        members = list(run)
        for receipt in members:
            row = rows[numbered]
            numbered += 1
            number = receipt.control_number or f"{numbered:04d}"
            if number in used:
                raise ValueError(f"transaction set control number {number} is used twice in one group")
            used.add(number)
            if receipt.set_id == acknowledgements.SET_ID:
                own = acknowledgements.reference_of(f"{control_number:09d}", str(group_count), number)
                if receipt.reference != own:
                    raise ValueError(f"a 997's reference is its control numbers ISA13-GS06-ST02, {own}")
            body = _body(receipt, LAYOUTS[receipt.set_id], row)
            segments += [["ST", receipt.set_id, number], *body, ["SE", str(len(body) + 2), number]]
        segments.append(["GE", str(len(members)), str(group_count)])
    segments.append(["IEA", str(group_count), f"{control_number:09d}"])
    return "".join(_segment(elements, separators) for elements in segments)


def _segment(elements: list[str], separators: Separators) -> str:
    # X12 leaves trailing empty elements out; the ISA is fixed-width and keeps every one
    while elements[0] != "ISA" and len(elements) > 1 and not elements[-1]:
        elements = elements[:-1]
    return separators.element.join(elements) + separators.segment + separators.after_segment


def _body(receipt: TexasSetReceipt, layout: SetLayout, row: names.TexasSetName) -> list[list[str]]:
    if layout.set_id == acknowledgements.SET_ID:
        return acknowledgements.write(
            receipt.service_code, receipt.answers_reference, receipt.action_code, receipt.reject_reasons
        )
    body = [_header(layout, receipt)]
    if layout.set_id == "820":
        body.append(["TRN", "1", receipt.reference])
    for party, duns in ((row.sender, receipt.sender_duns), (row.receiver, receipt.receiver_duns)):
        if party:
            body.append(["N1", names.n1_qualifiers()[party], party, _N1_QUALIFIER.get(len(duns), "9"), duns])
    if layout.service and layout.service.segment == "LIN":
        body.append(["LIN", receipt.reference or "1", "SH", "EL", "SH", receipt.service_code])
    if layout.action and layout.action.segment == "ASI":
        body.append(["ASI", receipt.action_code, "021"])
    if receipt.esi_id:
        body.append(["REF", "Q5", receipt.esi_id])
    said = zip_longest(receipt.reject_reasons, receipt.reject_words, fillvalue="")
    body += [["REF", "7G", reason, *([words] if words else [])] for reason, words in said]
    return body


def _header(layout: SetLayout, receipt: TexasSetReceipt) -> list[str]:
    """The header segment with every field the layout keeps in it, at its element number."""
    fields: list[tuple[Place | None, str]] = [
        (layout.purpose, receipt.purpose_code),
        (layout.reference, receipt.reference),
        (layout.answers, receipt.answers_reference),
        (layout.date, receipt.date),
        (layout.action, receipt.action_code),
        (layout.service, receipt.service_code),
    ]
    if layout.purpose and layout.purpose.segment == "BPR":
        # BPR02-04: a zero amount, credit, no payment method: remittance advice only
        fields += [(Place("BPR", 2), "0"), (Place("BPR", 3), "C"), (Place("BPR", 4), "NON")]
    elements = [layout.header]
    for place, value in fields:
        if place and place.segment == layout.header:
            elements += [""] * (place.element + 1 - len(elements))
            elements[place.element] = value
    return elements


def _row(receipt: TexasSetReceipt, separators: Separators, ercot_duns: str) -> names.TexasSetName:
    """The table's row for the receipt, checking the receipt says what a reader will read back."""
    layout = LAYOUTS.get(receipt.set_id)
    if layout is None:
        raise ValueError(f"transaction set {receipt.set_id} is not one FlighTrak writes")
    unplaced = {
        "reference": (layout.reference, receipt.reference),
        "answers_reference": (layout.answers, receipt.answers_reference),
        "date": (layout.date, receipt.date),
        "purpose_code": (layout.purpose, receipt.purpose_code),
        "action_code": (layout.action, receipt.action_code),
        "service_code": (layout.service, receipt.service_code),
        "esi_id": (layout.carries_esi_id, receipt.esi_id),
        "reject_reasons": (layout.carries_reasons, receipt.reject_reasons),
    }
    if receipt.set_id == acknowledgements.SET_ID:
        unplaced.pop("reference")  # its control numbers, checked where they are given
    for label, (place, value) in unplaced.items():
        if value and not place:
            raise ValueError(f"a {receipt.set_id} has no place for {label}")
    forbidden = {separators.element, separators.component, separators.segment, "\r", "\n"}
    lists = ("reject_reasons", "reject_words")
    values = [getattr(receipt, name) for name in receipt.__dataclass_fields__ if name not in lists]
    reasons = [*receipt.reject_reasons, *receipt.reject_words]
    if receipt.set_id == acknowledgements.SET_ID:  # each note is a segment: its elements go on the wire
        reasons = [element for note in reasons for element in note.split(acknowledgements.NOTE_SEPARATOR)]
    for value in [*values, *reasons]:
        if any(char in forbidden for char in value):
            raise ValueError(f"'{value}' holds a separator or a line break")
    row = names.name_for(
        receipt.set_id,
        receipt.purpose_code,
        receipt.action_code,
        receipt.service_code,
        from_ercot=receipt.sender_duns == ercot_duns,
        to_ercot=receipt.receiver_duns == ercot_duns,
    )
    if row is None or row.name != receipt.texas_set_name:
        said = row.name if row else "no Texas SET transaction"
        raise ValueError(f"these codes and parties name {said}, not {receipt.texas_set_name}")
    return row

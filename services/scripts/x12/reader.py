"""Reading an ANSI X12 004010 interchange as the market sends it. No I/O, and no input makes it raise.

As X12 practice says: an envelope error (ISA, IEA, or anything outside a functional group) refuses the whole
interchange; a GS/GE error refuses its functional group; an ST/SE or content error refuses that transaction set
alone, and the others are still accepted. Everything refused is returned with its text."""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from flightrak import boundary
from services.scripts.x12 import acknowledgements, names
from services.scripts.x12.receipts import (
    ERCOT_DUNS,
    FUNCTIONAL_GROUP,
    INTERCHANGE,
    TRANSACTION_SET,
    Envelope,
    RefusedPart,
    Separators,
    TexasSetReceipt,
    X12Problem,
    X12Reading,
)
from services.scripts.x12.transaction_sets import LAYOUTS, Place, SetLayout

ISA_LENGTH = 106
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
TEXAS_SET_VERSION = "00401"
_DUNS = re.compile(r"[0-9]{9}(?:[0-9]{4})?")
_ESI_ID = re.compile(r"10[0-9]{15}(?:[0-9]{5})?")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_LINE_BREAKS = "\r\n"


@dataclass(frozen=True)
class Segment:
    position: int
    elements: tuple[str, ...]
    text: str

    @property
    def id(self) -> str:
        return self.elements[0]

    def element(self, number: int) -> str:
        return self.elements[number].strip() if number < len(self.elements) else ""


@dataclass
class _Set:
    segments: list[Segment]
    control_number: str
    problems: list[X12Problem] = field(default_factory=list)
    receipt: TexasSetReceipt | None = None


@dataclass
class _Group:
    segments: list[Segment]
    control_number: str
    sets: list[_Set] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)


def read_interchange(raw: bytes | str, *, ercot_duns: str = ERCOT_DUNS) -> X12Reading:
    text = _decoded(raw).lstrip("\ufeff \t\r\n")
    envelope, isa_problems = _isa(text)
    if envelope is None:
        unread = RefusedPart(INTERCHANGE, "", 1, 1, _keepable(text))
        return X12Reading(None, refused=(unread,), problems=tuple(isa_problems))
    segments = _segments(text, envelope.separators)
    problems = list(isa_problems) + _unreadable_characters(segments)
    text = _keepable(text)
    groups: list[_Group] = []
    index, iea = 1, None
    while index < len(segments):
        segment = segments[index]
        if segment.id == "GS":
            group, index = _group(segments, index, envelope.control_number, ercot_duns)
            groups.append(group)
        elif segment.id == "IEA":
            iea, index = segment, index + 1
            break
        else:
            problems.append(_problem(segment, f"{segment.id} is outside a functional group (GS ... GE)"))
            index += 1
    for extra in segments[index:]:
        problems.append(_problem(extra, "data after IEA: the interchange ends with its IEA"))
    problems += _iea_problems(iea, segments[-1], envelope, len(groups))

    inner = [problem for group in groups for problem in group.problems + [p for s in group.sets for p in s.problems]]
    if problems:
        whole = RefusedPart(INTERCHANGE, envelope.control_number, 1, segments[-1].position, text)
        return X12Reading(envelope, refused=(whole,), problems=_in_order(problems + inner))
    receipts: list[TexasSetReceipt] = []
    refused: list[RefusedPart] = []
    for group in groups:
        if group.problems:
            refused.append(_refused(FUNCTIONAL_GROUP, group.control_number, group.segments, envelope.separators))
            continue
        for one in group.sets:
            if one.problems or one.receipt is None:
                refused.append(_refused(TRANSACTION_SET, one.control_number, one.segments, envelope.separators))
            else:
                receipts.append(one.receipt)
    return X12Reading(envelope, tuple(receipts), tuple(refused), _in_order(inner))


def _in_order(problems: list[X12Problem]) -> tuple[X12Problem, ...]:
    return tuple(sorted(problems, key=lambda problem: problem.position))


def _decoded(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # latin-1 maps every byte, so a stray byte becomes a character the checks can name
        return raw.decode("latin-1")


def _isa(text: str) -> tuple[Envelope | None, list[X12Problem]]:
    def refused(reason: str) -> tuple[None, list[X12Problem]]:
        return None, [X12Problem(1, "ISA", "", reason)]

    if not text.startswith("ISA") or len(text) < 4:
        return refused("an interchange begins with ISA")
    element_separator = text[3]
    marks = [i for i, char in enumerate(text[: ISA_LENGTH * 4]) if char == element_separator][:16]
    if len(marks) < 16 or marks[15] + 2 >= len(text):
        return refused("the ISA is cut short: it has 16 elements and ends with the segment terminator")
    length = marks[15] + 3
    elements = text[: marks[15] + 2].split(element_separator)[1:]
    if length != ISA_LENGTH:
        wrong = [
            f"ISA{number:02d} is {len(value)} characters, not {width}"
            for number, (value, width) in enumerate(zip(elements, ISA_WIDTHS, strict=False), start=1)
            if len(value) != width
        ]
        return refused(f"the ISA is {length} characters long, not {ISA_LENGTH} ({'; '.join(wrong)})")
    separators = Separators(element=element_separator, component=elements[15], segment=text[length - 1])
    if separators.problem():
        return refused(f"the ISA declares unusable separators: {separators.problem()}")
    problems = []
    if elements[11] != TEXAS_SET_VERSION:
        problems.append(X12Problem(1, "ISA", "", f"ISA12 is '{elements[11]}': Texas SET is X12 004010 (00401)"))
    if not boundary.is_number(elements[12]):
        problems.append(X12Problem(1, "ISA", "", f"ISA13 '{elements[12]}' is not a 9-digit control number"))
    envelope = Envelope(
        sender_qualifier=elements[4],
        sender_id=elements[5].strip(),
        receiver_qualifier=elements[6],
        receiver_id=elements[7].strip(),
        date=elements[8],
        time=elements[9],
        control_number=elements[12],
        version=elements[11],
        usage=elements[14],
        separators=separators,
    )
    return envelope, problems


def _segments(text: str, separators: Separators) -> list[Segment]:
    # Line breaks between segments are tolerated, and blanks before a segment (indenting, or after the last
    # terminator): a segment ID never starts with one. Neither is stripped where it is itself a separator.
    declared = (separators.element, separators.component)
    breaks = "".join(char for char in _LINE_BREAKS if char not in declared)
    blanks = "".join(char for char in _LINE_BREAKS + " \t" if char not in declared)
    segments: list[Segment] = []
    for piece in text.split(separators.segment):
        piece = piece.lstrip(blanks).rstrip(breaks)
        if piece:
            elements = tuple(piece.split(separators.element))
            segments.append(Segment(len(segments) + 1, elements, piece))
    return segments


def _group(segments: list[Segment], start: int, interchange: str, ercot_duns: str) -> tuple[_Group, int]:
    gs = segments[start]
    group = _Group([gs], gs.element(6))
    if not boundary.is_number(gs.element(6)):
        group.problems.append(_problem(gs, f"GS06 '{gs.element(6)}' is not a group control number"))
    if not gs.element(8).startswith("004010"):
        group.problems.append(_problem(gs, f"GS08 is '{gs.element(8)}': Texas SET is X12 004010"))
    index = start + 1
    while index < len(segments):
        segment = segments[index]
        if segment.id in ("GS", "IEA"):
            break
        group.segments.append(segment)
        index += 1
        if segment.id == "GE":
            _check_ge(group, segment)
            return group, index
        if segment.id == "ST":
            one, index = _transaction_set(segments, index - 1, gs, interchange, ercot_duns)
            group.segments += one.segments[1:]
            if any(earlier.control_number == one.control_number for earlier in group.sets):
                one.problems.append(_problem(segment, f"ST02 {one.control_number} is used twice in this group"))
            group.sets.append(one)
        else:
            group.problems.append(_problem(segment, f"{segment.id} is outside a transaction set (ST ... SE)"))
    where = segments[index] if index < len(segments) else group.segments[-1]
    group.problems.append(_problem(where, f"functional group {group.control_number} has no GE"))
    return group, index


def _check_ge(group: _Group, ge: Segment) -> None:
    if ge.element(1) != str(len(group.sets)):
        group.problems.append(
            _problem(ge, f"GE01 says {ge.element(1) or 'nothing'}; the group holds {len(group.sets)} transaction sets")
        )
    if ge.element(2) != group.control_number:
        group.problems.append(_problem(ge, f"GE02 {ge.element(2)} does not match GS06 {group.control_number}"))


def _transaction_set(
    segments: list[Segment], start: int, gs: Segment, interchange: str, ercot_duns: str
) -> tuple[_Set, int]:
    st = segments[start]
    one = _Set([st], st.element(2))
    index = start + 1
    while index < len(segments):
        segment = segments[index]
        if segment.id in ("ST", "GE", "GS", "IEA"):
            break
        one.segments.append(segment)
        index += 1
        if segment.id == "SE":
            one.problems += _envelope_of_set(one, segment)
            if not one.problems:
                one.receipt, more = _receipt(one, gs, interchange, ercot_duns)
                one.problems += more
            return one, index
    one.problems.append(_problem(one.segments[-1], "the transaction set has no SE", one.control_number))
    return one, index


def _envelope_of_set(one: _Set, se: Segment) -> list[X12Problem]:
    st, number = one.segments[0], one.control_number
    problems = []
    if st.element(1) not in LAYOUTS:
        known = ", ".join(names.known_set_ids())
        problems.append(_problem(st, f"transaction set '{st.element(1)}' is not one FlighTrak reads ({known})", number))
    if not number:
        problems.append(_problem(st, "ST02 (the transaction set control number) is missing", number))
    if se.element(1) != str(len(one.segments)):
        problems.append(
            _problem(se, f"SE01 says {se.element(1) or 'nothing'}; the set has {len(one.segments)} segments", number)
        )
    if se.element(2) != number:
        problems.append(_problem(se, f"SE02 {se.element(2)} does not match ST02 {number}", number))
    for segment in one.segments:
        if not _SEGMENT_ID.fullmatch(segment.id):
            problems.append(_problem(segment, f"'{segment.id[:10]}' is not an X12 segment ID", number))
    return problems


def _receipt(
    one: _Set, gs: Segment, interchange: str, ercot_duns: str
) -> tuple[TexasSetReceipt | None, list[X12Problem]]:
    st, number = one.segments[0], one.control_number
    layout = LAYOUTS[st.element(1)]
    body = one.segments[1:-1]
    header = next((segment for segment in body if segment.id == layout.header), None)
    if header is None:
        return None, [_problem(st, f"the {layout.set_id} has no {layout.header} segment", number)]

    def read(place: Place | None) -> str:
        found = next((segment for segment in body if place and segment.id == place.segment), None)
        return found.element(place.element) if found and place else ""

    refs = [(segment.element(1), segment.element(2) or segment.element(3)) for segment in body if segment.id == "REF"]
    parties = {segment.element(1): segment.element(4) for segment in body if segment.id == "N1"}
    purpose, action, service = read(layout.purpose), read(layout.action), read(layout.service)
    from_ercot, to_ercot = gs.element(2) == ercot_duns, gs.element(3) == ercot_duns
    name = names.name_for(layout.set_id, purpose, action, service, from_ercot=from_ercot, to_ercot=to_ercot)
    if name is None:
        codes = ", ".join(f"{label} '{code}'" for label, code in _codes(layout, purpose, action, service))
        route = "from ERCOT" if from_ercot else "to ERCOT" if to_ercot else "between market participants"
        reason = (
            f"transaction set {layout.set_id} with {codes}, {route}, is not a Texas SET transaction FlighTrak knows"
        )
        return None, [_problem(header, reason, number)]
    qualifiers = names.n1_qualifiers()
    receipt = TexasSetReceipt(
        set_id=layout.set_id,
        texas_set_name=name.name,
        sender_duns=parties.get(qualifiers.get(name.sender, ""), "") or gs.element(2),
        receiver_duns=parties.get(qualifiers.get(name.receiver, ""), "") or gs.element(3),
        esi_id=next((value for qualifier, value in refs if qualifier == "Q5"), ""),
        reference=read(layout.reference),
        answers_reference=read(layout.answers),
        date=read(layout.date),
        purpose_code=purpose,
        action_code=action,
        service_code=service,
        reject_reasons=tuple(value for qualifier, value in refs if qualifier == "7G"),
        reject_words=_reject_words(body),
        control_number=number,
    )
    problems = _content_problems(receipt, name, layout, header, number)
    if layout.set_id == acknowledgements.SET_ID:
        own = acknowledgements.reference_of(interchange, gs.element(6), number)
        receipt, more = _acknowledgement(receipt, body, own)
        problems += more
    return (None if problems else receipt), problems


def _acknowledgement(
    receipt: TexasSetReceipt, body: list[Segment], reference: str
) -> tuple[TexasSetReceipt, list[X12Problem]]:
    """A 997 has no BGN: its own reference is its control numbers, what it answers is in AK1 and AK2."""
    read = acknowledgements.read([tuple(s.element(n) for n in range(len(s.elements))) for s in body])
    problems = [_problem(body[n], reason, receipt.control_number) for n, reason in read.problems]
    answered = replace(
        receipt,
        reference=reference,
        answers_reference=read.answers_reference,
        action_code=read.code,
        service_code=read.functional_id,
        reject_reasons=read.notes,
    )
    return answered, problems


def _codes(layout: SetLayout, purpose: str, action: str, service: str) -> list[tuple[str, str]]:
    places = ((layout.purpose, purpose), (layout.action, action), (layout.service, service))
    return [(f"{place.segment}{place.element:02d}", code) for place, code in places if place]


def _reject_words(body: list[Segment]) -> tuple[str, ...]:
    """What the sender said of each reject code (REF03, beside the code in REF02); none when it said nothing."""
    said = tuple(
        segment.element(3) if segment.element(2) else ""
        for segment in body
        if segment.id == "REF" and segment.element(1) == "7G"
    )
    return said if any(said) else ()


def _content_problems(
    receipt: TexasSetReceipt, name: names.TexasSetName, layout: SetLayout, header: Segment, number: str
) -> list[X12Problem]:
    problems = []
    for label, duns in (("sender", receipt.sender_duns), ("receiver", receipt.receiver_duns)):
        if not _DUNS.fullmatch(duns):
            problems.append(_problem(header, f"the {label} DUNS '{duns[:20]}' is not 9 digits (DUNS) or 13 (DUNS+4)"))
    if name.needs_esi_id and not receipt.esi_id:
        problems.append(_problem(header, f"the {name.name} has no ESI ID (REF~Q5)", number))
    elif receipt.esi_id and not _ESI_ID.fullmatch(receipt.esi_id):
        problems.append(_problem(header, f"ESI ID '{receipt.esi_id[:30]}' is not 17 or 22 digits starting 10", number))
    if layout.reference and not receipt.reference:
        problems.append(_problem(header, f"the {name.name} has no reference ({_label(layout.reference)})", number))
    if layout.date and not _is_date(receipt.date):
        problems.append(_problem(header, f"{_label(layout.date)} '{receipt.date[:20]}' is not a CCYYMMDD date", number))
    return [X12Problem(p.position, p.segment_id, number, p.reason) for p in problems]


def _label(place: Place) -> str:
    return f"{place.segment}{place.element:02d}"


def _is_date(value: str) -> bool:
    if len(value) != 8 or not boundary.is_number(value):
        return False
    try:
        datetime.strptime(value, "%Y%m%d")
    except ValueError:
        return False
    return True


def _iea_problems(iea: Segment | None, last: Segment, envelope: Envelope, groups: int) -> list[X12Problem]:
    if iea is None:
        return [_problem(last, "the interchange has no IEA: it is cut short")]
    problems = []
    if iea.element(1) != str(groups):
        problems.append(
            _problem(iea, f"IEA01 says {iea.element(1) or 'nothing'}; the interchange holds {groups} functional groups")
        )
    if iea.element(2) != envelope.control_number:
        problems.append(_problem(iea, f"IEA02 {iea.element(2)} does not match ISA13 {envelope.control_number}"))
    return problems


def _problem(segment: Segment, reason: str, control_number: str = "") -> X12Problem:
    return X12Problem(segment.position, segment.id[:3], control_number, reason)


def _refused(level: str, control_number: str, segments: list[Segment], separators: Separators) -> RefusedPart:
    text = "".join(segment.text + separators.segment for segment in segments)
    return RefusedPart(level, control_number, segments[0].position, segments[-1].position, _keepable(text))


def _unreadable_characters(segments: list[Segment]) -> list[X12Problem]:
    """An element holding a control character (a NUL, say) is not X12 data: the whole interchange is refused,
    naming the segment and element, before any of it reaches a script issue."""
    problems = []
    for segment in segments:
        for number, value in enumerate(segment.elements):
            if problem := boundary.text_problem(value, multiline=False, limit=len(value) or 1):
                where = f"element {number}" if number else "its segment ID"
                problems.append(_problem(segment, f"{where} {problem}"))
                break
    return problems


def _keepable(text: str) -> str:
    """Refused text is kept for ERCOT to read; PostgreSQL keeps no NUL, so one is kept as the escape \\x00."""
    return text.replace("\x00", "\\x00")

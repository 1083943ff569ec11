"""The 997 functional acknowledgement: it has no BGN, so X12 practice identifies it by its sender's control
numbers (its own reference is `<ISA13>-<GS06>-<ST02>`, unique per sender) and what it answers by AK1 and AK2
(`<AK102>`, or `<AK102>-<AK202>` when it acknowledges a single transaction set). AK901 says whether the group
passed; what went wrong is kept as the error segments themselves (`AK2*814*0001`, `AK3*REF*4**8`, `AK4*2**7`,
`AK5*R*5`, and AK9 when it carries group error codes), written with `*` between elements whatever separators the
interchange used, and worded from acknowledgement_codes.csv. No I/O besides reading that file."""

from dataclasses import dataclass, field
from functools import cache

from flightrak import boundary
from services.scripts.x12 import names
from services.scripts.x12.transaction_sets import LAYOUTS

SET_ID = "997"
NOTE_SEPARATOR = "*"
_LOOP = ("AK2", "AK3", "AK4", "AK5")
# where the table keeps the meaning of a code found at each element (AK502-AK506 share element 718's list)
_LIST_OF = {"AK501": "AK501", "AK304": "AK304", "AK403": "AK403", "AK901": "AK901"}
_LIST_OF |= {f"AK50{n}": "AK502" for n in range(2, 7)} | {f"AK90{n}": "AK905" for n in range(5, 10)}


@dataclass(frozen=True)
class Acknowledgement:
    """What a 997's AK segments say, as a receipt keeps it; `problems` are (index in the body, reason)."""

    functional_id: str  # AK101: the kind of group acknowledged
    answers_reference: str
    code: str  # AK901
    notes: tuple[str, ...]
    problems: list[tuple[int, str]] = field(default_factory=list)


def reference_of(interchange_control_number: str, group_control_number: str, set_control_number: str) -> str:
    """A 997's own reference: the control numbers its sender gave the interchange, group and set carrying it."""
    return f"{interchange_control_number}-{group_control_number}-{set_control_number}"


def answers_of(group_control_number: str, set_control_number: str = "") -> str:
    return f"{group_control_number}-{set_control_number}" if set_control_number else group_control_number


@cache
def _codes() -> dict[tuple[str, str], tuple[str, bool]]:
    return {
        (row["element"], row["code"]): (row["meaning"], row["accepted"] == "yes")
        for row in names.rows_of("acknowledgement_codes.csv")
    }


def codes_of(element: str) -> tuple[str, ...]:
    """The codes the table knows for an element (AK901, AK501 ...)."""
    return tuple(code for listed, code in _codes() if listed == element)


def accepted(code: str) -> bool:
    """Whether AK901 `code` says the group passed X12 validation (A, E); P, R, M, W and X say it did not."""
    return _codes().get(("AK901", code), ("", False))[1]


def read(body: list[tuple[str, ...]]) -> Acknowledgement:
    """A 997's body (the segments between ST and SE, each its stripped elements with the segment ID first)."""
    problems: list[tuple[int, str]] = []
    ak1 = next((n for n, elements in enumerate(body) if elements[0] == "AK1"), None)
    ak9 = next((n for n, elements in enumerate(body) if elements[0] == "AK9"), None)
    group = _element(body[ak1], 2) if ak1 is not None else ""
    if ak1 is not None and not boundary.is_number(group):
        problems.append((ak1, f"AK102 '{group[:20]}' is not the control number of the group acknowledged"))
    code = _element(body[ak9], 1) if ak9 is not None else ""
    if ak9 is None:
        problems.append((len(body) - 1, "the 997 has no AK9 (whether the group was accepted)"))
    elif code not in codes_of("AK901"):
        problems.append((ak9, f"AK901 '{code[:10]}' is not an acknowledgement code ({', '.join(codes_of('AK901'))})"))
    loops: list[list[tuple[str, ...]]] = []
    starts: list[int] = []
    for n, elements in enumerate(body):
        if elements[0] == "AK2":
            loops.append([elements])
            starts.append(n)
        elif elements[0] in _LOOP:
            if not loops or loops[-1][-1][0] == "AK5":
                problems.append((n, f"{elements[0]} is outside an AK2 loop (AK2 ... AK5)"))
            else:
                loops[-1].append(elements[:4] if elements[0] == "AK4" else elements)  # AK404 copies the bad data
    for start, loop in zip(starts, loops, strict=True):
        if loop[-1][0] != "AK5":
            problems.append((start, f"the AK2 loop for transaction set {_element(loop[0], 2)} has no AK5"))
    notes = [_note(elements) for loop in loops if not _plainly_accepted(loop) for elements in loop]
    if ak9 is not None and any(_element(body[ak9], n) for n in range(5, 10)):
        notes.append(_note(body[ak9]))
    single = _element(loops[0][0], 2) if len(loops) == 1 else ""
    return Acknowledgement(
        functional_id=_element(body[ak1], 1) if ak1 is not None else "",
        answers_reference=answers_of(group, single),
        code=code,
        notes=tuple(notes),
        problems=problems,
    )


def write(functional_id: str, answers_reference: str, code: str, notes: tuple[str, ...]) -> list[list[str]]:
    """The AK segments of a 997 that `read` reads back as these fields, or ValueError saying why it cannot."""
    group, _, single = answers_reference.partition("-")
    if not boundary.is_number(group):
        raise ValueError(f"a 997 answers a group: answers_reference is AK102 or AK102-AK202, not '{answers_reference}'")
    if code not in codes_of("AK901"):
        raise ValueError(f"AK901 '{code}' is not an acknowledgement code")
    segments = [note.split(NOTE_SEPARATOR) for note in notes]
    ak9 = [elements for elements in segments if elements[0] == "AK9"]
    loop = [elements for elements in segments if elements[0] != "AK9"]
    if any(elements[0] not in _LOOP + ("AK9",) for elements in segments):
        raise ValueError("a 997's notes are its AK2, AK3, AK4, AK5 and AK9 segments")
    if any(elements[0] == "AK4" and len(elements) > 4 for elements in segments):
        raise ValueError("an AK4 note ends at AK403: the copy of the bad data (AK404) is not kept")
    if ak9 and (segments[-1] is not ak9[0] or len(ak9) > 1 or ak9[0][1:2] != [code]):
        raise ValueError("an AK9 note comes last, once, with AK901 the receipt's code")
    if ak9 and not any(_element(tuple(ak9[0]), n) for n in range(5, 10)):
        raise ValueError("an AK9 is a note only when it carries group error codes (AK905 to AK909)")
    loops = _loops(loop)
    if any(_plainly_accepted(one) for one in loops):
        raise ValueError("a transaction set accepted without errors is not a note")
    if single and not loops:
        set_id = _set_id_of(functional_id)
        loops, loop = [[("AK2", set_id, single), ("AK5", "A")]], [["AK2", set_id, single], ["AK5", "A"]]
    if single != (_element(loops[0][0], 2) if len(loops) == 1 else ""):
        raise ValueError(
            f"answers_reference '{answers_reference}' names AK202 only when the 997 acknowledges one transaction set"
        )
    count = str(max(1, len(loops)))
    trailer = ak9[0] if ak9 else ["AK9", code, count, count, count if accepted(code) else "0"]
    return [["AK1", functional_id, group], *[list(elements) for elements in loop], trailer]


def reasons(functional_id: str, answers_reference: str, code: str, notes: tuple[str, ...]) -> tuple[str, ...]:
    """Why the acknowledgement failed (or what it noted), in the market's words with the X12 code after each."""
    group = answers_reference.partition("-")[0]
    said = [] if accepted(code) else [f"functional group {group} ({functional_id}): {_words('AK901', code)}"]
    transaction_set = segment = ""
    for note in notes:
        elements = tuple(note.split(NOTE_SEPARATOR))
        kind = elements[0]
        if kind == "AK2":
            transaction_set = f"transaction set {_element(elements, 1)} {_element(elements, 2)}".rstrip()
            segment = ""
        elif kind == "AK3":
            segment = f"segment {_element(elements, 1)} at position {_element(elements, 2)}"
            if _element(elements, 3):
                segment += f" in loop {_element(elements, 3)}"
            if _element(elements, 4):
                said.append(f"{transaction_set}, {segment}: {_words('AK304', _element(elements, 4))}")
        elif kind == "AK4":
            element = f"element {_element(elements, 1)}"
            if _element(elements, 2):
                element += f" (data element {_element(elements, 2)})"
            said.append(f"{transaction_set}, {segment}, {element}: {_words('AK403', _element(elements, 3))}")
        elif kind == "AK5":
            codes = [_words(f"AK50{n}", _element(elements, n)) for n in range(2, 7) if _element(elements, n)]
            said.append(f"{transaction_set}: {'; '.join([_words('AK501', _element(elements, 1)), *codes])}")
        else:
            codes = [_words(f"AK90{n}", _element(elements, n)) for n in range(5, 10) if _element(elements, n)]
            said.append(f"functional group {group} ({functional_id}): {'; '.join(codes)}")
    return tuple(said)


def _words(element: str, code: str) -> str:
    meaning = _codes().get((_LIST_OF.get(element, element), code), ("",))[0]
    return f"{meaning or 'a code acknowledgement_codes.csv does not list'} ({element} {code})"


def _loops(segments: list[list[str]]) -> list[list[tuple[str, ...]]]:
    loops: list[list[tuple[str, ...]]] = []
    for elements in segments:
        if elements[0] == "AK2":
            loops.append([tuple(elements)])
        elif not loops or loops[-1][-1][0] == "AK5":
            raise ValueError(f"{elements[0]} is outside an AK2 loop (AK2 ... AK5)")
        else:
            loops[-1].append(tuple(elements))
    if any(one[-1][0] != "AK5" for one in loops):
        raise ValueError("every AK2 loop ends with its AK5")
    return loops


def _plainly_accepted(loop: list[tuple[str, ...]]) -> bool:
    """An AK2 loop that says only that its set was accepted: the receipt keeps no note of it."""
    return len(loop) == 2 and loop[-1][0] == "AK5" and tuple(e for e in loop[-1][1:] if e) == ("A",)


def _set_id_of(functional_id: str) -> str:
    found = [layout.set_id for layout in LAYOUTS.values() if layout.functional_id == functional_id]
    if not found:
        raise ValueError(f"AK101 '{functional_id}' is not the functional group of a transaction set FlighTrak writes")
    return found[0]


def _note(elements: tuple[str, ...]) -> str:
    kept = list(elements)
    while len(kept) > 1 and not kept[-1]:
        kept.pop()
    return NOTE_SEPARATOR.join(kept)


def _element(elements: tuple[str, ...], number: int) -> str:
    return elements[number] if number < len(elements) else ""

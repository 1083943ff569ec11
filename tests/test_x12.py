"""X12 004010 interchanges (issue 6): the reader on a corpus of good and broken interchanges, the Texas SET name
table, and properties: every receipt survives write-then-read, and no input makes the reader raise."""

from dataclasses import replace
from datetime import datetime
from itertools import groupby
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scripts.x12 import (
    ERCOT_DUNS,
    Separators,
    TexasSetReceipt,
    acknowledgements,
    new_receipt,
    read_interchange,
    texas_set_names,
    write_interchange,
)
from services.scripts.x12.names import name_for
from services.scripts.x12.transaction_sets import LAYOUTS

CORPUS = Path(__file__).parent / "x12_corpus"
LONE_STAR = "079348512"
ONCOR = "103994067"
PREPARED = datetime(2025, 3, 1, 9, 30)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(name: str):
    return read_interchange((CORPUS / name).read_bytes())


def reasons(reading) -> list[tuple[int, str, str, str]]:
    return [(p.position, p.segment_id, p.control_number, p.reason) for p in reading.problems]


# the corpus: good interchanges


def test_a_single_814_01_is_read_with_its_envelope_and_market_fields():
    reading = read("good_814_01.x12")
    assert reading.accepted_whole
    assert reading.envelope.control_number == "000001001"
    assert reading.envelope.sender_id == LONE_STAR
    assert reading.envelope.separators == Separators("*", ">", "~")
    assert reading.receipts == (
        TexasSetReceipt(
            set_id="814",
            texas_set_name="814_01",
            sender_duns=LONE_STAR,
            receiver_duns=ERCOT_DUNS,
            esi_id="10443720000000001",
            reference="SW20250301A",
            date="20250301",
            purpose_code="13",
            action_code="7",
            service_code="CE",
            control_number="0001",
        ),
    )


def test_several_sets_in_one_interchange_are_each_named():
    reading = read("good_several_sets.x12")
    assert reading.accepted_whole
    assert [(r.texas_set_name, r.esi_id) for r in reading.receipts] == [
        ("814_01", "10443720000000001"),
        ("814_16", "10443720000000002"),
        ("814_24", "1008901000140000000001"),
    ]


@pytest.mark.parametrize("name", ["good_other_separators.x12", "good_crlf.x12"])
def test_the_separators_the_isa_declares_and_line_breaks_between_segments_are_read(name):
    reading = read(name)
    assert reading.accepted_whole, reading.problems
    assert {r.texas_set_name for r in reading.receipts} == {"814_01"}
    if name == "good_other_separators.x12":
        assert reading.envelope.separators == Separators("|", "^", "\n")


def test_a_997_is_named_by_its_control_numbers_and_answers_the_group_and_set_it_acknowledges():
    [ack] = read("good_997.x12").receipts
    assert ack == TexasSetReceipt(
        set_id="997",
        texas_set_name="997",
        sender_duns=ERCOT_DUNS,
        receiver_duns=LONE_STAR,
        reference="000002001-2001-0001",  # ISA13-GS06-ST02
        answers_reference="1-0001",  # AK102-AK202
        action_code="A",
        service_code="GE",
        control_number="0001",
    )
    assert (ack.passed, ack.reasons) == (True, ())


def test_a_997_that_rejects_a_set_fails_validation_with_its_reasons_in_the_market_words():
    reading = read("good_997_rejected.x12")
    assert reading.accepted_whole, reading.problems
    [ack] = reading.receipts
    assert (ack.reference, ack.answers_reference, ack.action_code) == ("000003007-3007-0001", "1001", "P")
    # the accepted set 0001 is not kept; the rejected one is, as its segments, without AK404's copy of the data
    assert ack.reject_reasons == ("AK2*814*0002", "AK3*REF*6**8", "AK4*2*128*7", "AK5*R*5")
    assert not ack.passed
    assert ack.reasons == (
        "functional group 1001 (GE): Partially Accepted, At Least One Transaction Set Was Rejected (AK901 P)",
        "transaction set 814 0002, segment REF at position 6: Segment Has Data Element Errors (AK304 8)",
        "transaction set 814 0002, segment REF at position 6, element 2 (data element 128): "
        "Invalid code value (AK403 7)",
        "transaction set 814 0002: Rejected (AK501 R); One or More Segments in Error (AK502 5)",
    )


def test_a_997_rejecting_a_whole_group_names_the_group_error():
    text = (CORPUS / "good_997.x12").read_text().replace("AK2*814*0001~AK5*A~AK9*A*1*1*1~SE*6*", "AK9*R*1*1*0*4~SE*4*")
    [ack] = read_interchange(text).receipts
    assert (ack.answers_reference, ack.reject_reasons) == ("1", ("AK9*R*1*1*0*4",))
    assert ack.reasons == (
        "functional group 1 (GE): Rejected (AK901 R)",
        "functional group 1 (GE): Group Control Number in the Functional Group Header and Trailer Do Not Agree "
        "(AK905 4)",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("AK9*A*1*1*1~SE*6*", "SE*5*", (6, "AK5", "0001", "the 997 has no AK9 (whether the group was accepted)")),
        ("AK9*A*", "AK9*Q*", (7, "AK9", "0001", "AK901 'Q' is not an acknowledgement code (A, E, P, R, M, W, X)")),
        (
            "AK1*GE*1~",
            "AK1*GE*X1~",
            (4, "AK1", "0001", "AK102 'X1' is not the control number of the group acknowledged"),
        ),
        ("AK5*A~", "AK5*A~AK3*REF*4~", (7, "AK3", "0001", "AK3 is outside an AK2 loop (AK2 ... AK5)")),
    ],
)
def test_a_997_that_does_not_say_what_it_acknowledges_is_refused(old, new, problem):
    text = (CORPUS / "good_997.x12").read_text().replace(old, new)
    if new.startswith("AK5*A~AK3"):
        text = text.replace("SE*6*", "SE*7*")
    reading = read_interchange(text)
    assert reading.receipts == ()
    assert reasons(reading) == [problem]


# the corpus: broken interchanges


def test_an_isa_of_the_wrong_length_refuses_the_whole_interchange():
    reading = read("broken_isa_length.x12")
    assert reading.receipts == ()
    assert reasons(reading) == [
        (1, "ISA", "", "the ISA is 105 characters long, not 106 (ISA06 is 14 characters, not 15)")
    ]
    assert reading.refused[0].level == "interchange"
    assert reading.refused[0].text == (CORPUS / "broken_isa_length.x12").read_text()


def test_isa13_and_iea02_that_differ_refuse_the_whole_interchange_with_its_text_kept():
    reading = read("broken_isa13_iea02.x12")
    assert reading.receipts == ()
    assert reasons(reading) == [(12, "IEA", "", "IEA02 000001002 does not match ISA13 000001001")]
    assert [(part.level, part.control_number, part.first_position, part.last_position) for part in reading.refused] == [
        ("interchange", "000001001", 1, 12)
    ]


def test_gs06_and_ge02_that_differ_refuse_that_group_and_accept_the_other():
    reading = read("broken_gs06_ge02.x12")
    assert reasons(reading) == [(11, "GE", "", "GE02 9 does not match GS06 1")]
    assert [r.reference for r in reading.receipts] == ["SW2"]
    assert [(part.level, part.control_number, part.first_position) for part in reading.refused] == [
        ("functional group", "1", 2)
    ]
    assert reading.refused[0].text.startswith("GS*GE*") and reading.refused[0].text.endswith("GE*1*9~")


def test_a_wrong_se01_count_refuses_only_that_set():
    reading = read("broken_se01_count.x12")
    assert reasons(reading) == [(18, "SE", "0002", "SE01 says 5; the set has 8 segments")]
    assert [r.reference for r in reading.receipts] == ["SW1", "SW3"]
    assert [(part.level, part.control_number, part.first_position, part.last_position) for part in reading.refused] == [
        ("transaction set", "0002", 11, 18)
    ]
    assert reading.refused[0].text.startswith("ST*814*0002~BGN*13*SW2*")


def test_st02_and_se02_that_differ_refuse_only_that_set():
    reading = read("broken_st02_se02.x12")
    assert reasons(reading) == [(10, "SE", "0001", "SE02 0009 does not match ST02 0001")]
    assert [r.reference for r in reading.receipts] == ["SW2"]


def test_an_unknown_transaction_set_is_refused_and_named():
    reading = read("broken_unknown_set.x12")
    assert reasons(reading) == [
        (3, "ST", "0001", "transaction set '999' is not one FlighTrak reads (650, 810, 814, 820, 824, 867, 997)")
    ]
    assert [r.reference for r in reading.receipts] == ["SW2"]


def test_an_814_without_its_esi_id_is_refused():
    reading = read("broken_missing_esi_id.x12")
    assert reasons(reading) == [(4, "BGN", "0001", "the 814_01 has no ESI ID (REF~Q5)")]
    assert [r.reference for r in reading.receipts] == ["SW2"]


def test_garbage_is_refused_whole():
    reading = read("broken_garbage.x12")
    assert reading.envelope is None and reading.receipts == ()
    assert reasons(reading) == [(1, "ISA", "", "an interchange begins with ISA")]
    assert reading.refused[0].text.startswith("Dear ERCOT")


def test_ge01_and_iea01_counts_are_checked():
    good = (CORPUS / "good_several_sets.x12").read_text()
    assert reasons(read_interchange(good.replace("GE*3*1~", "GE*2*1~"))) == [
        (27, "GE", "", "GE01 says 2; the group holds 3 transaction sets")
    ]
    assert reasons(read_interchange(good.replace("IEA*1*", "IEA*2*"))) == [
        (28, "IEA", "", "IEA01 says 2; the interchange holds 1 functional groups")
    ]


# the Texas SET name table


def test_the_table_names_every_transaction_the_issue_lists():
    named = {name.name for name in texas_set_names()}
    assert {
        "814_01", "814_02", "814_03", "814_04", "814_05", "814_16", "814_17", "814_24", "814_25", "814_20",
        "867_03", "867_04", "810_02", "820_02", "650_01", "650_02", "997", "824",
    } <= named  # fmt: skip
    assert all(name.set_id in LAYOUTS and name.confirmed for name in texas_set_names())


def test_direction_tells_814_01_from_814_03():
    assert name_for("814", "13", "7", "CE", from_ercot=False, to_ercot=True).name == "814_01"
    assert name_for("814", "13", "7", "CE", from_ercot=True, to_ercot=False).name == "814_03"
    assert name_for("814", "13", "7", "ZZ", from_ercot=False, to_ercot=True).name == "814_20"
    assert name_for("814", "13", "7", "CE", from_ercot=False, to_ercot=False) is None


def test_an_unknown_combination_of_codes_is_a_named_problem():
    text = (CORPUS / "good_814_01.x12").read_text().replace("BGN*13*", "BGN*99*")
    assert reasons(read_interchange(text)) == [
        (
            4,
            "BGN",
            "0001",
            "transaction set 814 with BGN01 '99', ASI01 '7', LIN05 'CE', to ERCOT, "
            "is not a Texas SET transaction FlighTrak knows",
        )
    ]


# the writer


def test_the_writer_refuses_what_it_cannot_write():
    receipt = new_receipt("814_01", LONE_STAR, ERCOT_DUNS, esi_id="10443720000000001", reference="A*B", date="20250301")
    with pytest.raises(ValueError, match="separator"):
        write_interchange([receipt], prepared=PREPARED, control_number=1)
    with pytest.raises(ValueError, match="differ"):
        write_interchange([replace(receipt, reference="AB")], prepared=PREPARED, control_number=1,
                          separators=Separators("*", "*", "~"))  # fmt: skip
    with pytest.raises(ValueError, match="no place for answers_reference"):
        write_interchange([new_receipt("867_03", ONCOR, ERCOT_DUNS, answers_reference="X")], prepared=PREPARED,
                          control_number=1)  # fmt: skip


def test_the_writer_writes_a_997_only_as_a_reader_will_read_it_back():
    ack = new_receipt("997", LONE_STAR, ERCOT_DUNS, service_code="GE", answers_reference="7-0001", action_code="A")
    with pytest.raises(ValueError, match="ISA13-GS06-ST02, 000000005-1-0001"):
        write_interchange([replace(ack, reference="ACK1")], prepared=PREPARED, control_number=5)
    ack = replace(ack, reference="000000005-1-0001")
    assert read_interchange(write_interchange([ack], prepared=PREPARED, control_number=5)).receipts == (
        replace(ack, control_number="0001"),
    )
    loops = ("AK2*814*0001", "AK5*R*5", "AK2*814*0002", "AK5*R*5")
    for wrong, match in [
        (replace(ack, reject_reasons=loops), "names AK202 only when the 997 acknowledges one"),
        (replace(ack, reject_reasons=("AK2*814*0001", "AK5*A")), "accepted without errors is not a note"),
        (replace(ack, reject_reasons=("AK3*REF*4**8",)), "outside an AK2 loop"),
        (replace(ack, reject_reasons=("AK2*814*0001", "AK4*2**7*BAD", "AK5*R*5")), "AK404"),
        (replace(ack, answers_reference="G1"), "answers a group"),
        (replace(ack, action_code="Q"), "not an acknowledgement code"),
    ]:
        with pytest.raises(ValueError, match=match):
            write_interchange([wrong], prepared=PREPARED, control_number=5)


# properties

_SEPARATORS = (
    st.permutations(["*", "|", "^", ">", "~", "!", ":", "+", "\n"])
    .map(lambda chars: chars[:3])
    .filter(lambda chars: "\n" not in chars[:2])
)


def _digits(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


_DUNS = st.one_of(_digits(9), _digits(13)).filter(lambda duns: duns != ERCOT_DUNS)
_ESI_ID = st.one_of(_digits(15), _digits(20)).map(lambda rest: "10" + rest)
_REFERENCE = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=30)
_DATE = st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2099, 12, 31).date()).map(
    lambda day: day.strftime("%Y%m%d")
)
_CODE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=3)
_NUMBER = st.integers(min_value=1, max_value=999_999_999).map(str)
_SEGMENT_ID = st.from_regex(r"[A-Z][A-Z0-9]{1,2}", fullmatch=True)


def _note(*elements: str) -> str:
    kept = list(elements)
    while not kept[-1]:
        kept.pop()
    return "*".join(kept)


@st.composite
def _rejected_loops(draw) -> tuple[str, ...]:
    """An AK2 loop that says more than "accepted": errors in segments and elements, and its AK5."""
    set_control_number = draw(_REFERENCE)
    notes = [_note("AK2", draw(st.sampled_from(sorted(LAYOUTS))), set_control_number)]
    for _ in range(draw(st.integers(0, 2))):
        notes.append(_note("AK3", draw(_SEGMENT_ID), draw(_NUMBER), draw(st.one_of(st.just(""), _CODE)),
                           draw(st.one_of(st.just(""), _CODE))))  # fmt: skip
        for _ in range(draw(st.integers(0, 2))):
            notes.append(_note("AK4", draw(_NUMBER), draw(st.one_of(st.just(""), _NUMBER)), draw(_CODE)))
    code = draw(st.sampled_from(acknowledgements.codes_of("AK501")))
    errors = draw(st.lists(_CODE, min_size=0 if code != "A" or len(notes) > 1 else 1, max_size=5))
    notes.append(_note("AK5", code, *errors))
    return tuple(notes)


@st.composite
def _acknowledgement(draw, receipt: TexasSetReceipt) -> TexasSetReceipt:
    """A 997: its AK1, the loops it keeps, maybe an AK9 with group errors; its reference is set once numbered."""
    code = draw(st.sampled_from(acknowledgements.codes_of("AK901")))
    loops = draw(st.lists(_rejected_loops(), max_size=3))
    notes = [note for loop in loops for note in loop]
    single = loops[0][0].split("*")[2] if len(loops) == 1 else ""
    if not loops and draw(st.booleans()):
        single = draw(_REFERENCE)  # a single set accepted: AK2 and AK5*A, kept only in answers_reference
    group_errors = draw(st.lists(_CODE, max_size=5))
    if group_errors:
        notes.append(_note("AK9", code, *draw(st.lists(_NUMBER, min_size=3, max_size=3)), *group_errors))
    return replace(
        receipt,
        service_code=draw(st.sampled_from(sorted({layout.functional_id for layout in LAYOUTS.values()}))),
        answers_reference=acknowledgements.answers_of(draw(_NUMBER), single),
        action_code=code,
        reject_reasons=tuple(notes),
    )


@st.composite
def receipts(draw) -> TexasSetReceipt:
    row = draw(st.sampled_from(texas_set_names()))
    layout = LAYOUTS[row.set_id]

    def party(role: str) -> str:
        return ERCOT_DUNS if role == "ERCOT" else draw(_DUNS)

    def code(given: str, place) -> str:
        return given or (draw(_CODE) if place else "")

    receipt = TexasSetReceipt(
        set_id=row.set_id,
        texas_set_name=row.name,
        sender_duns=party(row.sender),
        receiver_duns=party(row.receiver),
        esi_id=draw(_ESI_ID) if row.needs_esi_id else "",
        reference=draw(_REFERENCE) if layout.reference else "",
        answers_reference=draw(st.one_of(st.just(""), _REFERENCE)) if layout.answers else "",
        date=draw(_DATE) if layout.date else "",
        purpose_code=code(row.purpose_code, layout.purpose),
        action_code=code(row.action_code, layout.action),
        service_code=code(row.service_code, layout.service),
        reject_reasons=tuple(draw(st.lists(_CODE, max_size=3))) if layout.carries_reasons else (),
    )
    from_ercot, to_ercot = receipt.sender_duns == ERCOT_DUNS, receipt.receiver_duns == ERCOT_DUNS
    # a code drawn for a blank column may name a more specific row: keep receipts the table names as drawn
    named = name_for(row.set_id, receipt.purpose_code, receipt.action_code, receipt.service_code,
                     from_ercot=from_ercot, to_ercot=to_ercot)  # fmt: skip
    receipt = replace(receipt, texas_set_name=named.name) if named else receipt
    return draw(_acknowledgement(receipt)) if row.set_id == acknowledgements.SET_ID else receipt


def _own_references(receipts: list[TexasSetReceipt], control_number: int) -> list[TexasSetReceipt]:
    """Each 997 given the reference its envelope gives it: ISA13, its group's GS06 (the writer numbers a group
    per run of receipts of the same kind between the same DUNS) and its ST02."""
    runs = groupby(receipts, key=lambda r: (LAYOUTS[r.set_id].functional_id, r.sender_duns, r.receiver_duns))
    return [
        replace(r, reference=acknowledgements.reference_of(f"{control_number:09d}", str(group), r.control_number))
        if r.set_id == acknowledgements.SET_ID
        else r
        for group, (_, run) in enumerate(runs, start=1)
        for r in run
    ]


# a 997 is one row of the table in many, but has the most to say: drawn on its own as often as any other
_ACKNOWLEDGEMENTS = st.tuples(_DUNS, _DUNS).flatmap(lambda duns: _acknowledgement(new_receipt("997", *duns)))


@PROPERTY
@given(
    st.lists(st.one_of(receipts(), _ACKNOWLEDGEMENTS), min_size=1, max_size=5),
    _SEPARATORS,
    st.sampled_from(["", "\n", "\r\n"]),
    st.integers(min_value=1, max_value=999_999_999),
)
def test_any_receipt_survives_write_then_read(written, chars, after, control_number):
    separators = Separators(*chars, after_segment="" if chars[2] == "\n" else after)
    numbered = [replace(receipt, control_number=f"{n:04d}") for n, receipt in enumerate(written, start=1)]
    numbered = _own_references(numbered, control_number)
    text = write_interchange(numbered, prepared=PREPARED, control_number=control_number, separators=separators)
    reading = read_interchange(text)
    assert reading.problems == ()
    assert reading.receipts == tuple(numbered)
    assert reading.envelope.control_number == f"{control_number:09d}"


@PROPERTY
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_reader(raw):
    reading = read_interchange(raw)
    assert reading.problems or reading.receipts == () or reading.accepted_whole


_GOOD = (CORPUS / "good_several_sets.x12").read_bytes()


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, len(_GOOD) - 1), st.binary(max_size=3)), min_size=1, max_size=6))
def test_mutations_of_a_good_interchange_never_crash_the_reader_and_refuse_what_they_break(edits):
    mutated = bytearray(_GOOD)
    for offset, replacement in edits:
        mutated[offset : offset + 1] = replacement
    reading = read_interchange(bytes(mutated))
    accepted = {receipt.control_number for receipt in reading.receipts}
    refused_sets = {part.control_number for part in reading.refused if part.level == "transaction set"}
    assert not accepted & refused_sets
    if reading.problems:
        assert reading.refused, "a problem always comes with what it refused"


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"])
def test_a_control_character_in_an_element_refuses_the_interchange_and_is_kept_readable(character):
    """One NUL in a reference once reached a workflow's history and the database; now the interchange is refused whole,
    naming the segment and element, and the refused text ERCOT reads keeps a NUL as the escape \\x00."""
    raw = (CORPUS / "good_814_01.x12").read_text().replace("REF*", f"REF*{character}", 1)
    reading = read_interchange(raw)
    assert reading.receipts == ()
    unreadable = [problem for problem in reading.problems if "element 1 holds" in problem.reason]
    assert unreadable and unreadable[0].segment_id == "REF"
    assert all("\x00" not in part.text for part in reading.refused)


@pytest.mark.parametrize(
    "blanks",
    [lambda x12: x12 + " \t", lambda x12: x12.replace("~", "~\n  "), lambda x12: x12.replace("~", "~ \t\r\n")],
    ids=["after the last terminator", "indented lines", "blanks before each line break"],
)
def test_blanks_between_segments_are_not_segments(blanks):
    """A space or tab after the last ~, or between a ~ and the next line, is layout, not data."""
    reading = read_interchange(blanks((CORPUS / "good_814_01.x12").read_text()))
    assert reading.problems == () and len(reading.receipts) == 1


def test_a_reject_keeps_what_the_sender_said_beside_its_code():
    """REF*7G*A13*Customer name...: the step shows the code and the words (REF03 was dropped), and writes them back."""
    raw = (CORPUS / "good_814_01.x12").read_text()
    failed = replace(
        read_interchange(raw).receipts[0],
        reject_reasons=("A13", "B02"),
        reject_words=("Customer name does not match the premise", ""),
    )
    [read] = read_interchange(write_interchange([failed], prepared=PREPARED, control_number=7)).receipts
    assert read == failed and not read.passed
    assert read.reasons == ("reject reason A13: Customer name does not match the premise", "reject reason B02")

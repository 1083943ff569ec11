"""Qualification letter rules without I/O: when a letter is due, what it certifies, who reviews it, and its PDF read
back with pypdf."""

import io
from datetime import UTC, datetime

import pypdf

from flightrak import authz, roles, tokens
from services.scripts import letter_pdf, letters
from workflows.letters import models as m
from workflows.letters.rules import FLOW, Letter
from workflows.scripts import models as scripts

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CR, SP = "079348512", "601234587"
ERCOT = tokens.Principal("1", "183529049", frozenset({roles.ERCOT_REVIEWER}), "Erin Cot", "ERCOT")
CR_USER = tokens.Principal("7", CR, frozenset({roles.AR, roles.USER}), "Pat Doe", "CR")
PASSED, FAILED, NOT_COMPLETED = scripts.SCRIPT_PASSED, scripts.SCRIPT_FAILED, scripts.NOT_COMPLETED


def test_a_letter_is_due_once_every_script_issue_of_the_cr_has_closed():
    assert letters.why_due([PASSED, PASSED]) == m.ALL_PASSED
    assert letters.why_due([PASSED, FAILED, NOT_COMPLETED]) == m.ALL_CLOSED
    assert letters.why_due([PASSED, "Pending Check"]) == ""
    assert letters.why_due([PASSED, ""]) == ""  # an issue still opening
    assert letters.why_due([]) == ""


def test_the_scenarios_certified_are_the_pairing_kinds_in_the_markets_order():
    assert letters.scenarios_of([["system_change"], ["new_cr"], []]) == ["New CR", "System Change"]
    assert letters.scenarios_of([["bank_change", "system_change"]]) == ["Bank Change", "System Change"]
    assert letters.scenarios_of([]) == []


def test_only_ercot_reviews_and_a_reject_needs_a_comment():
    letter = Letter(CR)
    assert FLOW.refusal(m.APPROVE, m.AWAITING_REVIEW, ERCOT, letter, NOW) is None
    assert FLOW.refusal(m.APPROVE, m.AWAITING_REVIEW, CR_USER, letter, NOW).kind == "PermissionDenied"
    refused = FLOW.refusal(m.REJECT, m.AWAITING_REVIEW, ERCOT, letter, NOW)
    assert (refused.kind, refused.field) == ("InvalidFields", "comment")
    assert FLOW.refusal(m.REJECT, m.AWAITING_REVIEW, ERCOT, letter, NOW, comment="LTR01 is open") is None
    assert FLOW.refusal(m.DRAFT_AGAIN, m.AWAITING_REVIEW, ERCOT, letter, NOW).kind == "FailedPrecondition"
    assert FLOW.refusal(m.APPROVE, m.APPROVED, ERCOT, letter, NOW).kind == "FailedPrecondition"
    assert [o["name"] for o in FLOW.offered(m.REJECTED, ERCOT, letter, NOW)] == [m.DRAFT_AGAIN]
    assert FLOW.offered(m.AWAITING_REVIEW, CR_USER, letter, NOW) == []
    assert FLOW.refusal(m.DRAFT, "", ERCOT, letter, NOW) is not None  # FlighTrak's alone


def test_a_letter_is_read_by_its_cr_its_sp_and_ercot():
    readers = authz.letter_readers(CR, SP)
    assert authz.may_read(CR_USER, readers) and authz.may_read(ERCOT, readers)
    sp = tokens.Principal("8", SP, frozenset({roles.USER}), "Sam Pe", "SP")
    other = tokens.Principal("9", "116724480", frozenset({roles.AR}), "Bo Nett", "CR")
    assert authz.may_read(sp, readers) and not authz.may_read(other, readers)


def content(rows: list[letters.LetterRow], approved: str = "") -> letter_pdf.LetterContent:
    return letter_pdf.LetterContent(
        "0625", "Lone Star Power & Light \u2013 East", "0793485120001", ["New CR"], rows, NOW, 1, approved
    )


def test_the_pdf_lists_each_pairing_and_script_with_the_day_it_passed_and_marks_a_draft():
    rows = [
        letters.LetterRow(
            "103994067", "Oncor Electric Delivery Company LLC", f"SW{n:02d}", "Switch", PASSED, "2026-11-2"
        )
        for n in range(1, 4)
    ] + [letters.LetterRow("957877905", "CenterPoint Energy Houston Electric, LLC", "MVI01", "Move-In", FAILED)]
    approved = pypdf.PdfReader(io.BytesIO(letter_pdf.render(content(rows, "on 2026-11-24 by Erin Cot, ERCOT"))))
    text = "\n".join(page.extract_text() for page in approved.pages)
    assert "DRAFT" not in text and "Flight 0625" in text and "0793485120001" in text
    assert "Lone Star Power & Light - East" in text  # an en dash, in the core fonts' Latin-1
    for row in rows[:3]:
        assert any(
            row.script_id in line and row.tdsp_duns in line and "2026-11-2" in line for line in text.splitlines()
        )
    assert "Not passed (1)" in text and "Script Failed" in text and "Scripts passed 3 of 4" in text
    draft = pypdf.PdfReader(io.BytesIO(letter_pdf.render(content(rows))))
    assert all("DRAFT" in page.extract_text() for page in draft.pages)


def test_a_letter_of_a_hundred_and_twenty_scripts_runs_to_pages_each_marked_draft():
    rows = [letters.LetterRow("103994067", "Oncor", f"S{n:03d}", "A check", PASSED, "2026-11-20") for n in range(120)]
    pages = pypdf.PdfReader(io.BytesIO(letter_pdf.render(content(rows)))).pages
    assert len(pages) > 1 and all("DRAFT" in page.extract_text() for page in pages)
    assert sum(page.extract_text().count("2026-11-20") for page in pages) == 120


def test_text_the_core_fonts_cannot_draw_becomes_plain():
    assert letter_pdf.plain("O\u2019Brien \u201cPower\u201d \u00e9") == 'O\'Brien "Power" \u00e9'
    assert letter_pdf.plain("\u96fb\u529b\x85") == "???"

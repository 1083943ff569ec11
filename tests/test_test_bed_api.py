"""Test beds through the HTTP API (guide §6.3-6.4, §7.1's opening), on the real stack: a TDSP downloads its
template, uploads a bad file and sees every bad row named, uploads a good one, ERCOT rejects then approves;
the CR Scripts Test Bed report fills in TDSP by TDSP; connectivity testing waits for every test bed."""

import csv
import io

import psycopg
from openpyxl import load_workbook

from services.testbed.test_bed_file import TEMPLATE_COLUMNS
from tests.conftest import sign_in
from tests.registration_helpers import (
    LONESTAR,
    ONCOR,
    act,
    approved,
    create_flight,
    registration_closed,
    report,
)
from tests.test_script_pack_api import EXAMPLE as EXAMPLE_PACK
from tests.test_script_pack_api import YAML, put_pack
from tests.test_specifications_api import approved_lonestar
from tests.test_specifications_rules import good_raw

TEMPLATE_HEADER = list(TEMPLATE_COLUMNS)  # the file rules test its columns
# The guide's columns of the CR Scripts Test Bed (§4.3 item 3), in its order.
REPORT_COLUMNS = [
    "Item ID",
    "Flight",
    "CR Involved",
    "TDSP Involved",
    "Script ID",
    "Customer 1",
    "Customer 2",
    "ESI ID",
    "Zip Code",
    "Meter #",
    "Customer Name 1",
    "Customer Name 2",
    "Rate Class/Meter Type",
    "DOE #",
    "Membership Account Number 1",
    "Membership Account Number 2",
    "Serv Loc",
    "Cycle",
]
SCRIPTS = ["SW01", "MVI01", "MVO01", "MVO-MVI01", "CSA01", "SO01", "BIL01"]
TWO_PREMISES = "MVO-MVI01"
PREMISE_LABELS = {TWO_PREMISES: ["1: Move-out premise", "2: Move-in premise"]}  # what the template says
# The example pack's business scripts that a new CR paired with an investor-owned TDSP runs (BIL02 is the
# municipal and co-op TDSPs' invoice).
PACK_SCRIPTS = ["SW01", "MVI01", "MVO01", "MVO-MVI01", "BIL01", "SO01"]
ONCOR_NAME = "Oncor Electric Delivery Company LLC"
CENTERPOINT_NAME = "CenterPoint Energy Houston Electric, LLC"


def esi(n: int, digits: int = 17) -> str:
    return "10" + f"{n:0{digits - 2}d}"


async def tdsp_request(http, auth, designation: str) -> int:
    [row] = (await report(http, auth, "tdsp-test-specs", flight=designation))["rows"]
    return int(row["Item ID"])


async def loading(http, auth, designation: str) -> int:
    """The TDSP's request, its specifications provided: Test Bed Loading."""
    item_id = await tdsp_request(http, auth, designation)
    reply = await act(http, auth, item_id, "provide", **good_raw())
    assert reply.json()["state"] == "Test Bed Loading", reply.text
    return item_id


async def template_rows(http, auth, item_id: int) -> list[dict[str, str]]:
    reply = await http.get(f"/api/v1/items/{item_id}/test-bed", params={"format": "csv"}, headers=auth)
    assert reply.status_code == 200, reply.text
    return list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))


SERV_LOC = 'Bldg 2\\Unit 4, "Rear"'  # a backslash and quotes come back as typed


def filled(rows: list[dict[str, str]], first_esi_id: int, digits: int = 17, notes_column: bool = False) -> bytes:
    """The template filled in as a TDSP would, a premise on each row; saved by Excel as CSV UTF-8 (a BOM,
    Windows line ends). With `notes_column`, a last column with no header name and nothing in it, as a
    spreadsheet often leaves."""
    out = io.StringIO(newline="")
    header = [*TEMPLATE_HEADER, ""] if notes_column else TEMPLATE_HEADER
    writer = csv.DictWriter(out, header, lineterminator="\r\n", restval="")
    writer.writeheader()
    n = first_esi_id
    for row in rows:
        n += 1
        writer.writerow(
            row
            | {
                "ESI ID": esi(n, digits),
                "Zip Code": "75201",
                "Meter #": f"M{n}",
                "Rate Class/Meter Type": "Residential",
                "Customer Name 1": f"Test Premise {n}",
                "Serv Loc": SERV_LOC,
                "Cycle": "5",
            }
        )
    return out.getvalue().encode("utf-8-sig")


async def upload(http, auth, item_id: int, content: bytes, name: str = "test-bed.csv"):
    files = {"file": (name, content, "text/csv")}
    return await http.post(f"/api/v1/items/{item_id}/attachments", files=files, headers=auth)


def lonestar_rows(found: dict, tdsp_name: str) -> list[dict[str, str]]:
    return [r for r in found["rows"] if r["TDSP Involved"] == tdsp_name and r["CR Involved"].startswith("Lone Star")]


async def test_a_tdsp_loads_its_test_bed_and_the_cr_sees_real_esi_ids_once_ercot_approves(http):
    flight, _ = await approved_lonestar(http)
    designation = flight["designation"]
    oncor = await sign_in(http, "user@oncor.example")
    lonestar, sp = await sign_in(http, "user@lonestar.example"), await sign_in(http, "user@edigate.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    item_id = await loading(http, oncor, designation)

    # The template: one row per pairing x script x premise, CR DUNS, Script ID and Premise filled in; as xlsx
    # too, cells as Text.
    template = await template_rows(http, oncor, item_id)
    assert list(template[0]) == TEMPLATE_HEADER
    assert [(r["CR DUNS"], r["Script ID"], r["Premise"]) for r in template] == [
        (LONESTAR, s, label) for s in SCRIPTS for label in PREMISE_LABELS.get(s, ["1"])
    ]
    book = await http.get(f"/api/v1/items/{item_id}/test-bed", params={"format": "xlsx"}, headers=oncor)
    sheet = load_workbook(io.BytesIO(book.content))["Test Bed"]
    assert [c.value for c in sheet[1]] == TEMPLATE_HEADER and sheet["A2"].value == LONESTAR
    assert sheet["F1"].value == "ESI ID" and sheet["F2"].number_format == "@"
    assert (await http.get(f"/api/v1/items/{item_id}/test-bed", headers=lonestar)).status_code == 403
    bluebonnet = await sign_in(http, "user@bluebonnet.example")
    assert (await http.get(f"/api/v1/items/{item_id}/test-bed", headers=bluebonnet)).status_code == 404

    # The CR sees placeholders for every TDSP until that TDSP's test bed is approved.
    before = await report(http, lonestar, "cr-scripts-test-bed", flight=designation)
    assert before["columns"] == REPORT_COLUMNS
    oncor_rows = lonestar_rows(before, "Oncor Electric Delivery Company LLC")
    assert [(r["Script ID"], r["ESI ID"], r["Zip Code"]) for r in oncor_rows] == [
        (s, f"ESIID{n}", "") for s in SCRIPTS for n in ((1, 2) if s == TWO_PREMISES else (1,))
    ]
    assert {r["Item ID"] for r in oncor_rows} == {str(item_id)}

    # A bad file: every bad row named, nothing kept.
    good = filled(template, first_esi_id=7000)
    lines = good.decode("utf-8-sig").split("\r\n")
    bad_lines = [
        lines[0],
        lines[1].replace(f",{esi(7001)},", f",{esi(7001)}0000,"),  # 21 digits for Oncor
        lines[2].replace(f",{esi(7002)},", f",{esi(7001)},"),  # the ESI ID of row 2
        lines[3].replace("Test Premise 7003", '=HYPERLINK("http://evil.example")'),
        *lines[4:],
    ]
    bad = await upload(http, oncor, item_id, "\r\n".join(bad_lines).encode("utf-8-sig"))
    assert bad.status_code == 422, bad.text
    problems = bad.json()["error"]["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "ESI ID"), (4, "Customer Name 1")]
    # Row 3 repeats the ESI ID row 2 meant to have; row 2's being refused, row 3's is the first use.
    assert "21 digits; this TDSP's ESI IDs have 17" in problems[0]["message"]
    assert "formula" in problems[1]["message"] and "HYPERLINK" not in problems[1]["message"]
    assert "nothing of it was kept" in bad.json()["error"]["message"]
    unchanged = (await http.get(f"/api/v1/items/{item_id}", headers=oncor)).json()
    assert unchanged["state"] == "Test Bed Loading" and "test_bed_id" not in unchanged["fields"]
    duplicate = await upload(http, oncor, item_id, "\r\n".join([lines[0], lines[1], lines[1], *lines[3:]]).encode())
    assert duplicate.json()["error"]["problems"][0] == {
        "row": 3,
        "column": "ESI ID",
        "message": f"{esi(7001)} is also on row 2; each ESI ID may be used once",
    }
    too_big = await http.post(f"/api/v1/items/{item_id}/attachments", content=b"x" * (11 * 1024 * 1024), headers=oncor)
    assert too_big.status_code == 413
    assert "a test bed may be at most 10.0 MB" in too_big.json()["error"]["message"]
    empty = await upload(http, oncor, item_id, b"")
    assert empty.json()["error"]["problems"] == [{"row": 0, "column": "", "message": "the file is empty"}]
    assert (await act(http, oncor, item_id, "submit_test_bed")).status_code == 409
    assert (await upload(http, lonestar, item_id, good)).status_code == 403

    # A good file: kept, then submitted; ERCOT downloads it, rejects, then approves.
    attached = await upload(http, oncor, item_id, good, name="C:\\Users\\oncor\\Flight test bed.csv")
    assert attached.status_code == 200, attached.text
    assert attached.json()["rows"] == len(SCRIPTS) + 1
    fields = attached.json()["item"]["fields"]
    assert (fields["test_bed_file"], fields["test_bed_rows"]) == ("Flight test bed.csv", str(len(SCRIPTS) + 1))
    submitted = await act(http, oncor, item_id, "submit_test_bed")
    assert (submitted.json()["state"], submitted.json()["responsible_party"]) == ("Test Bed Review (ERCOT)", "ERCOT")
    kept = await http.get(
        f"/api/v1/items/{item_id}/test-bed", params={"kind": "attached", "format": "csv"}, headers=reviewer
    )
    kept_rows = list(csv.DictReader(io.StringIO(kept.content.decode("utf-8-sig"))))
    assert len(kept_rows) == len(SCRIPTS) + 1 and {r["Cycle"] for r in kept_rows} == {"05"}
    assert (await act(http, reviewer, item_id, "reject", "Use premises in zip 75202.")).json()["state"] == (
        "Test Bed Loading"
    )
    assert all(
        r["ESI ID"].startswith("ESIID")
        for r in lonestar_rows(
            await report(http, lonestar, "cr-scripts-test-bed", flight=designation),
            "Oncor Electric Delivery Company LLC",
        )
    )
    again = await upload(http, oncor, item_id, good.replace(b",75201,", b",75202,"))
    assert again.status_code == 200, again.text
    await act(http, oncor, item_id, "submit_test_bed")
    done = (await act(http, reviewer, item_id, "approve")).json()
    assert (done["state"], done["closed"]) == ("Completed", True)

    # Real ESI IDs replace the placeholders for Oncor's rows only.
    after = await report(http, lonestar, "cr-scripts-test-bed", flight=designation)
    oncor_rows = lonestar_rows(after, "Oncor Electric Delivery Company LLC")
    assert len(oncor_rows) == len(SCRIPTS) + 1
    assert all(r["ESI ID"].startswith("10") and len(r["ESI ID"]) == 17 for r in oncor_rows)
    assert {(r["Zip Code"], r["Cycle"], r["Rate Class/Meter Type"], r["Serv Loc"]) for r in oncor_rows} == {
        ("75202", "05", "Residential", SERV_LOC)
    }
    centerpoint_rows = lonestar_rows(after, "CenterPoint Energy Houston Electric, LLC")
    assert {(r["ESI ID"], r["Zip Code"]) for r in centerpoint_rows} == {("ESIID1", ""), ("ESIID2", "")}

    # Who sees which rows: the CR and its SP all of the CR's; each TDSP its own pairings; others none.
    assert (await report(http, sp, "cr-scripts-test-bed", flight=designation))["rows"] == after["rows"]
    oncor_view = await report(http, oncor, "cr-scripts-test-bed", flight=designation)
    assert oncor_view["rows"] == oncor_rows
    centerpoint = await sign_in(http, "user@centerpoint.example")
    assert (await report(http, centerpoint, "cr-scripts-test-bed", flight=designation))["rows"] == centerpoint_rows
    assert (await report(http, bluebonnet, "cr-scripts-test-bed", flight=designation))["rows"] == []
    assert (await report(http, lonestar, "cr-scripts-test-bed", item_id=item_id))["rows"] == oncor_rows

    # Exports: the same rows, formulas never live.
    exported = await http.get(
        "/api/v1/reports/cr-scripts-test-bed", params={"flight": designation, "format": "xlsx"}, headers=lonestar
    )
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in sheet[1]] == REPORT_COLUMNS
    assert sheet.max_row == len(after["rows"]) + 1
    as_csv = await http.get(
        "/api/v1/reports/cr-scripts-test-bed", params={"flight": designation, "format": "csv"}, headers=lonestar
    )
    assert len(list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))) == len(after["rows"])

    # A paired CR sees the TDSP's request (the Item ID its report links) but may not act on it.
    seen = await http.get(f"/api/v1/items/{item_id}", headers=lonestar)
    assert seen.status_code == 200 and seen.json()["actions"] == []


def placeholders(scripts: list[str]) -> list[tuple[str, str]]:
    return [(s, f"ESIID{n}") for s in scripts for n in ((1, 2) if s == TWO_PREMISES else (1,))]


def per_premise(scripts: list[str]) -> list[str]:
    """A template's (or the report's) Script IDs: a row per premise."""
    return [s for s in scripts for _ in PREMISE_LABELS.get(s, ["1"])]


def script_ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["Script ID"] for r in rows]


async def test_the_flights_pack_gives_the_test_beds_their_scripts_and_a_submitted_test_bed_keeps_its_own(http):
    flight, _ = await approved_lonestar(http)
    designation = flight["designation"]
    ercot, reviewer = await sign_in(http, "admin@ercot.example"), await sign_in(http, "reviewer@ercot.example")
    oncor, centerpoint = await sign_in(http, "user@oncor.example"), await sign_in(http, "user@centerpoint.example")
    lonestar = await sign_in(http, "user@lonestar.example")
    oncor_item = await loading(http, oncor, designation)
    centerpoint_item = await loading(http, centerpoint, designation)

    # Before the pack, the default list; Oncor submits its test bed for it.
    assert script_ids(await template_rows(http, centerpoint, centerpoint_item)) == per_premise(SCRIPTS)
    oncor_file = filled(await template_rows(http, oncor, oncor_item), 11000)
    assert (await upload(http, oncor, oncor_item, oncor_file)).status_code == 200
    assert (await act(http, oncor, oncor_item, "submit_test_bed")).json()["state"] == "Test Bed Review (ERCOT)"

    # The pack: CenterPoint's test bed, not submitted, now covers the pack's business scripts that Lone Star's
    # pairing runs (MVO-MVI01 on two premises); Oncor's keeps the list ERCOT is reviewing it against.
    assert (await put_pack(http, ercot, designation, EXAMPLE_PACK)).status_code == 201
    centerpoint_template = await template_rows(http, centerpoint, centerpoint_item)
    assert script_ids(centerpoint_template) == per_premise(PACK_SCRIPTS)
    assert script_ids(await template_rows(http, oncor, oncor_item)) == per_premise(SCRIPTS)
    found = await report(http, lonestar, "cr-scripts-test-bed", flight=designation)
    assert [(r["Script ID"], r["ESI ID"]) for r in lonestar_rows(found, CENTERPOINT_NAME)] == placeholders(PACK_SCRIPTS)
    assert [(r["Script ID"], r["ESI ID"]) for r in lonestar_rows(found, ONCOR_NAME)] == placeholders(SCRIPTS)
    assert (await act(http, reviewer, oncor_item, "approve")).json()["state"] == "Completed"
    oncor_rows = lonestar_rows(await report(http, lonestar, "cr-scripts-test-bed", flight=designation), ONCOR_NAME)
    assert sorted(script_ids(oncor_rows)) == sorted(SCRIPTS + [TWO_PREMISES])
    assert all(r["ESI ID"].startswith("10") for r in oncor_rows)
    again = await put_pack(http, ercot, designation, EXAMPLE_PACK)
    assert (again.status_code, again.json()["unchanged"]) == (200, True)
    assert await template_rows(http, centerpoint, centerpoint_item) == centerpoint_template

    # CenterPoint attaches for version 1; version 2 runs SO01 only for CRs changing banks, so the file no longer
    # fits Lone Star's pairing: it is not submitted until attached again from the new template.
    attached = await upload(http, centerpoint, centerpoint_item, filled(centerpoint_template, 12000, digits=22))
    assert attached.status_code == 200, attached.text
    so01 = "  - script_id: SO01\n"
    bank_change_only = EXAMPLE_PACK.replace(so01, so01 + "    runs_for: [bank_change]\n")
    assert (await put_pack(http, ercot, designation, bank_change_only)).json()["version"] == 2
    refused = await act(http, centerpoint, centerpoint_item, "submit_test_bed")
    assert refused.status_code == 409, refused.text
    assert "version 2 of the flight's script pack" in refused.json()["error"]["message"]
    centerpoint_template = await template_rows(http, centerpoint, centerpoint_item)
    assert script_ids(centerpoint_template) == per_premise(PACK_SCRIPTS[:-1])
    attached = await upload(http, centerpoint, centerpoint_item, filled(centerpoint_template, 13000, digits=22))
    assert attached.status_code == 200, attached.text

    # Version 3 asks the same rows (titles only changed): the file still fits, and is submitted and approved.
    retitled = bank_change_only.replace("title:", "title: Revised -", 1)
    assert (await put_pack(http, ercot, designation, retitled)).json()["version"] == 3
    submitted = await act(http, centerpoint, centerpoint_item, "submit_test_bed")
    assert submitted.json()["state"] == "Test Bed Review (ERCOT)", submitted.text
    assert (await act(http, reviewer, centerpoint_item, "approve")).json()["state"] == "Completed"
    found = await report(http, lonestar, "cr-scripts-test-bed", flight=designation)
    centerpoint_rows = lonestar_rows(found, CENTERPOINT_NAME)
    assert sorted(script_ids(centerpoint_rows)) == sorted(PACK_SCRIPTS[:-1] + [TWO_PREMISES])
    assert all(len(r["ESI ID"]) == 22 for r in centerpoint_rows)
    assert sorted(script_ids(lonestar_rows(found, ONCOR_NAME))) == sorted(SCRIPTS + [TWO_PREMISES])


async def keep_only_first_premises(settings, test_bed_id: str) -> None:
    """A test bed as one kept before premises were counted: its move-in premise's row is gone."""
    url = settings.database_url.replace("+psycopg", "")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        deleted = await connection.execute(
            "DELETE FROM testbed.test_bed_rows WHERE test_bed_id = %s AND script_id = %s AND premise = 2",
            (int(test_bed_id), TWO_PREMISES),
        )
        assert deleted.rowcount == 1


async def test_a_script_on_two_premises_gets_a_row_for_each_and_a_test_bed_short_of_one_is_never_approved(
    http, settings
):
    flight, _ = await approved_lonestar(http)
    designation = flight["designation"]
    oncor, centerpoint = await sign_in(http, "user@oncor.example"), await sign_in(http, "user@centerpoint.example")
    lonestar, reviewer = await sign_in(http, "user@lonestar.example"), await sign_in(http, "reviewer@ercot.example")
    item_id = await loading(http, oncor, designation)

    # The TDSP's template: the move-out-and-move-in script has a row per premise, each saying which it is.
    template = await template_rows(http, oncor, item_id)
    move = [(r["CR DUNS"], r["Premise"]) for r in template if r["Script ID"] == TWO_PREMISES]
    assert move == [(LONESTAR, "1: Move-out premise"), (LONESTAR, "2: Move-in premise")]
    assert {r["Premise"] for r in template if r["Script ID"] != TWO_PREMISES} == {"1"}

    # A test bed with one premise for it is refused at upload, naming the row, the script and what is missing.
    one = [r for r in template if r["Premise"] != "2: Move-in premise"]
    row = 2 + [r["Script ID"] for r in one].index(TWO_PREMISES)
    missing = {
        "row": row,
        "column": "Premise",
        "message": f"script {TWO_PREMISES} needs 2 premises for CR {LONESTAR}, and no row gives premise 2 "
        "(Move-in premise): add a row for it with 2 in its Premise column",
    }
    refused = await upload(http, oncor, item_id, filled(one, 20000))
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["problems"] == [missing]
    # The old habit, copying the row without changing its Premise, gives two move-out premises: refused alike.
    copied = [r for r in one for _ in range(2 if r["Script ID"] == TWO_PREMISES else 1)]
    assert (await upload(http, oncor, item_id, filled(copied, 20100))).json()["error"]["problems"] == [missing]
    unchanged = (await http.get(f"/api/v1/items/{item_id}", headers=oncor)).json()
    assert unchanged["state"] == "Test Bed Loading" and "test_bed_id" not in unchanged["fields"]
    assert (await act(http, oncor, item_id, "submit_test_bed")).status_code == 409

    # Both premises: accepted, submitted and approved. The move-in premise has the lower ESI ID, yet the CR's
    # report lists the move-out premise first, as the script's steps use them.
    backwards = list(reversed(template))
    esi_ids = {r["Premise"]: esi(20200 + n) for n, r in enumerate(backwards, start=1) if r["Script ID"] == TWO_PREMISES}
    attached = await upload(http, oncor, item_id, filled(backwards, 20200))
    assert attached.status_code == 200, attached.text
    assert attached.json()["rows"] == len(SCRIPTS) + 1
    kept = await http.get(
        f"/api/v1/items/{item_id}/test-bed", params={"kind": "attached", "format": "csv"}, headers=oncor
    )
    kept_rows = list(csv.DictReader(io.StringIO(kept.content.decode("utf-8-sig"))))
    assert [(r["Premise"], r["ESI ID"]) for r in kept_rows if r["Script ID"] == TWO_PREMISES] == [
        ("1", esi_ids["1: Move-out premise"]),
        ("2", esi_ids["2: Move-in premise"]),
    ]
    assert (await act(http, oncor, item_id, "submit_test_bed")).json()["state"] == "Test Bed Review (ERCOT)"
    assert (await act(http, reviewer, item_id, "approve")).json()["state"] == "Completed"
    found = lonestar_rows(await report(http, lonestar, "cr-scripts-test-bed", flight=designation), ONCOR_NAME)
    assert [r["ESI ID"] for r in found if r["Script ID"] == TWO_PREMISES] == [
        esi_ids["1: Move-out premise"],
        esi_ids["2: Move-in premise"],
    ]
    assert "Premise" not in found[0]  # the report keeps the guide's columns

    # A test bed kept before premises were counted, short of its move-in premise, is neither submitted nor
    # approved.
    centerpoint_item = await loading(http, centerpoint, designation)
    complete = filled(await template_rows(http, centerpoint, centerpoint_item), 20300, digits=22)
    short = "the test bed has no row for CR " + LONESTAR + ", script MVO-MVI01: premise 2 (Move-in premise)"
    attached = (await upload(http, centerpoint, centerpoint_item, complete)).json()
    await keep_only_first_premises(settings, attached["item"]["fields"]["test_bed_id"])
    refused = await act(http, centerpoint, centerpoint_item, "submit_test_bed")
    assert refused.status_code == 409 and short in refused.json()["error"]["message"], refused.text
    attached = (await upload(http, centerpoint, centerpoint_item, complete)).json()
    submitted = await act(http, centerpoint, centerpoint_item, "submit_test_bed")
    assert submitted.json()["state"] == "Test Bed Review (ERCOT)", submitted.text
    await keep_only_first_premises(settings, attached["item"]["fields"]["test_bed_id"])
    refused = await act(http, reviewer, centerpoint_item, "approve")
    assert refused.status_code == 409 and short in refused.json()["error"]["message"], refused.text
    assert (await http.get(f"/api/v1/items/{centerpoint_item}", headers=reviewer)).json()["state"] == (
        "Test Bed Review (ERCOT)"
    )


async def test_connectivity_testing_opens_once_every_tdsp_test_bed_is_approved(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    flight = await create_flight(http, ercot)
    designation = flight["designation"]
    lonestar_ar = await sign_in(http, "ar@lonestar.example")
    registration = await approved(http, lonestar_ar, reviewer, designation, LONESTAR, tdsps=ONCOR)
    assert registration["state"] == "Pending Script Assignment"
    await registration_closed(http, ercot, flight)

    early = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert early.status_code == 409
    assert early.json()["error"]["message"] == (
        "connectivity testing opens once ERCOT has approved every TDSP's test bed; still waiting for "
        "Oncor Electric Delivery Company LLC (Pending Testing Specifications)"
    )
    page = await http.get(f"/items/{flight['item_id']}", headers=ercot)
    assert "Oncor Electric Delivery Company LLC" in page.text and "Pending Testing Specifications" in page.text

    oncor = await sign_in(http, "ar@oncor.example")
    item_id = await loading(http, oncor, designation)
    template = await template_rows(http, oncor, item_id)
    attached = await upload(http, oncor, item_id, filled(template, 9000, notes_column=True))
    assert attached.status_code == 200, attached.text
    kept = await http.get(
        f"/api/v1/items/{item_id}/test-bed", params={"kind": "attached", "format": "csv"}, headers=oncor
    )
    kept_rows = list(csv.DictReader(io.StringIO(kept.content.decode("utf-8-sig"))))
    assert sorted((r["ESI ID"], r["Serv Loc"], r["Cycle"]) for r in kept_rows) == [
        (esi(n), SERV_LOC, "05") for n in range(9001, 9001 + len(SCRIPTS) + 1)
    ]
    await act(http, oncor, item_id, "submit_test_bed")
    still = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert "Oncor Electric Delivery Company LLC (Test Bed Review (ERCOT))" in still.json()["error"]["message"]
    assert (await act(http, reviewer, item_id, "approve")).json()["state"] == "Completed"
    no_pack = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert no_pack.json()["error"]["message"].startswith("publish the flight's script pack first")
    published = await http.put(f"/api/v1/flights/{designation}/script-pack", content=EXAMPLE_PACK, headers=ercot | YAML)
    assert published.status_code == 201, published.text

    for action, state in (
        ("open_connectivity_testing", "Connectivity Testing"),
        ("open_business_testing", "Business Testing"),
        ("complete_flight", "Complete"),
    ):
        reply = await act(http, ercot, flight["item_id"], action)
        assert reply.status_code == 200, reply.text
        assert reply.json()["state"] == state


async def test_a_flight_without_pairings_does_not_open_for_testing(http):
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    await registration_closed(http, ercot, flight)
    reply = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert reply.status_code == 409
    assert "no TDSP is paired in this flight yet" in reply.json()["error"]["message"]
    assert (await http.get(f"/api/v1/flights/{flight['designation']}", headers=ercot)).json()["state"] == (
        "Registration Closed"
    )

"""Qualification letters through the HTTP API, on the real stack (issue 17): a CR passes every script of its pairing
and FlighTrak drafts its letter; ERCOT's Reject needs a comment; ERCOT approves; the CR, its SP and ERCOT download
the PDF, whose text (read back with pypdf) names the flight, the CR's DUNS and each pairing and script with the day it
passed; another CR is told there is no such letter. ERCOT drafts the letters of a flight whose scripts are open."""

import io
from datetime import datetime

import pypdf

from flightrak.market_time import CENTRAL
from tests.conftest import sign_in
from tests.registration_helpers import EDIGATE, ONCOR, act, new_cr
from tests.test_script_issues_api import flight_in_connectivity_testing, item_when, rows_when
from workflows import search_attributes as sa
from workflows.letters.ids import letter_workflow_id

SCRIPTS = ("LTR01", "LTR02")
# Two one-step connectivity scripts the CR begins and finishes alone; no business scripts, so none is still to open.
PACK = "title: Letter test pack\nscripts:\n" + "".join(
    f"""
  - script_id: {script}
    title: Letter check {script}
    kind: connectivity
    scenario: Connectivity check
    begins: CR
    steps:
      - state: Pending Check {script}
        responsible: CR
        instructions: Run the check, then click Done.
        action: Done
"""
    for script in SCRIPTS
)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


async def letter_of(http, auth, designation: str, cr_duns: str, state: str = "Awaiting ERCOT Review") -> dict:
    """The CR's letter in the flight, once FlighTrak has drafted it (the Qualification Letters report lists it)."""
    rows = await rows_when(
        http, auth, "qualification-letters", designation, lambda rows: any(r["CR DUNS"] == cr_duns for r in rows), 60
    )
    found = [r for r in rows if r["CR DUNS"] == cr_duns]
    assert len(found) == 1, rows
    return await item_when(http, auth, int(found[0]["Item ID"]), lambda item: item["state"] == state)


async def test_a_cr_that_passed_every_script_gets_a_letter_ercot_approves_and_its_sp_downloads(http, temporal_env):
    cr = await new_cr(http)
    designation = await flight_in_connectivity_testing(http, PACK, cr=cr)
    ready = await rows_when(http, cr.ar, "scripts-ready-to-begin", designation, lambda rows: len(rows) == 2)
    for row in ready:
        item_id = int(row["Item ID"])
        assert (await act(http, cr.ar, item_id, "begin_working")).status_code == 200
        done = await act(http, cr.ar, item_id, "step_action")
        assert done.json()["state"] == "Script Passed", done.text
    passed_on = datetime.now(CENTRAL).date().isoformat()
    ercot = await sign_in(http, "reviewer@ercot.example")
    letter = await letter_of(http, ercot, designation, cr.duns)
    item_id = int(letter["item_id"])
    assert letter["fields"]["scripts_passed"] == "2 of 2" and letter["fields"]["scenarios"] == "New CR", letter
    assert [a["name"] for a in letter["actions"]] == ["approve", "reject"]
    pdf = f"/api/v1/items/{item_id}/letter.pdf"

    # The draft is ERCOT's alone, marked DRAFT; the CR is told there is no letter yet, and may not approve it.
    preview = await http.get(pdf, headers=ercot)
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    assert "DRAFT" in pdf_text(preview.content)
    assert (await http.get(pdf, headers=cr.ar)).status_code == 404
    assert (await act(http, cr.ar, item_id, "approve")).status_code == 403

    # A name the table lacks is a bad field; the system's own Drafted is no one's to take, ERCOT's neither.
    unknown = await act(http, ercot, item_id, "publish")
    assert unknown.status_code == 400 and "action" in unknown.json()["error"]["fields"], unknown.text
    assert (await act(http, ercot, item_id, "draft")).status_code == 403

    refused = await act(http, ercot, item_id, "reject")
    assert refused.status_code == 400 and "comment" in refused.json()["error"]["fields"], refused.text
    approved = await act(http, ercot, item_id, "approve")
    assert approved.status_code == 200 and approved.json()["state"] == "Approved", approved.text

    downloaded = await http.get(pdf, headers=cr.ar)
    assert downloaded.status_code == 200, downloaded.text
    text = pdf_text(downloaded.content)
    assert "DRAFT" not in text
    assert f"Flight {designation}" in text and cr.duns in text and "New CR" in text
    for script in SCRIPTS:
        line = next(line for line in text.splitlines() if script in line)
        assert ONCOR in line and passed_on in line, line
    assert "Scripts passed 2 of 2" in text
    edigate = await sign_in(http, "user@edigate.example")  # the CR's Service Provider
    assert (await http.get(pdf, headers=edigate)).content == downloaded.content
    other = await sign_in(http, "user@bluebonnet.example")
    assert (await http.get(pdf, headers=other)).status_code == 404
    assert (await http.get(f"/api/v1/items/{item_id}", headers=other)).status_code == 404
    oncor = await sign_in(http, "user@oncor.example")  # the testing partner reads the scripts, not the letter
    assert (await http.get(pdf, headers=oncor)).status_code == 404
    assert (await act(http, ercot, item_id, "approve")).status_code == 409
    described = await temporal_env.client.get_workflow_handle(letter_workflow_id(designation, cr.duns)).describe()
    assert described.typed_search_attributes[sa.SERVICE_PROVIDER] == EDIGATE  # ERCOT's operators filter by it


async def test_ercot_drafts_a_flights_letters_listing_what_has_not_passed_then_rejects_and_drafts_again(http):
    cr = await new_cr(http)
    designation = await flight_in_connectivity_testing(http, PACK, cr=cr)
    ercot = await sign_in(http, "admin@ercot.example")
    await rows_when(http, cr.ar, "scripts-ready-to-begin", designation, lambda rows: len(rows) == 2)
    assert (await http.post(f"/api/v1/flights/{designation}/letters", headers=cr.ar)).status_code == 403
    drafted = await http.post(f"/api/v1/flights/{designation}/letters", headers=ercot)
    assert drafted.status_code == 200, drafted.text
    assert [d["cr_duns"] for d in drafted.json()["drafted"]] == [cr.duns]
    again = await http.post(f"/api/v1/flights/{designation}/letters", headers=ercot)
    assert again.json()["drafted"] == []  # one letter per CR and flight
    assert (await http.post("/api/v1/flights/9x/letters", headers=ercot)).status_code in (400, 404)

    letter = await letter_of(http, ercot, designation, cr.duns)
    item_id = int(letter["item_id"])
    assert letter["fields"]["scripts_passed"] == "0 of 2", letter
    text = pdf_text((await http.get(f"/api/v1/items/{item_id}/letter.pdf", headers=ercot)).content)
    assert "Not passed (2)" in text and all(script in text for script in SCRIPTS)

    rejected = await act(http, ercot, item_id, "reject", comment="LTR01 is still running; draft it at the end")
    assert rejected.json()["state"] == "Rejected", rejected.text
    assert [a["name"] for a in rejected.json()["actions"]] == ["draft_again"]
    redrafted = await act(http, ercot, item_id, "draft_again")
    assert redrafted.json()["state"] == "Awaiting ERCOT Review", redrafted.text
    assert redrafted.json()["fields"]["draft"] == "2"

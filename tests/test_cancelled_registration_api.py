"""Cancelling an approved registration cancels what it opened (issue 14's loose end), walked through the HTTP API on
the real stack: the CR's Request for Testing Specifications, its pairings, its TDSP partners' test-bed rows for it,
and a TDSP request whose only partner it was; the flight then waits only for the TDSPs still paired."""

import csv
import io

from tests.conftest import sign_in
from tests.registration_helpers import (
    CENTERPOINT,
    ONCOR,
    act,
    approved,
    create_flight,
    new_cr,
    registration_closed,
    report,
)
from tests.test_script_pack_api import EXAMPLE as EXAMPLE_PACK
from tests.test_script_pack_api import put_pack
from tests.test_specifications_rules import good_raw
from tests.test_test_bed_api import CENTERPOINT_NAME, ONCOR_NAME, filled, template_rows, upload

CANCELLED = "Cancelled (Inactive)"


async def item(http, auth: dict, item_id: int | str) -> dict:
    reply = await http.get(f"/api/v1/items/{item_id}", headers=auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def cancel(http, ar: dict, registration_item_id: int) -> dict:
    reply = await act(http, ar, registration_item_id, "cancel")
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == CANCELLED
    return reply.json()


async def attached_rows(http, auth: dict, item_id: int) -> list[dict[str, str]]:
    reply = await http.get(
        f"/api/v1/items/{item_id}/test-bed", params={"kind": "attached", "format": "csv"}, headers=auth
    )
    assert reply.status_code == 200, reply.text
    return list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))


async def tdsp_request_id(http, auth: dict, designation: str) -> int:
    [row] = (await report(http, auth, "tdsp-test-specs", flight=designation))["rows"]
    return int(row["Item ID"])


async def test_a_cancelled_registration_closes_what_it_opened_and_the_flight_waits_only_for_tdsps_still_paired(http):
    ercot, reviewer = await sign_in(http, "admin@ercot.example"), await sign_in(http, "reviewer@ercot.example")
    flight = await create_flight(http, ercot)
    designation = flight["designation"]
    leaving, staying = await new_cr(http), await new_cr(http)
    registration = await approved(
        http, leaving.ar, reviewer, designation, leaving.duns, existing_cr=False, tdsps=f"{ONCOR},{CENTERPOINT}"
    )
    await approved(http, staying.ar, reviewer, designation, staying.duns, existing_cr=False, tdsps=ONCOR)
    leaving_specs = int(registration["fields"]["testing_specifications_item_id"])

    # Oncor tests with both CRs and has attached its test bed; CenterPoint only with the one leaving.
    oncor = await sign_in(http, "ar@oncor.example")
    oncor_request = await tdsp_request_id(http, oncor, designation)
    assert (await act(http, oncor, oncor_request, "provide", **good_raw())).json()["state"] == "Test Bed Loading"
    template = await template_rows(http, oncor, oncor_request)
    assert {r["CR DUNS"] for r in template} == {leaving.duns, staying.duns}
    attached = await upload(http, oncor, oncor_request, filled(template, 7000))
    assert attached.status_code == 200, attached.text
    rows_before = (await item(http, oncor, oncor_request))["fields"]["test_bed_rows"]
    staying_rows = [r for r in await attached_rows(http, oncor, oncor_request) if r["CR DUNS"] == staying.duns]
    centerpoint = await sign_in(http, "ar@centerpoint.example")
    centerpoint_request = await tdsp_request_id(http, centerpoint, designation)

    cancelled = await cancel(http, leaving.ar, registration["item_id"])
    who = cancelled["history"][-1]["actor_name"]

    # The CR's request is cancelled by the system, saying why.
    specs = await item(http, leaving.ar, leaving_specs)
    assert (specs["state"], specs["closed"], specs["actions"], specs["responsible_party"]) == (CANCELLED, True, [], "")
    last = specs["history"][-1]
    assert (last["action"], last["actor_name"], last["from_state"], last["to_state"]) == (
        "Registration Cancelled",
        "FlighTrak",
        "Pending Testing Specifications",
        CANCELLED,
    )
    assert last["comment"] == f"The CR's registration for flight {designation} was cancelled by {who}."

    # CenterPoint's request had no other CR: cancelled too, naming the CR that left.
    gone = await item(http, centerpoint, centerpoint_request)
    assert gone["state"] == CANCELLED
    assert gone["history"][-1]["comment"] == (
        f"{cancelled['fields']['cr_name']}, the only CR paired with this TDSP in flight {designation}, left it: "
        f"its registration was cancelled by {who}."
    )

    # Oncor keeps its request; its template and its attached test bed no longer hold the leaving CR's rows.
    kept = await item(http, oncor, oncor_request)
    assert kept["state"] == "Test Bed Loading"
    noted = kept["history"][-1]
    assert (noted["action"], noted["actor_name"], noted["from_state"], noted["to_state"]) == (
        "Registration Cancelled",
        "FlighTrak",
        "Test Bed Loading",
        "Test Bed Loading",
    )
    assert noted["changes"] == {"test_bed_rows": f"{rows_before} -> {len(staying_rows)}"}
    assert f"was cancelled by {who}" in noted["comment"]
    assert {r["CR DUNS"] for r in await template_rows(http, oncor, oncor_request)} == {staying.duns}
    assert await attached_rows(http, oncor, oncor_request) == staying_rows

    # No report shows the pairing any more.
    pairings = await report(http, ercot, "test-pairings-for-the-current-flight", flight=designation)
    assert [(r["Primary MP"], r["Testing Partner"]) for r in pairings["rows"]] == [(staying.name, ONCOR_NAME)]
    test_bed_report = await report(http, ercot, "cr-scripts-test-bed", flight=designation)
    assert {r["TDSP Involved"] for r in test_bed_report["rows"]} == {ONCOR_NAME}
    assert not any(r["CR Involved"].startswith(leaving.name) for r in test_bed_report["rows"])

    # The flight waits for Oncor alone, then opens once ERCOT approves Oncor's test bed.
    await registration_closed(http, ercot, flight)
    waiting = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert waiting.status_code == 409
    assert waiting.json()["error"]["message"].endswith(f"still waiting for {ONCOR_NAME} (Test Bed Loading)")
    assert CENTERPOINT_NAME not in waiting.json()["error"]["message"]
    assert (await act(http, oncor, oncor_request, "submit_test_bed")).json()["state"] == "Test Bed Review (ERCOT)"
    assert (await act(http, reviewer, oncor_request, "approve")).json()["state"] == "Completed"
    assert (await put_pack(http, ercot, designation, EXAMPLE_PACK)).status_code == 201
    opened = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert opened.status_code == 200, opened.text
    assert opened.json()["state"] == "Connectivity Testing"


async def test_approved_specifications_are_cancelled_with_the_registration_and_reopen_when_the_cr_registers_again(
    http,
):
    ercot, reviewer = await sign_in(http, "admin@ercot.example"), await sign_in(http, "reviewer@ercot.example")
    designation = (await create_flight(http, ercot))["designation"]
    cr = await new_cr(http)
    ar, user = cr.ar, cr.user
    first = await approved(http, ar, reviewer, designation, cr.duns, existing_cr=False, tdsps=ONCOR)
    specs_id = int(first["fields"]["testing_specifications_item_id"])
    assert (await act(http, user, specs_id, "provide", **good_raw())).json()["state"] == "ERCOT Review"
    assert (await act(http, reviewer, specs_id, "approve")).json()["state"] == "Approved"

    await cancel(http, ar, first["item_id"])
    # Approved and closed, the request is still cancelled: nothing of the registration stays open.
    specs = await item(http, user, specs_id)
    assert specs["state"] == CANCELLED
    assert [(h["action"], h["to_state"]) for h in specs["history"]] == [
        ("Opened", "Pending Testing Specifications"),
        ("Provide/Review Testing Specifications", "ERCOT Review"),
        ("Approve", "Approved"),
        ("Registration Cancelled", CANCELLED),
    ]
    oncor = await sign_in(http, "ar@oncor.example")
    oncor_request = await tdsp_request_id(http, oncor, designation)
    assert (await item(http, oncor, oncor_request))["state"] == CANCELLED

    # The CR registers again and is approved: the same requests reopen, and their workflows run on.
    again = await approved(http, ar, reviewer, designation, cr.duns, existing_cr=False, tdsps=ONCOR)
    assert int(again["fields"]["testing_specifications_item_id"]) == specs_id
    reopened = await item(http, user, specs_id)
    assert (reopened["state"], reopened["closed"]) == ("Pending Testing Specifications", False)
    last = reopened["history"][-1]
    assert (last["action"], last["from_state"], last["comment"]) == (
        "Reopened",
        CANCELLED,
        f"Reopened when ERCOT approved registration {again['item_id']}.",
    )
    assert (await act(http, user, specs_id, "provide", **good_raw())).json()["state"] == "ERCOT Review"
    assert (await item(http, oncor, oncor_request))["state"] == "Pending Testing Specifications"
    assert (await act(http, oncor, oncor_request, "provide", **good_raw())).json()["state"] == "Test Bed Loading"
    assert {r["CR DUNS"] for r in await template_rows(http, oncor, oncor_request)} == {cr.duns}

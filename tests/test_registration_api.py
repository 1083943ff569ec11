"""Flights and registrations through the HTTP API, on real PostgreSQL and the Temporal dev server."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from services.gateway.reports import REPORT_OWNERS
from tests.conftest import new_user_fields, sign_in, unique
from tests.registration_helpers import (
    EDIGATE,
    LONESTAR,
    ONCOR,
    TNMP,
    act,
    approved,
    contacts_of,
    create_flight,
    new_cr,
    next_designation,
    register,
    registered,
    registration_closed,
    registration_fields,
    report,
)

REPORTS = [*REPORT_OWNERS, "additional-flight-information"]


async def test_register_return_modify_submit_approve(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    cr = await new_cr(http)
    ar = cr.ar
    flight = await create_flight(http, ercot)
    assert flight["state"] == "Open for Registration"

    fields = await registration_fields(http, ar, cr.duns, existing_cr=False)
    created = await register(http, ar, flight["designation"], fields)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["state"] == "Pending Submittal"
    assert {a["name"] for a in item["actions"]} == {"modify", "submit", "withdraw"}
    assert item["fields"]["service_provider"] == EDIGATE
    assert item["fields"]["testing_as"] == "New CR"

    again = await register(http, ar, flight["designation"], fields)
    assert again.status_code == 409
    assert "already registered" in again.json()["error"]["message"]

    submitted = await act(http, ar, item["item_id"], "submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "Registration Review (ERCOT)"
    review = await report(http, reviewer, "registrations-for-review", flight=flight["designation"])
    assert [row["Item ID"] for row in review["rows"]] == [str(item["item_id"])]

    no_comment = await act(http, reviewer, item["item_id"], "return_to_cr")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()["error"]["fields"]
    returned = await act(http, reviewer, item["item_id"], "return_to_cr", "Add a testing contact who is not the AR.")
    assert returned.json()["state"] == "Pending Submittal"

    modified = await act(http, ar, item["item_id"], "modify", **(fields | {"bank_name": "Amegy Bank"}))
    assert modified.status_code == 200, modified.text
    assert (await act(http, ar, item["item_id"], "submit")).json()["state"] == "Registration Review (ERCOT)"
    approved = await act(http, reviewer, item["item_id"], "approve")
    assert approved.status_code == 200, approved.text
    final = approved.json()
    assert final["state"] == "Pending Script Assignment"
    assert [h["action"] for h in final["history"]] == ["OK", "Submit", "Return to CR", "Modify", "Submit", "Approve"]
    assert final["history"][2]["comment"] == "Add a testing contact who is not the AR."

    specs = await report(http, ar, "cr-test-specs", flight=flight["designation"])
    assert len(specs["rows"]) == 1
    assert final["fields"]["testing_specifications_item_id"] == specs["rows"][0]["Item ID"]


async def test_only_an_ar_or_bar_of_a_cr_may_register(http):
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    cr = await new_cr(http)
    fields = await registration_fields(http, cr.ar, cr.duns, existing_cr=False)
    # An MP Admin who is not an AR, a TDSP's AR and ERCOT are refused whatever their company's past.
    others = ("admin@lonestar.example", "ar@oncor.example", "reviewer@ercot.example")
    for who, auth in [("the CR's user", cr.user)] + [(email, await sign_in(http, email)) for email in others]:
        refused = await register(http, auth, flight["designation"], fields)
        assert refused.status_code == 403, (who, refused.text)
        form = await http.get(f"/api/v1/flights/{flight['designation']}/registration-form", headers=auth)
        assert form.json()["may_register"] is False
    records = await report(http, ercot, "flight-registration-records", flight=flight["designation"])
    assert records["rows"] == []
    assert (await register(http, cr.bar, flight["designation"], fields)).status_code == 201


async def test_every_missing_or_invalid_field_is_named_in_one_error(http):
    ercot = await sign_in(http, "admin@ercot.example")
    cr = await new_cr(http)
    ar = cr.ar
    flight = await create_flight(http, ercot)
    empty = await register(http, ar, flight["designation"], {})
    assert empty.status_code == 400
    named = empty.json()["error"]["fields"]
    assert set(named) >= {
        "primary_contact",
        "secondary_contact",
        "testing_contact",
        "customer_classes",
        "tdsps",
        "edi_system",
        "bank_name",
        "service_provider",
    }
    lonestar_user = (await contacts_of(http, await sign_in(http, "ar@lonestar.example"), LONESTAR))[0]
    wrong = await registration_fields(
        http, ar, cr.duns, existing_cr=False, primary_contact=lonestar_user, tdsps=cr.duns, service_provider=ONCOR
    )
    invalid = await register(http, ar, flight["designation"], wrong)
    assert invalid.status_code == 400
    assert set(invalid.json()["error"]["fields"]) == {"primary_contact", "tdsps", "service_provider"}
    assert (await report(http, ar, "flight-registration-records", flight=flight["designation"]))["rows"] == []


async def test_wrong_party_and_wrong_state_are_refused_and_nothing_is_recorded(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    cr = await new_cr(http)
    ar, bar = cr.ar, cr.bar
    flight = await create_flight(http, ercot)
    item = await registered(http, ar, flight["designation"], cr.duns, existing_cr=False)
    item_id = item["item_id"]

    # Not the caller's to take: 403; not in this state: 409; no such action: 400.
    assert (await act(http, reviewer, item_id, "submit")).status_code == 403
    assert (await act(http, reviewer, item_id, "approve")).status_code == 409  # wrong state
    assert (await act(http, cr.user, item_id, "submit")).status_code == 403
    assert (await act(http, await sign_in(http, "ar@bluebonnet.example"), item_id, "submit")).status_code == 404
    assert (await act(http, ar, item_id, "return_to_cr", "no")).status_code == 403
    assert (await act(http, ar, item_id, "no_such_action")).status_code == 400
    unchanged = (await http.get(f"/api/v1/items/{item_id}", headers=ar)).json()
    assert [h["action"] for h in unchanged["history"]] == ["OK"]

    assert (await act(http, bar, item_id, "submit")).json()["state"] == "Registration Review (ERCOT)"
    assert (await act(http, ar, item_id, "approve")).status_code == 403
    assert (await act(http, ar, item_id, "submit")).status_code == 409  # already submitted
    cancelled = await act(http, ar, item_id, "cancel")
    assert cancelled.json()["state"] == "Cancelled (Inactive)"
    assert cancelled.json()["actions"] == []
    # A cancelled registration frees the flight.
    again = await registered(http, ar, flight["designation"], cr.duns, existing_cr=False)
    withdrawn = await act(http, ar, again["item_id"], "withdraw")
    assert withdrawn.json()["state"] == "Cancelled (Inactive)"


async def test_an_approved_registration_can_be_cancelled_and_leaves_the_pairings(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    cr = await new_cr(http)
    ar = cr.ar
    flight = await create_flight(http, ercot)
    item = await approved(http, ar, reviewer, flight["designation"], cr.duns, existing_cr=False, tdsps=TNMP)
    pairings = await report(http, ercot, "test-pairings-for-the-current-flight", flight=flight["designation"])
    assert [(r["Primary MP"], r["Testing Partner"]) for r in pairings["rows"]] == [
        (cr.name, "Texas-New Mexico Power Company")
    ]
    assert (await act(http, ar, item["item_id"], "cancel")).json()["state"] == "Cancelled (Inactive)"
    after = await report(http, ercot, "test-pairings-for-the-current-flight", flight=flight["designation"])
    assert after["rows"] == []


async def test_the_service_provider_is_seen_only_by_the_cr_that_sp_and_ercot(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    cr = await new_cr(http)
    ar = cr.ar
    flight = await create_flight(http, ercot)
    designation = flight["designation"]
    item = await approved(http, ar, reviewer, designation, cr.duns, existing_cr=False)
    specs_id = item["fields"]["testing_specifications_item_id"]
    secrets = ("EDIGate", EDIGATE)

    oncor = await sign_in(http, "user@oncor.example")
    pairings = await report(http, oncor, "test-pairings-for-the-current-flight", flight=designation)
    assert [r["Service Provider"] for r in pairings["rows"]] == ["Confidential"]
    redacted = await http.get(f"/api/v1/items/{item['item_id']}", headers=oncor)
    assert redacted.status_code == 200
    assert "service_provider" not in redacted.json()["fields"]

    bluebonnet = await sign_in(http, "ar@bluebonnet.example")
    assert (await http.get(f"/api/v1/items/{item['item_id']}", headers=bluebonnet)).status_code == 404
    assert (await http.get(f"/api/v1/items/{specs_id}", headers=bluebonnet)).status_code == 404
    assert (await http.get(f"/api/v1/items/{specs_id}", headers=oncor)).status_code == 404

    for outsider in (oncor, bluebonnet, await sign_in(http, "ar@centerpoint.example")):
        seen = [redacted.text if outsider is oncor else ""]
        for name in REPORTS:
            for form in ("json", "csv", "xlsx"):
                reply = await http.get(
                    f"/api/v1/reports/{name}", params={"flight": designation, "format": form}, headers=outsider
                )
                if reply.status_code == 403:
                    continue
                assert reply.status_code == 200, (name, reply.text)
                seen.append(reply.text if form != "xlsx" else xlsx_text(reply.content))
        for text in seen:
            assert not any(secret in text for secret in secrets), text

    edigate = await sign_in(http, "user@edigate.example")
    seen_by_sp = await http.get(f"/api/v1/items/{item['item_id']}", headers=edigate)
    assert seen_by_sp.json()["fields"]["service_provider"] == EDIGATE
    assert (await http.get(f"/api/v1/items/{specs_id}", headers=edigate)).status_code == 200
    sp_specs = await report(http, edigate, "sp-test-specs", flight=designation)
    assert [r["Item ID"] for r in sp_specs["rows"]] == [specs_id]
    sp_pairings = await report(http, edigate, "test-pairings-for-the-current-flight", flight=designation)
    assert {r["Service Provider"] for r in sp_pairings["rows"]} == {"EDIGate Market Services, Inc."}
    for insider in (ar, ercot):
        rows = (await report(http, insider, "test-pairings-for-the-current-flight", flight=designation))["rows"]
        assert {r["Service Provider"] for r in rows} == {"EDIGate Market Services, Inc."}


def xlsx_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content)).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)


async def test_reports_keep_the_guides_columns_and_export(http):
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    expected = {
        "available-flights": ["Item ID", "Flight Designation", "Flight Signup Deadline"],
        "active-flights": ["Item ID", "Flight Designation", "Flight Signup Deadline", "Day 1 of Testing", "State"],
        "my-company-testing-information": ["Item ID", "Company Name", "DUNS", "Flight Designation"],
        "flight-registration-records": ["Item ID", "State", "Flight Designation", "Flight Signup Deadline"],
        "test-pairings-for-the-current-flight": [
            "Item ID",
            "Primary MP",
            "Service Provider",
            "Testing Partner",
            "Flight Designation",
        ],
        "cr-test-specs": ["Item ID", "Title", "Flight Designation"],
    }
    for name, columns in expected.items():
        assert (await report(http, ercot, name))["columns"] == columns, name
    available = await report(http, ercot, "available-flights", flight=flight["designation"])
    assert [r["Item ID"] for r in available["rows"]] == [str(flight["item_id"])]
    by_item = await report(http, ercot, "available-flights", item_id=str(flight["item_id"]))
    assert [r["Flight Designation"] for r in by_item["rows"]] == [flight["designation"]]
    csv_reply = await http.get(
        "/api/v1/reports/available-flights", params={"format": "csv", "flight": flight["designation"]}, headers=ercot
    )
    assert csv_reply.headers["content-type"].startswith("text/csv")
    assert csv_reply.text.splitlines()[0] == "Item ID,Flight Designation,Flight Signup Deadline"
    xlsx = await http.get("/api/v1/reports/available-flights", params={"format": "xlsx"}, headers=ercot)
    assert str(flight["item_id"]) in xlsx_text(xlsx.content)
    assert (await http.get("/api/v1/reports/no-such-report", headers=ercot)).status_code == 404
    bad_item = await http.get("/api/v1/reports/available-flights", params={"item_id": "x"}, headers=ercot)
    assert bad_item.status_code == 400


async def test_flight_validation_names_the_field(http):
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    today = date.today()
    cases = [
        ({"designation": flight["designation"]}, 409, "designation"),
        ({"designation": "1399"}, 400, "designation"),
        ({"signup_deadline": (today - timedelta(days=1)).isoformat()}, 400, "signup_deadline"),
        ({"day1_of_testing": today.isoformat()}, 400, "day1_of_testing"),
        ({"end_date": (today + timedelta(days=1)).isoformat()}, 400, "end_date"),
        ({"signup_deadline": "12/01/2026"}, 400, "signup_deadline"),
    ]
    base = {
        "designation": next_designation(),
        "signup_deadline": (today + timedelta(days=10)).isoformat(),
        "day1_of_testing": (today + timedelta(days=20)).isoformat(),
        "end_date": (today + timedelta(days=60)).isoformat(),
    }
    for change, status, field in cases:
        reply = await http.post("/api/v1/flights", json=base | change, headers=ercot)
        assert reply.status_code == status, (change, reply.text)
        assert field in reply.json()["error"]["fields"], (change, reply.text)
    refused = await http.post("/api/v1/flights", json=base, headers=await sign_in(http, "reviewer@ercot.example"))
    assert refused.status_code == 403
    # 2:30 AM on the spring-forward day never happens in Chicago: refused, not quietly taken as 3:30.
    spring = next_spring_forward(today)
    dates = {"signup_deadline": spring, "day1_of_testing": spring + timedelta(10), "end_date": spring + timedelta(40)}
    at_missing_time = base | {name: day.isoformat() for name, day in dates.items()} | {"signup_deadline_time": "02:30"}
    reply = await http.post("/api/v1/flights", json=at_missing_time, headers=ercot)
    assert reply.status_code == 400, reply.text
    assert "does not happen in Central time" in reply.json()["error"]["fields"]["signup_deadline_time"]


def next_spring_forward(after: date) -> date:
    """The second Sunday of March (the 8th to the 14th), when Chicago's clocks jump from 2:00 to 3:00 AM."""
    year = after.year + (after >= date(after.year, 3, 8))
    eighth = date(year, 3, 8)
    return eighth + timedelta(days=(6 - eighth.weekday()) % 7)


async def test_an_existing_cr_starts_from_its_last_registration_and_a_duns4_may_test_under_the_umbrella(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    parent = await new_cr(http)
    east = await new_cr(http, parent=parent)
    first, second, third = [await create_flight(http, ercot) for _ in range(3)]
    new_form = (await http.get(f"/api/v1/flights/{first['designation']}/registration-form", headers=parent.ar)).json()
    assert new_form["existing_cr"] is False
    await approved(
        http, parent.ar, reviewer, first["designation"], parent.duns, existing_cr=False, bank_name="Frost Bank"
    )

    form = (await http.get(f"/api/v1/flights/{second['designation']}/registration-form", headers=parent.ar)).json()
    assert form["existing_cr"] is True
    assert form["values"]["bank_name"] == "Frost Bank"
    unanswered = await register(
        http, parent.ar, second["designation"], {**form["values"], "changing_banks": "", "system_change": ""}
    )
    assert set(unanswered.json()["error"]["fields"]) == {"changing_banks", "system_change"}
    answered = await registered(http, parent.ar, second["designation"], parent.duns, existing_cr=True)
    assert answered["fields"]["testing_as"] == "Existing CR"

    matching = await registered(
        http, east.ar, second["designation"], east.duns, existing_cr=False, bank_name="Frost Bank"
    )
    assert matching["fields"]["testing_as"] == f"Testing umbrella of {parent.name}"
    differing = await registered(
        http, east.ar, third["designation"], east.duns, existing_cr=False, bank_name="Amegy Bank"
    )
    assert differing["fields"]["testing_as"] == "New CR"
    assert "Bank" in differing["fields"]["testing_as_reason"]


async def test_after_the_deadline_nothing_is_registered_or_submitted_but_ercot_still_reviews(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    slow, prompt, unregistered = [await new_cr(http) for _ in range(3)]
    flight = await create_flight(http, ercot)
    designation = flight["designation"]
    late = await registered(http, slow.ar, designation, slow.duns, existing_cr=False)
    in_time = await registered(http, prompt.ar, designation, prompt.duns, existing_cr=False)
    assert (await act(http, prompt.ar, in_time["item_id"], "submit")).status_code == 200

    await registration_closed(http, ercot, flight)
    refused = await act(http, slow.ar, late["item_id"], "submit")
    assert refused.status_code == 409
    assert "signup deadline" in refused.json()["error"]["message"]
    fields = await registration_fields(http, unregistered.ar, unregistered.duns, existing_cr=False)
    too_late = await register(http, unregistered.ar, designation, fields)
    assert too_late.status_code == 409
    assert "signup deadline" in too_late.json()["error"]["message"]
    assert (await act(http, reviewer, in_time["item_id"], "approve")).json()["state"] == "Pending Script Assignment"

    available = await report(http, ercot, "available-flights")
    assert designation not in [r["Flight Designation"] for r in available["rows"]]
    active = await report(http, ercot, "active-flights", flight=designation)
    assert [r["State"] for r in active["rows"]] == ["Registration Closed"]
    history = (await http.get(f"/api/v1/items/{flight['item_id']}", headers=ercot)).json()["history"]
    assert [(h["action"], h["actor_name"]) for h in history] == [
        ("Create Flight", "Catherine Meiners"),
        ("Change Dates", "Catherine Meiners"),
        ("Registration Closed", "FlighTrak"),
    ]


async def test_a_moved_deadline_moves_the_timer(http):
    """The timer follows each move: registration closes at the last deadline ERCOT set, not the first. (That it stays
    open past a deadline moved later is tests/test_flight_workflow.py's, on a server whose clock the test moves.)"""
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    later = (date.today() + timedelta(days=5)).isoformat()
    moved = await act(
        http, ercot, flight["item_id"], "change_dates", "Moved for the holiday.", signup_deadline=later,
        signup_deadline_time="17:00",
    )
    assert moved.status_code == 200, moved.text
    after = (await http.get(f"/api/v1/flights/{flight['designation']}", headers=ercot)).json()
    assert after["state"] == "Open for Registration"
    assert after["signup_deadline"] == later
    assert after["registration_closes_at"].startswith(f"{later}T17:00:00")
    # Moved again, to a moment from now: registration closes then, days before the deadline it had.
    closed = await registration_closed(http, ercot, flight)
    assert closed["signup_deadline"] < later


async def test_only_an_ercot_admin_runs_the_flight_and_phases_come_in_order(http):
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    await registration_closed(http, ercot, flight)
    reviewer = await sign_in(http, "reviewer@ercot.example")
    assert (await act(http, reviewer, flight["item_id"], "open_connectivity_testing")).status_code == 403
    assert (await act(http, ercot, flight["item_id"], "open_business_testing")).status_code == 409
    # Opening connectivity testing waits for the TDSPs' test beds: tests/test_test_bed_api.py runs the phases.


async def test_the_form_does_not_offer_again_a_contact_deactivated_since(http):
    from tests.test_invitations_and_lists import commit_user_request, users_by_email

    ercot, reviewer = await sign_in(http, "admin@ercot.example"), await sign_in(http, "reviewer@ercot.example")
    cr = await new_cr(http)
    ar = mp_admin = cr.ar
    first, second = [await create_flight(http, ercot) for _ in range(2)]
    fields = new_user_fields(email=f"leaving.{unique('')}@cr.example")
    await commit_user_request(http, mp_admin, {"kind": "add", "company_duns": cr.duns, "fields": fields})
    leaving = (await users_by_email(http, mp_admin, cr.duns))[fields["email"]]
    staying = [c for c in await contacts_of(http, ar, cr.duns) if c != leaving["user_id"]]
    contacts = {"primary_contact": staying[0], "secondary_contact": staying[1], "testing_contact": leaving["user_id"]}
    await approved(http, ar, reviewer, first["designation"], cr.duns, existing_cr=False, **contacts)
    await commit_user_request(
        http, mp_admin, {"kind": "deactivate", "company_duns": cr.duns, "target_user_id": leaving["user_id"]}
    )
    form = (await http.get(f"/api/v1/flights/{second['designation']}/registration-form", headers=ar)).json()
    assert "testing_contact" not in form["values"] and form["values"]["primary_contact"]

"""Flights and registrations through the HTTP API, on real PostgreSQL and the Temporal dev server."""

from tests.conftest import sign_in
from tests.registration_helpers import (
    EDIGATE,
    LONESTAR,
    act,
    create_flight,
    register,
    registration_fields,
    report,
)


async def test_register_return_modify_submit_approve(http):
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    ar = await sign_in(http, "ar@lonestar.example")
    flight = await create_flight(http, ercot)
    assert flight["state"] == "Open for Registration"

    fields = await registration_fields(http, ar, LONESTAR)
    created = await register(http, ar, flight["designation"], fields)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["state"] == "Pending Submittal"
    assert {a["name"] for a in item["actions"]} == {"modify", "submit", "withdraw"}
    assert item["fields"]["service_provider"] == EDIGATE

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

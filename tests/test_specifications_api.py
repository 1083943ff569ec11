"""Requests for Testing Specifications through the HTTP API (guide §6.1-6.2), on the real stack."""

from tests.conftest import sign_in
from tests.registration_helpers import CENTERPOINT, EDIGATE, LONESTAR, ONCOR, act, approved, create_flight, report
from tests.test_specifications_rules import good_raw


async def approved_lonestar(http) -> tuple[dict, dict]:
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    flight = await create_flight(http, ercot)
    registration = await approved(
        http,
        await sign_in(http, "ar@lonestar.example"),
        reviewer,
        flight["designation"],
        LONESTAR,
        tdsps=f"{ONCOR},{CENTERPOINT}",
    )
    return flight, registration


async def test_the_cr_or_its_sp_provides_specifications_and_ercot_rejects_then_approves(http):
    flight, registration = await approved_lonestar(http)
    item_id = int(registration["fields"]["testing_specifications_item_id"])
    user, sp = await sign_in(http, "user@lonestar.example"), await sign_in(http, "user@edigate.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")

    opened = (await http.get(f"/api/v1/items/{item_id}", headers=user)).json()
    assert (opened["state"], opened["responsible_party"]) == ("Pending Testing Specifications", "CR")
    [provide] = opened["actions"]
    assert provide["name"] == "provide" and "pgp_public_key" in provide["fields"]
    page = await http.get(f"/items/{item_id}", headers=user)
    assert page.status_code == 200
    assert 'name="pgp_public_key"' in page.text and "Provide/Review Testing Specifications" in page.text
    assert (
        await http.get(f"/api/v1/items/{item_id}", headers=await sign_in(http, "ar@bluebonnet.example"))
    ).status_code == 404
    assert (
        await http.get(f"/api/v1/items/{item_id}", headers=await sign_in(http, "user@oncor.example"))
    ).status_code == 404

    bad = await act(
        http, user, item_id, "provide", **good_raw(edm_url="http://edm.lonestar.example/test", edm_login="")
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"edm_url", "edm_login"}
    assert "EDM" in bad.json()["error"]["message"] or "URL" in bad.json()["error"]["message"]

    provided = await act(http, user, item_id, "provide", **good_raw())
    assert provided.status_code == 200, provided.text
    assert (provided.json()["state"], provided.json()["responsible_party"]) == ("ERCOT Review", "ERCOT")
    assert provided.json()["fields"]["pgp_key_expires"].startswith("2030-01-01")
    assert (await act(http, user, item_id, "approve")).status_code == 403

    assert (await act(http, reviewer, item_id, "reject")).status_code == 400
    rejected = await act(http, reviewer, item_id, "reject", "The login must be the one issued for this flight.")
    assert rejected.json()["state"] == "Pending Testing Specifications"

    fixed = await act(
        http, await sign_in(http, "user@edigate.example"), item_id, "provide", **good_raw(edm_login="ercot_0001")
    )
    assert fixed.json()["state"] == "ERCOT Review"
    done = (await act(http, reviewer, item_id, "approve")).json()
    # Approved: the EDM self-test is all it offers now (tests/test_edm_self_test_api.py).
    assert (done["state"], done["closed"]) == ("Approved", True)
    assert [action["name"] for action in done["actions"]] == ["run_edm_self_test"]
    shown = await http.get(f"/items/{item_id}", headers=user)
    assert "ercot_0001" in shown.text and "2030" in shown.text
    assert [h["action"] for h in done["history"]] == [
        "Opened",
        "Provide/Review Testing Specifications",
        "Reject",
        "Provide/Review Testing Specifications",
        "Approve",
    ]
    assert done["history"][2]["comment"] == "The login must be the one issued for this flight."

    cr_specs = await report(http, user, "cr-test-specs", flight=flight["designation"])
    assert [r["Item ID"] for r in cr_specs["rows"]] == [str(item_id)]
    sp_specs = await report(http, sp, "sp-test-specs", flight=flight["designation"])
    assert [r["Item ID"] for r in sp_specs["rows"]] == [str(item_id)]
    mine = await report(http, user, "my-company-testing-information", flight=flight["designation"])
    assert [(r["Item ID"], r["DUNS"], r["Flight Designation"]) for r in mine["rows"]] == [
        (str(item_id), LONESTAR, flight["designation"])
    ]
    assert EDIGATE not in str(await report(http, await sign_in(http, "user@oncor.example"), "tdsp-test-specs"))


async def test_each_paired_tdsp_gets_its_request_and_goes_on_to_the_test_bed(http):
    flight, _ = await approved_lonestar(http)
    oncor = await sign_in(http, "user@oncor.example")
    specs = await report(http, oncor, "tdsp-test-specs", flight=flight["designation"])
    [row] = specs["rows"]
    assert (
        row["Title"] == f"Flight {flight['designation']} Testing Specifications - Oncor Electric Delivery Company LLC"
    )
    centerpoint = await report(
        http, await sign_in(http, "user@centerpoint.example"), "tdsp-test-specs", flight=flight["designation"]
    )
    assert len(centerpoint["rows"]) == 1
    tnmp = await report(http, await sign_in(http, "user@tnmp.example"), "tdsp-test-specs", flight=flight["designation"])
    assert tnmp["rows"] == []

    item_id = int(row["Item ID"])
    loading = await act(http, oncor, item_id, "provide", **good_raw())
    assert loading.status_code == 200, loading.text
    assert (loading.json()["state"], loading.json()["responsible_party"]) == ("Test Bed Loading", "TDSP")
    early = await act(http, oncor, item_id, "submit_test_bed")
    assert early.status_code == 409
    assert "test bed" in early.json()["error"]["message"]
    # Lonestar, paired with Oncor, sees its request but may not work it; Bluebonnet, not paired, does not see it.
    refused = await act(http, await sign_in(http, "user@lonestar.example"), item_id, "provide", **good_raw())
    assert (refused.status_code, refused.json()["error"]["message"]) == (403, "only the TDSP may work this request")
    assert (
        await act(http, await sign_in(http, "user@bluebonnet.example"), item_id, "provide", **good_raw())
    ).status_code == 404

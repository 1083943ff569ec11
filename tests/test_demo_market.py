"""The demo market's flight in business testing, built through the API as `flightrak run` builds it: every state the
demo promises is there for its visitor, and building again (even stage by stage, as after an interrupted start)
adds nothing."""

from flightrak.demo_market import CRS, TDSPS, TRANSACTION_SCRIPTS, DemoMarket
from tests.conftest import DEMO_PASSWORD, sign_in
from tests.registration_helpers import next_designation, report
from tests.test_calendars_api import company_calendar
from workflows.scripts import models as m


class RebuiltStageByStage(DemoMarket):
    """A start that finds the market unfinished: every stage reads what is there again."""

    async def built_before(self) -> bool:
        return False


async def state_of(http, auth: dict, item_id: str) -> str:
    return (await http.get(f"/api/v1/items/{item_id}", headers=auth)).json()["state"]


async def what_the_market_holds(http, designation: str) -> dict:
    ercot = await sign_in(http, "reviewer@ercot.example")
    active = await report(http, ercot, "flight-progress-active-script-issues", flight=designation, page_size=5000)
    completed = await report(http, ercot, "flight-progress-completed-script-issues", flight=designation)
    registrations = await report(http, ercot, "flight-registration-records", flight=designation)
    unmatched = await report(http, ercot, "unmatched-transactions", page_size=5000)
    return {
        "active": sorted((r["Item ID"], r["State"]) for r in active["rows"]),
        "completed": sorted(r["Item ID"] for r in completed["rows"]),
        "registrations": sorted((r["Item ID"], r["State"]) for r in registrations["rows"]),
        "unmatched": sorted(
            r["Reference"] for r in unmatched["rows"] if r["Reference"].startswith(f"DEMO{designation}")
        ),
    }


async def test_the_demo_market_holds_every_state_and_building_it_again_adds_nothing(http):
    designation = next_designation()
    said: list[str] = []
    await DemoMarket(http, DEMO_PASSWORD, designation, said.append).build()
    assert said[-1].startswith("demo market: 9/9") and "ready" in said[-1]

    ercot = await sign_in(http, "reviewer@ercot.example")
    flight = (await http.get(f"/api/v1/flights/{designation}", headers=ercot)).json()
    assert flight["state"] == "Business Testing"
    events = await company_calendar(http, await sign_in(http, "user@lonestar.example"))  # issue 17: its calendar
    assert {f"flight-{designation}-{key}" for key in ("day-1", "business-testing", "end")} <= set(events)
    assert int(events[f"flight-{designation}-signup-deadline"]["SEQUENCE"]) == 1  # the deadline moved to close it
    registrations = (await report(http, ercot, "flight-registration-records", flight=designation))["rows"]
    assert [r["State"] for r in registrations] == ["Pending Script Assignment"] * len(CRS)
    tdsp_requests = (await report(http, ercot, "tdsp-test-specs", flight=designation))["rows"]
    cr_requests = (await report(http, ercot, "cr-test-specs", flight=designation))["rows"]
    assert [await state_of(http, ercot, r["Item ID"]) for r in tdsp_requests] == ["Completed"] * len(TDSPS)
    assert [await state_of(http, ercot, r["Item ID"]) for r in cr_requests] == ["Approved"] * len(CRS)
    edigate = await sign_in(http, "user@edigate.example")  # Bluebonnet's SP provided its specifications
    [provided_by_sp] = (await report(http, edigate, "sp-test-specs", flight=designation))["rows"]
    history = (await http.get(f"/api/v1/items/{provided_by_sp['Item ID']}", headers=edigate)).json()["history"]
    sp_ar = (await http.get("/api/v1/me", headers=await sign_in(http, "ar@edigate.example"))).json()
    assert [h["actor_user_id"] for h in history if h["action"].startswith("Provide")] == [sp_ar["user_id"]]

    active = (await report(http, ercot, "flight-progress-active-script-issues", flight=designation, page_size=5000))[
        "rows"
    ]
    by_key = {(r["CR Involved"], r["TDSP Involved"], r["Script ID"]): r for r in active}
    lonestar, east, bluebonnet = (cr.name for cr in CRS)
    oncor, centerpoint, _, _, tnmp = (tdsp.name for tdsp in TDSPS)
    completed = await report(http, ercot, "flight-progress-completed-script-issues", flight=designation)
    assert ("Lone Star Power & Light, LLC", "SW01") in {(r["CR Involved"], r["Script ID"]) for r in completed["rows"]}
    waiting = [r for r in active if r["Script ID"] in TRANSACTION_SCRIPTS and r["State"].startswith("Pending 814")]
    assert len(waiting) >= 40, "the simulator has business scripts to move"
    assert by_key[(bluebonnet, centerpoint, "CON03")]["State"] == m.ESCALATED_TO_ERCOT
    con03 = (await http.get(f"/api/v1/items/{by_key[(lonestar, oncor, 'CON03')]['Item ID']}", headers=ercot)).json()
    assert con03["state"] == "P2P Bank Transfer in Progress"
    p2p = (await http.get(f"/api/v1/items/{con03['fields']['p2p_item_id']}", headers=ercot)).json()
    assert p2p["state"] == m.RECEIVER_IN_REVIEW
    letters = (await report(http, ercot, "qualification-letters", flight=designation))["rows"]  # issue 17
    assert sorted(r["CR DUNS"] for r in letters) == sorted(cr.duns for cr in CRS)
    assert {r["State"] for r in letters} == {"Awaiting ERCOT Review"}
    move_in = by_key[(east, tnmp, "MVI01")]
    failed = (await http.get(f"/api/v1/items/{move_in['Item ID']}", headers=ercot)).json()
    assert "A13" in failed["fields"]["last_failed_transaction"] and failed["state"] == "Pending 814_16 from CR"
    unmatched = (await report(http, ercot, "unmatched-transactions", page_size=5000))["rows"]
    ours = [r for r in unmatched if r["Reference"].startswith(f"DEMO{designation}-")]
    assert len(ours) == 3 and all(r["Why Unmatched"] for r in ours)
    analytics = (await http.get(f"/api/v1/flights/{designation}/analytics", headers=ercot)).json()  # issue 17
    assert analytics["overall"]["escalations"] >= 1 and analytics["overall"]["failed_transactions"] >= 1
    assert analytics["overall"]["issues"] >= len(active) and len(analytics["by_pairing"]) > 1
    lonestar_user = await sign_in(http, "user@lonestar.example")  # the visitor's first look
    assert (await report(http, lonestar_user, "my-script-tasks", flight=designation))["rows"]

    held = await what_the_market_holds(http, designation)
    said.clear()
    await DemoMarket(http, DEMO_PASSWORD, designation, said.append).build()
    assert said == [f"demo market: flight {designation} was built by an earlier start; kept as it is"]
    await RebuiltStageByStage(http, DEMO_PASSWORD, designation, said.append).build()
    assert await what_the_market_holds(http, designation) == held

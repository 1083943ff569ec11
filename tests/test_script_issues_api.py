"""Script issues through the HTTP API, on the real stack (guide §7.1): ERCOT opens connectivity testing and
every pairing's connectivity scripts are Ready to Begin in the right party's report; Lone Star and Oncor walk
CON03 as the guide does, through the bank-transfer sub-flow with an escalation and a return, to Script Passed."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

from temporalio.testing import ActivityEnvironment

from flightrak import db, temporal
from flightrak.projections import ITEM_ID_STRIDE
from services.scripts import packs, store, x12
from services.scripts.activities import STARTS_AT_ONCE, ScriptsActivities
from tests.conftest import sign_in, system_sign_in
from tests.registration_helpers import (
    LONESTAR,
    ONCOR,
    Cr,
    Tdsp,
    act,
    approved,
    create_flight,
    new_cr,
    new_tdsp,
    next_designation,
    registration_closed,
    report,
)
from tests.test_script_pack_api import EXAMPLE, YAML
from tests.test_test_bed_api import filled, loading, template_rows, upload
from workflows.scripts import models as m


async def flight_in_connectivity_testing(
    http, pack: str = EXAMPLE, tdsp: Tdsp | None = None, cr: Cr | None = None
) -> str:
    """A flight with Lone Star (or `cr`) paired with Oncor (or `tdsp`), the example pack (or `pack`), the TDSP's test
    bed approved, and connectivity testing open."""
    tdsp_duns, tdsp_ar = (tdsp.duns, tdsp.ar) if tdsp else (ONCOR, await sign_in(http, "ar@oncor.example"))
    cr_duns, cr_ar = (cr.duns, cr.ar) if cr else (LONESTAR, await sign_in(http, "ar@lonestar.example"))
    ercot = await sign_in(http, "admin@ercot.example")
    reviewer = await sign_in(http, "reviewer@ercot.example")
    flight = await create_flight(http, ercot)
    designation = flight["designation"]
    new = {"existing_cr": False} if cr else {}
    await approved(http, cr_ar, reviewer, designation, cr_duns, tdsps=tdsp_duns, **new)
    published = await http.put(f"/api/v1/flights/{designation}/script-pack", content=pack, headers=ercot | YAML)
    assert published.status_code == 201, published.text
    item_id = await loading(http, tdsp_ar, designation)
    # Premises of the flight's own (numbered by its designation): each flight's transactions name only its issues.
    premises = filled(await template_rows(http, tdsp_ar, item_id), 100_000 + int(designation) * 100)
    assert (await upload(http, tdsp_ar, item_id, premises)).is_success
    await act(http, tdsp_ar, item_id, "submit_test_bed")
    await act(http, reviewer, item_id, "approve")
    await registration_closed(http, ercot, flight)
    opened = await act(http, ercot, flight["item_id"], "open_connectivity_testing")
    assert opened.status_code == 200, opened.text
    return designation


async def rows_when(http, auth, name: str, designation: str, ready, timeout: float = 30.0) -> list[dict]:
    """The report's rows once `ready(rows)` holds: opening issues and recording steps follow the clicks."""
    give_up = time.monotonic() + timeout
    while True:
        rows = (await report(http, auth, name, flight=designation))["rows"]
        if ready(rows) or time.monotonic() > give_up:
            return rows
        await asyncio.sleep(0.3)


async def item_when(http, auth, item_id: int, ready, timeout: float = 15.0) -> dict:
    give_up = time.monotonic() + timeout
    while True:
        item = (await http.get(f"/api/v1/items/{item_id}", headers=auth)).json()
        if ready(item) or time.monotonic() > give_up:
            return item
        await asyncio.sleep(0.2)


async def test_connectivity_scripts_open_and_con03_is_walked_as_the_guide_does(http):
    designation = await flight_in_connectivity_testing(http)
    lonestar, oncor = await sign_in(http, "user@lonestar.example"), await sign_in(http, "user@oncor.example")
    ercot = await sign_in(http, "reviewer@ercot.example")

    ready = await rows_when(http, lonestar, "scripts-ready-to-begin", designation, lambda rows: len(rows) >= 2)
    assert sorted(r["Script ID"] for r in ready) == ["CON02", "CON03"]  # the CR begins these
    assert {(r["State"], r["Testing Partner"]) for r in ready} == {
        ("Ready to Begin", "Oncor Electric Delivery Company LLC")
    }
    ercot_ready = await report(http, ercot, "scripts-ready-to-begin", flight=designation)
    assert "CON05" in {r["Script ID"] for r in ercot_ready["rows"]}  # ERCOT begins CON05
    active = await report(http, ercot, "active-script-issues", flight=designation)
    assert "CON52" not in {r["Script ID"] for r in active["rows"]}  # the penny test is for bank changes
    bluebonnet = await sign_in(http, "user@bluebonnet.example")
    assert (await report(http, bluebonnet, "active-script-issues", flight=designation))["rows"] == []

    con03 = int(next(r for r in ready if r["Script ID"] == "CON03")["Item ID"])
    assert (await http.get(f"/api/v1/items/{con03}", headers=bluebonnet)).status_code == 404
    item = (await http.get(f"/api/v1/items/{con03}", headers=lonestar)).json()
    assert [a["label"] for a in item["actions"]] == [
        "Begin Working",
        "Escalate to ERCOT",
        "Escalate to Testing Partner",
    ]
    assert (await act(http, oncor, con03, "begin_working")).status_code == 403  # the CR begins it

    begun = await act(http, lonestar, con03, "begin_working")
    assert begun.json()["state"] == "Pending Bank Info Provided by CR", begun.text
    assert begun.json()["actions"][0]["label"] == "Bank Info Provided by CR"
    moved = await act(http, lonestar, con03, "step_action")
    assert (moved.json()["state"], moved.json()["responsible_party"]) == (
        "Pending TDSP Banking Info sent to CR",
        "TDSP",
    )
    partner = await report(http, lonestar, "testing-partner-script-tasks", flight=designation)
    assert [int(r["Item ID"]) for r in partner["rows"]] == [con03]
    assert (await act(http, oncor, con03, "step_action")).json()["state"] == "P2P Bank Transfer in Progress"

    # The sub-flow: the CR sends the transfer; Oncor escalates it back; the CR returns it; Oncor completes it.
    with_p2p = await item_when(http, lonestar, con03, lambda i: "p2p_item_id" in i["fields"])
    p2p = int(with_p2p["fields"]["p2p_item_id"])
    sub_flow = await item_when(http, lonestar, p2p, lambda i: i.get("state") == "Submitter Working")
    assert sub_flow["item_type"] == "P2P Sub-flow" and sub_flow["fields"]["parent_item_id"] == str(con03)
    mine = await report(http, lonestar, "my-script-tasks", flight=designation)
    assert {int(r["Item ID"]) for r in mine["rows"]} == {con03, p2p}
    assert (await act(http, lonestar, p2p, "task_complete")).json()["state"] == "Receiver in Review"
    assert (await act(http, oncor, p2p, "escalate_to_submitter")).status_code == 400  # a comment is required
    escalated = await act(http, oncor, p2p, "escalate_to_submitter", "No transfer received yet.")
    assert escalated.json()["state"] == "Escalated to Submitter"
    returned = await act(http, lonestar, p2p, "return_to_receiver", "Sent again this morning.")
    assert returned.json()["state"] == "Receiver in Review"
    assert (await act(http, oncor, p2p, "task_complete")).json()["state"] == "Completed"

    passed = await item_when(http, lonestar, con03, lambda i: i["state"] == "Script Passed")
    assert (passed["state"], passed["closed"], passed["actions"]) == ("Script Passed", True, [])
    completed = await rows_when(http, lonestar, "completed-script-issues", designation, lambda rows: len(rows) == 1)
    assert completed == [
        {
            "Item ID": str(con03),
            "Flight": designation,  # rows of several flights name theirs (issue 15 item 4)
            "Script ID": "CON03",
            "Testing Partner for CR": "Oncor Electric Delivery Company LLC",
        }
    ]
    page = await http.get(f"/items/{con03}", headers=lonestar)
    assert page.status_code == 200 and "Script Passed" in page.text

    # Flight Progress: the picture's numbers, per participant, and the guide's two reports.
    summary = await report(http, ercot, "flight-progress-summary", flight=designation)
    by_role = {row["Role"]: row for row in summary["rows"]}
    scripts = len(active["rows"])  # every connectivity script of the pairing, none passed when first listed
    assert by_role["CR"]["Participant"] == "Lone Star Power & Light, LLC"
    assert (by_role["CR"]["Script Passed"], by_role["CR"]["Active"]) == ("1", "0")
    assert int(by_role["CR"]["Not Started"]) == scripts - 1 and by_role["TDSP"]["Script Passed"] == "1"
    progress = await report(http, lonestar, "flight-progress-completed-script-issues", flight=designation)
    assert [r["Script ID"] for r in progress["rows"]] == ["CON03"]
    assert (await report(http, bluebonnet, "flight-progress-summary", flight=designation))["rows"] == []
    picture = await http.get(f"/dashboards/flight-progress?flight={designation}", headers=ercot)
    assert picture.status_code == 200 and 'id="progress-picture"' in picture.text
    assert f"1 of {scripts} scripts passed" in picture.text

    # Long reports come a page at a time: the pages together are the whole report, as is its export.
    rows, token = [], ""
    while True:
        page = await report(http, ercot, "active-script-issues", flight=designation, page_size=2, page_token=token)
        assert len(page["rows"]) <= 2
        rows, token = rows + page["rows"], page["next_page_token"]
        if not token:
            break
    whole = await report(http, ercot, "active-script-issues", flight=designation)
    assert rows == whole["rows"] and len(rows) == scripts - 1 and whole["next_page_token"] == ""
    exported = await http.get(
        "/api/v1/reports/active-script-issues", params={"flight": designation, "format": "csv"}, headers=ercot
    )
    assert len(exported.text.splitlines()) == 1 + len(rows)
    forged = await http.get("/api/v1/reports/my-script-tasks", params={"page_token": "not-ours"}, headers=ercot)
    assert forged.status_code == 400 and "page_token" in forged.json()["error"]["fields"]
    negative = await http.get("/api/v1/reports/my-script-tasks", params={"page_size": -1}, headers=ercot)
    assert negative.status_code == 400 and "page_size" in negative.json()["error"]["fields"]


def with_checks(count: int) -> str:
    """The example pack and `count` one-step connectivity scripts more, each begun by the CR."""
    checks = "".join(
        f"""
  - script_id: CHECK{n:03d}
    title: Connectivity check {n}
    kind: connectivity
    scenario: Connectivity check
    begins: CR
    steps:
      - state: Pending Check {n}
        responsible: CR
        instructions: Run check {n}, then click Done.
        action: Done
"""
        for n in range(1, count + 1)
    )
    return EXAMPLE.rstrip("\n") + "\n" + checks


async def test_while_a_flights_script_issues_open_every_one_listed_takes_begin_working(http):
    """Issue 14's loose end (a flight's 4,800 issues take about a minute to open): until the flight says its
    connectivity scripts are opened, the CR lists those Ready to Begin and clicks Begin Working on the newest, and
    looks up the Item ID after the newest listed: every listed issue offers Begin Working and takes it, and one
    not listed yet is still opening (409) or has opened since; nothing answers 404 'no longer running'."""
    checks = 400
    designation = await flight_in_connectivity_testing(http, with_checks(checks))
    lonestar, ercot = await sign_in(http, "user@lonestar.example"), await sign_in(http, "reviewer@ercot.example")
    flight_id = (await http.get(f"/api/v1/flights/{designation}", headers=ercot)).json()["item_id"]

    def opened(flight: dict) -> list[str]:
        return [h["comment"] for h in flight["history"] if h["action"] == "Connectivity Scripts Opened"]

    begun, looked_up = set(), {}
    give_up = time.monotonic() + 180
    while not opened(flight := (await http.get(f"/api/v1/items/{flight_id}", headers=ercot)).json()):
        assert time.monotonic() < give_up, "the flight's connectivity scripts never opened"
        ready = await report(http, lonestar, "scripts-ready-to-begin", flight=designation, page_size=1000)
        listed = {int(row["Item ID"]): row["Script ID"] for row in ready["rows"]}
        if not set(listed) - begun:
            await asyncio.sleep(0.1)
            continue
        unlisted = max(listed) + ITEM_ID_STRIDE
        # Once the flight's last issue is listed, the Item ID after it is not the flight's.
        if f"CHECK{checks:03d}" not in listed.values() and unlisted not in looked_up:
            looked = await http.get(f"/api/v1/items/{unlisted}", headers=lonestar)
            looked_up[unlisted] = looked.status_code
            assert looked.status_code in (200, 409), looked.text  # 200: it opened in between
            if looked.status_code == 409:
                assert "this script issue is still opening; try again in a moment" in looked.text, looked.text
                early = await act(http, lonestar, unlisted, "begin_working")
                # Still opening, or opened in between and answered as any issue: begun, or not the CR's to begin.
                assert early.status_code in (200, 403, 409), early.text
                if early.status_code == 409:
                    assert "this script issue is still opening; try again in a moment" in early.text, early.text
                elif early.status_code == 200:
                    begun.add(unlisted)
        newest = max(set(listed) - begun)
        item = (await http.get(f"/api/v1/items/{newest}", headers=lonestar)).json()
        assert [a["name"] for a in item["actions"]][:1] == ["begin_working"], item
        begin = await act(http, lonestar, newest, "begin_working")
        assert begin.status_code == 200 and begin.json()["state"].startswith("Pending"), begin.text
        begun.add(newest)

    everything = await report(http, ercot, "active-script-issues", flight=designation, page_size=5000)
    assert opened(flight) == [f"{len(everything['rows'])} script issues opened."]
    assert set(looked_up) <= {int(row["Item ID"]) for row in everything["rows"]}, looked_up  # the flight's
    assert begun, "the issues opened before any could be begun"


class StartsHeld:
    """The Temporal client, but with every workflow start after the first `count` held until `release` is set:
    a flight's opening caught between two batches of starts, however fast the machine is."""

    def __init__(self, client, count: int):
        self._client, self._left = client, count
        self.held, self.release = asyncio.Event(), asyncio.Event()

    async def start_workflow(self, *args, **kwargs):
        self._left -= 1
        if self._left < 0:
            self.held.set()
            await self.release.wait()
        return await self._client.start_workflow(*args, **kwargs)


async def test_an_issue_whose_workflow_has_not_started_is_listed_nowhere_and_says_it_is_still_opening(http, settings):
    """The scripts service's opening of a flight's issues, stopped after its first batch of workflow starts: the
    issues of that batch are listed and take Begin Working; the others are listed nowhere and answer 409 'still
    opening' to whoever knows their Item ID (404 to anyone outside the pairing), until their workflows start."""
    designation = next_designation()
    pack = packs.parse_pack(with_checks(60))
    engine = db.create_engine(settings.database_url, pool_size=2)
    sessions = db.session_factory(engine)
    try:
        async with sessions.begin() as session:
            await store.add_pack_version(session, designation, pack, packs.pack_as_json(pack), "test")
        pairing = m.Pairing(
            designation, LONESTAR, "Lone Star Power & Light, LLC", ONCOR, "Oncor Electric Delivery Company LLC"
        )
        ends_at = (datetime.now(UTC) + timedelta(days=40)).isoformat()
        request = m.OpenScriptIssues(
            designation, "connectivity", [m.PairingToTest(pairing, ["new_cr"], "iou")], ends_at, ERCOT_DUNS
        )
        client = StartsHeld(await temporal.connect(settings), STARTS_AT_ONCE)
        activities = ScriptsActivities(sessions, client, settings.script_reminder_business_hours)
        opening = asyncio.create_task(ActivityEnvironment().run(activities.open_script_issues, request))
        await asyncio.wait_for(client.held.wait(), 60)

        lonestar, ercot = await sign_in(http, "user@lonestar.example"), await sign_in(http, "reviewer@ercot.example")
        async with sessions() as session:
            reserved = await store.existing_issues(session, designation)
        everything = await report(http, ercot, "active-script-issues", flight=designation, page_size=5000)
        listed = {int(row["Item ID"]) for row in everything["rows"]}
        assert len(reserved) > STARTS_AT_ONCE and len(listed) == STARTS_AT_ONCE
        ready = await report(http, lonestar, "scripts-ready-to-begin", flight=designation, page_size=5000)
        first = int(ready["rows"][0]["Item ID"])
        assert first in listed
        begun = await act(http, lonestar, first, "begin_working")
        assert begun.status_code == 200 and begun.json()["state"].startswith("Pending"), begun.text

        held = max(reserved.values())
        assert held not in listed
        for reply in (
            await http.get(f"/api/v1/items/{held}", headers=lonestar),
            await act(http, lonestar, held, "begin_working"),
            await http.get(f"/items/{held}", headers=lonestar),
        ):
            assert reply.status_code == 409, reply.text
            assert "this script issue is still opening; try again in a moment" in reply.text
        outsider = await sign_in(http, "user@bluebonnet.example")
        assert (await http.get(f"/api/v1/items/{held}", headers=outsider)).status_code == 404

        client.release.set()
        assert await asyncio.wait_for(opening, 120) == len(reserved)
        everything = await report(http, ercot, "active-script-issues", flight=designation, page_size=5000)
        assert {int(row["Item ID"]) for row in everything["rows"]} == set(reserved.values())
        late = await act(http, lonestar, held, "begin_working")
        assert late.status_code == 200 and late.json()["state"] == "Pending Check 60", late.text
    finally:
        await engine.dispose()


ERCOT_DUNS = "183529049"
ESI_ID = "10443720000003001"


RUN = time.time_ns()  # references are unique per sender in the database every test of the session shares


def receipt(
    n: int,
    kind: str,
    sender: str,
    receiver: str,
    valid: bool = True,
    reasons: tuple[str, ...] = (),
    esi_id: str = ESI_ID,
):
    return {
        "type": kind,
        "sender_duns": sender,
        "receiver_duns": receiver,
        "esi_id": esi_id,
        "reference": f"BGN-{RUN}-{n}",
        "valid": valid,
        "reasons": list(reasons),
    }


async def test_transaction_receipts_move_a_business_script_with_nobody_clicking(http):
    designation = await flight_in_connectivity_testing(http)
    ercot_admin = await sign_in(http, "admin@ercot.example")
    flight = (await http.get(f"/api/v1/flights/{designation}", headers=ercot_admin)).json()
    assert (await act(http, ercot_admin, flight["item_id"], "open_business_testing")).status_code == 200
    lonestar = await sign_in(http, "user@lonestar.example")
    ready = await rows_when(
        http, lonestar, "scripts-ready-to-begin", designation, lambda rows: any(r["Script ID"] == "SW01" for r in rows)
    )
    switch = int(next(r for r in ready if r["Script ID"] == "SW01")["Item ID"])
    await act(http, lonestar, switch, "begin_working")
    # The switch runs on its premise from Oncor's approved test bed: its transactions name that ESI ID.
    progress = await report(http, lonestar, "flight-progress-active-script-issues", flight=designation)
    premise = next(r for r in progress["rows"] if r["Script ID"] == "SW01")["ESIID"]
    assert premise.startswith("10") and len(premise) == 17

    # Only a system ERCOT registered reports, with its own key: never a person, not even ERCOT's.
    systems = await system_sign_in(http)
    for person in (lonestar, await sign_in(http, "admin@ercot.example")):
        refused = await http.post(
            "/api/v1/transactions", json=receipt(0, "814_01", LONESTAR, ERCOT_DUNS), headers=person
        )
        assert refused.status_code == 403, refused.text
    unregistered = await http.post("/api/v1/system-session", json={"system_id": "rogue-gateway", "key": "ftsys_x"})
    assert unregistered.status_code == 401
    bad = await http.post("/api/v1/transactions", json=receipt(0, "81401", "123", ERCOT_DUNS), headers=systems)
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"type", "sender_duns"}

    failed = receipt(1, "814_01", LONESTAR, ERCOT_DUNS, valid=False, reasons=("REF*TD missing",), esi_id=premise)
    given = await http.post("/api/v1/transactions", json=failed, headers=systems)
    assert (given.status_code, given.json()["matched_item_id"]) == (202, switch)
    shown = await item_when(http, lonestar, switch, lambda i: "last_failed_transaction" in i["fields"])
    assert shown["state"] == "Pending 814_01 from CR" and "REF*TD missing" in shown["fields"]["last_failed_transaction"]
    assert "REF*TD missing" in shown["history"][-1]["comment"]

    steps = [
        ("814_01", LONESTAR, ERCOT_DUNS),
        ("814_03", ERCOT_DUNS, ONCOR),
        ("814_04", ONCOR, ERCOT_DUNS),
        ("814_05", ERCOT_DUNS, LONESTAR),
        ("867_04", ONCOR, ERCOT_DUNS),
    ]
    # ERCOT's systems report as fast as they receive: each is given to the switch, even before its step comes
    # (the move-in waiting to begin also expects an 814_03, but the switch is working on that premise).
    for n, (kind, sender, receiver) in enumerate(steps, start=2):
        sent = receipt(n, kind, sender, receiver, esi_id=premise)
        given = await http.post("/api/v1/transactions", json=sent, headers=systems)
        assert given.json()["matched_item_id"] == switch, (kind, given.text)
        again = await http.post("/api/v1/transactions", json=sent, headers=systems)
        assert (again.status_code, again.json()["duplicate"]) == (200, True)
        if n == 2:
            await item_when(http, lonestar, switch, lambda i: "814_01 Received" in [h["action"] for h in i["history"]])
    passed = await item_when(http, lonestar, switch, lambda i: i["state"] == "Script Passed")
    assert passed["state"] == "Script Passed"
    assert [h["actor_name"] for h in passed["history"][-5:]] == ["FlighTrak"] * 5
    # A move-out request on the move-out's premise goes to Lone Star's move-out script, which keeps it until it
    # begins. What no script takes is kept, and listed with why.
    ready = await report(http, lonestar, "scripts-ready-to-begin", flight=designation)
    move_out = int(next(r for r in ready["rows"] if r["Script ID"] == "MVO01")["Item ID"])
    move_out_premise = next(r for r in progress["rows"] if r["Script ID"] == "MVO01")["ESIID"]
    sent = receipt(9, "814_24", LONESTAR, ERCOT_DUNS, esi_id=move_out_premise)
    taken = await http.post("/api/v1/transactions", json=sent, headers=systems)
    assert taken.json()["matched_item_id"] == move_out
    stranger = await new_tdsp(http)
    unmatched = [
        receipt(10, "824", LONESTAR, ERCOT_DUNS, esi_id=move_out_premise),
        receipt(11, "814_24", LONESTAR, ERCOT_DUNS, esi_id="10999999999999999"),
        receipt(12, "814_01", stranger.duns, ERCOT_DUNS, esi_id=premise),  # a TDSP of this test's, in no pairing
    ]
    batch = await http.post("/api/v1/transactions", json=unmatched, headers=systems)
    assert batch.status_code == 202, batch.text
    reasons = [outcome["unmatched_reason"] for outcome in batch.json()["transactions"]]
    assert [outcome["matched_item_id"] for outcome in batch.json()["transactions"]] == [None, None, None]
    assert reasons[0].startswith("no script expects this type now")
    assert reasons[1].startswith("unknown ESI ID 10999999999999999")
    assert reasons[2].startswith("wrong party")
    listed = await report(http, ercot_admin, "unmatched-transactions")
    mine = {row["Reference"]: row for row in listed["rows"] if row["Reference"].startswith(f"BGN-{RUN}-")}
    assert {r["Why Unmatched"] for r in mine.values()} == set(reasons)
    seen_by_lonestar = {row["Reference"] for row in (await report(http, lonestar, "unmatched-transactions"))["rows"]}
    assert {unmatched[0]["reference"], unmatched[1]["reference"]} <= seen_by_lonestar
    assert unmatched[2]["reference"] not in seen_by_lonestar  # Bluebonnet's is Bluebonnet's and ERCOT's
    oncor = await sign_in(http, "user@oncor.example")
    assert not {r["Reference"] for r in (await report(http, oncor, "unmatched-transactions"))["rows"]} & set(mine)
    missing = await http.post("/api/v1/transactions", json=[unmatched[0] | {"reference": ""}], headers=systems)
    assert missing.status_code == 400 and "0.reference" in missing.json()["error"]["fields"], missing.text

    # The same market traffic as raw X12: an 814_16 for the move-in (its premise) and a set whose SE count is
    # wrong in one interchange. The good set is taken; the bad one is refused alone, kept, and listed.
    move_in = int(next(r for r in ready["rows"] if r["Script ID"] == "MVI01")["Item ID"])
    move_in_premise = next(r for r in progress["rows"] if r["Script ID"] == "MVI01")["ESIID"]
    sets = [
        x12.new_receipt("814_16", LONESTAR, ERCOT_DUNS, esi_id=move_in_premise, reference=f"MVI{RUN}", date="20261123"),
        x12.new_receipt(
            "814_24", LONESTAR, ERCOT_DUNS, esi_id=move_out_premise, reference=f"BAD{RUN}", date="20261123"
        ),
    ]
    text = x12.write_interchange(sets, prepared=datetime(2026, 11, 23, 9, 30), control_number=RUN % 999_999_999)
    last_se = text.rindex("SE*")
    count = text[last_se + 3 : text.index("*", last_se + 3)]
    broken = text[: last_se + 3] + str(int(count) + 1) + text[last_se + 3 + len(count) :]
    edi = systems | {"content-type": "application/edi-x12"}
    read = await http.post("/api/v1/transactions", content=broken.encode(), headers=edi)
    assert read.status_code == 202, read.text
    assert [(t["type"], t["matched_item_id"]) for t in read.json()["transactions"]] == [("814_16", move_in)]
    [refused_set] = read.json()["refused"]
    [problem] = read.json()["problems"]
    assert refused_set.startswith("transaction set 0002") and (problem["segment_id"], problem["control_number"]) == (
        "SE",
        "0002",
    )
    again = await http.post("/api/v1/transactions", content=broken.encode(), headers=edi)
    assert [t["duplicate"] for t in again.json()["transactions"]] == [True]
    refused = await report(http, ercot_admin, "refused-transactions")
    assert any(row["Control Number"] == "0002" and "SE" in row["Problems"] for row in refused["rows"])
    assert (await http.get("/api/v1/reports/refused-transactions", headers=lonestar)).status_code == 403
    garbage = await http.post("/api/v1/transactions", content=b"ISA*nonsense~", headers=edi)
    assert garbage.status_code == 422 and garbage.json()["problems"][0]["position"] == 1


def acknowledgement(control_number: int, code: str, notes: tuple[str, ...] = (), receiver: str = LONESTAR) -> bytes:
    """ERCOT's 997 to Lone Star (or `receiver`), alone in its interchange: its reference is its control numbers."""
    ack = x12.new_receipt(
        "997",
        ERCOT_DUNS,
        receiver,
        reference=x12.acknowledgement_reference(f"{control_number:09d}", "1", "0001"),
        answers_reference="1-0001",
        action_code=code,
        service_code="GE",
        reject_reasons=notes,
    )
    return x12.write_interchange([ack], prepared=datetime(2026, 11, 23, 9, 31), control_number=control_number).encode()


async def test_a_997_as_the_market_sends_it_moves_con02_on_and_a_rejected_one_shows_why_on_the_step(http):
    """A CR of the test's own: a 997 carries no premise, so between ERCOT and a seeded CR it could go to another
    test's issue waiting for one."""
    cr = await new_cr(http)
    designation = await flight_in_connectivity_testing(http, cr=cr)
    lonestar = cr.user
    ready = await rows_when(
        http, lonestar, "scripts-ready-to-begin", designation, lambda rows: any(r["Script ID"] == "CON02" for r in rows)
    )
    con02 = int(next(r for r in ready if r["Script ID"] == "CON02")["Item ID"])
    assert (await act(http, lonestar, con02, "begin_working")).status_code == 200
    sent = await act(http, lonestar, con02, "step_action")
    assert sent.json()["state"] == "Pending 997 from ERCOT", sent.text
    await item_when(http, lonestar, con02, lambda i: i["fields"].get("expects_type") == "997")
    edi = await system_sign_in(http) | {"content-type": "application/edi-x12"}
    control_number = RUN % 999_999_000 + 1

    # ERCOT's translator rejected the test file's 814 for a bad REF02: the step shows why, and waits on.
    notes = ("AK2*814*0001", "AK3*REF*6**8", "AK4*2*128*7", "AK5*R*5")
    ack = acknowledgement(control_number, "R", notes, receiver=cr.duns)
    rejected = await http.post("/api/v1/transactions", content=ack, headers=edi)
    assert rejected.status_code == 202, rejected.text
    [outcome] = rejected.json()["transactions"]
    assert (outcome["type"], outcome["reference"], outcome["matched_item_id"]) == (
        "997",
        f"{control_number:09d}-1-0001",
        con02,
    )
    shown = await item_when(http, lonestar, con02, lambda i: "last_failed_transaction" in i["fields"])
    assert shown["state"] == "Pending 997 from ERCOT"
    for words in (
        "functional group 1 (GE): Rejected (AK901 R)",
        "transaction set 814 0001, segment REF at position 6, element 2 (data element 128): "
        "Invalid code value (AK403 7)",
    ):
        assert words in shown["fields"]["last_failed_transaction"] and words in shown["history"][-1]["comment"]

    # The file sent again is accepted: the 997 saying so moves the script on with nobody clicking, once.
    accepted = acknowledgement(control_number + 1, "A", receiver=cr.duns)
    taken = await http.post("/api/v1/transactions", content=accepted, headers=edi)
    assert [t["matched_item_id"] for t in taken.json()["transactions"]] == [con02], taken.text
    passed = await item_when(http, lonestar, con02, lambda i: i["state"] == "Script Passed")
    assert passed["state"] == "Script Passed" and passed["history"][-1]["actor_name"] == "FlighTrak"
    again = await http.post("/api/v1/transactions", content=accepted, headers=edi)
    assert [t["duplicate"] for t in again.json()["transactions"]] == [True]

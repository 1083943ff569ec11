"""Flight analytics (issue 17 item 4): where a flight's scripts wait, from the script issues' history rows. The
flight is made through the API; its script issues' steps are written by the scripts service's own write path
(store.add_issues, store.record_transition: the rows the workflows write), then each row's time is set to a known
moment, so every p50 and p90 is known. ERCOT sees every pairing, a CR its own, a TDSP its own."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from playwright.async_api import async_playwright, expect
from sqlalchemy import text

from flightrak import db
from services.scripts import models, store
from tests.axe import assert_accessible
from tests.conftest import sign_in
from tests.registration_helpers import BLUEBONNET, CENTERPOINT, LONESTAR, ONCOR, create_flight
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_browser_registration import signed_in_page
from workflows.items import SYSTEM_ACTOR, ItemTransition
from workflows.scripts import models as m

NAMES = {LONESTAR: "Lone Star Energy", BLUEBONNET: "Bluebonnet Power", ONCOR: "Oncor", CENTERPOINT: "CenterPoint"}
SENDS, ANSWERS = "Pending 814_01 Sent by CR", "Pending 814_04 Sent by TDSP"
FAILED = "failed"  # a row that shows a failed transaction: the state stays
# Each script issue: its pairing, script, and its history as (hours after the start, state, responsible party).
ISSUES = [
    (
        (LONESTAR, ONCOR),
        "S1",
        [
            (0, m.READY_TO_BEGIN, m.CR),
            (1, SENDS, m.CR),
            (3, FAILED, m.CR),
            (5, ANSWERS, m.TDSP),
            (6, m.ESCALATED_TO_ERCOT, m.ERCOT),
            (10, ANSWERS, m.TDSP),
            (12, m.SCRIPT_PASSED, ""),
        ],
    ),
    (
        (LONESTAR, CENTERPOINT),
        "S1",
        [(0, m.READY_TO_BEGIN, m.CR), (2, SENDS, m.CR), (10, ANSWERS, m.TDSP), (11, m.SCRIPT_PASSED, "")],
    ),
    (
        (BLUEBONNET, ONCOR),
        "S1",
        [
            (0, m.READY_TO_BEGIN, m.CR),
            (3, SENDS, m.CR),
            (4, ANSWERS, m.TDSP),
            (5, m.ESCALATED_TO_ERCOT, m.ERCOT),
            (25, m.SCRIPT_FAILED, ""),
        ],
    ),
    (
        (LONESTAR, ONCOR),
        "S2",
        [
            (0, m.READY_TO_BEGIN, m.CR),
            (1, ANSWERS, m.TDSP),
            (2, FAILED, m.TDSP),
            (3, FAILED, m.TDSP),
            (4, m.SCRIPT_PASSED, ""),
        ],
    ),
]
START = datetime(2026, 1, 5, 15, tzinfo=UTC)


def percentile(values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    ordered = sorted(values)
    at = fraction * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (at - low) * (ordered[high] - ordered[low])


def expected_waits(visible_pairings: set) -> list[dict]:
    """Each wait of the seeded history (an issue's hours in one state with one party), worked out here."""
    waits: dict[tuple, dict] = {}
    for n, (pairing, _script, steps) in enumerate(ISSUES):
        if pairing not in visible_pairings:
            continue
        state = ""
        for (at, moved_to, party), (next_at, _, _) in zip(steps, steps[1:], strict=False):
            if moved_to != FAILED:
                state = moved_to
            new = {"pairing": pairing, "state": state, "party": party, "hours": 0, "failed": 0, "escalations": 0}
            wait = waits.setdefault((n, state, party), new)
            wait["hours"] += next_at - at
            wait["failed"] += moved_to == FAILED
            wait["escalations"] += moved_to == m.ESCALATED_TO_ERCOT
    return list(waits.values())


def step(item_id: int, seq: int, pairing: tuple, script: str, state: str, party: str, from_state: str, failed: bool):
    cr, tdsp = pairing
    return ItemTransition(
        workflow_id=f"analytics-test-{item_id}",
        item_id=item_id,
        seq=seq,
        item_type=m.SCRIPT_ISSUE,
        title=f"{script} - {NAMES[cr]} / {NAMES[tdsp]}",
        company_duns=cr,
        state=state,
        responsible_party=party,
        instructions="",
        fields={"cr_name": NAMES[cr], "tdsp_name": NAMES[tdsp], "script_id": script},
        closed=state in m.CLOSED_STATES,
        actor=SYSTEM_ACTOR,
        action="814_01 Failed" if failed else "Moved",
        from_state=from_state,
        to_state=state,
        changes={},
    )


@pytest.fixture(scope="module")
async def flight(stack, settings):
    """A flight made through the API, with ISSUES written as the scripts service writes steps, at known times."""
    from httpx import AsyncClient

    async with AsyncClient(base_url=stack, timeout=30) as http:
        designation = (await create_flight(http, await sign_in(http, "admin@ercot.example")))["designation"]
    engine = db.create_engine(settings.database_url, pool_size=1)
    sessions = db.session_factory(engine)
    try:
        async with sessions.begin() as session:
            item_ids = await store.new_item_ids(session, len(ISSUES))
            for item_id, (pairing, script, steps) in zip(item_ids, ISSUES, strict=True):
                cr_duns, tdsp_duns = pairing
                issue = dict(
                    item_id=item_id, flight=designation, script_id=script, cr_duns=cr_duns, tdsp_duns=tdsp_duns
                )
                issue |= {"sp_duns": "", "pack_version": 1, "parent_item_id": None, "step": 0}
                state = ""
                for seq, (hours, moved_to, party) in enumerate(steps, start=1):
                    failed = moved_to == FAILED
                    to_state = state if failed else moved_to
                    written = step(item_id, seq, pairing, script, to_state, party, state, failed)
                    if seq == 1:
                        await store.add_issues(session, [issue], [written])
                    else:
                        await store.record_transition(session, written)
                    await session.execute(
                        text("UPDATE scripts.item_history SET at = :at WHERE item_id = :item_id AND seq = :seq"),
                        {"at": START + timedelta(hours=hours), "item_id": item_id, "seq": seq},
                    )
                    state = to_state
        yield designation
    finally:
        await engine.dispose()


async def analytics_as(http, email: str, designation: str, **params) -> dict:
    reply = await http.get(
        f"/api/v1/flights/{designation}/analytics", params=params, headers=await sign_in(http, email)
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def hours_of(figures: dict, name: str) -> float:
    return figures[name] / 3600


def pairings_in(found: dict) -> set:
    return {(row["cr_duns"], row["tdsp_duns"]) for row in found["by_pairing"]}


async def test_ercot_sees_each_state_party_step_pairing_and_script_of_the_whole_flight(http, flight):
    found = await analytics_as(http, "reviewer@ercot.example", flight)
    waits = expected_waits({pairing for pairing, _, _ in ISSUES})
    assert found["whole_flight"] is True
    assert found["history_rows"] == sum(len(steps) for _, _, steps in ISSUES)
    overall = found["overall"]
    assert overall["issues"] == len(ISSUES) and overall["waits"] == len(waits)
    every = [w["hours"] for w in waits]
    assert hours_of(overall, "p50_seconds") == pytest.approx(percentile(every, 0.5))
    assert hours_of(overall, "p90_seconds") == pytest.approx(percentile(every, 0.9))
    assert overall["escalations"] == 2 and overall["failed_transactions"] == 3
    for row in found["by_state"]:
        hours = [w["hours"] for w in waits if w["state"] == row["state"]]
        assert (hours_of(row, "p50_seconds"), hours_of(row, "p90_seconds")) == pytest.approx(
            (percentile(hours, 0.5), percentile(hours, 0.9))
        ), row["state"]
    assert {row["state"] for row in found["by_state"]} == {w["state"] for w in waits}
    by_party = {row["responsible_party"]: row for row in found["by_party"]}
    assert set(by_party) == {m.CR, m.TDSP, m.ERCOT}
    cr_hours = [w["hours"] for w in waits if w["party"] == m.CR]
    assert hours_of(by_party[m.CR], "p90_seconds") == pytest.approx(percentile(cr_hours, 0.9))
    # The slowest step and pairing come first: ERCOT's 20 hours on Bluebonnet's escalation.
    slowest_step = found["by_step"][0]
    assert (slowest_step["script_id"], slowest_step["state"]) == ("S1", m.ESCALATED_TO_ERCOT)
    slowest_pairing = found["by_pairing"][0]
    assert (slowest_pairing["cr_name"], slowest_pairing["tdsp_name"]) == (NAMES[BLUEBONNET], NAMES[ONCOR])
    per_script = {row["script_id"]: (row["escalations"], row["failed_transactions"]) for row in found["by_script"]}
    assert per_script == {"S1": (2, 1), "S2": (0, 2)}
    assert pairings_in(found) == {(LONESTAR, ONCOR), (LONESTAR, CENTERPOINT), (BLUEBONNET, ONCOR)}


async def test_a_participant_sees_only_its_own_pairings(http, flight):
    lone_star = await analytics_as(http, "user@lonestar.example", flight)
    assert lone_star["whole_flight"] is False
    assert pairings_in(lone_star) == {(LONESTAR, ONCOR), (LONESTAR, CENTERPOINT)}
    mine = [w["hours"] for w in expected_waits({(LONESTAR, ONCOR), (LONESTAR, CENTERPOINT)})]
    assert hours_of(lone_star["overall"], "p90_seconds") == pytest.approx(percentile(mine, 0.9))
    assert lone_star["overall"]["escalations"] == 1
    bluebonnet = await analytics_as(http, "user@bluebonnet.example", flight)
    assert pairings_in(bluebonnet) == {(BLUEBONNET, ONCOR)}
    assert not pairings_in(bluebonnet) & pairings_in(lone_star)
    oncor = await analytics_as(http, "user@oncor.example", flight)
    assert pairings_in(oncor) == {(LONESTAR, ONCOR), (BLUEBONNET, ONCOR)}


async def test_csv_and_excel_hold_the_same_numbers(http, flight):
    found = await analytics_as(http, "reviewer@ercot.example", flight)
    ercot = await sign_in(http, "reviewer@ercot.example")
    reply = await http.get(f"/api/v1/flights/{flight}/analytics", params={"format": "csv"}, headers=ercot)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    states = {row["State"]: row for row in rows if row["Grouping"] == "State"}
    for figures in found["by_state"]:
        assert float(states[figures["state"]]["P90 (hours)"]) == pytest.approx(hours_of(figures, "p90_seconds"))
    whole = next(row for row in rows if row["Grouping"] == "Whole flight")
    assert (int(whole["Escalations"]), int(whole["Failed Transactions"])) == (2, 3)
    reply = await http.get(f"/api/v1/flights/{flight}/analytics", params={"format": "xlsx"}, headers=ercot)
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    sheet = list(book["Pairing"].iter_rows(values_only=True))
    header, first = sheet[0], dict(zip(sheet[0], sheet[1], strict=True))
    assert "P50 (hours)" in header and first["CR"] == NAMES[BLUEBONNET]
    assert first["P90 (hours)"] == pytest.approx(hours_of(found["by_pairing"][0], "p90_seconds"))


async def test_an_unknown_flight_is_404_and_a_bad_format_is_refused(http, flight):
    ercot = await sign_in(http, "reviewer@ercot.example")
    assert (await http.get("/api/v1/flights/0199/analytics", headers=ercot)).status_code == 404
    assert (await http.get("/api/v1/flights/%00x/analytics", headers=ercot)).status_code in (400, 404)
    refused = await http.get(f"/api/v1/flights/{flight}/analytics", params={"format": "pdf"}, headers=ercot)
    assert refused.status_code == 400, refused.text


async def test_a_step_written_by_the_service_keeps_its_responsible_party(flight, settings):
    engine = db.create_engine(settings.database_url, pool_size=1)
    try:
        async with db.session_factory(engine)() as session:
            statement = text(
                "SELECT DISTINCT h.responsible_party FROM scripts.item_history h "
                "JOIN scripts.script_issues i USING (item_id) WHERE i.flight = :flight"
            )
            parties = set((await session.scalars(statement, {"flight": flight})).all())
    finally:
        await engine.dispose()
    assert parties == {m.CR, m.TDSP, m.ERCOT, ""}
    assert models.ItemHistory.__table__.c.responsible_party is not None


@pytest.mark.browser
async def test_the_page_draws_its_charts_as_svg_beside_their_tables(stack, flight):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await signed_in_page(browser, stack, "reviewer@ercot.example")
            await page.goto(f"{stack}/flights/{flight}/analytics")
            await expect(page.locator("h1")).to_contain_text(f"Flight {flight}")
            chart = page.locator("svg#chart-by-state")
            await expect(chart).to_have_attribute("role", "img")
            await expect(chart.locator("g.chart-bar")).to_have_count(3 + 1)  # Ready to Begin, two steps, escalated
            await expect(page.locator("svg#chart-by-pairing g.chart-bar").first).to_have_attribute(
                "data-label", f"{NAMES[BLUEBONNET]} / {NAMES[ONCOR]}"
            )
            await expect(page.locator("table[data-chart='by-script'] tbody tr")).to_have_count(2)
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "flight-analytics.png"), full_page=True)
            await assert_accessible(page)
        finally:
            await browser.close()

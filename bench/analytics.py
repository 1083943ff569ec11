"""Flight analytics (issue 17 item 4), against a running `flightrak run`: a flight made through the API, then 4,800
script issues (40 CRs x 6 TDSPs x 20 scripts, Lone Star and Oncor among them) with 100,000 history rows recorded
directly, each issue walking eight steps with the time each party takes, reminders, failed transactions and
escalations; three in four closed, the rest waiting at a step. Then p50/p95 of the analytics page (HTML) and its API
(JSON) through the gateway, as ERCOT (every pairing) and as Lone Star's user (its 120 issues), against GET
/api/v1/me and the Flight Progress by Participant report's page of the same flight, in the same run: while the
flight does not move (each reader's figures kept), afresh (a step written before each read: bench/run.py has the
service compute them again after every step, not at most every 15 s), and while it moves (a step a second while
both read). And the statement the figures come from, run alone. Target: the page's p95 under 200 ms."""

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from live import demo_market_built  # bench/ is a folder of scripts, run from bench/run.py
from sampling import latency, new_flight, sign_in, summary
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from flightrak import roles
from flightrak.settings import Settings
from flightrak.tokens import Principal
from services.scripts import analytics, models, store
from workflows.scripts import models as m

CRS, TDSPS, SCRIPTS = 40, 6, 20
HISTORY_ROWS = 100_000
LONESTAR = "079348512"
ONCOR = "103994067"
# The steps every bench script walks, and who each waits on; mean hours a party takes.
STEPS = [
    ("Pending 814_01 from CR", m.CR),
    ("Pending 814_03 to TDSP", m.ERCOT),
    ("Pending 814_04 from TDSP", m.TDSP),
    ("Pending 814_05 to CR", m.ERCOT),
    ("Pending 867_04 from TDSP", m.TDSP),
    ("Pending 810_02 from TDSP", m.TDSP),
    ("Pending 820_02 from CR", m.CR),
    ("Pending Confirmation by CR", m.CR),
]
MEAN_HOURS = {m.CR: 6.0, m.TDSP: 10.0, m.ERCOT: 2.0}
COMPUTED_N = 10
# The product as it runs: while the flight moves, a reader's figures are computed again at most this often.
REFRESH_S = Settings().analytics_moving_seconds
MOVING_S, STEP_EVERY_S = 4 * REFRESH_S, 1.0
TARGET_P95_MS = 200


def walk(rows: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """One issue's history as (state, responsible party, action), exactly `rows` long."""
    closed = rng.random() < 0.75
    reached = len(STEPS) if closed else rng.randrange(1, len(STEPS))
    main = [(m.READY_TO_BEGIN, m.CR, "Opened"), *((s, p, "Moved") for s, p in STEPS[:reached])]
    extra = [[] for _ in main]
    spare = rows - len(main) - closed
    while spare > 0:
        at = rng.randrange(len(main))
        state, party, _ = main[at]
        if spare >= 2 and rng.random() < 0.12:
            extra[at] += [(m.ESCALATED_TO_ERCOT, m.ERCOT, "Escalate to ERCOT"), (state, party, "Resolve Escalation")]
            spare -= 2
        else:
            extra[at].append((state, party, "814_01 Failed" if rng.random() < 0.4 else "Reminder"))
            spare -= 1
    found = [row for at, step in enumerate(main) for row in (step, *extra[at])]
    if closed:
        found.append((m.SCRIPT_PASSED if rng.random() < 0.93 else m.SCRIPT_FAILED, "", "Moved"))
    return found


async def seed(database_url: str, flight: str) -> dict:
    """The flight's script issues, their items and 100,000 history rows, recorded directly."""
    rng = random.Random(17)
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    crs = [(LONESTAR, "Lone Star Power & Light, LLC")] + [(f"6{n:08d}", f"Bench Retail {n:02d}") for n in range(1, CRS)]
    tdsps = [(ONCOR, "Oncor Electric Delivery Company LLC")] + [
        (f"5{n:08d}", f"Bench Wires {n}") for n in range(1, TDSPS)
    ]
    keys = [(cr, tdsp, f"BS{s:02d}") for cr in crs for tdsp in tdsps for s in range(1, SCRIPTS + 1)]
    started = time.perf_counter()
    try:
        async with sessions.begin() as session:
            item_ids = await store.new_item_ids(session, len(keys))
            issues, items, history = [], [], []
            now = datetime.now(UTC)
            for n, (item_id, ((cr, cr_name), (tdsp, tdsp_name), script)) in enumerate(zip(item_ids, keys, strict=True)):
                rows = HISTORY_ROWS // len(keys) + (n < HISTORY_ROWS % len(keys))
                steps = walk(rows, rng)
                at = now - timedelta(days=30) + timedelta(hours=rng.uniform(0, 48))
                issues.append(dict(item_id=item_id, flight=flight, script_id=script, cr_duns=cr, tdsp_duns=tdsp,
                                   sp_duns="", pack_version=1, parent_item_id=None, step=0))  # fmt: skip
                previous = ""
                for seq, (state, party, action) in enumerate(steps, start=1):
                    history.append(dict(item_id=item_id, seq=seq, at=at, actor_user_id="system", actor_name="Bench",
                                        action=action, from_state=previous, to_state=state, changes={}, comment="",
                                        responsible_party=party))  # fmt: skip
                    previous = state
                    at += timedelta(hours=rng.expovariate(1 / MEAN_HOURS.get(party, 1.0)))
                state, party, _ = steps[-1]
                fields = {"cr_name": cr_name, "tdsp_name": tdsp_name, "script_id": script, "flight": flight}
                items.append(dict(item_id=item_id, workflow_id=f"bench-analytics-{item_id}", item_type=m.SCRIPT_ISSUE,
                                  title=f"{script} - {cr_name} / {tdsp_name}", company_duns=cr, state=state,
                                  responsible_party=party, instructions="", fields=fields,
                                  closed=state in m.CLOSED_STATES, last_seq=len(steps)))  # fmt: skip
            await session.execute(insert(models.ScriptIssue), issues)
            await session.execute(insert(models.Item), items)
            for start in range(0, len(history), 10_000):
                await session.execute(insert(models.ItemHistory), history[start : start + 10_000])
        async with engine.begin() as connection:  # committed: statistics analysed in a rolled back one are lost
            await connection.exec_driver_sql("ANALYZE scripts.item_history, scripts.items, scripts.script_issues")
    finally:
        await engine.dispose()
    return {"issues": len(issues), "history_rows": len(history), "seeding_s": time.perf_counter() - started}


async def computation(database_url: str, flight: str) -> dict:
    """The statement the figures come from, run afresh (the scripts service keeps each reader's figures), with the
    reading of the pairings' names: p50/p95 of COMPUTED_N runs as ERCOT and as Lone Star."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    readers = {
        "ERCOT": Principal("bench", "183529049", frozenset({roles.ERCOT_REVIEWER}), "Bench", "ERCOT"),
        "Lone Star": Principal("bench", LONESTAR, frozenset({roles.USER}), "Bench", "CR"),
    }
    found = {}
    try:
        for name, principal in readers.items():
            samples = []
            for _ in range(COMPUTED_N):
                started = time.perf_counter()
                async with sessions.begin() as session:
                    statement = store.flight_waits_statement(principal, flight, list(analytics.GROUPINGS.values()))
                    await store.flight_waits(session, statement)
                samples.append(time.perf_counter() - started)
            found[name] = summary(samples)
    finally:
        await engine.dispose()
    return found


class Steps:
    """Steps written to the flight's open issues as the scripts service records one: a history row (a reminder,
    the issue staying where it is) and its item moved on (last_seq, updated_at: store.flight_moved sees it)."""

    def __init__(self, database_url: str, flight: str):
        self._engine = create_async_engine(database_url)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        self._flight, self.written = flight, 0
        self._open: list[int] = []

    async def write(self) -> None:
        item, issue = models.Item, models.ScriptIssue
        async with self._sessions.begin() as session:
            if not self._open:
                found = select(item.item_id).join(issue, issue.item_id == item.item_id)
                found = found.where(issue.flight == self._flight, item.closed.is_(False)).order_by(item.item_id)
                self._open = list(await session.scalars(found))
            item_id = self._open[self.written % len(self._open)]
            moved = update(item).where(item.item_id == item_id)
            moved = moved.values(last_seq=item.last_seq + 1, updated_at=func.now())
            seq, state, party = (
                await session.execute(moved.returning(item.last_seq, item.state, item.responsible_party))
            ).one()
            await session.execute(
                insert(models.ItemHistory).values(item_id=item_id, seq=seq, at=func.now(), actor_user_id="system",
                                                  actor_name="Bench", action="Reminder", from_state=state,
                                                  to_state=state, changes={}, comment="", responsible_party=party)
            )  # fmt: skip
        self.written += 1

    async def close(self) -> None:
        await self._engine.dispose()


async def fresh(http: httpx.AsyncClient, steps: Steps, path: str, readers: dict[str, dict]) -> dict[str, dict]:
    """Each reader's page read right after a step, once its kept figures are older than the refresh: computed
    afresh. A round a refresh apart, every reader in it."""
    samples: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(COMPUTED_N):
        await asyncio.sleep(REFRESH_S + 0.5)
        await steps.write()
        for name, headers in readers.items():
            started = time.perf_counter()
            (await http.get(path, headers=headers)).raise_for_status()
            samples[name].append(time.perf_counter() - started)
    return {name: summary(taken) for name, taken in samples.items()}


async def moving(http: httpx.AsyncClient, steps: Steps, path: str, readers: dict[str, dict]) -> dict:
    """Each reader reading the page again and again for MOVING_S while a step is written every STEP_EVERY_S."""
    until = time.perf_counter() + MOVING_S

    async def writer() -> None:
        while time.perf_counter() < until:
            await steps.write()
            await asyncio.sleep(STEP_EVERY_S)

    async def reader(headers: dict) -> list[float]:
        samples = []
        while time.perf_counter() < until:
            started = time.perf_counter()
            (await http.get(path, headers=headers)).raise_for_status()
            samples.append(time.perf_counter() - started)
        return samples

    written = steps.written
    writing = asyncio.create_task(writer())
    found = await asyncio.gather(*(reader(headers) for headers in readers.values()))
    await writing
    return {"steps": steps.written - written, **{name: summary(s) for name, s in zip(readers, found, strict=True)}}


async def run(gateway: str, database_url: str, password: str, run_log: Path) -> dict:
    await demo_market_built(run_log)  # measured on a quiet machine, not beside the demo's build
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as http:

        ercot = await sign_in(http, "admin@ercot.example", password)
        reviewer = await sign_in(http, "reviewer@ercot.example", password)
        lone_star = await sign_in(http, "user@lonestar.example", password)
        flight = await new_flight(http, ercot, years=range(90, 100))
        seeded = await seed(database_url, flight)
        computed = await computation(database_url, flight)
        page, api = f"/flights/{flight}/analytics", f"/api/v1/flights/{flight}/analytics"
        readers = {"ERCOT": reviewer, "Lone Star": lone_star}
        steps = Steps(database_url, flight)
        try:
            afresh = await fresh(http, steps, page, readers)
            measured = {caller: {"fresh_page": afresh[caller]} for caller in readers}
            while_moving = await moving(http, steps, page, readers)
        finally:
            await steps.close()
        for caller, headers in readers.items():
            measured[caller] |= {
                "moving_page": while_moving[caller],
                "page": await latency(http, page, headers),
                "api": await latency(http, api, headers),
                "progress_page": await latency(http, "/reports/flight-progress-summary", headers, flight=flight),
                "me": await latency(http, "/api/v1/me", headers),
            }
        for figures in measured.values():
            figures["page_vs_me"] = figures["page"]["p95_ms"] / figures["me"]["p95_ms"]
            figures["page_vs_progress_page"] = figures["page"]["p95_ms"] / figures["progress_page"]["p95_ms"]
            for kind in ("fresh_page", "moving_page"):
                figures[f"{kind}_vs_me"] = figures[kind]["p95_ms"] / figures["me"]["p95_ms"]
        return {
            "flight": flight,
            **seeded,
            "computed_afresh": computed,
            "callers": measured,
            "moving": {"seconds": MOVING_S, "steps": while_moving["steps"], "refresh_s": REFRESH_S},
            "target_page_p95_ms": TARGET_P95_MS,
        }


def report(figures: dict) -> str:
    lines = [
        f"flight analytics: {figures['issues']:,} script issues, {figures['history_rows']:,} history rows "
        f"(seeded in {figures['seeding_s']:.1f} s)"
    ]
    for caller, computed in figures["computed_afresh"].items():
        lines.append(
            f"  the figures computed afresh in PostgreSQL as {caller} (kept after, per flight and company): "
            f"p50 {computed['p50_ms']:.0f} ms, p95 {computed['p95_ms']:.0f} ms"
        )
    for caller, shown in figures["callers"].items():
        page, api, progress, me = shown["page"], shown["api"], shown["progress_page"], shown["me"]
        verdict = "under" if page["p95_ms"] < figures["target_page_p95_ms"] else "OVER"
        lines.append(
            f"  as {caller}: page p50 {page['p50_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms ({verdict} the "
            f"{figures['target_page_p95_ms']} ms target); API p95 {api['p95_ms']:.1f} ms; baselines p95: "
            f"GET /api/v1/me {me['p95_ms']:.1f} ms ({shown['page_vs_me']:.1f}x), Flight Progress page of the flight "
            f"{progress['p95_ms']:.1f} ms ({shown['page_vs_progress_page']:.2f}x)"
        )
        for kind, what in (("fresh_page", "right after a step (afresh)"), ("moving_page", "while it moves")):
            found = shown[kind]
            verdict = "under" if found["p95_ms"] < figures["target_page_p95_ms"] else "OVER"
            lines.append(
                f"    page {what}: p50 {found['p50_ms']:.0f} ms, p95 {found['p95_ms']:.0f} ms ({verdict} the target; "
                f"{shown[kind + '_vs_me']:.1f}x GET /api/v1/me), {found['n']} reads"
            )
    moving = figures["moving"]
    lines.append(
        f"  while it moves: {moving['steps']} steps written in {moving['seconds']:.0f} s, both reading; figures "
        f"computed again at most every {moving['refresh_s']:.0f} s (FLIGHTRAK_ANALYTICS_MOVING_SECONDS)"
    )
    return "\n".join(lines)

"""Script issues, against a running `flightrak run` (issue 5):

1. Opening connectivity testing for a flight of 40 CRs x 6 TDSPs x 20 scripts: the scripts service's
   opening (4,800 items recorded in one transaction, then 4,800 workflows started, 50 at a time) until every
   issue is Ready to Begin in the reports, against starting 4,800 empty workflows with the bare SDK (same
   concurrency, same server) in the same run.
2. The worker's memory (resident set) before and after, with the 4,800 issues open.
3. The Current Flight Tasks and Flight Progress reports through the gateway with 100,000 script issues in the
   database: the 4,800, and 95,200 more recorded directly over 25 other flights, 24 past (closed: passed,
   failed, not completed) and one in progress; about 2,500 of all are Lone Star's. p50/p95 as Lone Star's
   user searching the 4,800's flight (its 120 issues there), and as ERCOT searching nothing (the first
   page, 100 rows by default, of all 100,000; Flight Progress pictures the newest flight).
"""

import asyncio
import dataclasses
import statistics
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from temporalio import workflow
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from services.scripts import issues, models, packs, store
from services.scripts.activities import ScriptsActivities
from workflows.scripts import models as m

CRS, TDSPS, SCRIPTS = 40, 6, 20
STARTS_AT_ONCE = 50
TOTAL_ISSUES = 100_000
LONESTAR = "079348512"
ONCOR = "103994067"
REPORTS = (
    "scripts-ready-to-begin",
    "my-script-tasks",
    "ercot-script-tasks",
    "testing-partner-script-tasks",
    "active-script-issues",
    "completed-script-issues",
    "flight-progress-summary",
    "flight-progress-active-script-issues",
    "flight-progress-completed-script-issues",
)
REPORT_N, WARMUP = 30, 3


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": statistics.median(ordered) * 1000, "p95_ms": q[94] * 1000}


def bench_pack() -> packs.ScriptPack:
    steps = "\n".join(
        f"""  - script_id: BCON{n:02d}
    title: Bench connectivity {n}
    kind: connectivity
    scenario: Bench
    begins: CR
    steps:
      - state: Pending Bench Step {n}
        responsible: CR
        instructions: Click Done.
        action: Done"""
        for n in range(1, SCRIPTS + 1)
    )
    return packs.parse_pack(f"title: Bench pack\nexample: true\nscripts:\n{steps}\n")


def pairings(flight: str) -> list[m.PairingToTest]:
    crs = [(LONESTAR, "Lone Star Power & Light, LLC")] + [(f"6{n:08d}", f"Bench Retail {n:02d}") for n in range(1, CRS)]
    tdsps = [(ONCOR, "Oncor Electric Delivery Company LLC")] + [
        (f"5{n:08d}", f"Bench Wires {n}") for n in range(1, TDSPS)
    ]
    return [
        m.PairingToTest(m.Pairing(flight, cr, cr_name, tdsp, tdsp_name), ["new_cr"], "iou")
        for cr, cr_name in crs
        for tdsp, tdsp_name in tdsps
    ]


def worker_rss_mb() -> float:
    """The resident set of the `flightrak worker` process `run` started."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = [part for part in status.read_bytes().split(b"\0") if part]
        except OSError:
            continue
        if b"flightrak.cli" in command and command[-1] == b"worker":
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    return float("nan")


async def open_issues(sessions, client: Client) -> dict:
    flight = f"B{uuid.uuid4().hex[:3]}"
    pack = bench_pack()
    async with sessions.begin() as session:
        await store.add_pack_version(session, flight, pack, packs.pack_as_json(pack), "bench")
    request = m.OpenScriptIssues(flight, "connectivity", pairings(flight), "2099-01-01T00:00:00-06:00", "183529049")
    before_mb = worker_rss_mb()
    started = time.perf_counter()
    opened = await ActivityEnvironment().run(ScriptsActivities(sessions, client, 16).open_script_issues, request)
    async with sessions() as session:
        ready = await session.scalar(
            select(func.count())
            .select_from(models.Item)
            .join(models.ScriptIssue, models.ScriptIssue.item_id == models.Item.item_id)
            .where(models.ScriptIssue.flight == flight, models.Item.state == m.READY_TO_BEGIN)
        )
    opening_s = time.perf_counter() - started
    if opened != CRS * TDSPS * SCRIPTS or ready != opened:
        raise AssertionError(f"opened {opened}, {ready} Ready to Begin; expected {CRS * TDSPS * SCRIPTS}")
    await asyncio.sleep(5)  # the worker runs each new issue's first workflow task
    after_mb = worker_rss_mb()

    queue = f"bench-empty-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    for first in range(0, opened, STARTS_AT_ONCE):
        await asyncio.gather(
            *(
                client.start_workflow(EmptyWorkflow.run, id=f"bench-empty-{queue}-{n}", task_queue=queue)
                for n in range(first, min(first + STARTS_AT_ONCE, opened))
            )
        )
    bare_s = time.perf_counter() - started
    return {
        "flight": flight,
        "issues": opened,
        "opening_s": opening_s,
        "bare_starts_s": bare_s,
        "ratio": opening_s / bare_s,
        "target_ratio": 2.0,
        "worker_rss_mb_before": before_mb,
        "worker_rss_mb_after": after_mb,
    }


def standing(n: int, in_progress: bool) -> dict:
    """Where a filled script issue stands: a past flight's are closed (most passed, some not completed or
    failed); the flight in progress has tasks with every party (about 1 in 5 each with the CR, the TDSP and
    ERCOT; the rest Ready to Begin)."""
    if in_progress:
        return [
            {"state": "Pending Bank Info Provided by CR", "responsible_party": m.CR},
            {"state": "Pending TDSP Banking Info sent to CR", "responsible_party": m.TDSP},
            {"state": m.ESCALATED_TO_ERCOT, "responsible_party": m.ERCOT},
            {},
            {},
        ][n % 5]
    state = m.SCRIPT_FAILED if n % 20 == 0 else m.NOT_COMPLETED if n % 10 == 1 else m.SCRIPT_PASSED
    return {"state": state, "responsible_party": "", "instructions": "", "closed": True}


async def fill_to(sessions, flight: str, total: int) -> int:
    """More script issues, recorded directly (items only, no workflows), until the database holds `total`:
    25 more flights' worth, opened flight after flight, the last still in progress."""
    async with sessions() as session:
        have = await session.scalar(select(func.count()).select_from(models.ScriptIssue))
    pack = bench_pack()
    batch, made = 5000, 0
    all_pairings = pairings(flight)
    per_flight = -(-(total - have) // 25)
    while have + made < total:
        count = min(batch, total - have - made)
        async with sessions.begin() as session:
            item_ids = await store.new_item_ids(session, count)
            rows, steps = [], []
            for n, item_id in enumerate(item_ids):
                pairing = all_pairings[(made + n) % len(all_pairings)].pairing
                script = pack.scripts[(made + n) % len(pack.scripts)]
                past_flight = (made + n) // per_flight
                rows.append(
                    {
                        "item_id": item_id,
                        "flight": f"F{past_flight:03d}",
                        "script_id": script.script_id,
                        "cr_duns": pairing.cr_duns,
                        "tdsp_duns": pairing.tdsp_duns,
                        "sp_duns": "",
                        "pack_version": 1,
                        "parent_item_id": None,
                        "step": 0,
                    }
                )
                steps.append(
                    dataclasses.replace(
                        issues.opened(item_id, pairing, script, 1), **standing(made + n, past_flight == 24)
                    )
                )
            await store.add_issues(session, rows, steps)
        made += count
    return have + made


async def report_latency(gateway: str, password: str, email: str, search: dict) -> dict:
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as http:
        signed = await http.post("/api/v1/session", json={"email": email, "password": password})
        headers = {"Authorization": f"Bearer {signed.json()['token']}"}
        results = {}
        for name in REPORTS:

            async def fetch(name: str = name) -> int:
                reply = await http.get(f"/api/v1/reports/{name}", params=search, headers=headers)
                reply.raise_for_status()
                return len(reply.json()["rows"])

            for _ in range(WARMUP):
                rows = await fetch()
            samples = []
            for _ in range(REPORT_N):
                started = time.perf_counter()
                await fetch()
                samples.append(time.perf_counter() - started)
            results[name] = {**summary(samples), "rows": rows}
    return results


async def run(gateway: str, temporal_address: str, database_url: str, password: str) -> dict:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    client = await Client.connect(temporal_address)
    try:
        opening = await open_issues(sessions, client)
        total = await fill_to(sessions, opening["flight"], TOTAL_ISSUES)
        reports = {
            "Lone Star, searching the flight": await report_latency(
                gateway, password, "user@lonestar.example", {"flight": opening["flight"]}
            ),
            "ERCOT, searching nothing": await report_latency(gateway, password, "reviewer@ercot.example", {}),
        }
        return {"opening": opening, "issues_in_database": total, "reports": reports, "target_report_p95_ms": 100}
    finally:
        await engine.dispose()


def report(figures: dict) -> str:
    opening = figures["opening"]
    lines = [
        f"opening {opening['issues']} script issues (40 CRs x 6 TDSPs x 20 scripts): {opening['opening_s']:.1f} s vs "
        f"{opening['bare_starts_s']:.1f} s for as many bare SDK starts: {opening['ratio']:.2f}x (target under 2x)",
        f"worker resident memory: {opening['worker_rss_mb_before']:.0f} MB before, "
        f"{opening['worker_rss_mb_after']:.0f} MB with the {opening['issues']} issues open",
    ]
    for caller, shown_reports in figures["reports"].items():
        lines.append(f"reports as {caller}, {figures['issues_in_database']:,} script issues in the database:")
        for name, shown in shown_reports.items():
            lines.append(
                f"  {name:<40} {shown['rows']:>5} rows  p50 {shown['p50_ms']:7.1f} ms  p95 {shown['p95_ms']:7.1f} ms"
            )
    return "\n".join(lines)

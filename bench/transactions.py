"""Transaction intake end to end, against a running `flightrak run` (issue 6):

1. 1,000 script issues (50 CRs x 4 TDSPs x 5 scripts, each on a premise of its own) opened and begun, each waiting
   for its 814_01 from the CR; the simulator (`services/scripts/simulator.py`) reads them through the API as ERCOT,
   writes each one's X12 and sends it as the demo's transaction system, 5% of them twice (a retried delivery).
2. Half of them reported over gRPC (`ReportInterchange` to the scripts service), half over HTTP
   (`POST /api/v1/transactions`, application/edi-x12), 16 in flight: receipts per second from the first sent until
   ERCOT's Active Script Issues report shows every step advanced (looked at every 0.2 s), and per receipt
   the time from sending it until the report showed its step advanced, p50 / p95; also the intake's answer time.
3. Against, in the same run: as many bare SDK signals (16 in flight) to as many waiting workflows, each ending when
   its signal comes, until the server counts every one ended (looked at every 0.2 s).
4. Double advances: history rows "814_01 Received" per issue, counted in the database (must be 1 each).
5. CPU seconds per step advanced of each process of the run (`<data_dir>/run/processes.json`'s names and PIDs, each
   with its children: PostgreSQL's backends are its postmaster's), read from /proc before and after each path; for
   the bare signals, the Temporal server's and the bench's own (its worker and client).

`bench/run.py transactions --replicas 2` runs it against `flightrak run --replicas 2` (two of each service, worker
and gateway; gRPC reports balanced over both scripts replicas), against the same bare signals.
"""

import asyncio
import json
import os
import random
import time
import uuid
from pathlib import Path

import httpx
from bare_signal import BareSignalWorkflow
from script_issues import summary
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from flightrak.worker import WORKFLOW_RUNNER
from services.identity.domain import demo_system_key
from services.scripts import models, packs, simulator, store
from services.scripts.activities import ScriptsActivities
from workflows.items import Actor
from workflows.scripts import models as m
from workflows.scripts.ids import script_issue_workflow_id

CRS, TDSPS, SCRIPTS = 50, 4, 5
IN_FLIGHT = 16
DUPLICATES = 0.05
SCRIPTS_PORT = 50054
REPLICA_PORT_STEP = 100  # replica k of a service listens on its port + 100 * (k - 1)
TARGET_RATIO = {1: 0.9, 2: 1.0}  # issue 16: one replica of each, and two workers
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POLL_EVERY = 0.2  # seconds between looks at what is visible, on both paths: the looking costs the system too
ADVANCED = "Pending Bench Confirmation"
RECEIVED = "814_01 Received"


def bench_pack(count: int = SCRIPTS) -> packs.ScriptPack:
    scripts = "\n".join(
        f"""  - script_id: BTX{n:02d}
    title: Bench switch {n}
    kind: business
    scenario: Bench
    begins: CR
    steps:
      - state: Pending 814_01 from CR
        responsible: CR
        instructions: Send ERCOT an 814_01 for the premise.
        transaction: {{type: "814_01", sender: CR, receiver: ERCOT}}
      - state: {ADVANCED}
        responsible: CR
        instructions: Click Done.
        action: Done"""
        for n in range(1, count + 1)
    )
    return packs.parse_pack(f"title: Bench transactions pack\nexample: true\nscripts:\n{scripts}\n")


def pairings(flight: str) -> list[m.PairingToTest]:
    crs = [(f"7{n:08d}", f"Bench Switching Retail {n:02d}") for n in range(CRS)]
    tdsps = [(f"8{n:08d}", f"Bench Switching Wires {n}") for n in range(TDSPS)]
    premise = iter(range(10_000_000_000_000_000, 10_000_000_000_001_000))
    return [
        m.PairingToTest(
            m.Pairing(flight, cr, cr_name, tdsp, tdsp_name),
            ["new_cr"],
            "iou",
            {f"BTX{n:02d}": [str(next(premise))] for n in range(1, SCRIPTS + 1)},
        )
        for cr, cr_name in crs
        for tdsp, tdsp_name in tdsps
    ]


async def open_and_begin(sessions, client: Client, pairings_of=pairings, scripts: int = SCRIPTS) -> str:
    """The flight's issues opened by the scripts service's own activity, then begun by each CR (updates)."""
    flight = f"T{uuid.uuid4().hex[:3]}"
    pack = bench_pack(scripts)
    async with sessions.begin() as session:
        await store.add_pack_version(session, flight, pack, packs.pack_as_json(pack), "bench")
    all_pairings = pairings_of(flight)
    request = m.OpenScriptIssues(flight, "business", all_pairings, "2099-01-01T00:00:00-06:00", "183529049")
    opened = await ActivityEnvironment().run(ScriptsActivities(sessions, client, 0).open_script_issues, request)
    assert opened == len(all_pairings) * scripts, opened
    begins = [
        (client.get_workflow_handle(script_issue_workflow_id(flight, p.pairing.cr_duns, p.pairing.tdsp_duns, s)), p)
        for p in all_pairings
        for s in p.premises
    ]
    for first in range(0, len(begins), 50):
        await asyncio.gather(*(begin(handle, p.pairing.cr_duns) for handle, p in begins[first : first + 50]))
    while await waiting_count(sessions, flight) < opened:  # each Begin Working is recorded by its workflow
        await asyncio.sleep(0.5)
    return flight


async def begin(handle, cr_duns: str) -> None:
    """The CR's Begin Working; asked again while the workflow's first task is being retried (a busy machine can
    take a task past its deadline, and the server refuses updates until the retry succeeds)."""
    give_up = time.monotonic() + 120
    asked_before = False
    while True:
        try:
            action = m.ScriptAction(Actor("bench", "Bench tester", cr_duns, ["user"], "CR"), "")
            await handle.execute_update(m.BEGIN_WORKING, action)
            return
        except WorkflowUpdateFailedError as error:
            if asked_before and "not possible in state Pending" in str(error.cause):
                return  # the earlier ask was taken after all
            raise
        except RPCError as error:
            if "Workflow Task in failed state" not in str(error) or time.monotonic() > give_up:
                raise
            asked_before = True
            await asyncio.sleep(1)


async def waiting_count(sessions, flight: str) -> int:
    issue, item = models.ScriptIssue, models.Item
    async with sessions() as session:
        return await session.scalar(
            select(func.count())
            .select_from(item)
            .join(issue, issue.item_id == item.item_id)
            .where(issue.flight == flight, item.fields["expects_type"].astext == "814_01")
        )


def scripts_address(replicas: int, port: int = SCRIPTS_PORT) -> str:
    return ",".join(f"127.0.0.1:{port + REPLICA_PORT_STEP * k}" for k in range(replicas))


def _proc_stats() -> dict[int, tuple[int, float]]:
    """PID -> (parent PID, CPU seconds used, user and system) of every process on the machine, from /proc."""
    stats = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return stats


def run_processes(run_pid: int, data_dir: Path) -> dict[str, int]:
    """Name -> PID of the run's processes: as its supervisor lists them, else its children by command line."""
    listed = Path(data_dir, "run", "processes.json")
    if listed.exists():
        return {p["name"]: p["pid"] for p in json.loads(listed.read_text())["processes"] if p.get("pid")}
    named = {}
    for pid, (parent, _) in _proc_stats().items():
        if parent != run_pid:
            continue
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        name = next((w for w in ("postgres", "temporal") if any(w in word for word in words[:2])), "")
        if not name:
            name = " ".join(
                w
                for w in words
                if w in ("serve", "worker", "gateway", "identity", "registration", "testbed", "scripts", "smtp-sink")
                and w != "serve"
            )
        named[f"{name or 'pid'}-{pid}"] = pid
    return named


def cpu_seconds(processes: dict[str, int]) -> dict[str, float]:
    """Name -> CPU seconds used so far by the process and every process under it; "bench": this one's own."""
    stats = _proc_stats()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        return stats.get(pid, (0, 0.0))[1] + sum(tree(child) for child in children.get(pid, []))

    return {name: tree(pid) for name, pid in processes.items()} | {"bench": time.process_time()}


def per_step(before: dict[str, float], after: dict[str, float], steps: int) -> dict[str, float]:
    """CPU milliseconds per step advanced, by process, between two cpu_seconds readings; processes of one kind
    (scripts-1, scripts-2) also summed under their kind."""
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    kinds: dict[str, float] = {}
    for name, seconds in used.items():
        kind = name.rsplit("-", 1)[0] if name.rsplit("-", 1)[-1].isdigit() else name
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    shown = kinds if len(kinds) < len(used) else used
    return {name: 1000 * seconds / max(steps, 1) for name, seconds in sorted(shown.items())}


async def advanced_when(http: httpx.AsyncClient, ercot: dict, flight: str, items: set[int], stop: asyncio.Event):
    """Item ID -> time.perf_counter() when ERCOT's Active Script Issues report first showed its step advanced."""
    seen: dict[int, float] = {}
    while not stop.is_set() and len(seen) < len(items):
        reply = await http.get(
            "/api/v1/reports/active-script-issues", params={"flight": flight, "page_size": 5000}, headers=ercot
        )
        now = time.perf_counter()
        for row in reply.json()["rows"]:
            item_id = int(row["Item ID"])
            if row["State"] == ADVANCED and item_id in items and item_id not in seen:
                seen[item_id] = now
        await asyncio.sleep(POLL_EVERY)
    return seen


async def through_flightrak(
    gateway: str, flight: str, ercot: dict, system: dict, steps, grpc_address: str, seed: int, processes: dict
) -> dict:
    planned = simulator.Planner(random.Random(seed)).plan(steps, failures=0, duplicates=DUPLICATES, unmatched=0)
    items = {step.item_id for step in steps}
    async with httpx.AsyncClient(base_url=gateway, timeout=120) as http:
        stop = asyncio.Event()
        watching = asyncio.create_task(advanced_when(http, ercot, flight, items, stop))
        async with simulator.Reporter(http, system, grpc_address) as reporter:
            cpu_before = cpu_seconds(processes)
            started = time.perf_counter()
            sent = await simulator.send_all(reporter, planned, rate=0, concurrency=IN_FLIGHT, until=started + 600)
            try:
                seen = await asyncio.wait_for(watching, 300)
            finally:
                stop.set()
            cpu_after = cpu_seconds(processes)
        elapsed = max(seen.values(), default=started) - started
    first_sent = {}
    for s in sent:
        if s.planned.kind == simulator.VALID:
            first_sent[s.planned.item_id] = s.started
    latencies = [seen[item] - first_sent[item] for item in seen]
    return {
        "receipts": len(sent),
        "duplicates_sent": sum(s.planned.kind == simulator.DUPLICATE for s in sent),
        "answered_duplicate": sum(s.duplicate for s in sent),
        "errors": sum(bool(s.error) for s in sent),
        "first_error": next((s.error for s in sent if s.error), ""),
        "advanced": len(seen),
        "seconds": elapsed,
        "advanced_per_s": len(seen) / elapsed if elapsed else 0.0,
        "receipts_per_s": len(sent) / elapsed if elapsed else 0.0,
        "to_visible": summary(latencies) if len(latencies) > 1 else {},
        "answer": summary([s.seconds for s in sent]),
        "cpu_ms_per_step": per_step(cpu_before, cpu_after, len(seen)),
    }


async def bare_signals(client: Client, count: int, processes: dict) -> dict:
    """Signals `IN_FLIGHT` at a time; the end seen as FlighTrak's is, by polling: here the server's count of
    the queue's ended workflows (each one's own close time gives its latency)."""
    queue = f"bench-signal-{uuid.uuid4().hex[:6]}"
    ended = f"TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'"
    async with Worker(client, task_queue=queue, workflows=[BareSignalWorkflow], workflow_runner=WORKFLOW_RUNNER):
        handles = []
        for first in range(0, count, 50):
            handles += await asyncio.gather(
                *(
                    client.start_workflow(BareSignalWorkflow.run, id=f"{queue}-{n}", task_queue=queue)
                    for n in range(first, min(first + 50, count))
                )
            )
        await asyncio.sleep(2)  # each has run its first workflow task and waits
        sent_at: dict[str, float] = {}
        in_flight = asyncio.Semaphore(IN_FLIGHT)

        async def signal(handle) -> None:
            async with in_flight:
                sent_at[handle.id] = time.time()
                await handle.signal(BareSignalWorkflow.receive, handle.id)

        temporal = {name: pid for name, pid in processes.items() if name.startswith("temporal")}
        cpu_before = cpu_seconds(temporal)
        started = time.perf_counter()
        signalling = asyncio.gather(*(signal(handle) for handle in handles))
        while (await client.count_workflows(ended)).count < count:
            await asyncio.sleep(POLL_EVERY)
        elapsed = time.perf_counter() - started
        await signalling
        cpu_after = cpu_seconds(temporal)
        closed = {wf.id: wf.close_time.timestamp() async for wf in client.list_workflows(ended)}
    return {
        "workflows": count,
        "seconds": elapsed,
        "per_s": count / elapsed,
        "to_ended": summary([closed[name] - sent_at[name] for name in sent_at]),
        "cpu_ms_per_step": per_step(cpu_before, cpu_after, count),
    }


async def double_advances(sessions, items: set[int]) -> tuple[int, int]:
    """(issues whose 814_01 was recorded more than once, issues recorded once)."""
    history = models.ItemHistory
    async with sessions() as session:
        counted = (
            await session.execute(
                select(history.item_id, func.count())
                .where(history.item_id.in_(items), history.action == RECEIVED)
                .group_by(history.item_id)
            )
        ).all()
    return sum(n > 1 for _, n in counted), sum(n == 1 for _, n in counted)


async def run(
    gateway: str,
    temporal_address: str,
    database_url: str,
    password: str,
    run_pid: int = 0,
    data_dir: Path | None = None,
    replicas: int = 1,
    scripts_port: int = SCRIPTS_PORT,
) -> dict:
    """`run_pid` and `data_dir` name the `flightrak run` measured (its processes' CPU); without, none is read."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    client = await Client.connect(temporal_address)
    try:
        setup_started = time.perf_counter()
        flight = await open_and_begin(sessions, client)
        async with httpx.AsyncClient(base_url=gateway, timeout=120) as http:
            ercot = await simulator.signed_in(
                http, "/api/v1/session", {"email": "reviewer@ercot.example", "password": password}
            )
            system = await simulator.signed_in(
                http,
                "/api/v1/system-session",
                {"system_id": "demo-transaction-gateway", "key": demo_system_key(password)},
            )
            steps = await simulator.waiting_steps(http, ercot, flight)
        setup_s = time.perf_counter() - setup_started
        half = len(steps) // 2
        processes = run_processes(run_pid, data_dir) if run_pid and data_dir else {}
        bare = await bare_signals(client, half, processes)
        address = scripts_address(replicas, scripts_port)
        over_grpc = await through_flightrak(gateway, flight, ercot, system, steps[:half], address, 1, processes)
        over_http = await through_flightrak(gateway, flight, ercot, system, steps[half:], "", 2, processes)
        doubled, once = await double_advances(sessions, {step.item_id for step in steps})
        return {
            "flight": flight,
            "waiting_issues": len(steps),
            "setup_s": setup_s,
            "in_flight": IN_FLIGHT,
            "bare": bare,
            "grpc": over_grpc | {"ratio": over_grpc["advanced_per_s"] / bare["per_s"]},
            "http": over_http | {"ratio": over_http["advanced_per_s"] / bare["per_s"]},
            "double_advances": doubled,
            "advanced_once": once,
            "replicas": replicas,
            "processes": sorted(processes),
            "target_ratio": TARGET_RATIO.get(replicas, 1.0),
        }
    finally:
        await engine.dispose()


def report(figures: dict) -> str:
    bare = figures["bare"]
    replicas = figures.get("replicas", 1)
    lines = [
        f"transactions ({replicas} replica(s) of each process): {figures['waiting_issues']} script issues waiting "
        f"for an 814_01 (set up in {figures['setup_s']:.0f} s), {figures['in_flight']} in flight, 5% sent twice",
        f"  bare SDK signals to {bare['workflows']} waiting workflows, until each ended: {bare['per_s']:.0f} per s, "
        "signal to ended p50 "
        f"{bare['to_ended']['p50_ms']:.0f} ms / p95 {bare['to_ended']['p95_ms']:.0f} ms",
    ]
    for name in ("grpc", "http"):
        path = figures[name]
        visible = path["to_visible"] or {"p50_ms": float("nan"), "p95_ms": float("nan")}
        lines.append(
            f"  over {name}: {path['advanced']} steps advanced from {path['receipts']} receipts "
            f"({path['answered_duplicate']} answered duplicate, {path['errors']} errors) in {path['seconds']:.1f} s: "
            f"{path['advanced_per_s']:.0f} steps per s ({path['receipts_per_s']:.0f} receipts per s), "
            f"{path['ratio']:.2f}x the bare signals (target at least {figures['target_ratio']}x); "
            f"sent to visible p50 {visible['p50_ms']:.0f} ms / p95 {visible['p95_ms']:.0f} ms; "
            f"intake answered p50 {path['answer']['p50_ms']:.0f} ms / p95 {path['answer']['p95_ms']:.0f} ms"
        )
        if path["first_error"]:
            lines.append(f"    first error: {path['first_error']}")
        if path.get("cpu_ms_per_step"):
            lines.append(f"    CPU ms per step advanced: {cpu_words(path['cpu_ms_per_step'])}")
    if bare.get("cpu_ms_per_step"):
        lines.append(f"  bare signals, CPU ms per signal: {cpu_words(bare['cpu_ms_per_step'])}")
    lines.append(
        f"  double advances: {figures['double_advances']} (issues whose 814_01 was recorded once: "
        f"{figures['advanced_once']} of {figures['waiting_issues']})"
    )
    return "\n".join(lines)


def cpu_words(per_step_ms: dict[str, float]) -> str:
    total = sum(per_step_ms.values())
    return ", ".join(f"{name} {ms:.1f}" for name, ms in per_step_ms.items()) + f" (all {total:.1f})"

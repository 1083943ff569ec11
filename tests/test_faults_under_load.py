"""Faults under load (issue 16, item 4): `flightrak run --replicas 2` on a flight of 20 CRs x 5 TDSPs in business
testing, the transaction simulator reporting receipts (over HTTP, and over gRPC to the scripts replicas for a second,
smaller flight) with duplicates and failed validations, while the test kills -9 in turn each service replica, each
worker, each gateway, then the Temporal server and PostgreSQL, each time until the supervisor has started it again
and /readyz answers. Afterwards every receipt sent is stored exactly once, no step moved twice, `flightrak check` is
clean, no workflow has a failing activity or needs ERCOT's attention, and the only errors clients saw were ones that
say to retry, each retried.

Each script has three transaction steps: one on a premise (814_01 CR to ERCOT, 814_03 ERCOT to TDSP, 814_04 TDSP to
ERCOT), one on none (997s, matched by their parties alone): some 400 receipts over the two minutes the simulators
run, stopped with SIGTERM (they finish what is in flight and write their summaries) a load spell after the last kill.
The run's directory is kept when the test fails, its path printed with the logs' last lines."""

import asyncio
import json
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, tuple_
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from flightrak import db
from flightrak import temporal as temporal_connection
from flightrak.settings import Settings
from services.scripts import models, packs, store
from services.scripts.activities import ScriptsActivities
from tests.begun_issues import begin_working
from tests.supervised_run import SERVICES, SupervisedRun
from workflows.scripts import models as m
from workflows.scripts.ids import script_issue_workflow_id

PASSWORD = "Faults-demo-password-1"
REPLICAS = 2
CRS, TDSPS = 20, 5  # the flight reported over HTTP
GRPC_CRS, GRPC_TDSPS = 4, 5  # the flight reported over gRPC, to the scripts replicas
KILLED = [
    *(f"{service}-{k}" for service in SERVICES for k in range(1, REPLICAS + 1)),
    *(f"worker-{k}" for k in range(1, REPLICAS + 1)),
    *(f"gateway-{k}" for k in range(1, REPLICAS + 1)),
    "temporal",
    "postgres",
]
OPENED_AT_ONCE = 10  # pairings whose script issues are opened and begun together
LOAD_SECONDS = 6.0  # of receipts between one process back and the next kill
HTTP_RATE, GRPC_RATE = 8.0, 1.5  # receipts a second at most
# Each simulator's longest run: past the kills (about 100 s on a busy 2-core machine), after which the test stops it;
# it leaves some steps unanswered, each simulator sending about 3 receipts a second (its rounds read every waiting
# item).
SIMULATED_SECONDS = 170.0
SETTLED_WITHIN = 90.0  # after the simulators ended: every step a receipt matched has moved
TEST_WITHIN = 540.0
# Errors a client may see while a process restarts: they say to retry (429 only with Retry-After, which the simulator
# waits), and a connection refused or reset while a gateway (or the whole stack behind it) restarts.
RETRY_ERRORS = {"503", "429", "UNAVAILABLE", "connection"}
RECEIVED = " Received"  # the history action of a transaction step that moved: "814_01 Received"
# Script ID -> (premises, its steps moved by a transaction: type, sender, receiver, state). A 997 carries no premise:
# the script without one is matched by its parties alone, so a CR's 997 may take any of its five TDSPs' steps.
SCRIPTS = {
    "FLT01": (
        1,
        (
            ("814_01", "CR", "ERCOT", "Pending 814_01 from CR"),
            ("814_03", "ERCOT", "TDSP", "Pending 814_03 to TDSP"),
            ("814_04", "TDSP", "ERCOT", "Pending 814_04 from TDSP"),
        ),
    ),
    "FLT02": (
        0,
        (
            ("997", "CR", "ERCOT", "Pending 997 from CR"),
            ("997", "ERCOT", "TDSP", "Pending 997 to TDSP"),
            ("997", "TDSP", "ERCOT", "Pending 997 from TDSP"),
        ),
    ),
}


def fault_pack() -> packs.ScriptPack:
    def steps(moved_by: tuple) -> str:
        return (
            "".join(
                f"""
      - state: {state}
        responsible: {sender}
        instructions: Send the {kind}.
        transaction: {{type: "{kind}", sender: {sender}, receiver: {receiver}}}"""
                for kind, sender, receiver, state in moved_by
            )
            + """
      - state: Pending Faults Confirmation
        responsible: CR
        instructions: Click Done.
        action: Done"""
        )

    scripts = "".join(
        f"""
  - script_id: {script_id}
    title: Faults switch {script_id}
    kind: business
    scenario: Faults
    begins: CR
    premises: {premises}
    steps:{steps(moved_by)}"""
        for script_id, (premises, moved_by) in SCRIPTS.items()
    )
    return packs.parse_pack(f"title: Faults under load pack\nexample: true\nscripts:{scripts}\n")


def pairings(flight: str, crs: int, tdsps: int, first_digit: str) -> list[m.PairingToTest]:
    """DUNS and premises of this flight alone: a receipt of one flight never matches the other's steps."""
    first_premise = int(f"10{first_digit}" + "0" * 14)  # ESI IDs are 17 digits starting 10
    premise = iter(range(first_premise, first_premise + crs * tdsps + 1))
    return [
        m.PairingToTest(
            m.Pairing(
                flight, f"{first_digit}1{c:07d}", f"Faults Retail {c:02d}", f"{first_digit}2{t:07d}", f"Wires {t}"
            ),
            ["new_cr"],
            "iou",
            {script_id: [str(next(premise)) for _ in range(premises)] for script_id, (premises, _) in SCRIPTS.items()},
        )
        for c in range(crs)
        for t in range(tdsps)
    ]


async def open_and_begin(sessions, client: Client, crs: int, tdsps: int, first_digit: str) -> tuple[str, set[int]]:
    """A flight's business script issues opened by the scripts service's own activity, as the flight workflow opens
    them on Day 1, then begun by each CR: every issue waits for its 814_01. Returns the flight and its items."""
    flight = f"F{uuid.uuid4().hex[:3]}"
    pack = fault_pack()
    async with sessions.begin() as session:
        await store.add_pack_version(session, flight, pack, packs.pack_as_json(pack), "faults test")
    testing = pairings(flight, crs, tdsps, first_digit)
    opening = ScriptsActivities(sessions, client, 0).open_script_issues
    # A few pairings at a time, each opened and begun before the next: hundreds of new workflows at once would
    # hold the worker's every slot past the workflow task timeout on a busy 2-core machine, and none would finish.
    for first in range(0, len(testing), OPENED_AT_ONCE):
        opened_now = testing[first : first + OPENED_AT_ONCE]
        request = m.OpenScriptIssues(flight, "business", opened_now, "2099-01-01T00:00:00-06:00", "183529049")
        await ActivityEnvironment().run(opening, request)
        await asyncio.gather(
            *(
                begin_working(
                    client.get_workflow_handle(
                        script_issue_workflow_id(flight, p.pairing.cr_duns, p.pairing.tdsp_duns, s)
                    ),
                    p.pairing.cr_duns,
                )
                for p in opened_now
                for s in SCRIPTS
            )
        )
    opened = len(testing) * len(SCRIPTS)
    items = await items_of(sessions, flight)
    assert len(items) == opened, f"{len(items)} script issues opened of {opened}"
    give_up = time.monotonic() + 60
    while await waiting_count(sessions, items) < opened:  # each Begin Working is recorded by its workflow
        assert time.monotonic() < give_up, "the begun script issues were not all recorded within 60 s"
        await asyncio.sleep(0.5)
    return flight, items


async def items_of(sessions, flight: str) -> set[int]:
    async with sessions() as session:
        found = await session.scalars(select(models.ScriptIssue.item_id).where(models.ScriptIssue.flight == flight))
        return set(found)


async def waiting_count(sessions, items: set[int]) -> int:
    """The items whose current step waits for a transaction."""
    item = models.Item
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).where(item.item_id.in_(items), item.fields["expects_type"].astext != "")
        )


@dataclass
class Simulation:
    name: str
    flight: str
    process: subprocess.Popen
    summary_path: Path
    log_path: Path

    def summary(self) -> dict:
        assert self.summary_path.exists(), f"the {self.name} simulator wrote no summary\n{self.tail()}"
        return json.loads(self.summary_path.read_text())

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []
        return "\n".join([f"--- {self.log_path} (last {lines} lines)", *text[-lines:]])


def simulate(run: SupervisedRun, name: str, flight: str, rate: float, grpc: str = "") -> Simulation:
    """`flightrak simulate-transactions` as the market's system runs it: the test's own process, stopped by itself."""
    summary_path = run.data_dir.parent / f"simulator-{name}.json"
    log_path = run.data_dir.parent / f"simulator-{name}.log"
    seed = random.SystemRandom().randrange(2**31)
    command = [
        *(sys.executable, "-m", "flightrak.cli", "simulate-transactions", "--base-url", run.gateway),
        *("--flight", flight, "--rate", str(rate), "--duration", str(SIMULATED_SECONDS), "--seed", str(seed)),
        *("--count", "100000", "--rounds", "100", "--concurrency", "4"),
        *("--duplicates", "0.05", "--failures", "0.1", "--unmatched", "0.05", "--summary-json", str(summary_path)),
        *(("--grpc", grpc) if grpc else ()),
    ]
    with log_path.open("wb") as log:
        log.write(f"seed {seed}: {' '.join(command)}\n".encode())
        log.flush()
        process = subprocess.Popen(command, env=run.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return Simulation(name, flight, process, summary_path, log_path)


async def receipts_stored(sessions, summary: dict) -> tuple[int, int]:
    """(distinct receipts the simulator sent, the rows scripts.transactions holds for them)."""
    pairs = {(r["sender_duns"], r["reference"]) for r in summary["receipts"]}
    transaction = models.Transaction
    async with sessions() as session:
        rows = await session.scalar(
            select(func.count()).where(tuple_(transaction.sender_duns, transaction.reference).in_(pairs))
        )
    return len(pairs), rows


async def matched_not_moved(sessions, items: set[int]) -> dict[int, tuple[int, int]]:
    """Item -> (valid receipts matched to its steps, its steps moved by a transaction) where fewer moved: a receipt
    answered matched to a step that has not (yet) moved."""
    transaction, history = models.Transaction, models.ItemHistory
    async with sessions() as session:
        matched = dict(
            (
                await session.execute(
                    select(transaction.matched_item_id, func.count())
                    .where(transaction.valid, transaction.matched_item_id.in_(items))
                    .group_by(transaction.matched_item_id)
                )
            ).all()
        )
        moved = dict(
            (
                await session.execute(
                    select(history.item_id, func.count())
                    .where(history.item_id.in_(items), history.action.like(f"%{RECEIVED}"))
                    .group_by(history.item_id)
                )
            ).all()
        )
    return {item: (n, moved.get(item, 0)) for item, n in matched.items() if n > moved.get(item, 0)}


async def double_advances(sessions, items: set[int]) -> list[tuple[int, str, str, int]]:
    """(item, step, action, times) for every step moved by a transaction more than once."""
    history = models.ItemHistory
    async with sessions() as session:
        rows = await session.execute(
            select(history.item_id, history.from_state, history.action, func.count())
            .where(history.item_id.in_(items), history.action.like(f"%{RECEIVED}"))
            .group_by(history.item_id, history.from_state, history.action)
            .having(func.count() > 1)
        )
        return [tuple(row) for row in rows]


async def failing_activities(client: Client) -> list[str]:
    """Every open workflow's pending activity that failed at least once (attempt > 1, or a last failure)."""
    handles = [
        client.get_workflow_handle(wf.id, run_id=wf.run_id)
        async for wf in client.list_workflows("ExecutionStatus = 'Running'")
    ]
    failing = []
    for first in range(0, len(handles), 25):
        described = await asyncio.gather(*(handle.describe() for handle in handles[first : first + 25]))
        for handle, description in zip(handles[first : first + 25], described, strict=True):
            for pending in description.raw_description.pending_activities:
                if pending.attempt > 1 or pending.HasField("last_failure"):
                    failing.append(
                        f"{handle.id}: {pending.activity_type.name} attempt {pending.attempt}: "
                        f"{pending.last_failure.message}"
                    )
    return failing


async def flightrak_check(run: SupervisedRun) -> tuple[int, dict, str]:
    checked = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "flightrak.cli", "check", "--json"],
        env=run.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    try:
        report = json.loads(checked.stdout)
    except json.JSONDecodeError:
        report = {}
    return checked.returncode, report, f"{checked.stdout[-3000:]}\n{checked.stderr[-3000:]}"


async def needing_attention(run: SupervisedRun) -> list[dict]:
    async with httpx.AsyncClient(base_url=run.gateway, timeout=30) as http:
        signed_in = await http.post("/api/v1/session", json={"email": "admin@ercot.example", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        reply = await http.get(
            "/api/v1/operations/attention", headers={"authorization": f"Bearer {signed_in.json()['token']}"}
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["items"]


def words(recovered: dict[str, tuple[float, bool]], summaries: dict[str, dict], phases: dict[str, float]) -> str:
    lines = ["faults under load: " + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in phases.items())]
    for name, summary in summaries.items():
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary["retried_errors"].items())) or "none"
        lines.append(
            f"  {name}: {summary['sent']} receipts sent, {summary['stored']} stored, "
            f"{summary['answered_duplicate']} answered duplicate, {len(summary['failed'])} failed "
            f"({summary['sent_again']} sent again on purpose); "
            f"{summary['retries']} retries ({kinds})"
        )
    lines.append("  seconds from kill -9 to a new process and /readyz 200 (* with no simulator running):")
    lines.append(
        "    "
        + ", ".join(f"{name} {seconds:.1f}{'' if loaded else '*'}" for name, (seconds, loaded) in recovered.items())
    )
    return "\n".join(lines)


async def test_every_process_killed_under_load_loses_and_doubles_nothing(capsys: pytest.CaptureFixture) -> None:
    run = SupervisedRun.prepared(
        REPLICAS,
        {
            "FLIGHTRAK_DEMO_MARKET": "off",
            "FLIGHTRAK_DEMO_SIMULATOR": "off",
            "FLIGHTRAK_DEMO_PASSWORD": PASSWORD,
            # 5 each (run gives each replica its share) for 10 processes: PostgreSQL's 100 keep room for the test's own
            "FLIGHTRAK_DATABASE_POOL_SIZE": "10",
        },
    )
    simulations: list[Simulation] = []
    engine = None
    try:
        async with asyncio.timeout(TEST_WITHIN):
            phases: dict[str, float] = {}
            started = time.monotonic()
            run.start()
            await run.ready()
            phases["ready in"] = time.monotonic() - started
            engine = db.create_engine(run.database_url, pool_size=4)
            sessions = db.session_factory(engine)
            client = await temporal_connection.connect(Settings(temporal_address=run.temporal_address))
            started = time.monotonic()
            flight, items = await open_and_begin(sessions, client, CRS, TDSPS, "6")
            grpc_flight, grpc_items = await open_and_begin(sessions, client, GRPC_CRS, GRPC_TDSPS, "5")
            phases["flights built and begun in"] = time.monotonic() - started
            started = time.monotonic()
            simulations = [
                simulate(run, "http", flight, HTTP_RATE),
                simulate(run, "grpc", grpc_flight, GRPC_RATE, grpc=",".join(run.addresses("scripts"))),
            ]

            recovered: dict[str, tuple[float, bool]] = {}
            for name in KILLED:
                await asyncio.sleep(LOAD_SECONDS)
                loaded = all(s.process.poll() is None for s in simulations)
                recovered[name] = (await run.kill_and_recover(name), loaded)
            phases["kills done after"] = time.monotonic() - started

            await asyncio.sleep(LOAD_SECONDS)  # the last process back takes load too
            for simulation in simulations:
                if simulation.process.poll() is None:
                    simulation.process.send_signal(signal.SIGTERM)
            for simulation in simulations:
                ended = await asyncio.to_thread(simulation.process.wait, SIMULATED_SECONDS + 60)
                assert ended in (0, 1), f"the {simulation.name} simulator exited with {ended}\n{simulation.tail()}"
            phases["simulators ended after"] = time.monotonic() - started
            summaries = {s.name: s.summary() for s in simulations}
            with capsys.disabled():
                print("\n" + words(recovered, summaries, phases), flush=True)

            for simulation in simulations:
                summary = summaries[simulation.name]
                assert not summary["failed"], (
                    f"{simulation.name}: errors that do not say to retry: {summary['failed'][:10]}\n{simulation.tail()}"
                )
                unexpected = set(summary["retried_errors"]) - RETRY_ERRORS
                assert not unexpected, (
                    f"{simulation.name}: clients saw {sorted(unexpected)} during the faults: "
                    f"{summary['retried_errors']}\n{simulation.tail()}"
                )
                assert summary["sent"] == summary["stored"] + summary["answered_duplicate"], summary
                outcomes = Counter(r["outcome"] for r in summary["receipts"])
                assert outcomes["failed"] == 0, outcomes
                sent, rows = await receipts_stored(sessions, summary)
                assert sent == summary["sent"], f"{simulation.name}: {sent} distinct receipts, {summary['sent']} sent"
                assert rows == sent, f"{simulation.name}: {sent} receipts sent, {rows} stored in scripts.transactions"

            every_item = items | grpc_items
            give_up = time.monotonic() + SETTLED_WITHIN
            while unmoved := await matched_not_moved(sessions, every_item):
                assert time.monotonic() < give_up, (
                    f"{len(unmoved)} item(s) with steps a receipt matched that had not moved {SETTLED_WITHIN:.0f} s "
                    f"after the simulators ended (item: matched, moved): {dict(list(unmoved.items())[:10])}\n"
                    f"{run.tail()}"
                )
                await asyncio.sleep(1)
            assert await double_advances(sessions, every_item) == []

            give_up = time.monotonic() + SETTLED_WITHIN
            while failing := await failing_activities(client):
                assert time.monotonic() < give_up, f"workflows with failing activities: {failing[:10]}\n{run.tail()}"
                await asyncio.sleep(2)
            assert await needing_attention(run) == []

            code, report, output = await flightrak_check(run)
            assert code == 0, f"flightrak check exited {code}:\n{output}"
            assert report["differences"] == [], report
            assert report["items_checked"] >= len(every_item), report
    except BaseException:
        print(run.tail(), *(s.tail() for s in simulations), sep="\n")
        raise
    finally:
        for simulation in simulations:
            if simulation.process.poll() is None:
                simulation.process.kill()
                simulation.process.wait(10)
        if engine is not None:
            await engine.dispose()
        left = run.stop()
    assert not left, f"still running after Ctrl-C to the run, killed -9: {left}"
    run.remove()

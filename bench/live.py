"""Pages that move by themselves (issue 15 item 5), against a running `flightrak run`:

1. 1,005 script issues waiting for an 814_01 (the demo's 3 CRs x its 5 TDSPs x 67 scripts, each on a premise of its
   own), opened and begun as bench/transactions.py opens them, so the market's real users read them.
2. 200 server-sent-event connections to the gateway (`GET /api/v1/events`, httpx streaming): 40 of ERCOT's staff and
   160 of the CRs' and TDSPs' users, the gateway's resident memory (RSS) read before they open and once they are open.
3. The transaction simulator (services/scripts/simulator.py) reporting the waiting steps' 814_01s over gRPC at 50
   a second (48 in flight); each step its workflow records is announced by the projection write, and each
   connection notes, for every item event it receives, the time from the write (the `at` the statement stamped,
   clock_timestamp()) to its arrival, and whether its user may read that item (a participant only its pairings').
4. Against, in the same run and at the same time: a bare LISTEN/NOTIFY round trip, 50 a second, from a transaction
   that commits a NOTIFY stamped with clock_timestamp() to a psycopg connection LISTENing in this process.
"""

import asyncio
import json
import random
import time
from pathlib import Path

import httpx
import psutil
import psycopg
from script_issues import summary
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from temporalio.client import Client
from transactions import open_and_begin

from flightrak import demo_market
from services.identity.domain import demo_system_key
from services.scripts import models, simulator
from workflows.scripts import models as m

CONNECTIONS = 200
ERCOT_CONNECTIONS = 40
RATE = 50  # transactions a second
IN_FLIGHT = 48  # receipts in flight at once: enough for RATE when each takes up to a second to answer
SCRIPTS = 67
CRS = {"079348512": "Lone Star Power & Light, LLC", "0793485120001": "Lone Star - East Texas",
       "116724480": "Bluebonnet Energy Services, LLC"}  # fmt: skip
TDSPS = {"103994067": "Oncor", "957877905": "CenterPoint", "007924772": "AEP Texas Central",
         "007923311": "AEP Texas North", "007929441": "TNMP"}  # fmt: skip
SLUGS = {
    "079348512": "lonestar",
    "0793485120001": "lonestar-east",
    "116724480": "bluebonnet",
    "103994067": "oncor",
    "957877905": "centerpoint",
    "007924772": "aep-central",
    "007923311": "aep-north",
    "007929441": "tnmp",
}
ERCOT_ACCOUNTS = ("admin@ercot.example", "reviewer@ercot.example")
PARTICIPANT_ROLES = ("admin", "ar", "bar", "user")
TARGET_P95_MS = 500
BASELINE_CHANNEL = "bench_bare_notify"
# The simulator reports to the scripts service over gRPC (`--grpc`), as a transaction-processing system may: the
# gateway's processor is left to the event streams it serves.
SCRIPTS_ADDRESS = "127.0.0.1:50054"


def pairings(flight: str) -> list[m.PairingToTest]:
    premise = iter(range(10_000_000_900_000_000, 10_000_000_901_000_000))
    return [
        m.PairingToTest(
            m.Pairing(flight, cr, cr_name, tdsp, tdsp_name),
            ["new_cr"],
            "iou",
            {f"BTX{n:02d}": [str(next(premise))] for n in range(1, SCRIPTS + 1)},
        )
        for cr, cr_name in CRS.items()
        for tdsp, tdsp_name in TDSPS.items()
    ]


def gateway_process() -> psutil.Process:
    """The `flightrak gateway` process that `flightrak run` started."""
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if len(cmdline) >= 2 and cmdline[-1] == "gateway" and any("flightrak" in part for part in cmdline):
            return process
    raise RuntimeError("no `flightrak gateway` process found")


async def demo_market_built(run_log: Path, timeout: float = 600) -> None:
    """The run command builds the demo market in the background: the bench waits until it is, not to measure it."""
    deadline = time.monotonic() + timeout
    finished = (f"demo market: {demo_market.STAGES}/{demo_market.STAGES}", "kept as it is", "not finished")
    while time.monotonic() < deadline:
        if run_log.exists() and any(line in run_log.read_text(errors="replace") for line in finished):
            return
        await asyncio.sleep(1)
    raise RuntimeError(f"the demo market was not built within {timeout:.0f} s; see {run_log}")


class Connection:
    """One SSE connection: for each item event, seconds from its write to its arrival, and the events it was sent
    that its user may not read (its company is not a party of the item's pairing)."""

    def __init__(self, http: httpx.AsyncClient, headers: dict, duns: str, is_ercot: bool, pairing_of: dict):
        self._http, self._headers, self._duns, self._is_ercot = http, headers, duns, is_ercot
        self._pairing_of = pairing_of
        self.delays: list[float] = []
        self.seen: set[tuple[int, int]] = set()
        self.foreign = 0
        self.ended_by = ""  # the last event of a stream the gateway ended (dropped, signed-out), else ""
        self.open = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async with self._http.stream("GET", "/api/v1/events", headers=self._headers) as reply:
            reply.raise_for_status()
            self.open.set()
            kind = ""
            async for line in reply.aiter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                    if kind != "item":
                        self.ended_by = kind
                elif line.startswith("data:") and kind == "item":
                    arrived = time.time()
                    event = json.loads(line[5:])
                    parties = self._pairing_of.get(event["item_id"])
                    if parties is None:
                        continue  # not the bench's flight (the demo market's)
                    self.delays.append(arrived - event["at"])
                    self.seen.add((event["item_id"], event["seq"]))
                    if not self._is_ercot and self._duns not in parties:
                        self.foreign += 1


async def bare_notify(database_url: str, stop: asyncio.Event) -> list[float]:
    """Seconds from a committed NOTIFY's clock_timestamp() to its arrival at a LISTEN connection, RATE a second."""
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    delays: list[float] = []
    async with (
        await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as listener,
        await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as sender,
    ):
        await listener.execute(f"LISTEN {BASELINE_CHANNEL}")

        async def receive() -> None:
            async for notification in listener.notifies():
                delays.append(time.time() - float(notification.payload))

        receiving = asyncio.create_task(receive())
        while not stop.is_set():
            await sender.execute(f"SELECT pg_notify('{BASELINE_CHANNEL}', extract(epoch FROM clock_timestamp())::text)")
            await asyncio.sleep(1 / RATE)
        await asyncio.sleep(1)
        receiving.cancel()
        await asyncio.gather(receiving, return_exceptions=True)
    return delays


async def run(gateway: str, temporal_address: str, database_url: str, password: str, run_log: Path) -> dict:
    await demo_market_built(run_log)
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    client = await Client.connect(temporal_address)
    limits = httpx.Limits(max_connections=CONNECTIONS + 20, max_keepalive_connections=CONNECTIONS + 20)
    try:
        setup_started = time.perf_counter()
        flight = await open_and_begin(sessions, client, pairings, SCRIPTS)
        async with httpx.AsyncClient(base_url=gateway, timeout=httpx.Timeout(60, read=None), limits=limits) as http:
            ercot = await simulator.signed_in(
                http, "/api/v1/session", {"email": "reviewer@ercot.example", "password": password}
            )
            system = await simulator.signed_in(
                http,
                "/api/v1/system-session",
                {"system_id": "demo-transaction-gateway", "key": demo_system_key(password)},
            )
            steps = await simulator.waiting_steps(http, ercot, flight)
            pairing_of = await parties(sessions, flight)
            setup_s = time.perf_counter() - setup_started

            accounts = [(email, "183529049", True) for email in ERCOT_ACCOUNTS] + [
                (f"{role}@{slug}.example", duns, False) for duns, slug in SLUGS.items() for role in PARTICIPANT_ROLES
            ]
            headers = {email: await simulator.signed_in(http, "/api/v1/session", {"email": email, "password": password})
                       for email, _, _ in accounts}  # fmt: skip
            gateway_rss = gateway_process()
            await asyncio.sleep(2)
            rss_before = gateway_rss.memory_info().rss
            participants = [account for account in accounts if not account[2]]
            chosen = [accounts[n % 2] for n in range(ERCOT_CONNECTIONS)] + [
                participants[n % len(participants)] for n in range(CONNECTIONS - ERCOT_CONNECTIONS)
            ]
            connections = [
                Connection(http, headers[email], duns, is_ercot, pairing_of) for email, duns, is_ercot in chosen
            ]
            await asyncio.gather(*(connection.open.wait() for connection in connections))
            await asyncio.sleep(2)
            rss_with = gateway_rss.memory_info().rss

            stop = asyncio.Event()
            baseline = asyncio.create_task(bare_notify(database_url, stop))
            planned = simulator.Planner(random.Random(5)).plan(steps, failures=0, duplicates=0, unmatched=0)
            async with simulator.Reporter(http, system, SCRIPTS_ADDRESS) as reporter:
                started = time.perf_counter()
                sent = await simulator.send_all(
                    reporter, planned, rate=RATE, concurrency=IN_FLIGHT, until=started + 120
                )
                sending_s = time.perf_counter() - started
            # Each step is recorded once its workflow has taken the transaction, seconds after it was sent.
            ercot_stream, give_up = connections[0], time.monotonic() + 120
            while len({item for item, _ in ercot_stream.seen}) < len(steps) and time.monotonic() < give_up:
                await asyncio.sleep(0.5)
            stop.set()
            bare = await baseline
            rss_after = gateway_rss.memory_info().rss
            for connection in connections:
                connection.task.cancel()
            await asyncio.gather(*(connection.task for connection in connections), return_exceptions=True)
        delays = [delay for connection in connections for delay in connection.delays]
        delivered, bare_figures = summary(delays), summary(bare)
        return {
            "flight": flight,
            "setup_s": setup_s,
            "connections": CONNECTIONS,
            "ercot_connections": ERCOT_CONNECTIONS,
            "transactions_sent": len(sent),
            "errors": sum(bool(s.error) for s in sent),
            "sent_per_s": len(sent) / sending_s,
            "events_delivered": len(delays),
            "steps_announced": len(set().union(*(connection.seen for connection in connections))),
            "streams_ended_by_gateway": {
                kind: sum(connection.ended_by == kind for connection in connections)
                for kind in {connection.ended_by for connection in connections} - {""}
            },
            "foreign_events": sum(connection.foreign for connection in connections),
            "write_to_arrival": delivered,
            "bare_notify": bare_figures | {"n": len(bare)},
            "ratio_p50": delivered["p50_ms"] / bare_figures["p50_ms"],
            "ratio_p95": delivered["p95_ms"] / bare_figures["p95_ms"],
            "gateway_rss_mb": {"0": rss_before / 2**20, str(CONNECTIONS): rss_with / 2**20, "after": rss_after / 2**20},
            "rss_per_connection_kb": (rss_with - rss_before) / CONNECTIONS / 1024,
            "target_p95_ms": TARGET_P95_MS,
        }
    finally:
        await engine.dispose()


async def parties(sessions, flight: str) -> dict[int, set[str]]:
    """Item ID -> the DUNS of its pairing's CR and TDSP, for each script issue of the flight."""
    issue = models.ScriptIssue
    async with sessions() as session:
        found = await session.execute(
            select(issue.item_id, issue.cr_duns, issue.tdsp_duns).where(issue.flight == flight)
        )
    return {item_id: {cr, tdsp} for item_id, cr, tdsp in found}


def report(figures: dict) -> str:
    delivered, bare = figures["write_to_arrival"], figures["bare_notify"]
    rss = figures["gateway_rss_mb"]
    return "\n".join(
        [
            f"live: {figures['connections']} SSE connections ({figures['ercot_connections']} ERCOT), "
            f"{figures['transactions_sent']} transactions at {figures['sent_per_s']:.1f} per s "
            f"({figures['errors']} errors; set up in {figures['setup_s']:.0f} s)",
            f"  projection write to arrival at a connection: {figures['events_delivered']} deliveries of "
            f"{figures['steps_announced']} steps, streams the gateway ended: {figures['streams_ended_by_gateway']}, "
            f"p50 {delivered['p50_ms']:.1f} ms / p95 {delivered['p95_ms']:.1f} ms (target p95 under "
            f"{figures['target_p95_ms']} ms); events a connection's user may not read: {figures['foreign_events']}",
            f"  bare LISTEN/NOTIFY round trip, same run: p50 {bare['p50_ms']:.1f} ms / p95 {bare['p95_ms']:.1f} ms; "
            f"ratio p50 {figures['ratio_p50']:.1f}x, p95 {figures['ratio_p95']:.1f}x",
            f"  gateway RSS: {rss['0']:.1f} MB with 0 connections, {rss[str(figures['connections'])]:.1f} MB with "
            f"{figures['connections']} ({figures['rss_per_connection_kb']:.0f} KB per connection), "
            f"{rss['after']:.1f} MB after the run",
        ]
    )

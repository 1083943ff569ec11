"""Registration benchmark, against a running `flightrak run`:

1. Submit -> visible in ERCOT's review report, sequentially, against a bare Temporal update round trip
   (a workflow whose update handler does nothing) measured on the same Temporal server in the same run.
2. The SQL statements one Submit causes in every process (gateway, identity, the registration service, the worker's
   activities), counted by PostgreSQL itself (pg_stat_statements, which bench/run.py preloads).
3. 200 CRs registering and submitting for one flight at once: throughput, errors, and a count of what
   ERCOT's report shows afterwards (nothing lost).
"""

import asyncio
import random
import statistics
import time
import uuid
from datetime import date, timedelta

import httpx
import psycopg
from bare_update import BareUpdateWorkflow
from temporalio.client import Client
from temporalio.worker import Worker

from flightrak.worker import WORKFLOW_RUNNER

CONCURRENT_CRS = 200
LATENCY_N = 100
WARMUP = 10
BARE_N = 300
COUNTED_N = 20
# The bench reads PostgreSQL's counters as a role of its own, so its reads are not counted.
COUNTER_ROLE = "bench_statement_counter"


def summary(samples: list[float], wall: float | None = None) -> dict:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(samples),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": q[94] * 1000,
        "throughput_per_s": len(samples) / (wall if wall is not None else sum(samples)),
    }


async def bare_update_round_trip(temporal_address: str) -> dict:
    """An update that does nothing, on a workflow run the way FlighTrak's worker runs its own."""
    client = await Client.connect(temporal_address)
    queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[BareUpdateWorkflow], workflow_runner=WORKFLOW_RUNNER):
        handle = await client.start_workflow(
            BareUpdateWorkflow.run, id=f"bench-bare-{uuid.uuid4().hex}", task_queue=queue
        )
        for i in range(WARMUP):
            await handle.execute_update(BareUpdateWorkflow.touch, i)
        samples = []
        for i in range(BARE_N):
            started = time.perf_counter()
            await handle.execute_update(BareUpdateWorkflow.touch, i)
            samples.append(time.perf_counter() - started)
        await handle.signal(BareUpdateWorkflow.finish)
        await handle.result()
    return summary(samples)


class Market:
    """Bench CRs made through the public API: ERCOT creates each with an MP Admin it names AR."""

    def __init__(self, http: httpx.AsyncClient, password: str):
        self.http = http
        self.password = password
        self.ercot: dict[str, str] = {}
        self.crs: list[tuple[str, dict[str, str], str]] = []  # DUNS, auth, user ID

    async def sign_in(self, email: str) -> dict[str, str]:
        reply = await self.http.post("/api/v1/session", json={"email": email, "password": self.password})
        reply.raise_for_status()
        return {"authorization": f"Bearer {reply.json()['token']}"}

    async def create_crs(self, count: int) -> None:
        self.ercot = await self.sign_in("admin@ercot.example")
        tag = uuid.uuid4().hex[:6]
        limit = asyncio.Semaphore(8)

        async def one(index: int) -> None:
            async with limit:
                duns = f"{random.randrange(10**8, 10**9)}"
                email = f"ar.{tag}.{index}@bench-cr-{index}.example"
                company = {
                    "name": f"Bench Retail Energy {tag}-{index}",
                    "duns": duns,
                    "kind": "CR",
                    "first_admin": {
                        "first_name": "Bench",
                        "last_name": f"Rep {index}",
                        "employee_id": f"B-{tag}-{index}",
                        "email": email,
                        "phone": "512-555-0199",
                        "password": self.password,
                    },
                }
                (await self.http.post("/api/v1/companies", json=company, headers=self.ercot)).raise_for_status()
                users = await self.http.get(f"/api/v1/companies/{duns}/users", headers=self.ercot)
                user_id = users.json()["users"][0]["user_id"]
                roles = await self.http.put(
                    f"/api/v1/users/{user_id}/roles", json={"roles": ["mp_admin", "ar"]}, headers=self.ercot
                )
                roles.raise_for_status()
                self.crs.append((duns, await self.sign_in(email), user_id))

        await asyncio.gather(*(one(i) for i in range(count)))

    async def flight(self, days_ahead: int) -> str:
        deadline = date.today() + timedelta(days=days_ahead)
        while True:
            designation = f"{random.randrange(1, 13):02d}{random.randrange(100):02d}"
            body = {
                "designation": designation,
                "signup_deadline": deadline.isoformat(),
                "day1_of_testing": (deadline + timedelta(days=14)).isoformat(),
                "end_date": (deadline + timedelta(days=50)).isoformat(),
            }
            reply = await self.http.post("/api/v1/flights", json=body, headers=self.ercot)
            if reply.status_code == 201:
                return designation
            if reply.status_code != 409:
                reply.raise_for_status()

    @staticmethod
    def fields(user_id: str) -> dict[str, str]:
        return {
            "primary_contact": user_id,
            "secondary_contact": user_id,
            "testing_contact": user_id,
            "customer_classes": "residential",
            "tdsps": "103994067",
            "edi_system": "Sterling B2B Integrator 6.1",
            "bank_name": "Frost Bank",
            "service_provider": "self",
        }

    async def register(self, designation: str, auth: dict, user_id: str) -> int:
        reply = await self.http.post(
            f"/api/v1/flights/{designation}/registrations", json={"fields": self.fields(user_id)}, headers=auth
        )
        reply.raise_for_status()
        return reply.json()["item_id"]

    async def submit(self, item_id: int, auth: dict) -> None:
        reply = await self.http.post(f"/api/v1/items/{item_id}/actions", json={"action": "submit"}, headers=auth)
        reply.raise_for_status()

    async def in_review(self, designation: str, item_id: int | None = None) -> list[dict]:
        params = {"flight": designation, **({"item_id": str(item_id)} if item_id else {})}
        reply = await self.http.get("/api/v1/reports/registrations-for-review", params=params, headers=self.ercot)
        reply.raise_for_status()
        return reply.json()["rows"]


async def submit_to_visible(market: Market) -> dict:
    designation = await market.flight(days_ahead=40)
    crs = market.crs[: WARMUP + LATENCY_N]
    pending = [(await market.register(designation, auth, user_id), auth) for _, auth, user_id in crs]
    samples = []
    for index, (item_id, auth) in enumerate(pending):
        started = time.perf_counter()
        await market.submit(item_id, auth)
        while not await market.in_review(designation, item_id):
            await asyncio.sleep(0.005)
        if index >= WARMUP:
            samples.append(time.perf_counter() - started)
    return summary(samples)


class StatementCounter:
    """What PostgreSQL executed for everyone but the bench's own role, from pg_stat_statements (every statement the
    server ran, BEGIN and COMMIT and the pool's pre-ping included, whichever process sent it)."""

    def __init__(self, database: str):
        url = database.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (COUNTER_ROLE,)).fetchone():
                admin.execute(f"CREATE ROLE {COUNTER_ROLE} LOGIN IN ROLE pg_read_all_stats")
        self._url = url.replace("postgres@", f"{COUNTER_ROLE}@", 1)

    def snapshot(self) -> dict[str, int]:
        with psycopg.connect(self._url, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT query, sum(calls)::bigint FROM pg_stat_statements "
                "WHERE userid <> (SELECT oid FROM pg_roles WHERE rolname = %s) GROUP BY query",
                (COUNTER_ROLE,),
            ).fetchall()
        return dict(rows)

    @staticmethod
    def since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
        grown = {query: calls - before.get(query, 0) for query, calls in after.items()}
        return {query: calls for query, calls in grown.items() if calls > 0}


async def statements_per_submit(market: Market, counter: StatementCounter) -> dict:
    """COUNTED_N Submits one after another, nothing else asked meanwhile; what runs anyway while idle (health checks,
    timers) is measured over as long a quiet spell and taken off."""
    designation = await market.flight(days_ahead=42)
    pending = [(await market.register(designation, auth, user_id), auth) for _, auth, user_id in market.crs[:COUNTED_N]]
    await asyncio.sleep(1.0)  # anything the registrations set going settles first
    before = counter.snapshot()
    started = time.perf_counter()
    for item_id, auth in pending:
        await market.submit(item_id, auth)
    await asyncio.sleep(0.5)  # anything a Submit sets going after it answered is counted too
    busy = time.perf_counter() - started
    during = StatementCounter.since(before, counter.snapshot())
    quiet_before = counter.snapshot()
    await asyncio.sleep(busy)
    idle = StatementCounter.since(quiet_before, counter.snapshot())
    total, background = sum(during.values()), sum(idle.values())
    busiest = sorted(during.items(), key=lambda row: -row[1])[:25]
    return {
        "submits": COUNTED_N,
        "statements": total,
        "background_statements": background,
        "per_submit": (total - background) / COUNTED_N,
        "busiest": [
            {"per_submit": calls / COUNTED_N, "query": " ".join(query.split())[:300]} for query, calls in busiest
        ],
    }


async def concurrent_registrations(market: Market) -> dict:
    designation = await market.flight(days_ahead=45)
    errors: list[str] = []

    async def one(auth: dict, user_id: str) -> float:
        started = time.perf_counter()
        try:
            item_id = await market.register(designation, auth, user_id)
            await market.submit(item_id, auth)
        except httpx.HTTPError as error:
            errors.append(str(error))
        return time.perf_counter() - started

    started = time.perf_counter()
    durations = await asyncio.gather(*(one(auth, user_id) for _, auth, user_id in market.crs[:CONCURRENT_CRS]))
    wall = time.perf_counter() - started
    visible = await market.in_review(designation)
    result = summary(list(durations), wall)
    result.update(
        crs=CONCURRENT_CRS,
        wall_s=wall,
        errors=len(errors),
        first_errors=errors[:3],
        visible_in_ercot_review=len(visible),
        lost=CONCURRENT_CRS - len(errors) - len(visible),
    )
    return result


async def run(gateway: str, temporal_address: str, database: str, password: str) -> dict:
    limits = httpx.Limits(max_connections=CONCURRENT_CRS, max_keepalive_connections=CONCURRENT_CRS)
    async with httpx.AsyncClient(base_url=gateway, timeout=120, limits=limits) as http:
        market = Market(http, password)
        await market.create_crs(CONCURRENT_CRS)
        bare = await bare_update_round_trip(temporal_address)
        visible = await submit_to_visible(market)
        statements = await statements_per_submit(market, StatementCounter(database))
        concurrent = await concurrent_registrations(market)
    return {
        "bare_temporal_update": bare,
        "submit_to_visible_in_review": visible,
        "ratio_submit_over_bare": {
            "p50": visible["p50_ms"] / bare["p50_ms"],
            "p95": visible["p95_ms"] / bare["p95_ms"],
        },
        "sql_statements_per_submit": statements,
        "concurrent_register_and_submit": concurrent,
    }


def report(results: dict) -> str:
    bare, visible = results["bare_temporal_update"], results["submit_to_visible_in_review"]
    concurrent, ratio = results["concurrent_register_and_submit"], results["ratio_submit_over_bare"]
    statements = results["sql_statements_per_submit"]
    return "\n".join(
        [
            f"{'registration (sequential)':<40}{'p50 ms':>9}{'p95 ms':>9}{'iter/s':>9}",
            f"{'bare Temporal update round trip':<40}{bare['p50_ms']:>9.2f}{bare['p95_ms']:>9.2f}"
            f"{bare['throughput_per_s']:>9.1f}",
            f"{'Submit -> in ERCOT review report':<40}{visible['p50_ms']:>9.2f}{visible['p95_ms']:>9.2f}"
            f"{visible['throughput_per_s']:>9.1f}",
            f"ratios submit/bare: p50 {ratio['p50']:.2f}x   p95 {ratio['p95']:.2f}x",
            f"SQL statements per Submit (all processes, pg_stat_statements): {statements['per_submit']:.1f} "
            f"({statements['statements']} for {statements['submits']} Submits, "
            f"{statements['background_statements']} idle ones taken off)",
            f"{concurrent['crs']} CRs register + submit at once: {concurrent['wall_s']:.1f}s wall, "
            f"{concurrent['crs'] / concurrent['wall_s']:.1f} registrations/s, per CR p50 {concurrent['p50_ms']:.0f} ms "
            f"p95 {concurrent['p95_ms']:.0f} ms, errors {concurrent['errors']}, "
            f"in ERCOT review {concurrent['visible_in_ercot_review']}, lost {concurrent['lost']}",
        ]
    )

"""Test-bed storing and the CR Scripts Test Bed report, against a running `flightrak run`:

1. Validating and storing a 20,000-row test bed (checked and written at once by one COPY, committed),
   rows per second, against reading the same bytes with Python's csv module in the same run.
2. The CR Scripts Test Bed report through the gateway for a flight of 40 CRs x 6 TDSPs x 20 scripts (4,800
   rows; half the TDSPs' test beds approved, so half the rows real and half placeholders), p50/p95 as JSON and
   as xlsx, against the report's own SQL queries run directly on the same database in the same run.
"""

import statistics
import time
import uuid

import httpx
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from test_bed import ESI_ID_LENGTH, REPEATS, ROWS, _bare_csv, _seconds, test_bed_bytes

from flightrak import roles
from flightrak.tokens import Principal
from services.testbed import models, store
from services.testbed.test_bed_file import TEMPLATE_COLUMNS, check_in_steps, rows_csv
from workflows.specifications import models as specifications

CRS, TDSPS, SCRIPTS = 40, 6, 20
APPROVED_TDSPS = 3
REPORT_N, REPORT_XLSX_N, WARMUP = 40, 10, 3
ERCOT_EMAIL = "admin@ercot.example"


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": statistics.median(ordered) * 1000, "p95_ms": q[94] * 1000}


async def _request(session: AsyncSession, flight: str, duns: str, name: str, state: str, fields: dict) -> int:
    """A TDSP's request and its item, as the testbed's own writes leave them."""
    item_id = await session.scalar(select(models.item_id_seq.next_value()))
    session.add(
        models.SpecificationsRequest(
            item_id=item_id, flight=flight, kind=specifications.TDSP, company_duns=duns, company_name=name, sp_duns=""
        )
    )
    session.add(
        models.Item(
            item_id=item_id,
            workflow_id=f"bench-{flight}-{duns}",
            item_type=specifications.ITEM_TYPE,
            title=f"Flight {flight} Testing Specifications - {name}",
            company_duns=duns,
            state=state,
            responsible_party="",
            instructions="",
            fields=fields,
            closed=state == specifications.COMPLETED,
            last_seq=1,
        )
    )
    await session.flush()
    return item_id


async def store_test_bed(sessions: async_sessionmaker) -> dict:
    content, pairs = test_bed_bytes()
    flight = f"S{uuid.uuid4().hex[:3]}"
    async with sessions.begin() as session:
        item_id = await _request(session, flight, "999000001", "Bench TDSP", specifications.TEST_BED_LOADING, {})
    kept: list[int] = []

    async def validate_and_store() -> None:
        """As Attach and Validate does: checked and written at once, committed."""
        steps = check_in_steps(content, ESI_ID_LENGTH, pairs)
        async with sessions.begin() as session:
            _, test_bed = await store.check_and_add_test_bed(session, item_id, "bench.csv", "bench", steps)
            kept.append(test_bed.test_bed_id)

    samples: dict[str, list[float]] = {"csv_reader": [], "validate_and_store": []}
    for _ in range(REPEATS):  # interleaved, so both see the same machine state; the best of each is reported
        samples["csv_reader"].append(_seconds(lambda: _bare_csv(content)))
        started = time.perf_counter()
        await validate_and_store()
        samples["validate_and_store"].append(time.perf_counter() - started)
    async with sessions.begin() as session:
        stored = len(await store.test_bed_rows(session, kept[-1]))
        if stored != ROWS:
            raise AssertionError(f"stored {stored} rows of {ROWS}")
        for test_bed_id in kept:
            await store.drop_test_bed(session, test_bed_id)
    best = {name: min(times) for name, times in samples.items()}
    return {
        "rows": ROWS,
        "csv_reader_rows_per_s": round(ROWS / best["csv_reader"]),
        "validate_and_store_rows_per_s": round(ROWS / best["validate_and_store"]),
        "validate_and_store_best_ms": round(best["validate_and_store"] * 1000, 2),
        "validate_and_store_median_ms": round(statistics.median(samples["validate_and_store"]) * 1000, 2),
        "ratio": round(best["csv_reader"] / best["validate_and_store"], 3),
        "target_ratio": 0.3,
    }


async def seed_flight(sessions: async_sessionmaker) -> str:
    """40 CRs x 6 TDSPs x 20 scripts; the first 3 TDSPs' test beds approved (a row per CR x script each)."""
    flight = f"R{uuid.uuid4().hex[:3]}"
    crs = [(f"8{n:08d}", f"Bench Retail {n:02d}") for n in range(CRS)]
    tdsps = [(f"7{n:08d}", f"Bench Wires {n}") for n in range(TDSPS)]
    scripts = [f"BS{n:02d}" for n in range(SCRIPTS)]
    async with sessions.begin() as session:
        await session.execute(
            insert(models.TestBedScript),
            [
                {"flight": flight, "script_id": s, "title": s, "premises": 1, "position": n}
                for n, s in enumerate(scripts)
            ],
        )
        await session.execute(
            insert(models.Pairing),
            [
                {
                    "flight": flight,
                    "cr_duns": cr,
                    "cr_name": cr_name,
                    "tdsp_duns": tdsp,
                    "tdsp_name": tdsp_name,
                    "sp_duns": "",
                }
                for cr, cr_name in crs
                for tdsp, tdsp_name in tdsps
            ],
        )
        for index, (duns, name) in enumerate(tdsps):
            approved = index < APPROVED_TDSPS
            state = specifications.COMPLETED if approved else specifications.TEST_BED_LOADING
            item_id = await _request(session, flight, duns, name, state, {})
            if not approved:
                continue
            rows = [
                dict.fromkeys(TEMPLATE_COLUMNS, "")
                | {
                    "CR DUNS": cr,
                    "Script ID": s,
                    "ESI ID": f"10{index}{n:014d}",
                    "Zip Code": "75201",
                    "Meter #": f"M{n}",
                    "Rate Class/Meter Type": "Residential",
                    "Cycle": "05",
                    "Customer Name 1": f"Premise {n}",
                    "Serv Loc": f"{n} Main St",
                }
                for n, (cr, s) in enumerate((cr, s) for cr, _ in crs for s in scripts)
            ]
            steps = check_in_steps(rows_csv(rows), 17)
            _, test_bed = await store.check_and_add_test_bed(session, item_id, "bench.csv", "bench", steps)
            item = await session.get(models.Item, item_id)
            item.fields = {"test_bed_id": str(test_bed.test_bed_id)}
    return flight


ERCOT_READER = Principal("bench", "183529049", frozenset({roles.ERCOT_REVIEWER}), "Bench", "ERCOT")


async def report_latency(gateway: str, sessions: async_sessionmaker, password: str) -> dict:
    flight = await seed_flight(sessions)

    async def direct() -> int:
        async with sessions() as session:
            return len(await store.scripts_test_bed(session, ERCOT_READER, flight))

    async with httpx.AsyncClient(base_url=gateway, timeout=60) as http:
        signed = await http.post("/api/v1/session", json={"email": ERCOT_EMAIL, "password": password})
        headers = {"Authorization": f"Bearer {signed.json()['token']}"}

        async def fetch(format: str) -> httpx.Response:
            reply = await http.get(
                "/api/v1/reports/cr-scripts-test-bed", params={"flight": flight, "format": format}, headers=headers
            )
            reply.raise_for_status()
            return reply

        rows = len((await fetch("json")).json()["rows"])
        if rows != CRS * TDSPS * SCRIPTS:
            raise AssertionError(f"the report has {rows} rows, not {CRS * TDSPS * SCRIPTS}")
        results = {}
        for name, n, call in (
            ("sql_only", REPORT_N, direct),
            ("json", REPORT_N, lambda: fetch("json")),
            ("xlsx", REPORT_XLSX_N, lambda: fetch("xlsx")),
        ):
            for _ in range(WARMUP):
                await call()
            samples = []
            for _ in range(n):
                started = time.perf_counter()
                await call()
                samples.append(time.perf_counter() - started)
            results[name] = summary(samples)
    async with sessions.begin() as session:  # the bench's flight leaves nothing behind
        for model in (models.Pairing, models.TestBedScript):
            await session.execute(delete(model).where(model.flight == flight))
    results["rows"] = rows
    results["json_over_sql_p95"] = results["json"]["p95_ms"] / results["sql_only"]["p95_ms"]
    results["target_json_p95_ms"] = 300
    return results


async def run(gateway: str, database_url: str, password: str) -> dict:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        return {"store": await store_test_bed(sessions), "report": await report_latency(gateway, sessions, password)}
    finally:
        await engine.dispose()


def report(figures: dict) -> str:
    stored, shown = figures["store"], figures["report"]
    return "\n".join(
        [
            f"test bed of {stored['rows']} rows validated and stored (COPY, committed): "
            f"{stored['validate_and_store_rows_per_s']:,} rows/s ({stored['validate_and_store_best_ms']} ms) "
            f"vs csv.reader {stored['csv_reader_rows_per_s']:,} rows/s: {stored['ratio']:.2f}x "
            f"(target at least {stored['target_ratio']})",
            f"CR Scripts Test Bed, {shown['rows']} rows (40 CRs x 6 TDSPs x 20 scripts), ERCOT through the gateway:",
            *(
                f"  {label:<22} p50 {shown[key]['p50_ms']:7.1f} ms   p95 {shown[key]['p95_ms']:7.1f} ms"
                for key, label in (("sql_only", "its SQL queries alone"), ("json", "JSON"), ("xlsx", "xlsx"))
            ),
            f"  JSON p95 / SQL p95 {shown['json_over_sql_p95']:.2f}x "
            f"(target JSON p95 under {shown['target_json_p95_ms']} ms)",
        ]
    )

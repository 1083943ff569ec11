"""What announcing a step costs its writer (issue 15 item 5): a script issue's step written as the scripts service
writes it (store.record_transition: the projection and history row, then the announcement), against the same write
without the announcement (projections.record_transition alone), one transaction per step, alternating, on a fresh
database of its own. Also the SQL statements each sends (counted on the connection).

Run from the repository root:  .venv/bin/python bench/step_write.py [postgresql+psycopg://...]
(default: a new database on the PostgreSQL at 127.0.0.1:5432, dropped afterwards).
"""

import asyncio
import statistics
import sys
import time
import uuid

import psycopg
from sqlalchemy import event, insert

from flightrak import db, migrate, projections
from services.scripts import models, store
from workflows.items import Actor, ItemTransition

STEPS = 1_000


def step(item_id: int, seq: int) -> ItemTransition:
    return ItemTransition(
        workflow_id=f"bench-{item_id}", item_id=item_id, seq=seq, item_type="Script Issue", title="Bench step",
        company_duns="079348512", state=f"State {seq}", responsible_party="CR", instructions="Do the next thing.",
        fields={"flight": "B001", "step": str(seq)}, closed=False, actor=Actor("bench", "Bench", "079348512", [], "CR"),
        action="Bench", from_state=f"State {seq - 1}", to_state=f"State {seq}", changes={}, comment="",
    )  # fmt: skip


async def measure(database_url: str) -> dict:
    engine = db.create_engine(database_url, pool_size=1)
    sessions = db.session_factory(engine)
    statements = 0

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    items = {"announced": 1004, "bare": 1012}
    async with sessions.begin() as session:
        for item_id in items.values():
            await session.execute(
                insert(models.ScriptIssue).values(
                    item_id=item_id, flight="B001", script_id="BTX01", cr_duns="079348512", tdsp_duns="103994067",
                    sp_duns="", pack_version=1,
                )
            )  # fmt: skip

    async def announced(seq: int) -> None:
        async with sessions.begin() as session:
            await store.record_transition(session, step(items["announced"], seq))

    async def bare(seq: int) -> None:
        async with sessions.begin() as session:
            await projections.record_transition(session, models.Item, models.ItemHistory, step(items["bare"], seq))

    timings: dict[str, list[float]] = {"announced": [], "bare": []}
    counted: dict[str, int] = {"announced": 0, "bare": 0}
    for seq in range(1, STEPS + 1):
        for name, write in (("announced", announced), ("bare", bare)):
            before, started = statements, time.perf_counter()
            await write(seq)
            timings[name].append(time.perf_counter() - started)
            counted[name] += statements - before
    await engine.dispose()
    figures = {}
    for name, samples in timings.items():
        samples = samples[50:]  # the first compile and the pool's warm-up
        q = statistics.quantiles(samples, n=100, method="inclusive")
        figures[name] = {
            "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": q[94] * 1000,
            "statements_per_step": counted[name] / STEPS,
        }
    figures["ratio_p50"] = figures["announced"]["p50_ms"] / figures["bare"]["p50_ms"]
    return figures


def main(argv: list[str]) -> None:
    created = not argv
    url = argv[0] if argv else f"postgresql+psycopg://postgres@127.0.0.1:5432/flightrak_bench_{uuid.uuid4().hex[:8]}"
    migrate.ensure_database(url)
    migrate.upgrade_all(url)
    try:
        figures = asyncio.run(measure(url))
    finally:
        if created:
            name = url.rsplit("/", 1)[1]
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    for name in ("announced", "bare"):
        f = figures[name]
        print(
            f"step write {name:<9}: p50 {f['p50_ms']:.2f} ms / p95 {f['p95_ms']:.2f} ms, "
            f"{f['statements_per_step']:.1f} SQL statements (BEGIN and COMMIT not counted)"
        )
    print(f"announced / bare, p50: {figures['ratio_p50']:.2f}x ({STEPS} steps each, alternating)")


if __name__ == "__main__":
    main(sys.argv[1:])

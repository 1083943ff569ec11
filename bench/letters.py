"""Qualification letters (issue 17 item 1), against a running `flightrak run`: Lone Star's approved letter for a
flight of the bench's own, listing 120 scripts (6 TDSPs x 20) with the day each passed, recorded directly. Then p50/p95
of GET /api/v1/items/{id}/letter.pdf through the gateway (as Lone Star's user and as ERCOT), against the same PDF made
in this process alone (fpdf2, no service) and GET /api/v1/me, in the same run. Target: p95 under 1 s."""

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pypdf
from live import demo_market_built  # bench/ is a folder of scripts, run from bench/run.py
from sampling import latency, new_flight, sign_in, timed
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.scripts import letter_pdf, letters, models, store
from workflows.letters import models as m
from workflows.scripts import models as scripts

LONESTAR = "079348512"
TDSPS, SCRIPTS = 6, 20
TARGET_P95_MS = 1000


def rows() -> list[letters.LetterRow]:
    passed_on = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    return [
        letters.LetterRow(f"5{t:08d}", f"Bench Wires {t} Electric Delivery Company LLC", f"BS{s:02d}",
                          f"Bench script {s}: a business process walked end to end", scripts.SCRIPT_PASSED, passed_on)
        for t in range(TDSPS)
        for s in range(1, SCRIPTS + 1)
    ]  # fmt: skip


async def seed(database_url: str, flight: str) -> int:
    """Lone Star's letter of the flight, approved: its frozen rows, its item and its two history rows."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    listed = rows()
    try:
        async with sessions.begin() as session:
            [item_id] = await store.new_item_ids(session, 1)
            fields = {
                "flight": flight,
                "cr_duns": LONESTAR,
                "cr_name": "Lone Star Power & Light, LLC",
                "scripts_passed": f"{len(listed)} of {len(listed)}",
                "scenarios": "New CR",
                "draft": "1",
            }
            await session.execute(
                insert(models.Letter),
                [
                    dict(
                        item_id=item_id,
                        flight=flight,
                        cr_duns=LONESTAR,
                        sp_duns="",
                        cr_name=fields["cr_name"],
                        draft=1,
                        scenarios=["New CR"],
                        rows=[row.as_json() for row in listed],
                    )
                ],  # fmt: skip
            )
            await session.execute(
                insert(models.Item),
                [
                    dict(
                        item_id=item_id,
                        workflow_id=f"bench-letter-{flight}",
                        item_type=m.ITEM_TYPE,
                        title=f"Qualification Letter - Lone Star, Flight {flight}",
                        company_duns=LONESTAR,
                        state=m.APPROVED,
                        responsible_party="",
                        instructions="",
                        fields=fields,
                        closed=True,
                        last_seq=2,
                    )
                ],  # fmt: skip
            )
            await session.execute(
                insert(models.ItemHistory),
                [
                    dict(
                        item_id=item_id,
                        seq=seq,
                        actor_user_id="bench",
                        actor_name="Bench ERCOT",
                        action=action,
                        from_state=before,
                        to_state=after,
                        changes={},
                        comment="",
                    )
                    for seq, action, before, after in (
                        (1, "Drafted", "", m.AWAITING_REVIEW),
                        (2, "Approve", m.AWAITING_REVIEW, m.APPROVED),
                    )
                ],  # fmt: skip
            )
    finally:
        await engine.dispose()
    return item_id


def in_process() -> dict:
    """The same letter made here alone: what the PDF library costs, without gRPC, the database or the gateway."""
    content = letter_pdf.LetterContent("0000", "Lone Star Power & Light, LLC", LONESTAR, ["New CR"], rows(),
                                       datetime.now(UTC), 1, "on 2026-12-06 by Bench ERCOT, ERCOT")  # fmt: skip
    return timed(lambda: letter_pdf.render(content))


async def run(gateway: str, database_url: str, password: str, run_log: Path) -> dict:
    await demo_market_built(run_log)  # measured on a quiet machine, not beside the demo's build
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as http:
        ercot = await sign_in(http, "admin@ercot.example", password)
        reviewer = await sign_in(http, "reviewer@ercot.example", password)
        lone_star = await sign_in(http, "user@lonestar.example", password)
        flight = await new_flight(http, ercot, years=range(80, 90))
        item_id = await seed(database_url, flight)
        pdf = f"/api/v1/items/{item_id}/letter.pdf"
        shown = (await http.get(pdf, headers=lone_star)).content
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(shown)).pages)
        listed = sum(f"BS{s:02d}" in line for line in text.splitlines() for s in range(1, SCRIPTS + 1))
        measured = {
            "Lone Star": await latency(http, pdf, lone_star),
            "ERCOT": await latency(http, pdf, reviewer),
            "me": await latency(http, "/api/v1/me", lone_star),
        }
    alone = await asyncio.to_thread(in_process)
    gateway_p95 = max(measured["Lone Star"]["p95_ms"], measured["ERCOT"]["p95_ms"])
    return {
        "flight": flight,
        "scripts": TDSPS * SCRIPTS,
        "rows_read_back": listed,
        "pdf_bytes": len(shown),
        "pages": len(pypdf.PdfReader(io.BytesIO(shown)).pages),
        "gateway": measured,
        "in_process": alone,
        "vs_in_process": gateway_p95 / alone["p95_ms"],
        "vs_me": gateway_p95 / measured["me"]["p95_ms"],
        "target_p95_ms": TARGET_P95_MS,
    }


def report(figures: dict) -> str:
    lone_star, ercot, me = (figures["gateway"][k] for k in ("Lone Star", "ERCOT", "me"))
    alone = figures["in_process"]
    worst = max(lone_star["p95_ms"], ercot["p95_ms"])
    verdict = "under" if worst < figures["target_p95_ms"] else "OVER"
    return (
        f"qualification letter PDF: {figures['scripts']} scripts ({figures['rows_read_back']} read back with pypdf), "
        f"{figures['pages']} pages, {figures['pdf_bytes']:,} bytes\n"
        f"  GET /api/v1/items/{{id}}/letter.pdf as Lone Star: p50 {lone_star['p50_ms']:.0f} ms, p95 "
        f"{lone_star['p95_ms']:.0f} ms; as ERCOT p95 {ercot['p95_ms']:.0f} ms ({verdict} the "
        f"{figures['target_p95_ms']} ms target)\n"
        f"  baselines p95: the PDF made in-process alone {alone['p95_ms']:.0f} ms ({figures['vs_in_process']:.2f}x), "
        f"GET /api/v1/me {me['p95_ms']:.1f} ms ({figures['vs_me']:.0f}x)"
    )

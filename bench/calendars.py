"""Calendars (issue 17 item 3), against a running `flightrak run` with its demo market: p50/p95 of a calendar app's
fetch of a feed URL (GET /calendar/{token}.ics: the token traded with identity, the company's events from the
registration service, the ICS written with icalendar), for ERCOT (every flight and notice: the demo's and FLIGHTS of
the bench's own) and for Lone Star (its flights, the open flights' deadlines, its notices), against GET /api/v1/me
in the same run; and writing the same number of events in-process alone (icalendar, no service)."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import icalendar
from live import demo_market_built  # bench/ is a folder of scripts, run from bench/run.py
from sampling import latency, sign_in, timed

from flightrak.registration.v1 import calendars_pb2
from services.gateway.calendars import ics

FLIGHTS = 24  # of the bench's own, so that ERCOT's feed holds a market's worth of events


async def new_flights(http: httpx.AsyncClient, ercot: dict) -> int:
    """Flights of the bench's own, open for registration, in designations the other parts leave alone."""
    made = 0
    for n in range(FLIGHTS):
        deadline = datetime.now(UTC).date() + timedelta(days=30 + 7 * n)
        body = {
            "designation": f"{n % 12 + 1:02d}{60 + n // 12}",
            "signup_deadline": deadline.isoformat(),
            "day1_of_testing": (deadline + timedelta(days=14)).isoformat(),
            "end_date": (deadline + timedelta(days=56)).isoformat(),
        }
        made += (await http.post("/api/v1/flights", json=body, headers=ercot)).status_code == 201
    return made


def in_process(count: int) -> dict:
    """`count` events written as the feed writes them, here alone: what icalendar costs."""
    now = datetime.now(UTC)
    events = [
        calendars_pb2.CalendarEvent(uid=f"flight-{n:04d}-day-1", sequence=n % 3, summary=f"Flight {n:04d}: Day 1",
                                    description="Flight, Day 1 of testing.\nState: Open", path=f"/items/{n}",
                                    first_day=(now + timedelta(days=n)).date().isoformat(),
                                    last_day=(now + timedelta(days=n)).date().isoformat())
        for n in range(count)
    ]  # fmt: skip
    for event in events:
        event.changed_at.FromDatetime(now)
    return timed(lambda: ics(events, "Bench", "http://flightrak.test"))


async def run(gateway: str, password: str, run_log: Path) -> dict:
    await demo_market_built(run_log)
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as http:
        flights = await new_flights(http, await sign_in(http, "admin@ercot.example", password))
        measured, events = {}, {}
        for who, email in (("ERCOT", "admin@ercot.example"), ("Lone Star", "user@lonestar.example")):
            headers = await sign_in(http, email, password)
            made = await http.post("/api/v1/me/calendar", headers=headers)
            made.raise_for_status()
            path = urlsplit(made.json()["url"]).path
            shown = icalendar.Calendar.from_ical((await http.get(path)).content)
            events[who] = len(shown.walk("VEVENT"))
            measured[who] = await latency(http, path)
            await http.delete("/api/v1/me/calendar", headers=headers)
        measured["me"] = await latency(http, "/api/v1/me", headers)
    alone = await asyncio.to_thread(in_process, events["ERCOT"])
    return {
        "flights_made": flights,
        "events": events,
        "gateway": measured,
        "in_process": alone,
        "vs_me": measured["ERCOT"]["p95_ms"] / measured["me"]["p95_ms"],
        "vs_in_process": measured["ERCOT"]["p95_ms"] / alone["p95_ms"],
    }


def report(figures: dict) -> str:
    ercot, lone_star, me = (figures["gateway"][k] for k in ("ERCOT", "Lone Star", "me"))
    alone = figures["in_process"]
    return (
        f"calendar feeds: GET /calendar/{{token}}.ics, ERCOT ({figures['events']['ERCOT']} events): p50 "
        f"{ercot['p50_ms']:.0f} ms, p95 {ercot['p95_ms']:.0f} ms; Lone Star ({figures['events']['Lone Star']} "
        f"events): p50 {lone_star['p50_ms']:.0f} ms, p95 {lone_star['p95_ms']:.0f} ms\n"
        f"  baselines p95: GET /api/v1/me {me['p95_ms']:.1f} ms ({figures['vs_me']:.1f}x), the same events written "
        f"in-process alone {alone['p95_ms']:.1f} ms ({figures['vs_in_process']:.1f}x)"
    )

"""GET /api/v1/events: every step of an item reaches the streams of those who may read it, and only theirs."""

import asyncio

import httpx
import psycopg

from flightrak import item_events
from tests.conftest import sign_in, system_sign_in
from tests.event_streams import EventStream
from tests.registration_helpers import act, create_flight, new_cr, registered

SUBMITTED = "Registration Review (ERCOT)"


async def test_a_participant_gets_its_items_events_and_never_another_crs(http: httpx.AsyncClient, stack: str):
    ercot = await sign_in(http, "admin@ercot.example")
    first, second = await new_cr(http), await new_cr(http)
    flight = await create_flight(http, ercot)
    designation = flight["designation"]
    async with (
        EventStream(stack, first.ar) as mine,
        EventStream(stack, second.ar) as theirs,
        EventStream(stack, ercot) as ercots,
    ):
        assert (mine.status, theirs.status, ercots.status) == (200, 200, 200)
        ours = int((await registered(http, first.ar, designation, first.duns))["item_id"])
        other = int((await registered(http, second.ar, designation, second.duns))["item_id"])
        # Written after the other CR's registration: once this reaches a stream, every earlier event has too
        # (one connection delivers the announcements in the order their transactions committed).
        assert (await act(http, first.ar, ours, "submit")).status_code == 200

        submitted = await mine.until(lambda e: e["item_id"] == ours and e["state"] == SUBMITTED)
        assert submitted["kind"] == "Flight Registration" and submitted["flight"] == designation
        assert "readers" not in submitted  # who else reads an item (a CR's Service Provider) is not told
        await ercots.until(lambda e: e["item_id"] == other)
        await ercots.until(lambda e: e["item_id"] == ours and e["state"] == SUBMITTED)
        await theirs.until(lambda e: e["item_id"] == other)
        assert (await act(http, second.ar, other, "submit")).status_code == 200
        await theirs.until(lambda e: e["item_id"] == other and e["state"] == SUBMITTED)

        assert other not in {e["item_id"] for e in mine.items()}
        assert ours not in {e["item_id"] for e in theirs.items()}


async def test_a_signed_out_tokens_stream_ends(http: httpx.AsyncClient, stack: str):
    headers = await sign_in(http, "user@lonestar.example")
    async with EventStream(stack, headers) as stream:
        assert stream.status == 200
        assert (await http.delete("/api/v1/session", headers=headers)).status_code == 204
        await stream.ended.wait()
        assert stream.events[-1][0] == "signed-out"
    async with http.stream("GET", "/api/v1/events", headers=headers) as again:
        assert again.status_code == 401


async def test_no_stream_without_a_signed_in_person(http: httpx.AsyncClient):
    async def status(path: str, headers: dict) -> int:
        async with http.stream("GET", path, headers=headers) as reply:  # a stream opened by mistake ends here
            return reply.status_code

    assert await status("/api/v1/events", {}) == 401
    assert await status("/events", {"accept": "text/event-stream"}) == 401
    # A transaction system only reports transactions, as every service holds it to.
    assert await status("/api/v1/events", await system_sign_in(http)) == 403


async def test_streams_go_on_after_the_gateways_database_connection_is_cut(http: httpx.AsyncClient, stack, settings):
    """The gateway's LISTEN connection ends (as when PostgreSQL restarts): it connects again, tells every stream to
    refresh what it shows (events of the outage are lost), and events flow again."""
    ercot = await sign_in(http, "admin@ercot.example")
    async with EventStream(stack, ercot) as stream:
        conninfo = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as admin:
            cut = await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query = %s",
                (f"LISTEN {item_events.CHANNEL}",),
            )
            assert any(row[0] for row in await cut.fetchall())  # the stack's gateway's (another app's too, if any)
        await stream.until(lambda event: True, kind="resync")
        flight = await create_flight(http, ercot)
        await stream.until(lambda event: event["item_id"] == int(flight["item_id"]))


async def test_one_sign_in_holds_a_bounded_number_of_streams(http: httpx.AsyncClient, stack: str):
    from contextlib import AsyncExitStack

    from services.gateway.live import STREAMS_PER_SESSION

    headers = await sign_in(http, "user@bluebonnet.example")
    async with AsyncExitStack() as open_streams:
        for _ in range(STREAMS_PER_SESSION):
            stream = await open_streams.enter_async_context(EventStream(stack, headers))
            assert stream.status == 200
        async with http.stream("GET", "/api/v1/events", headers=headers) as refused:
            assert refused.status_code == 429
            assert "event streams open" in (await refused.aread()).decode()
        # Another sign-in of the same person has its own.
        async with EventStream(stack, await sign_in(http, "user@bluebonnet.example")) as other:
            assert other.status == 200
    # Closed streams are given back, as soon as the gateway has seen them close.
    for _ in range(50):
        async with EventStream(stack, headers) as again:
            if again.status == 200:
                break
        await asyncio.sleep(0.1)
    assert again.status == 200

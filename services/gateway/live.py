"""Pages that move by themselves: the item events the services announce (flightrak.item_events), streamed to each
browser or API client as server-sent events, each only the events of items its caller may read.

One LISTEN connection per gateway process feeds every stream; each stream has a bounded queue, and a client too slow
to empty it is dropped rather than slowing anyone else. A stream checks its caller's session as every request does
and ends within seconds of a sign-out, a deactivation or its token's expiry (the browser then reconnects with its
current cookie, or stops).
"""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import make_url

from flightrak import authz, errors, item_events, roles, tokens
from services.gateway import schemas
from services.gateway.auth import Caller, MaybeCaller
from services.gateway.backends import ApiError

log = logging.getLogger(__name__)

QUEUE_EVENTS = 256
HEARTBEAT_SECONDS = 15.0
# Streams one sign-in (session) may hold open at once: a person's tabs, never a loop opening them without end.
STREAMS_PER_SESSION = 32
SESSION_CHECK_SECONDS = 2.0
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MOST_SECONDS = 30.0
# What a client may learn of an event: who else reads the item (a CR's Service Provider is confidential) stays here.
SHOWN_FIELDS = ("item_id", "kind", "flight", "state", "responsible", "seq", "closed", "parent", "at")


@dataclass(eq=False)
class Subscription:
    principal: tokens.Principal
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_EVENTS))
    dropped: bool = False


class ItemEventHub:
    """The process's one LISTEN connection and the streams it fans out to."""

    def __init__(self, database_url: str):
        # psycopg takes libpq's form of the URL SQLAlchemy's engines use.
        self._conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._subscriptions: set[Subscription] = set()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="item-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def may_open(self, principal: tokens.Principal) -> bool:
        """Whether the caller's sign-in holds fewer than STREAMS_PER_SESSION streams."""
        held = sum(1 for held in self._subscriptions if held.principal.session_id == principal.session_id)
        return held < STREAMS_PER_SESSION

    def subscribe(self, principal: tokens.Principal) -> Subscription:
        subscription = Subscription(principal)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    @property
    def connections(self) -> int:
        return len(self._subscriptions)

    async def _listen(self) -> None:
        """Listens until the process stops; after PostgreSQL goes away, connects again, backing off, and tells every
        stream to refresh what it shows (events of the outage are lost)."""
        wait, connected_before = RECONNECT_FIRST_SECONDS, False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {item_events.CHANNEL}")
                    wait = RECONNECT_FIRST_SECONDS
                    if connected_before:
                        self._broadcast("event: resync\ndata: {}\n\n")
                    connected_before = True
                    async for notification in connection.notifies():
                        self.dispatch(notification.payload)
            except psycopg.Error as error:
                log.warning("item events: %s; listening again in %.1f s", str(error).splitlines()[0], wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT_MOST_SECONDS)

    def dispatch(self, payload: str) -> None:
        """One announcement to every stream whose caller may read its item (authz.may_read, as its page asks)."""
        try:
            event = json.loads(payload)
            shown = {name: event.get(name) for name in SHOWN_FIELDS}
        except (ValueError, AttributeError):
            log.warning("item events: an announcement that is not JSON was ignored")
            return
        everyone = event.get("everyone") is True
        readers = () if event.get("readers_omitted") else (tuple(event.get("readers") or ()),)
        message = f"event: item\ndata: {json.dumps(shown, separators=(',', ':'))}\n\n"
        for subscription in self._subscriptions:
            if everyone or authz.may_read(subscription.principal, readers):
                self._offer(subscription, message)

    def _broadcast(self, message: str) -> None:
        for subscription in self._subscriptions:
            self._offer(subscription, message)

    @staticmethod
    def _offer(subscription: Subscription, message: str) -> None:
        if subscription.dropped:
            return
        try:
            subscription.queue.put_nowait(message)
        except asyncio.QueueFull:
            subscription.dropped = True


async def _refusal(request: Request, caller: Caller) -> str | None:
    """Why the stream's caller may no longer receive events: the same checks as any request's (auth.optional_caller)."""
    try:
        tokens.verify(caller.token, request.app.state.settings.token_secret)
    except tokens.InvalidToken:
        return "your sign-in has expired"
    try:
        return await request.app.state.session_check.refusal(caller.principal, caller.token)
    except errors.Unavailable as down:
        return down.message


async def _events(request: Request, caller: Caller, hub: ItemEventHub) -> AsyncIterator[str]:
    subscription = hub.subscribe(caller.principal)
    try:
        yield f"retry: 3000\n: events for {caller.principal.name}\n\n"
        loop = asyncio.get_running_loop()
        next_check = next_heartbeat = loop.time()
        next_check += SESSION_CHECK_SECONDS
        next_heartbeat += HEARTBEAT_SECONDS
        while True:
            timeout = max(0.0, min(next_check, next_heartbeat) - loop.time())
            try:
                message: str | None = await asyncio.wait_for(subscription.queue.get(), timeout)
            except TimeoutError:
                message = None
            if subscription.dropped:
                yield 'event: dropped\ndata: {"reason": "the connection fell too far behind"}\n\n'
                return
            if message is not None:
                yield message
            now = loop.time()
            if now >= next_check:
                next_check = now + SESSION_CHECK_SECONDS
                if refusal := await _refusal(request, caller):
                    yield f"event: signed-out\ndata: {json.dumps({'reason': refusal})}\n\n"
                    return
            if now >= next_heartbeat:
                next_heartbeat = now + HEARTBEAT_SECONDS
                yield f": heartbeat {time.time():.0f}\n\n"
    finally:
        hub.unsubscribe(subscription)


def _stream(request: Request, caller: Caller | None) -> StreamingResponse:
    if caller is None:
        raise ApiError(401, "sign in first: send a bearer token from POST /api/v1/session")
    if roles.is_transaction_system(caller.principal):
        raise ApiError(403, "a transaction system only reports transactions; item events are for people")
    hub: ItemEventHub = request.app.state.item_events
    if not hub.may_open(caller.principal):
        raise ApiError(429, f"this sign-in already has {STREAMS_PER_SESSION} event streams open; close some tabs")
    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(_events(request, caller, hub), media_type="text/event-stream", headers=headers)


def register(app, router: APIRouter) -> None:
    @router.get(
        "/events",
        summary="Server-sent events: each change of an item the caller may read",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "model": schemas.ItemEvent}},
    )
    async def api_events(request: Request, caller: MaybeCaller) -> StreamingResponse:
        """`text/event-stream`: an `item` event (JSON: `item_id`, `kind`, `flight`, `state`, `responsible`, `seq`,
        `closed`, `parent` (a sub-flow's script issue), `at` (the write's time, seconds since the epoch)) for each
        step of an item the caller may read, as soon as it is written; a comment line every 15 seconds; `resync`
        after FlighTrak lost events (refresh what you show); `signed-out` (and the end of the stream) within
        seconds of the session ending; `dropped` when the client fell 256 events behind."""
        return _stream(request, caller)

    @app.get("/events", include_in_schema=False)
    async def page_events(request: Request, caller: MaybeCaller) -> StreamingResponse:
        return _stream(request, caller)

"""The CalendarService: the caller's company's calendar events (services/registration/calendar.py holds the rules).
The gateway asks it as the user of a calendar feed (identity's OpenCalendarFeed) and writes the events as ICS."""

from collections import defaultdict

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flightrak import projections, tokens
from flightrak.copying import same_named
from flightrak.grpc_runtime import caller
from flightrak.registration.v1 import calendars_pb2 as pb
from flightrak.registration.v1 import calendars_pb2_grpc
from services.registration import calendar, models, notices_store
from workflows.flight import models as flights
from workflows.notices import models as notices

# A company that may sign up to a flight sees only its deadline; one in it sees all of its events.
SIGNUP_ONLY = ("signup-deadline",)


async def _flights_of(session: AsyncSession, principal: tokens.Principal) -> dict[str, tuple[str, ...] | None]:
    """designation -> which of its events the company sees (None: all): ERCOT every flight; a company the flights
    it is in (as CR, its SP or a paired TDSP), and a CR the deadline of each flight open for registration."""
    if principal.is_ercot:
        return {designation: None for designation in await session.scalars(select(models.Flight.designation))}
    duns = principal.duns
    registered = select(models.Registration.flight).where(
        models.Registration.closed.is_(False),
        or_(models.Registration.cr_duns == duns, models.Registration.sp_duns == duns),
    )
    paired = select(models.TestPairing.flight).where(models.TestPairing.tdsp_duns == duns)
    chosen: dict[str, tuple[str, ...] | None] = {}
    if principal.company_kind == "CR":
        open_flights = select(models.Flight.designation).where(models.Flight.state == flights.OPEN)
        chosen |= {designation: SIGNUP_ONLY for designation in await session.scalars(open_flights)}
    chosen |= {designation: None for designation in await session.scalars(registered.union(paired))}
    return chosen


async def _flight_events(session: AsyncSession, principal: tokens.Principal) -> list[calendar.CalendarEvent]:
    chosen = await _flights_of(session, principal)
    if not chosen:
        return []
    rows = list(
        await session.scalars(
            select(models.Flight).where(models.Flight.designation.in_(chosen)).order_by(models.Flight.designation)
        )
    )
    histories: dict[int, list[models.ItemHistory]] = defaultdict(list)
    for row in await session.scalars(
        select(models.ItemHistory)
        .where(models.ItemHistory.item_id.in_([flight.item_id for flight in rows]))
        .order_by(models.ItemHistory.item_id, models.ItemHistory.seq)
    ):
        histories[row.item_id].append(row)
    return [
        event
        for flight in rows
        for event in calendar.flight_events(flight, histories[flight.item_id], chosen[flight.designation])
    ]


async def _notice_events(session: AsyncSession, principal: tokens.Principal) -> list[calendar.CalendarEvent]:
    """Each published notice addressed to the company (ERCOT: every one) with days affected; its stem's notices
    count its moves."""
    shown = list(
        await session.scalars(
            select(models.Notice).where(
                models.Notice.state == notices.PUBLISHED,
                func.cardinality(models.Notice.days_affected) > 0,
                notices_store.readable_where(principal),
            )
        )
    )
    stems = {calendar.notice_stem(notice.notice_id) for notice in shown if notice.notice_id}
    chains: dict[str, list[models.Notice]] = defaultdict(list)
    if stems:
        for notice in await session.scalars(
            select(models.Notice)
            .where(
                models.Notice.state.in_(notices_store.PUBLIC_STATES),
                func.left(models.Notice.notice_id, -3).in_(stems),
            )
            .order_by(models.Notice.notice_id)
        ):
            chains[calendar.notice_stem(notice.notice_id or "")].append(notice)
    events = []
    for notice in shown:
        chain = chains[calendar.notice_stem(notice.notice_id or "")]
        if (event := calendar.notice_event(notice, chain)) is not None:
            events.append(event)
    return events


def _proto(event: calendar.CalendarEvent) -> pb.CalendarEvent:
    when = event.when
    return pb.CalendarEvent(
        **same_named(event, "uid", "sequence", "summary", "description", "path"),
        starts_at=projections.timestamp(when.starts_at),
        first_day=when.first_day.isoformat() if when.first_day else "",
        last_day=when.last_day.isoformat() if when.last_day else "",
        changed_at=projections.timestamp(event.changed_at),
    )


class CalendarServicer(calendars_pb2_grpc.CalendarServiceServicer):
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    async def CompanyCalendar(self, request, context) -> pb.CompanyCalendarResponse:
        principal = caller()
        async with self._sessions() as session:
            events = [*await _flight_events(session, principal), *await _notice_events(session, principal)]
        return pb.CompanyCalendarResponse(events=[_proto(event) for event in events])

"""Calendars (issue 17): each user's secret ICS feed URL of their company's dates, managed by the API under
/api/v1/me/calendar and on the page /my-calendar, fetched by calendar apps at /calendar/{token}.ics without signing
in. The identity service keeps the token's hash and says whose it is; the registration service says what is on the
company's calendar; this module writes it as iCalendar (RFC 5545) with the icalendar library."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from flightrak.identity.v1 import calendar_feeds_pb2 as pb
from flightrak.identity.v1 import calendar_feeds_pb2_grpc
from flightrak.market_time import CENTRAL
from flightrak.registration.v1 import calendars_pb2, calendars_pb2_grpc
from services.gateway import rate_limits, schemas, views
from services.gateway.auth import ApiCaller, Caller, MaybeCaller
from services.gateway.backends import ApiError, call

ICS = "text/calendar"
# Calendar apps are told to fetch again after this; most choose their own interval anyway.
REFRESH = timedelta(hours=1)
NOT_FOUND = "no such calendar"


class CalendarFeed(BaseModel):
    active: bool = Field(description="whether the caller has a feed URL that works")
    url: str | None = Field(
        default=None, description="the feed's secret URL: told only when made; anyone holding it reads the calendar"
    )
    created_at: str | None = Field(default=None, description="when the current URL was made (RFC 3339)")


def _identity(app) -> calendar_feeds_pb2_grpc.CalendarFeedServiceStub:
    return calendar_feeds_pb2_grpc.CalendarFeedServiceStub(app.state.backends.channels["identity"])


def _registration(app) -> calendars_pb2_grpc.CalendarServiceStub:
    return calendars_pb2_grpc.CalendarServiceStub(app.state.backends.channels["registration"])


def feed_url(app, token: str) -> str:
    return f"{app.state.settings.effective_public_url}/calendar/{token}.ics"


def feed_json(app, feed: pb.CalendarFeed) -> dict:
    return {
        "active": feed.active,
        "url": feed_url(app, feed.token) if feed.token else None,
        "created_at": feed.created_at.ToJsonString() if feed.HasField("created_at") else None,
    }


def _event(event: calendars_pb2.CalendarEvent, host: str, public_url: str) -> icalendar.Event:
    if event.HasField("starts_at"):
        start: date | datetime = event.starts_at.ToDatetime(tzinfo=UTC).astimezone(CENTRAL)
        end = None  # a deadline is an instant: no DTEND, it ends as it starts (RFC 5545 3.6.1)
    else:
        start = date.fromisoformat(event.first_day)
        end = date.fromisoformat(event.last_day) + timedelta(days=1)  # DTEND of whole days is the day after
    link = f"{public_url}{event.path}"
    changed_at = event.changed_at.ToDatetime(tzinfo=UTC)
    return icalendar.Event.new(
        uid=f"{event.uid}@{host}",
        sequence=event.sequence,
        summary=event.summary,
        description=f"{event.description}\n\nIn FlighTrak: {link}",
        url=link,
        start=start,
        end=end,
        stamp=changed_at,
        last_modified=changed_at,
        transparency=icalendar.TRANSP.TRANSPARENT,  # a date to know, not time taken
    )


def ics(events: list[calendars_pb2.CalendarEvent], company_name: str, public_url: str) -> bytes:
    """The feed: its events, Central times with America/Chicago's VTIMEZONE, whole days as dates."""
    host = urlsplit(public_url).hostname or "flightrak"
    calendar = icalendar.Calendar.new(
        prodid="-//ERCOT//FlighTrak//EN",
        name=f"FlighTrak: {company_name}",
        description=f"Flight dates and market notices for {company_name}",
        method="PUBLISH",
        calscale="GREGORIAN",
        refresh_interval=REFRESH,
        subcomponents=[_event(event, host, public_url) for event in events],
    )
    calendar.pop("UID", None)  # Calendar.new makes a random one: a feed fetched again would differ for nothing
    calendar.add("X-WR-TIMEZONE", "America/Chicago")
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))  # Outlook's word for REFRESH-INTERVAL
    calendar.add_missing_timezones()
    return calendar.to_ical()


def register(app, router: APIRouter) -> None:
    pages = APIRouter(include_in_schema=False)

    @router.get(
        "/me/calendar",
        summary="Whether the caller has a calendar feed URL (the URL itself is told only when made)",
        **schemas.success(CalendarFeed),
    )
    async def get_calendar(caller: ApiCaller) -> dict:
        return feed_json(app, await call(_identity(app).GetCalendarFeed, pb.GetCalendarFeedRequest(), caller.token))

    @router.post(
        "/me/calendar",
        summary="A new secret calendar feed URL of the caller's company's dates; the URL before it stops working",
        **schemas.success(CalendarFeed, 201),
    )
    async def make_calendar(caller: ApiCaller) -> dict:
        return feed_json(app, await call(_identity(app).MakeCalendarFeed, pb.MakeCalendarFeedRequest(), caller.token))

    @router.delete("/me/calendar", summary="Revoke the caller's calendar feed URL", status_code=204)
    async def revoke_calendar(caller: ApiCaller) -> Response:
        await call(_identity(app).RevokeCalendarFeed, pb.RevokeCalendarFeedRequest(), caller.token)
        return Response(status_code=204)

    @app.get(
        "/calendar/{token}.ics",
        tags=["calendars"],
        summary="A calendar feed (iCalendar) by its secret URL; no sign-in: the token is the credential",
        responses={200: schemas.file(ICS), **{code: schemas.ERRORS[code] for code in (400, 404, 429)}},
    )
    async def calendar_feed(token: str, request: Request) -> Response:
        if len(token) > 200 or not token.isascii():  # no token of FlighTrak's: not worth a budget's count
            raise ApiError(404, NOT_FOUND)
        await rate_limits.calendar_feed(request, token)
        opened = await call(_identity(app).OpenCalendarFeed, pb.OpenCalendarFeedRequest(token=token))
        found = await call(_registration(app).CompanyCalendar, calendars_pb2.CompanyCalendarRequest(), opened.token)
        public_url = app.state.settings.effective_public_url
        return Response(
            ics(list(found.events), opened.company_name, public_url),
            media_type=ICS,
            headers={"cache-control": "private, no-store", "referrer-policy": "no-referrer"},
        )

    async def calendar_page(
        request: Request, caller: Caller, made: pb.CalendarFeed | None = None, sent_again: bool = False
    ) -> Response:
        feed = made or await call(_identity(app).GetCalendarFeed, pb.GetCalendarFeedRequest(), caller.token)
        return await views.render(
            app, request, caller, "my_calendar.html", feed=feed_json(app, feed), sent_again=sent_again
        )

    @pages.get("/my-calendar", response_class=HTMLResponse)
    async def my_calendar_page(request: Request, caller: MaybeCaller) -> Response:
        return await calendar_page(request, views.signed_in(caller))

    @pages.post("/my-calendar", response_class=HTMLResponse)
    async def make_from_page(request: Request, caller: views.PageCaller) -> Response:
        """The new URL is shown on the answer to this form, and never again. The form names the URL it replaces (when
        it was made, or none): a form sent again (a reload of that answer) finds another URL there since, the one it
        made and showed, and leaves it working instead of replacing it."""
        form = await views.read_form(app, request, caller)
        current = await call(_identity(app).GetCalendarFeed, pb.GetCalendarFeedRequest(), caller.token)
        if current.active and feed_json(app, current)["created_at"] != form.get("replaces", ""):
            return await calendar_page(request, caller, current, sent_again=True)
        made = await call(_identity(app).MakeCalendarFeed, pb.MakeCalendarFeedRequest(), caller.token)
        return await calendar_page(request, caller, made)

    @pages.post("/my-calendar/revoke", response_class=HTMLResponse)
    async def revoke_from_page(request: Request, caller: views.PageCaller) -> Response:
        await views.read_form(app, request, caller)
        revoked = await call(_identity(app).RevokeCalendarFeed, pb.RevokeCalendarFeedRequest(), caller.token)
        return await calendar_page(request, caller, revoked)

    app.include_router(pages)

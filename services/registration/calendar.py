"""What a company's calendar holds (issue 17, "Calendars"), as events with stable UIDs and a sequence that counts how
many times each event's dates moved. No I/O: the servicer reads the tables, then asks these.

Decisions:
- A flight gives five events: its signup deadline (the instant registration closes, 5:00 pm Central unless ERCOT
  chose another time), connectivity testing (whole days, from the day ERCOT opened it, or else the day after the
  deadline, to the day before Day 1; none when that leaves no day), Day 1 of testing, business testing (Day 1 to the
  end date) and the flight's end.
- An event's sequence is read from the flight's history rows: each row that moved a date (the creation, each Change
  Dates, ERCOT opening connectivity testing) gives the flight's events anew, and an event whose times differ from
  the row before it moved once. So moving Day 1 bumps Day 1, connectivity and business testing, not the deadline.
- A market notice is one event per notice ID's stem (a reissue keeps the stem: it moves the event instead of adding
  one), whole days from its first day affected to its last, each day listed in the description; its sequence counts
  the reissues that changed that span.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from flightrak.market_time import CENTRAL, central_text
from workflows.flight import models as flights

DATE_FIELDS = ("signup_deadline", "registration_closes_at", "day1_of_testing", "end_date")
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class When:
    """An instant (starts_at), or whole days first_day to last_day inclusive."""

    starts_at: datetime | None = None
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    summary: str
    description: str
    path: str
    when: When
    changed_at: datetime


class HistoryRow(Protocol):
    at: datetime
    from_state: str
    to_state: str
    changes: dict


class FlightRow(Protocol):
    designation: str
    item_id: int
    signup_deadline: date
    registration_closes_at: datetime
    day1_of_testing: date
    end_date: date
    state: str


class NoticeRow(Protocol):
    item_id: int
    notice_id: str | None
    notice_type: str
    short_description: str
    days_affected: list[date]
    action_required: str
    state: str
    published_at: datetime | None


# Each flight event: its UID's tail and its summary's words.
FLIGHT_EVENTS = {
    "signup-deadline": "signup deadline",
    "connectivity-testing": "connectivity testing",
    "day-1": "Day 1 of testing",
    "business-testing": "business testing",
    "end": "flight ends",
}


def flight_times(dates: Mapping[str, str], connectivity_opened_on: date | None) -> dict[str, When]:
    """Each of a flight's events and when it is, from its dates (as the workflow keeps them: ISO text)."""
    closes_at = datetime.fromisoformat(dates["registration_closes_at"])
    day1, end = date.fromisoformat(dates["day1_of_testing"]), date.fromisoformat(dates["end_date"])
    times = {
        "signup-deadline": When(starts_at=closes_at),
        "day-1": When(first_day=day1, last_day=day1),
        "business-testing": When(first_day=day1, last_day=max(day1, end)),
        "end": When(first_day=end, last_day=end),
    }
    connectivity_from = connectivity_opened_on or closes_at.astimezone(CENTRAL).date() + ONE_DAY
    if connectivity_from <= day1 - ONE_DAY:
        times["connectivity-testing"] = When(first_day=connectivity_from, last_day=day1 - ONE_DAY)
    return times


def connectivity_opened_on(history: Iterable[HistoryRow]) -> date | None:
    for row in history:
        if row.to_state == flights.CONNECTIVITY_TESTING and row.from_state != flights.CONNECTIVITY_TESTING:
            return row.at.astimezone(CENTRAL).date()
    return None


def flight_sequences(history: Sequence[HistoryRow]) -> dict[str, tuple[int, datetime]]:
    """(how many times it moved, when it was made or last moved) of each event the flight has had, from its history
    rows in order: the creation's changes hold every date, Change Dates' 'before -> after'."""
    dates: dict[str, str] = {}
    opened_on: date | None = None
    before: dict[str, When] = {}
    moves: dict[str, tuple[int, datetime]] = {}
    for row in history:
        moved = {k: str(v).split(" -> ")[-1] for k, v in row.changes.items() if k in DATE_FIELDS}
        dates.update(moved)
        opened = row.to_state == flights.CONNECTIVITY_TESTING and row.from_state != flights.CONNECTIVITY_TESTING
        if opened:
            opened_on = row.at.astimezone(CENTRAL).date()
        if not (moved or opened) or any(k not in dates for k in DATE_FIELDS):
            continue
        now = flight_times(dates, opened_on)
        for key, when in now.items():
            if key not in moves:
                moves[key] = (0, row.at)
            elif before.get(key) != when:
                moves[key] = (moves[key][0] + 1, row.at)
        before = now
    return moves


def flight_events(
    flight: FlightRow, history: Sequence[HistoryRow], only: Iterable[str] | None = None
) -> list[CalendarEvent]:
    """The flight's events (or those named in `only`), as its row holds its dates now."""
    dates = {
        "signup_deadline": flight.signup_deadline.isoformat(),
        "registration_closes_at": flight.registration_closes_at.isoformat(),
        "day1_of_testing": flight.day1_of_testing.isoformat(),
        "end_date": flight.end_date.isoformat(),
    }
    times = flight_times(dates, connectivity_opened_on(history))
    moves = flight_sequences(history)
    wanted = set(FLIGHT_EVENTS if only is None else only)
    path = f"/items/{flight.item_id}"
    summary_dates = (
        f"Signup deadline: {central_text(flight.registration_closes_at)}\n"
        f"Day 1 of testing: {dates['day1_of_testing']}\n"
        f"End date: {dates['end_date']}\n"
        f"State: {flight.state}"
    )
    events = []
    for key, words in FLIGHT_EVENTS.items():
        if key not in wanted or key not in times:
            continue
        sequence, changed_at = moves.get(key, (0, flight.registration_closes_at))
        events.append(
            CalendarEvent(
                uid=f"flight-{flight.designation}-{key}",
                sequence=sequence,
                summary=f"Flight {flight.designation}: {words}",
                description=f"Flight {flight.designation}, {words}.\n{summary_dates}",
                path=path,
                when=times[key],
                changed_at=changed_at,
            )
        )
    return events


def notice_stem(notice_id: str) -> str:
    """M-A073012-02 -> M-A073012: a reissue keeps the stem of the notice it reissues."""
    return notice_id.rsplit("-", 1)[0]


def _span(notice: NoticeRow) -> tuple[date, date] | None:
    return (min(notice.days_affected), max(notice.days_affected)) if notice.days_affected else None


def notice_event(shown: NoticeRow, chain: Sequence[NoticeRow]) -> CalendarEvent | None:
    """The event of a published notice, its sequence counted along its stem's notices (`chain`, in ID order): each
    reissue up to it that changed the span of days moved the event once."""
    span = _span(shown)
    if span is None or not shown.notice_id or shown.published_at is None:
        return None
    sequence, changed_at, before = 0, shown.published_at, None
    for notice in chain:
        here = _span(notice)
        if here is not None:
            if before is not None and here != before:
                sequence, changed_at = sequence + 1, notice.published_at or changed_at
            before = here
        if notice.item_id == shown.item_id:
            break
    days = ", ".join(day.isoformat() for day in sorted(shown.days_affected))
    action = f"\nAction required: {shown.action_required}" if shown.action_required.strip() else ""
    return CalendarEvent(
        uid=f"notice-{notice_stem(shown.notice_id)}",
        sequence=sequence,
        summary=f"Market notice {shown.notice_id}: {shown.short_description}",
        description=f"{shown.notice_type} market notice {shown.notice_id}: {shown.short_description}\n"
        f"Day(s) affected: {days}{action}",
        path=f"/notices/{shown.item_id}",
        when=When(first_day=span[0], last_day=span[1]),
        changed_at=changed_at,
    )

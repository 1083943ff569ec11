"""The calendar's rules (services/registration/calendar.py), without I/O: which events a flight gives, and how each
event's SEQUENCE counts the moves of its own dates only, read from the flight's history rows and a notice's reissues."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flightrak import logs
from services.registration import calendar
from workflows.flight import models as flights

CREATED = {
    "signup_deadline": "2031-01-10",
    "registration_closes_at": "2031-01-10T17:00:00-06:00",
    "day1_of_testing": "2031-01-24",
    "end_date": "2031-03-07",
}


@dataclass
class Row:
    changes: dict
    to_state: str = flights.OPEN
    from_state: str = flights.OPEN
    at: datetime = field(default_factory=lambda: datetime(2031, 1, 1, tzinfo=UTC))


def test_a_flight_gives_its_five_events_in_central_days():
    times = calendar.flight_times(CREATED, None)
    assert times["signup-deadline"].starts_at == datetime.fromisoformat("2031-01-10T17:00:00-06:00")
    assert times["connectivity-testing"] == calendar.When(first_day=date(2031, 1, 11), last_day=date(2031, 1, 23))
    assert times["day-1"] == calendar.When(first_day=date(2031, 1, 24), last_day=date(2031, 1, 24))
    assert times["business-testing"] == calendar.When(first_day=date(2031, 1, 24), last_day=date(2031, 3, 7))
    assert times["end"] == calendar.When(first_day=date(2031, 3, 7), last_day=date(2031, 3, 7))
    # Opened late, on Day 1's eve: connectivity testing starts that day; opened on Day 1, there is no such event.
    assert calendar.flight_times(CREATED, date(2031, 1, 23))["connectivity-testing"].first_day == date(2031, 1, 23)
    assert "connectivity-testing" not in calendar.flight_times(CREATED, date(2031, 1, 24))


def test_moving_a_date_bumps_only_the_events_that_hang_on_it():
    history = [
        Row({**CREATED, "designation": "0131"}, from_state=""),
        Row({"day1_of_testing": "2031-01-24 -> 2031-01-27"}),
        Row({"end_date": "2031-03-07 -> 2031-03-14"}),
        Row(
            {
                "signup_deadline": "2031-01-10 -> 2031-01-13",
                "registration_closes_at": "... -> 2031-01-13T17:00:00-06:00",
            }
        ),
        Row({}, flights.OPEN, flights.CLOSED),  # a step that moves no date
    ]
    sequences = {key: count for key, (count, _) in calendar.flight_sequences(history).items()}
    assert sequences == {
        "signup-deadline": 1, "connectivity-testing": 2, "day-1": 1, "business-testing": 2, "end": 1
    }  # fmt: skip


def test_opening_connectivity_testing_early_moves_that_event_alone():
    history = [
        Row(dict(CREATED), from_state=""),
        Row({}, flights.CLOSED, flights.OPEN),
        Row({}, flights.CONNECTIVITY_TESTING, flights.CLOSED, datetime(2031, 1, 15, 15, tzinfo=UTC)),
    ]
    sequences = {key: count for key, (count, _) in calendar.flight_sequences(history).items()}
    assert sequences["connectivity-testing"] == 1 and sequences["day-1"] == 0 == sequences["signup-deadline"]


@dataclass
class Notice:
    item_id: int
    notice_id: str
    days_affected: list[date]
    notice_type: str = "Testing"
    short_description: str = "Market test"
    action_required: str = ""
    state: str = "Published"
    published_at: datetime | None = datetime(2031, 1, 2, tzinfo=UTC)


def test_a_reissue_that_moves_the_days_moves_the_notices_one_event():
    first = Notice(1, "M-A010231-01", [date(2031, 2, 3)])
    same_days = Notice(2, "M-A010231-02", [date(2031, 2, 3)])
    moved = Notice(3, "M-A010231-03", [date(2031, 2, 5), date(2031, 2, 6)])
    chain = [first, same_days, moved]
    assert calendar.notice_event(first, chain).sequence == 0
    assert calendar.notice_event(same_days, chain).sequence == 0
    event = calendar.notice_event(moved, chain)
    assert (event.uid, event.sequence) == ("notice-M-A010231", 1)
    assert event.when == calendar.When(first_day=date(2031, 2, 5), last_day=date(2031, 2, 6))
    assert calendar.notice_event(Notice(4, "M-B010231-01", []), []) is None  # no day affected: not on a calendar


def test_a_feed_token_never_reaches_a_log_line():
    line = "GET /calendar/ftcal_Sv5x7rO9tMD2-WMgeHkVT_KYpvq.ics 404"
    assert logs.redact(line) == "GET /calendar/[calendar token].ics 404"

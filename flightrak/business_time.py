"""Business hours on ERCOT's retail calendar: when a task that waits on one party is due a reminder.

A business hour is wall-clock time from 08:00 to 17:00 America/Chicago on a retail business day,
so a daylight-saving change (always at 02:00) never shortens or lengthens a business day.

The market guide does not list the holidays; our decision follows ERCOT's published holiday schedule:
New Year's Day (January 1), Memorial Day (last Monday in May), Independence Day (July 4), Labor Day
(first Monday in September), Thanksgiving Day (fourth Thursday in November), the Friday after
Thanksgiving, Christmas Eve (December 24) and Christmas Day (December 25). A fixed-date holiday that
falls on a Saturday is observed the Friday before, on a Sunday the Monday after; so New Year's Day on a
Saturday is observed on December 31 of the year before. Christmas Eve is observed on the weekday before
the observed Christmas Day, which is the Saturday/Sunday rule whenever the two do not collide
(Christmas on a Saturday: Eve Thursday 23rd, Christmas Friday 24th; Christmas on a Monday: Eve Friday
22nd). Holidays are computed by rule for any year.

Pure: no clock reads and no I/O, so a Temporal workflow may call it with `workflow.now()`.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from flightrak.market_time import CENTRAL

__all__ = ["CENTRAL", "add_business_hours", "business_hours_between", "retail_business_day"]

OPENS = time(8)
CLOSES = time(17)

MONDAY, THURSDAY, SATURDAY, SUNDAY = 0, 3, 5, 6
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - _DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(holiday: date) -> date:
    if holiday.weekday() == SATURDAY:
        return holiday - _DAY
    if holiday.weekday() == SUNDAY:
        return holiday + _DAY
    return holiday


def _weekday_before(day: date) -> date:
    day -= _DAY
    while day.weekday() >= SATURDAY:
        day -= _DAY
    return day


@lru_cache(maxsize=64)
def _observed_holidays(year: int) -> frozenset[date]:
    """The days on which `year`'s holidays are observed (New Year's Day may land in `year - 1`)."""
    thanksgiving = _nth_weekday(year, 11, THURSDAY, 4)
    christmas = _observed(date(year, 12, 25))
    return frozenset(
        {
            _observed(date(year, 1, 1)),
            _last_weekday(year, 5, MONDAY),
            _observed(date(year, 7, 4)),
            _nth_weekday(year, 9, MONDAY, 1),
            thanksgiving,
            thanksgiving + _DAY,
            _weekday_before(christmas),
            christmas,
        }
    )


def retail_business_day(day: date) -> bool:
    """Monday to Friday, except an observed ERCOT holiday."""
    if day.weekday() >= SATURDAY:
        return False
    return day not in _observed_holidays(day.year) and day not in _observed_holidays(day.year + 1)


def _business_window(day: date) -> tuple[datetime, datetime] | None:
    """The UTC instants `day` opens and closes for business, or None on a weekend or holiday."""
    if not retail_business_day(day):
        return None
    opens = datetime.combine(day, OPENS, tzinfo=CENTRAL).astimezone(UTC)
    closes = datetime.combine(day, CLOSES, tzinfo=CENTRAL).astimezone(UTC)
    return opens, closes


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def add_business_hours(start: datetime, hours: float) -> datetime:
    """The UTC instant when `hours` business hours have passed after `start`.

    Time outside business hours does not count: a start at 18:00 Friday counts from 08:00 on the next
    business day. A count that runs out exactly at closing time ends at 17:00, not the next morning.
    Zero hours returns `start` unchanged (its own zone, even outside business hours): nothing is owed yet.
    """
    _require_aware(start, "start")
    if not 0 <= hours < float("inf"):
        raise ValueError(f"hours must be a finite number >= 0, got {hours}")
    if hours == 0:
        return start
    remaining = hours * _HOUR
    moment = start.astimezone(UTC)
    day = moment.astimezone(CENTRAL).date()
    while True:
        window = _business_window(day)
        if window is not None:
            opens, closes = window
            begin = max(moment, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += _DAY


def business_hours_between(start: datetime, end: datetime) -> float:
    """The business hours elapsed from `start` to `end`, e.g. 13.5 for a task waiting a day and a half.

    Raises ValueError when `end` is before `start`: a wait cannot be negative.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    elapsed = timedelta()
    day, last_day = start.astimezone(CENTRAL).date(), end.astimezone(CENTRAL).date()
    while day <= last_day:
        window = _business_window(day)
        if window is not None:
            opens, closes = window
            elapsed += max(min(end, closes) - max(start, opens), timedelta())
        day += _DAY
    return elapsed / _HOUR

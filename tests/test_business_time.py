"""Business-hour arithmetic on ERCOT's retail calendar: holidays by rule, the 08:00-17:00 Central window, DST."""

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest

from flightrak.business_time import CENTRAL, add_business_hours, business_hours_between, retail_business_day
from flightrak.market_time import CENTRAL as MARKET_CENTRAL

OBSERVED_HOLIDAYS = {
    2026: {
        date(2026, 1, 1),  # New Year's Day, Thursday
        date(2026, 5, 25),  # Memorial Day
        date(2026, 7, 3),  # Independence Day falls on Saturday: observed Friday
        date(2026, 9, 7),  # Labor Day
        date(2026, 11, 26),  # Thanksgiving Day
        date(2026, 11, 27),  # the Friday after
        date(2026, 12, 24),  # Christmas Eve, Thursday
        date(2026, 12, 25),  # Christmas Day, Friday
    },
    2027: {
        date(2027, 1, 1),  # New Year's Day, Friday
        date(2027, 5, 31),  # Memorial Day
        date(2027, 7, 5),  # Independence Day falls on Sunday: observed Monday
        date(2027, 9, 6),  # Labor Day
        date(2027, 11, 25),  # Thanksgiving Day
        date(2027, 11, 26),  # the Friday after
        date(2027, 12, 23),  # Christmas Eve: the weekday before the observed Christmas
        date(2027, 12, 24),  # Christmas Day falls on Saturday: observed Friday
        date(2027, 12, 31),  # New Year's Day 2028 falls on Saturday: observed Friday
    },
    2028: {
        date(2028, 5, 29),  # Memorial Day
        date(2028, 7, 4),  # Independence Day, Tuesday
        date(2028, 9, 4),  # Labor Day
        date(2028, 11, 23),  # Thanksgiving Day
        date(2028, 11, 24),  # the Friday after
        date(2028, 12, 22),  # Christmas Eve falls on Sunday; Monday is Christmas: observed Friday
        date(2028, 12, 25),  # Christmas Day, Monday
    },
}


def central(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CENTRAL)


def weekdays_of(year: int) -> list[date]:
    day, days = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def test_central_is_the_market_clock():
    assert CENTRAL is MARKET_CENTRAL


@pytest.mark.parametrize("year", sorted(OBSERVED_HOLIDAYS))
def test_the_only_weekdays_off_are_the_observed_holidays(year):
    assert {day for day in weekdays_of(year) if not retail_business_day(day)} == OBSERVED_HOLIDAYS[year]


@pytest.mark.parametrize(
    "day, business",
    [
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 3, 9), True),  # Monday
        (date(2026, 7, 4), False),  # Independence Day itself, a Saturday
        (date(2027, 7, 4), False),  # Independence Day itself, a Sunday
        (date(2027, 7, 2), True),  # the Friday before a Sunday holiday works
        (date(2026, 7, 6), True),  # the Monday after a Saturday holiday works
        (date(2028, 1, 3), True),  # New Year's was observed in 2027, not moved into 2028
        (date(2026, 12, 23), True),
        (date(2026, 12, 28), True),
    ],
)
def test_weekends_and_neighbours_of_holidays(day, business):
    assert retail_business_day(day) is business


def test_holidays_follow_the_rule_beyond_the_tested_years():
    assert not retail_business_day(date(2032, 11, 26))  # fourth Thursday of November 2032
    assert not retail_business_day(date(2033, 12, 26))  # Christmas 2033 falls on Sunday
    assert not retail_business_day(date(2033, 12, 23))  # so Christmas Eve is observed Friday
    assert retail_business_day(date(2033, 12, 27))


@pytest.mark.parametrize(
    "start, hours, due",
    [
        pytest.param(central(2026, 3, 3, 10), 2, central(2026, 3, 3, 12), id="inside-the-window"),
        pytest.param(central(2026, 3, 3, 15), 4, central(2026, 3, 4, 10), id="runs-past-closing"),
        pytest.param(central(2026, 3, 3, 6), 1, central(2026, 3, 3, 9), id="before-opening"),
        pytest.param(central(2026, 3, 3, 8), 9, central(2026, 3, 3, 17), id="ends-exactly-at-closing"),
        pytest.param(central(2026, 3, 3, 17), 1, central(2026, 3, 4, 9), id="starts-at-closing"),
        pytest.param(central(2026, 2, 27, 18), 1, central(2026, 3, 2, 9), id="friday-evening-to-monday"),
        pytest.param(central(2026, 2, 28, 12), 9, central(2026, 3, 2, 17), id="saturday-start"),
        pytest.param(central(2026, 3, 3, 16, 30), 0.75, central(2026, 3, 4, 8, 15), id="fractional"),
        pytest.param(central(2026, 3, 3, 8), 13.5, central(2026, 3, 4, 12, 30), id="a-day-and-a-half"),
        pytest.param(central(2026, 11, 25, 16), 2, central(2026, 11, 30, 9), id="over-thanksgiving"),
        pytest.param(central(2026, 12, 23, 16), 2, central(2026, 12, 28, 9), id="over-christmas"),
        pytest.param(central(2027, 7, 2, 16), 2, central(2027, 7, 6, 9), id="over-sunday-independence-day"),
        pytest.param(central(2027, 12, 22, 16), 2, central(2027, 12, 27, 9), id="over-christmas-on-saturday"),
        pytest.param(central(2027, 12, 30, 16), 2, central(2028, 1, 3, 9), id="over-new-year-on-saturday"),
        pytest.param(central(2026, 3, 6, 16), 2, central(2026, 3, 9, 9), id="over-spring-forward"),
        pytest.param(central(2026, 10, 30, 16), 2, central(2026, 11, 2, 9), id="over-fall-back"),
        pytest.param(central(2026, 3, 8, 1, 30), 1, central(2026, 3, 9, 9), id="start-on-spring-forward-night"),
        pytest.param(central(2026, 11, 1, 1, 30), 1, central(2026, 11, 2, 9), id="start-on-fall-back-night"),
        pytest.param(datetime(2026, 3, 3, 22, tzinfo=UTC), 2, central(2026, 3, 4, 9), id="start-in-utc"),
    ],
)
def test_add_business_hours(start, hours, due):
    result = add_business_hours(start, hours)
    assert result == due
    assert result.utcoffset() == timedelta(0)


def test_the_window_is_wall_clock_on_both_sides_of_a_dst_change():
    assert add_business_hours(central(2026, 3, 6, 8), 9) == datetime(2026, 3, 6, 23, tzinfo=UTC)  # CST
    assert add_business_hours(central(2026, 3, 9, 8), 9) == datetime(2026, 3, 9, 22, tzinfo=UTC)  # CDT
    assert add_business_hours(central(2026, 10, 30, 8), 9) == datetime(2026, 10, 30, 22, tzinfo=UTC)  # CDT
    assert add_business_hours(central(2026, 11, 2, 8), 9) == datetime(2026, 11, 2, 23, tzinfo=UTC)  # CST


def test_zero_hours_returns_the_start_unchanged():
    saturday_night = central(2026, 2, 28, 23)
    assert add_business_hours(saturday_night, 0) is saturday_night


@pytest.mark.parametrize(
    "start, end, hours",
    [
        pytest.param(central(2026, 3, 2, 8), central(2026, 3, 3, 12, 30), 13.5, id="a-day-and-a-half"),
        pytest.param(central(2026, 3, 3, 10), central(2026, 3, 3, 10), 0.0, id="no-time"),
        pytest.param(central(2026, 3, 3, 18), central(2026, 3, 4, 7), 0.0, id="overnight"),
        pytest.param(central(2026, 2, 27, 16), central(2026, 3, 2, 9), 2.0, id="over-a-weekend"),
        pytest.param(central(2026, 3, 6, 8), central(2026, 3, 9, 17), 18.0, id="over-spring-forward"),
        pytest.param(central(2026, 10, 30, 8), central(2026, 11, 2, 17), 18.0, id="over-fall-back"),
        pytest.param(central(2026, 11, 25, 0), central(2026, 11, 30, 23), 18.0, id="over-thanksgiving"),
        pytest.param(central(2026, 1, 1), central(2027, 1, 1), 9.0 * (len(weekdays_of(2026)) - 8), id="all-2026"),
    ],
)
def test_business_hours_between(start, end, hours):
    assert business_hours_between(start, end) == hours


def quarter_hour_grid() -> list[datetime]:
    """Every 7 hours 45 minutes from February 2026 into January 2029: every hour of the day, every weekday."""
    first, step = central(2026, 2, 1, 0, 15).astimezone(UTC), timedelta(hours=7, minutes=45)
    return [first + n * step for n in range(3500)]


HOURS_TO_ADD = [0.25, 1.0, 7.5, 8.75, 9.0, 13.5, 27.0, 45.25, 100.0]


def test_business_hours_between_undoes_add_business_hours():
    for n, start in enumerate(quarter_hour_grid()):
        hours = HOURS_TO_ADD[n % len(HOURS_TO_ADD)]
        assert business_hours_between(start, add_business_hours(start, hours)) == hours, (start, hours)


def test_the_inverse_holds_to_the_microsecond_for_any_float():
    for n, start in enumerate(quarter_hour_grid()[::7]):
        hours = math.pi * (n % 23) + 1 / 3
        assert business_hours_between(start, add_business_hours(start, hours)) == pytest.approx(hours, abs=1e-9)


def counted_quarter_hours(start: datetime, end: datetime) -> float:
    """A slow, obvious count: every quarter hour whose Central wall clock reads 08:00-16:45 on a business day."""
    quarters, moment = 0, start
    while moment < end:
        wall = moment.astimezone(CENTRAL)
        if retail_business_day(wall.date()) and time(8) <= wall.time() < time(17):
            quarters += 1
        moment += timedelta(minutes=15)
    return quarters / 4


def test_business_hours_between_agrees_with_counting_quarter_hours():
    grid = quarter_hour_grid()
    for n, start in enumerate(grid[::11]):
        end = start + timedelta(minutes=15 * (n * 37 % 700))
        assert business_hours_between(start, end) == counted_quarter_hours(start, end), (start, end)


def test_add_business_hours_agrees_with_counting_quarter_hours():
    for n, start in enumerate(quarter_hour_grid()[::13]):
        hours = HOURS_TO_ADD[n % len(HOURS_TO_ADD)]
        due = add_business_hours(start, hours)
        assert counted_quarter_hours(start, due) == hours, (start, hours)
        assert counted_quarter_hours(start, due - timedelta(minutes=15)) < hours, (start, hours)


@pytest.mark.parametrize("hours", [-0.25, -1, float("nan"), float("inf")])
def test_add_business_hours_refuses_impossible_hours(hours):
    with pytest.raises(ValueError, match="hours"):
        add_business_hours(central(2026, 3, 3, 10), hours)


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 3, 3, 10)
    with pytest.raises(ValueError, match="naive"):
        add_business_hours(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        business_hours_between(naive, central(2026, 3, 4))
    with pytest.raises(ValueError, match="naive"):
        business_hours_between(central(2026, 3, 2), naive)


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ValueError, match="before start"):
        business_hours_between(central(2026, 3, 4), central(2026, 3, 3))

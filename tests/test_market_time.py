"""One date format on every page and report (issue 15 item 4): Central time with its zone; days as the instants
begin."""

from datetime import UTC, date, datetime

from flightrak.market_time import central_text, day_text


def test_an_instant_is_written_in_central_time_with_its_zone():
    assert central_text(datetime(2026, 12, 6, 15, 15, tzinfo=UTC)) == "2026-12-06 09:15 CST"
    assert central_text(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == "2026-07-01 17:00 CDT"
    assert central_text("2026-12-01T17:00:00-06:00") == "2026-12-01 17:00 CST"
    assert central_text("") == ""


def test_a_datetime_without_a_zone_is_utc_as_protobuf_gives_it():
    assert central_text(datetime(2026, 12, 6, 15, 15)) == "2026-12-06 09:15 CST"


def test_the_day_after_a_change_to_standard_time_keeps_its_date():
    assert central_text(datetime(2026, 11, 2, 5, 30, tzinfo=UTC)) == "2026-11-01 23:30 CST"


def test_a_day_is_written_as_the_instants_begin():
    assert day_text(date(2027, 1, 6)) == "2027-01-06"
    assert day_text("2027-01-06") == "2027-01-06"
    assert day_text("August 30, 2012") == "August 30, 2012"

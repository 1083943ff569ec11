"""ERCOT's clock: deadlines are instants in America/Chicago, shown as Texans read them."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CENTRAL = ZoneInfo("America/Chicago")


def central_text(moment: datetime | str) -> str:
    """2026-12-01 17:00 CST (or CDT): the one form every report and page writes an instant in. A datetime without
    a zone (protobuf's ToDatetime()) is UTC."""
    if isinstance(moment, str):
        if not moment:
            return ""
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CENTRAL).strftime("%Y-%m-%d %H:%M %Z")


def day_text(day: date | str) -> str:
    """A calendar day (a signup deadline's date, Day 1 of testing, a notice's day affected) as the instants begin:
    2026-12-01. Text that is not a date stays as it is."""
    if not isinstance(day, str):
        return day.isoformat()
    try:
        return date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        return day

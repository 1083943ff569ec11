"""ERCOT's clock: deadlines are instants in America/Chicago, shown as Texans read them."""

from datetime import datetime
from zoneinfo import ZoneInfo

CENTRAL = ZoneInfo("America/Chicago")


def central_text(moment: datetime | str) -> str:
    """12/01/2026 05:00 PM CST (or CDT): the form every report and page uses."""
    if isinstance(moment, str):
        if not moment:
            return ""
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(CENTRAL).strftime("%m/%d/%Y %I:%M %p %Z")

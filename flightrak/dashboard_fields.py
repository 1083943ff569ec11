"""The fields of a dashboard a user composes (guide §4), checked alike by the gateway, which adds what only it knows
(which reports exist and which the caller may see), and by the identity service, which keeps the dashboard."""

import re

from flightrak.identity.v1 import dashboards_pb2 as pb

NAME_LENGTH = 100
MOST_REPORTS = 12
FILTERS = ("flight", "state", "responsible_party", "search")
FILTER_LENGTHS = {"state": 100, "responsible_party": 200, "search": 200}
FILTER_LABELS = {"flight": "Flight", "state": "State", "responsible_party": "Responsible Party", "search": "Search"}
REPORT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def designation_problem(flight: str) -> str | None:
    """A flight is named by its designation, MMYY (the month and year of its Day 1 of testing)."""
    if not flight or (len(flight) == 4 and flight.isascii() and flight.isdigit() and 1 <= int(flight[:2]) <= 12):
        return None
    return f"'{flight}' is not a flight designation (MMYY, e.g. 0627)"


def problems(dashboard: pb.SaveDashboardRequest) -> dict[str, str]:
    """Every problem of a dashboard as submitted, named by field (`name`, `reports[1].flight`)."""
    found: dict[str, str] = {}
    name = dashboard.name.strip()
    if not name:
        found["name"] = "is required"
    elif len(name) > NAME_LENGTH or "\n" in name:
        found["name"] = f"is one line of at most {NAME_LENGTH} characters"
    if not dashboard.reports:
        found["reports"] = "a dashboard holds at least one report"
    elif len(dashboard.reports) > MOST_REPORTS:
        found["reports"] = f"a dashboard holds at most {MOST_REPORTS} reports"
    for index, report in enumerate(dashboard.reports):
        where = f"reports[{index}]"
        if not report.report:
            found[f"{where}.report"] = "is required"
        elif len(report.report) > 64 or not REPORT_NAME.fullmatch(report.report):
            found[f"{where}.report"] = f"'{report.report}' is not a report's name"
        if problem := designation_problem(report.flight.strip()):
            found[f"{where}.flight"] = problem
        for field, most in FILTER_LENGTHS.items():
            value = getattr(report, field)
            if len(value.strip()) > most or "\n" in value:
                found[f"{where}.{field}"] = f"is one line of at most {most} characters"
    return found


def cleaned(dashboard: pb.SaveDashboardRequest) -> pb.SaveDashboardRequest:
    """The dashboard as kept: its name and every filter without surrounding spaces."""
    kept = pb.SaveDashboardRequest()
    kept.CopyFrom(dashboard)
    kept.name = dashboard.name.strip()
    for report in kept.reports:
        for field in FILTERS:
            setattr(report, field, getattr(report, field).strip())
    return kept

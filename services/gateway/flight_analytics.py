"""Flight analytics: where a flight's scripts wait (the scripts service's FlightAnalyticsService), as JSON, CSV,
Excel, and a page of SVG charts drawn here, each beside a table of its figures."""

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from openpyxl import Workbook
from pydantic import BaseModel, Field

from flightrak.market_time import central_text
from flightrak.scripts.v1 import analytics_pb2 as pb
from flightrak.scripts.v1 import analytics_pb2_grpc
from flightrak.spreadsheets import safe_cell
from services.gateway import reports, schemas, views
from services.gateway.auth import ApiCaller, MaybeCaller
from services.gateway.backends import call
from services.gateway.flights import flight_named


class WaitFigures(BaseModel):
    """One group's waits: a wait is one script issue's time in one state with one party responsible (the state an
    open issue is in counts until now). Only the keys of the group's grouping are set; times are in seconds."""

    state: str
    responsible_party: str
    script_id: str
    cr_duns: str
    cr_name: str
    tdsp_duns: str
    tdsp_name: str
    issues: int
    waits: int
    p50_seconds: float
    p90_seconds: float
    total_seconds: float
    longest_seconds: float
    escalations: int
    failed_transactions: int


class FlightAnalytics(BaseModel):
    flight: str
    whole_flight: bool
    history_rows: int
    overall: WaitFigures
    by_state: list[WaitFigures]
    by_party: list[WaitFigures]
    by_step: list[WaitFigures]
    by_pairing: list[WaitFigures]
    by_pairing_state: list[WaitFigures]
    by_script: list[WaitFigures]
    computed_at: str = Field(description="ISO 8601; figures are kept while the flight does not move (5 minutes at "
                             "most) and, while it moves, computed again at most every 15 seconds")  # fmt: skip


# Each list as the exports name it, in the order they show.
GROUPINGS = {
    "overall": "Whole flight",
    "by_state": "State",
    "by_party": "Responsible party",
    "by_step": "Step",
    "by_pairing": "Pairing",
    "by_pairing_state": "Pairing and state",
    "by_script": "Script",
}
KEY_COLUMNS = ["State", "Responsible Party", "Script ID", "CR", "CR DUNS", "TDSP", "TDSP DUNS"]
FIGURE_COLUMNS = [
    "Script Issues",
    "Waits",
    "P50 (hours)",
    "P90 (hours)",
    "Total (hours)",
    "Longest (hours)",
    "Escalations",
    "Failed Transactions",
]
CHART_ROWS = 12  # the slowest shown in each chart; the exports hold every group


def analytics_json(analytics: pb.FlightAnalytics) -> dict:
    """Straight to JSON, field by field: MessageToDict and FastAPI's encoding of thousands of groups cost several
    times the rest of the request."""
    shown: dict = {name: getattr(analytics, name) for name in ("flight", "whole_flight", "history_rows", "computed_at")}
    shown["overall"] = _figures_json(analytics.overall)
    for name in GROUPINGS:
        if name != "overall":
            shown[name] = [_figures_json(found) for found in getattr(analytics, name)]
    return shown


def _figures_json(found: pb.WaitFigures) -> dict:
    return {name: getattr(found, name) for name in WaitFigures.model_fields}


def hours(seconds: float) -> float:
    return round(seconds / 3600, 4)


def figure_row(found: pb.WaitFigures) -> list:
    keys = [found.state, found.responsible_party, found.script_id, found.cr_name, found.cr_duns]
    return [
        *(safe_cell(key) for key in [*keys, found.tdsp_name, found.tdsp_duns]),
        found.issues,
        found.waits,
        *(hours(s) for s in (found.p50_seconds, found.p90_seconds, found.total_seconds, found.longest_seconds)),
        found.escalations,
        found.failed_transactions,
    ]


def tables(analytics: pb.FlightAnalytics) -> list[tuple[str, list[list]]]:
    """(grouping, its rows in KEY_COLUMNS and FIGURE_COLUMNS) for each grouping."""
    shown = []
    for name, title in GROUPINGS.items():
        found = [analytics.overall] if name == "overall" else list(getattr(analytics, name))
        shown.append((title, [figure_row(figures) for figures in found]))
    return shown


def as_csv(analytics: pb.FlightAnalytics) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Grouping", *KEY_COLUMNS, *FIGURE_COLUMNS])
    for title, rows in tables(analytics):
        writer.writerows([title, *row] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="flight-{analytics.flight}-analytics.csv"'},
    )


def as_xlsx(analytics: pb.FlightAnalytics) -> Response:
    """A sheet per grouping, its figures as numbers."""
    book = Workbook(write_only=True)
    for title, rows in tables(analytics):
        sheet = book.create_sheet(title)
        sheet.append([*KEY_COLUMNS, *FIGURE_COLUMNS])
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=schemas.XLSX,
        headers={"content-disposition": f'attachment; filename="flight-{analytics.flight}-analytics.xlsx"'},
    )


def duration(seconds: float) -> str:
    """A wait in the unit a person reads it in."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


views.templates.env.filters["duration"] = duration


def pairing_name(found: pb.WaitFigures) -> str:
    return f"{found.cr_name or found.cr_duns} / {found.tdsp_name or found.tdsp_duns}"


def charts(analytics: pb.FlightAnalytics) -> list[dict]:
    """What the page draws: each chart's bars (label, values) and the series they show."""
    waits = [("p50", "bar-active"), ("p90", "bar-waiting")]

    def timed(found: list[pb.WaitFigures], label) -> list[dict]:
        return [
            {"label": label(f), "amounts": [f.p50_seconds, f.p90_seconds], "figures": f} for f in found[:CHART_ROWS]
        ]

    by_script = sorted(analytics.by_script, key=lambda f: (-(f.escalations + f.failed_transactions), f.script_id))
    troubled = [f for f in by_script if f.escalations or f.failed_transactions][:CHART_ROWS]
    return [
        {
            "id": "by-state",
            "title": "Time in each state",
            "desc": "The median (p50) and 90th percentile (p90) of the time a script issue spent in each state, "
            "slowest first.",
            "series": waits,
            "bars": timed(list(analytics.by_state), lambda f: f.state),
            "key": "State",
        },
        {
            "id": "by-party",
            "title": "Time waiting on each responsible party",
            "desc": "The p50 and p90 of the time a script issue waited on each party, slowest first.",
            "series": waits,
            "bars": timed(list(analytics.by_party), lambda f: f.responsible_party),
            "key": "Responsible Party",
        },
        {
            "id": "by-step",
            "title": "Slowest steps",
            "desc": "The steps (a script's state) whose p90 wait is longest.",
            "series": waits,
            "bars": timed(list(analytics.by_step), lambda f: f"{f.script_id}: {f.state}"),
            "key": "Step",
        },
        {
            "id": "by-pairing",
            "title": "Slowest pairings",
            "desc": "The pairings (CR / TDSP) whose p90 wait is longest.",
            "series": waits,
            "bars": timed(list(analytics.by_pairing), pairing_name),
            "key": "Pairing",
        },
        {
            "id": "by-script",
            "title": "Escalations and failed transactions per script",
            "desc": "The scripts with the most escalations and transactions that failed validation.",
            "series": [("escalations", "bar-active"), ("failed transactions", "bar-failed")],
            "bars": [
                {"label": f.script_id, "amounts": [f.escalations, f.failed_transactions], "figures": f}
                for f in troubled
            ],
            "key": "Script",
            "counts": True,
        },
    ]


async def flight_analytics(app, designation: str, token: str) -> pb.FlightAnalytics:
    """A flight that does not exist is a 404, not an empty picture."""
    flight = await flight_named(app, designation, token)
    stub = analytics_pb2_grpc.FlightAnalyticsServiceStub(app.state.backends.channels["scripts"])
    return await call(stub.GetFlightAnalytics, pb.FlightAnalyticsRequest(flight=flight.designation), token)


def register(app, router: APIRouter) -> None:
    @router.get(
        "/flights/{designation}/analytics",
        summary="Where the flight's scripts wait: p50/p90 per state, party, step, pairing and script",
        responses={200: {"model": FlightAnalytics, **schemas.file("text/csv", schemas.XLSX)}},
    )
    async def get_flight_analytics(
        designation: str, caller: ApiCaller, format: reports.ReportFormat = "json"
    ):
        """ERCOT sees every pairing of the flight; a CR, its SP and a TDSP only the pairings they are part of."""
        analytics = await flight_analytics(app, designation, caller.token)
        if format == "csv":
            return as_csv(analytics)
        if format == "xlsx":
            return as_xlsx(analytics)
        return JSONResponse(analytics_json(analytics))

    @app.get("/flights/{designation}/analytics", response_class=HTMLResponse, include_in_schema=False)
    async def flight_analytics_page(request: Request, designation: str, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        analytics = await flight_analytics(app, designation, caller.token)
        return await views.render(
            app,
            request,
            caller,
            "flight_analytics.html",
            analytics=analytics,
            charts=charts(analytics),
            pairing_name=pairing_name,
            computed_at=central_text(analytics.computed_at),
        )

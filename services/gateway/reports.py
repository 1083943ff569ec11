"""Every dashboard report: JSON rows with the guide's columns, CSV, Excel, and as a page."""

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from openpyxl import Workbook

from flightrak import boundary
from flightrak.items.v1 import items_pb2
from flightrak.spreadsheets import safe_cell
from services.gateway import flight_choice, schemas, views
from services.gateway.auth import ApiCaller, MaybeCaller
from services.gateway.backends import ApiError, call

# Which service owns each report; the gateway itself serves the one made of links.
REPORT_OWNERS = {
    "available-flights": "registration",
    "active-flights": "registration",
    "flight-registration-records": "registration",
    "registrations-for-review": "registration",
    "test-pairings-for-the-current-flight": "registration",
    "my-company-testing-information": "testbed",
    "cr-test-specs": "testbed",
    "sp-test-specs": "testbed",
    "tdsp-test-specs": "testbed",
    "cr-scripts-test-bed": "testbed",
    "scripts-ready-to-begin": "scripts",
    "my-script-tasks": "scripts",
    "ercot-script-tasks": "scripts",
    "testing-partner-script-tasks": "scripts",
    "active-script-issues": "scripts",
    "completed-script-issues": "scripts",
    "flight-progress-active-script-issues": "scripts",
    "flight-progress-completed-script-issues": "scripts",
    "flight-progress-summary": "scripts",
    "unmatched-transactions": "scripts",
    "refused-transactions": "scripts",
    "market-notices": "registration",
    "qualification-letters": "scripts",
}
ADDITIONAL_FLIGHT_INFORMATION = items_pb2.Report(
    report="additional-flight-information",
    title="Additional Flight Information",
    columns=["Website", "Link"],
    rows=[
        items_pb2.ReportRow(cells=[title, link])
        for title, link in (
            (
                "Retail Market Test Flight Information (ercot.com)",
                "https://www.ercot.com/services/rq/lse/trt",
            ),
            ("Texas SET implementation guides", "https://www.ercot.com/mktrules/guides/txset"),
            ("Retail Market Guide", "https://www.ercot.com/mktrules/guides/retail"),
        )
    ],
)
# Dashboards of the guide (§4), each a list of reports.
DASHBOARDS = {
    "general": (
        "General",
        ["available-flights", "active-flights", "my-company-testing-information", "additional-flight-information"],
    ),
    "pre-flight-cr": ("Pre-Flight (CR)", ["flight-registration-records", "cr-test-specs", "cr-scripts-test-bed"]),
    "pre-flight-sp": ("Pre-Flight (SP)", ["sp-test-specs", "cr-scripts-test-bed"]),
    # A TDSP also sees the CR Scripts Test Bed rows of its own pairings (issue 4).
    "pre-flight-tdsp": (
        "Pre-Flight (TDSP)",
        ["tdsp-test-specs", "test-pairings-for-the-current-flight", "cr-scripts-test-bed"],
    ),
    "current-flight-tasks": (
        "Current Flight Tasks",
        [
            "scripts-ready-to-begin",
            "my-script-tasks",
            "ercot-script-tasks",
            "testing-partner-script-tasks",
            "active-script-issues",
            "completed-script-issues",
        ],
    ),
    "flight-progress": (
        "Flight Progress",
        ["flight-progress-summary", "flight-progress-active-script-issues", "flight-progress-completed-script-issues"],
    ),
    "transactions": ("Transactions", ["unmatched-transactions", "refused-transactions"]),
    "ercot-review": (
        "ERCOT Review",
        [
            "registrations-for-review",
            "flight-registration-records",
            "cr-test-specs",
            "tdsp-test-specs",
            "qualification-letters",
        ],
    ),
}
# What a report's reader must know before using it (guide §4.3 item 3, §6.4).
REPORT_NOTES = {
    "cr-scripts-test-bed": (
        "Until ERCOT approves a TDSP's test bed, its rows show ESIID1 (ESIID2 where a script needs two premises) "
        "and no Zip Code: they are not complete and should not be used. Rows fill in TDSP by TDSP as ERCOT "
        "approves each test bed."
    ),
}
views.templates.env.globals["report_notes"] = REPORT_NOTES


# Rows on a report's page and in each report of a dashboard; the API's default is the owning service's.
PAGE_ROWS = 200
DASHBOARD_ROWS = 50
EXPORT_PAGE_ROWS = 5000


async def fetch_report(
    app, name: str, token: str, flight: str = "", item_id: str = "", page_size: int = 0, page_token: str = ""
) -> items_pb2.Report:
    """One page of a report (the whole of one that is not paged: only the script issues' reports are)."""
    if name == ADDITIONAL_FLIGHT_INFORMATION.report:
        return ADDITIONAL_FLIGHT_INFORMATION
    owner = REPORT_OWNERS.get(name)
    if owner is None:
        raise ApiError(404, f"no report {name}; the reports are: {', '.join(sorted(REPORT_OWNERS))}")
    if item_id and not (boundary.is_number(item_id) and int(item_id) <= boundary.INT64_MAX):
        raise ApiError(400, "an Item ID is a number", {"item_id": f"'{item_id}' is not an Item ID"})
    request = items_pb2.ReportRequest(
        report=name, flight=flight.strip(), item_id=int(item_id or 0), page_size=page_size, page_token=page_token
    )
    return await call(app.state.backends.items_at(owner).GetReport, request, token)


async def fetch_whole_report(app, name: str, token: str, flight: str = "", item_id: str = "") -> items_pb2.Report:
    """Every page of a report, for an export."""
    whole = await fetch_report(app, name, token, flight, item_id, EXPORT_PAGE_ROWS)
    while whole.next_page_token:
        page = await fetch_report(app, name, token, flight, item_id, EXPORT_PAGE_ROWS, whole.next_page_token)
        whole.rows.extend(page.rows)
        whole.next_page_token = page.next_page_token
    return whole


# The row filters a dashboard may save with a report, by the column each one reads.
ROW_FILTER_COLUMNS = {"state": "State", "responsible_party": "Responsible Party"}


def filter_problem(report: items_pb2.Report, field: str) -> str | None:
    """Why a report cannot be filtered by this field: it has no such column."""
    column = ROW_FILTER_COLUMNS.get(field)
    if column and column not in report.columns:
        return f"the {report.title} report has no {column} column"
    return None


def kept_rows(report: items_pb2.Report, state: str = "", responsible_party: str = "", search: str = "") -> None:
    """Keeps the rows in this State, with this Responsible Party (both exact, ignoring case) and holding the searched
    text in any cell."""
    columns = list(report.columns)
    wanted = [
        (columns.index(column), value.casefold())
        for field, column in ROW_FILTER_COLUMNS.items()
        if (value := {"state": state, "responsible_party": responsible_party}[field]) and column in columns
    ]
    searched = search.casefold()
    kept = [
        row
        for row in report.rows
        if all(row.cells[at].casefold() == value for at, value in wanted)
        and (not searched or any(searched in cell.casefold() for cell in row.cells))
    ]
    del report.rows[:]
    report.rows.extend(kept)


async def fetch_filtered(
    app, name: str, token: str, flight="", state="", responsible_party="", search="", limit=0
) -> items_pb2.Report:
    """A report as a dashboard shows or exports it: a filter other than the flight reads the whole report (the
    services filter by flight only) and keeps its rows; `limit` rows at most (0: all), with a next_page_token when
    more follow."""
    if not (state or responsible_party or search):
        if limit:
            return await fetch_report(app, name, token, flight, page_size=limit)
        return await fetch_whole_report(app, name, token, flight)
    found = await fetch_whole_report(app, name, token, flight)
    kept_rows(found, state, responsible_party, search)
    if limit and len(found.rows) > limit:
        del found.rows[limit:]
        found.next_page_token = "more"
    return found


def as_rows(report: items_pb2.Report) -> list[dict[str, str]]:
    columns = list(report.columns)
    return [dict(zip(columns, row.cells, strict=True)) for row in report.rows]


def as_csv(report: items_pb2.Report) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report.columns)
    writer.writerows([safe_cell(cell) for cell in row.cells] for row in report.rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{report.report}.csv"'},
    )


def as_xlsx(report: items_pb2.Report) -> Response:
    book = Workbook(write_only=True)  # streamed row by row: several times faster for large reports
    sheet = book.create_sheet(report.title[:31])
    sheet.append(list(report.columns))
    for row in report.rows:
        sheet.append([_cell(cell) for cell in row.cells])
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{report.report}.xlsx"'},
    )


def _cell(value: str):
    """Item IDs stay numbers in Excel, so they sort and filter as numbers; text never runs as a formula."""
    return int(value) if boundary.is_number(value) and not value.startswith("0") else safe_cell(value)


ReportFormat = Literal["json", "csv", "xlsx"]
# What a route answering `in_format` declares: the report as JSON, or the file.
IN_FORMAT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": schemas.Report, **schemas.file("text/csv", schemas.XLSX)}
}


def in_format(found: items_pb2.Report, format: ReportFormat) -> Response:
    """A report as the API answers it: JSON, or a CSV or Excel file."""
    return {"csv": as_csv, "xlsx": as_xlsx, "json": as_json}[format](found)


def as_json(found) -> JSONResponse:
    """A report as the API's JSON. Straight to JSON: FastAPI's encoding of a returned dict walks every value again,
    which for a report of thousands of rows cost more than the rest of the request."""
    return JSONResponse(
        {
            "report": found.report,
            "title": found.title,
            "columns": list(found.columns),
            "rows": as_rows(found),
            "next_page_token": found.next_page_token,
        }
    )


def register(app, router: APIRouter) -> None:
    @router.get(
        "/reports/{report}",
        summary="A dashboard report: the guide's columns, only the caller's rows",
        responses=IN_FORMAT_RESPONSES,
    )
    async def get_report(
        report: str,
        caller: ApiCaller,
        flight: str = "",
        item_id: str = "",
        format: ReportFormat = "json",
        page_size: Annotated[int, Query(ge=0, le=EXPORT_PAGE_ROWS)] = 0,
        page_token: str = "",
    ):
        """JSON comes a page at a time where a report can be long (the script issues' reports: 100 rows unless
        `page_size` says otherwise, at most 5,000; `next_page_token` asks for the next); CSV and Excel hold the
        whole report."""
        if format != "json":
            return in_format(await fetch_whole_report(app, report, caller.token, flight, item_id), format)
        return as_json(await fetch_report(app, report, caller.token, flight, item_id, page_size, page_token))

    @app.get("/reports/{report}", response_class=HTMLResponse, include_in_schema=False)
    async def report_page(
        request: Request, report: str, caller: MaybeCaller, flight: str = "", item_id: str = "", page_token: str = ""
    ) -> Response:
        caller = views.signed_in(caller)
        found = await fetch_report(app, report, caller.token, flight, item_id, PAGE_ROWS, page_token)
        return await views.render(
            app,
            request,
            caller,
            "report.html",
            report=found,
            rows=as_rows(found),
            flight=flight,
            item_id=item_id,
            first_page=not page_token,
        )

    @app.get("/reports/{report}/live", response_class=HTMLResponse, include_in_schema=False)
    async def report_region(
        request: Request,
        report: str,
        caller: MaybeCaller,
        flight: str = "",
        item_id: str = "",
        rows: Literal["page", "dashboard"] = "dashboard",
        search: str = "",
    ) -> Response:
        """A report's table as its page or a dashboard shows it now: the region that moves by itself
        (static/live.js); a dashboard's search keeps its rows."""
        caller = views.fragment_caller(caller)
        page_size = PAGE_ROWS if rows == "page" else DASHBOARD_ROWS
        if search:
            found = await fetch_filtered(app, report, caller.token, flight, search=search, limit=page_size)
        else:
            found = await fetch_report(app, report, caller.token, flight, item_id, page_size)
        shown: dict[str, Any] = {"first_page": True} if rows == "page" else {}
        return await views.render(
            app, request, caller, "_report_table.html",
            report=found, rows=as_rows(found), flight=flight, item_id=item_id, search=search, **shown,
        )  # fmt: skip

    @app.get("/dashboards/{dashboard}", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard_page(
        request: Request, dashboard: str, caller: MaybeCaller, flight: str | None = None, search: str = ""
    ) -> Response:
        caller = views.signed_in(caller)
        if dashboard not in DASHBOARDS:
            raise ApiError(404, f"no dashboard {dashboard}")
        title, names = DASHBOARDS[dashboard]
        flight, known = await flight_choice.chosen(app, caller, flight)
        shown = []
        for name in names:
            try:
                found = await fetch_filtered(app, name, caller.token, flight, search=search, limit=DASHBOARD_ROWS)
            except ApiError as error:
                if error.status != 403:
                    raise
            else:
                shown.append(found)
        return await views.render(
            app,
            request,
            caller,
            "dashboard.html",
            title=title,
            reports=[(r, as_rows(r)) for r in shown],
            flight=flight,
            flights=known,
            search=search,
        )

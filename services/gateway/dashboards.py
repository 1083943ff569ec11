"""The dashboards users compose (guide §4, "Create your own Dashboard"): any reports they may see, each with its saved
filters and its place; kept by the identity service, shared read-only with the owner's company, and exported report by
report as every report is. The API is under /api/v1/dashboards, the pages under /my-dashboards."""

import asyncio
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from flightrak import boundary, dashboard_fields
from flightrak.dashboard_fields import FILTER_LABELS, FILTERS
from flightrak.identity.v1 import dashboards_pb2 as pb
from flightrak.identity.v1 import dashboards_pb2_grpc
from flightrak.items.v1 import items_pb2
from services.gateway import flight_choice, reports, schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller, Caller, MaybeCaller
from services.gateway.backends import ApiError, call

# Blank rows the compose form offers for adding reports.
BLANK_ROWS = 3
NOT_FOUND = "no such dashboard, or not one you may see"
# Form rows beyond these are not read: a dashboard holds at most MOST_REPORTS, the form offers BLANK_ROWS more.
FORM_ROWS = 4 * (dashboard_fields.MOST_REPORTS + BLANK_ROWS)


class DashboardReportBody(BaseModel):
    report: str = Field("", description="a report's name, as under /api/v1/reports/{report}")
    flight: str = Field("", description="MMYY; empty: the flight the dashboard's reader chooses")
    state: str = Field("", description="only rows in this State (the report must have a State column)")
    responsible_party: str = Field("", description="only rows with this Responsible Party")
    search: str = Field("", description="text (an Item ID, a name...) any cell of the row holds")


class DashboardBody(BaseModel):
    name: str = ""
    shared: bool = Field(False, description="colleagues of the owner's company see it, read-only, and may copy it")
    reports: list[DashboardReportBody] = Field(default_factory=list, description="in the dashboard's order")


class DashboardJson(BaseModel):
    dashboard_id: int
    name: str
    shared: bool
    owner_user_id: str
    owner_name: str
    company_duns: str
    mine: bool
    reports: list[DashboardReportBody]
    updated_at: str


class DashboardList(BaseModel):
    dashboards: list[DashboardJson]


def _stub(app) -> dashboards_pb2_grpc.DashboardServiceStub:
    return dashboards_pb2_grpc.DashboardServiceStub(app.state.backends.channels["identity"])


def dashboard_json(dashboard: pb.Dashboard) -> dict:
    return {**as_json(dashboard), "dashboard_id": dashboard.dashboard_id}


def _message(body: DashboardBody, dashboard_id: int = 0) -> pb.SaveDashboardRequest:
    return pb.SaveDashboardRequest(
        dashboard_id=known_id(dashboard_id),
        name=body.name,
        shared=body.shared,
        reports=[pb.DashboardReport(**report.model_dump()) for report in body.reports],
    )


def known_report(name: str) -> bool:
    return name in reports.REPORT_OWNERS or name == reports.ADDITIONAL_FLIGHT_INFORMATION.report


async def _report_problems(app, token: str, index: int, saved: pb.DashboardReport) -> dict[str, str]:
    """Whether this report exists, the caller may see it, and has the columns its filters read."""
    where = f"reports[{index}]"
    if not known_report(saved.report):
        return {f"{where}.report": f"there is no report '{saved.report}'"}
    try:
        found = await reports.fetch_report(app, saved.report, token, page_size=1)
    except ApiError as error:
        if error.status not in (403, 404):
            raise
        return {f"{where}.report": f"the {saved.report} report is not one you may see"}
    return {
        f"{where}.{field}": problem
        for field in reports.ROW_FILTER_COLUMNS
        if getattr(saved, field).strip() and (problem := reports.filter_problem(found, field))
    }


async def save(app, token: str, message: pb.SaveDashboardRequest, method: str) -> pb.Dashboard:
    """Every problem of the dashboard at once (its fields, and which reports the caller may see), else saved."""
    problems = dashboard_fields.problems(message)
    checks = [
        _report_problems(app, token, index, saved)
        for index, saved in enumerate(message.reports)
        if f"reports[{index}].report" not in problems
    ]
    for found in await asyncio.gather(*checks):
        problems |= found
    if problems:
        ordered = dict(sorted(problems.items()))
        raise ApiError(400, "; ".join(f"{name}: {problem}" for name, problem in ordered.items()), ordered)
    return await call(getattr(_stub(app), method), message, token)


def known_id(dashboard_id: int) -> int:
    """A dashboard ID that cannot exist (beyond 64 bits) is not found, as any other unknown one."""
    if not 0 <= dashboard_id <= boundary.INT64_MAX:
        raise ApiError(404, NOT_FOUND)
    return dashboard_id


async def delete(app, token: str, dashboard_id: int) -> None:
    await call(_stub(app).DeleteDashboard, pb.GetDashboardRequest(dashboard_id=known_id(dashboard_id)), token)


async def fetch(app, token: str, dashboard_id: int) -> pb.Dashboard:
    return await call(_stub(app).GetDashboard, pb.GetDashboardRequest(dashboard_id=known_id(dashboard_id)), token)


def _saved_report(dashboard: pb.Dashboard, position: int) -> pb.DashboardReport:
    if not 0 <= position < len(dashboard.reports):
        raise ApiError(404, f"the dashboard holds reports 0 to {len(dashboard.reports) - 1}")
    return dashboard.reports[position]


async def shown_report(app, token: str, saved: pb.DashboardReport, flight: str, limit: int = 0) -> items_pb2.Report:
    """A dashboard's report with its saved filters; its own flight if it saved one, else the reader's choice."""
    return await reports.fetch_filtered(
        app, saved.report, token, saved.flight or flight, saved.state, saved.responsible_party, saved.search, limit
    )


async def visible_reports(app, token: str) -> list[tuple[str, str]]:
    """(name, label) of every report the caller may see, for the compose form; a title two reports share names the
    dashboard it comes from."""
    names = [*reports.REPORT_OWNERS, reports.ADDITIONAL_FLIGHT_INFORMATION.report]
    found = await asyncio.gather(
        *(reports.fetch_report(app, name, token, page_size=1) for name in names), return_exceptions=True
    )
    titles = {}
    for name, report in zip(names, found, strict=True):
        if isinstance(report, ApiError) and report.status in (403, 404):
            continue
        if isinstance(report, BaseException):
            raise report
        titles[name] = report.title
    homes: dict[str, str] = {}
    for title, members in reversed(reports.DASHBOARDS.values()):
        homes |= dict.fromkeys(members, title)
    repeated = {title for title in titles.values() if list(titles.values()).count(title) > 1}
    labelled = [
        (name, f"{title} ({homes.get(name, name)})" if title in repeated else title) for name, title in titles.items()
    ]
    return sorted(labelled, key=lambda entry: entry[1].casefold())


def searched(saved: pb.DashboardReport, search: str) -> pb.DashboardReport:
    """The report as the dashboard page shows it: the page's search applies to a report that saved none."""
    if not search or saved.search:
        return saved
    shown = pb.DashboardReport()
    shown.CopyFrom(saved)
    shown.search = search
    return shown


def export_url(dashboard_id: int, position: int) -> str:
    return f"/api/v1/dashboards/{dashboard_id}/reports/{position}"


def live_src(dashboard_id: int, position: int, flight: str, search: str) -> str:
    query = urlencode({"flight": flight, "search": search})
    return f"/my-dashboards/{dashboard_id}/reports/{position}/live?{query}"


def _form_message(form: dict[str, str], dashboard_id: int = 0) -> tuple[pb.SaveDashboardRequest, list[int], dict]:
    """The compose form as a dashboard: rows with a report and not removed, in the order their Order fields give
    (rows without one keep their place after those with one); and which form row each report came from."""
    problems: dict[str, str] = {}
    numbers = {key[7:] for key in form if key.startswith("report_")}
    rows = sorted(int(n) for n in numbers if n.isascii() and n.isdigit() and int(n) < FORM_ROWS)
    placed = []
    for row in rows:
        if not form.get(f"report_{row}", "").strip() or form.get(f"remove_{row}"):
            continue
        order = form.get(f"order_{row}", "").strip()
        place = order.isascii() and order.isdigit() and len(order) < 6
        if order and not place:
            problems[f"order_{row}"] = f"'{order}' is not a place (1, 2, 3...)"
        placed.append((int(order) if place else 100_000 + row, row))
    placed.sort()
    message = pb.SaveDashboardRequest(
        dashboard_id=known_id(dashboard_id),
        name=form.get("name", ""),
        shared=bool(form.get("shared")),
        reports=[
            pb.DashboardReport(report=form[f"report_{row}"].strip(), **{f: form.get(f"{f}_{row}", "") for f in FILTERS})
            for _, row in placed
        ],
    )
    return message, [row for _, row in placed], problems


def _form_rows(message: pb.SaveDashboardRequest) -> list[dict[str, str]]:
    """The compose form's rows: each report of the dashboard in its place, then blank rows to add reports."""
    kept = [{"report": r.report, **{f: getattr(r, f) for f in FILTERS}} for r in message.reports]
    return [*kept, *({} for _ in range(BLANK_ROWS))]


def register(app, router: APIRouter) -> None:
    pages = APIRouter(include_in_schema=False)

    @router.get(
        "/dashboards",
        summary="The caller's own dashboards, then those their colleagues share with them",
        **schemas.success(DashboardList),
    )
    async def list_dashboards(caller: ApiCaller) -> dict:
        listed = await call(_stub(app).ListDashboards, pb.ListDashboardsRequest(), caller.token)
        return {"dashboards": [dashboard_json(d) for d in listed.dashboards]}

    @router.post(
        "/dashboards",
        summary="Compose a dashboard from reports the caller may see",
        **schemas.success(DashboardJson, 201),
    )
    async def create_dashboard(body: DashboardBody, caller: ApiCaller) -> dict:
        return dashboard_json(await save(app, caller.token, _message(body), "CreateDashboard"))

    @router.get(
        "/dashboards/{dashboard_id}",
        summary="One dashboard (one's own, or shared by a colleague)",
        **schemas.success(DashboardJson),
    )
    async def get_dashboard(dashboard_id: int, caller: ApiCaller) -> dict:
        return dashboard_json(await fetch(app, caller.token, dashboard_id))

    @router.put(
        "/dashboards/{dashboard_id}",
        summary="Replace one's own dashboard: name, sharing, reports",
        **schemas.success(DashboardJson),
    )
    async def update_dashboard(dashboard_id: int, body: DashboardBody, caller: ApiCaller) -> dict:
        return dashboard_json(await save(app, caller.token, _message(body, dashboard_id), "UpdateDashboard"))

    @router.delete("/dashboards/{dashboard_id}", summary="Delete one's own dashboard", status_code=204)
    async def delete_dashboard(dashboard_id: int, caller: ApiCaller) -> Response:
        await delete(app, caller.token, dashboard_id)
        return Response(status_code=204)

    @router.get(
        "/dashboards/{dashboard_id}/reports/{position}",
        summary="A dashboard's report (0 is its first) with its saved filters, as JSON, CSV or Excel",
        responses=reports.IN_FORMAT_RESPONSES,
    )
    async def dashboard_report(
        dashboard_id: int,
        position: int,
        caller: ApiCaller,
        flight: str = "",
        format: reports.ReportFormat = "json",
    ):
        """`flight` applies to a report that saved none, as the dashboard's flight selector does. Every format holds
        every row the filters keep."""
        saved = _saved_report(await fetch(app, caller.token, dashboard_id), position)
        return reports.in_format(await shown_report(app, caller.token, saved, flight), format)

    # Pages

    @pages.get("/my-dashboards", response_class=HTMLResponse)
    async def dashboards_page(request: Request, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        listed = await call(_stub(app).ListDashboards, pb.ListDashboardsRequest(), caller.token)
        return await views.render(app, request, caller, "my_dashboards.html", dashboards=listed.dashboards)

    async def compose_page(
        request: Request,
        caller: Caller,
        message: pb.SaveDashboardRequest,
        error: ApiError | None = None,
        rows_of: list[int] | None = None,
    ) -> Response:
        """The compose form; a refused one again as typed, each problem beside its field."""
        problems: dict[str, str] = {}
        for name, problem in (error.fields if error else {}).items():
            if name.startswith("reports[") and "]." in name:
                index, field = name[8:].split("].", 1)
                row = rows_of[int(index)] if rows_of and index.isdigit() and int(index) < len(rows_of) else index
                problems[f"{field}_{row}"] = problem
            else:
                problems[name] = problem
        rows = _form_rows(message)
        if rows_of:  # a refused form: each report back in its own form row
            rows = [{} for _ in range(max(rows_of) + 1 + BLANK_ROWS)]
            for report, row in zip(message.reports, rows_of, strict=True):
                rows[row] = {"report": report.report, **{f: getattr(report, f) for f in FILTERS}}
        return await views.render(
            app,
            request,
            caller,
            "dashboard_form.html",
            status=error.status if error else 200,
            dashboard=message,
            rows=rows,
            problems=problems,
            error=error,
            choices=await visible_reports(app, caller.token),
            filter_labels=FILTER_LABELS,
        )

    @pages.get("/my-dashboards/new", response_class=HTMLResponse)
    async def new_dashboard_page(request: Request, caller: MaybeCaller) -> Response:
        return await compose_page(request, views.signed_in(caller), pb.SaveDashboardRequest())

    @pages.get("/my-dashboards/{dashboard_id}/edit", response_class=HTMLResponse)
    async def edit_dashboard_page(request: Request, dashboard_id: int, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        dashboard = await fetch(app, caller.token, dashboard_id)
        if not dashboard.mine:
            raise ApiError(403, "only the dashboard's owner changes it; you may copy it")
        message = pb.SaveDashboardRequest(
            dashboard_id=dashboard_id, name=dashboard.name, shared=dashboard.shared, reports=dashboard.reports
        )
        return await compose_page(request, caller, message)

    async def save_from_page(request: Request, caller: Caller, dashboard_id: int, method: str) -> Response:
        form = await views.read_form(app, request, caller)
        message, rows_of, problems = _form_message(form, dashboard_id)
        try:
            if problems:
                raise ApiError(400, "; ".join(f"{k}: {v}" for k, v in problems.items()), problems)
            saved = await save(app, caller.token, message, method)
        except ApiError as error:
            if error.status != 400:
                raise
            return await compose_page(request, caller, message, error, rows_of)
        return RedirectResponse(f"/my-dashboards/{saved.dashboard_id}", status_code=303)

    @pages.post("/my-dashboards/new")
    async def create_from_page(request: Request, caller: views.PageCaller) -> Response:
        return await save_from_page(request, caller, 0, "CreateDashboard")

    @pages.post("/my-dashboards/{dashboard_id}/edit")
    async def update_from_page(request: Request, dashboard_id: int, caller: views.PageCaller) -> Response:
        return await save_from_page(request, caller, dashboard_id, "UpdateDashboard")

    @pages.post("/my-dashboards/{dashboard_id}/delete")
    async def delete_from_page(request: Request, dashboard_id: int, caller: views.PageCaller) -> Response:
        await views.read_form(app, request, caller)
        await delete(app, caller.token, dashboard_id)
        return RedirectResponse("/my-dashboards", status_code=303)

    @pages.post("/my-dashboards/{dashboard_id}/copy")
    async def copy_from_page(request: Request, dashboard_id: int, caller: views.PageCaller) -> Response:
        """A colleague's shared dashboard (or one's own) copied as one's own, not shared, to change at will."""
        await views.read_form(app, request, caller)
        original = await fetch(app, caller.token, dashboard_id)
        name = f"Copy of {original.name}"[: dashboard_fields.NAME_LENGTH]
        copied = pb.SaveDashboardRequest(name=name, shared=False, reports=original.reports)
        saved = await save(app, caller.token, copied, "CreateDashboard")
        return RedirectResponse(f"/my-dashboards/{saved.dashboard_id}", status_code=303)

    @pages.get("/my-dashboards/{dashboard_id}", response_class=HTMLResponse)
    async def dashboard_page(
        request: Request, dashboard_id: int, caller: MaybeCaller, flight: str | None = None, search: str = ""
    ) -> Response:
        caller = views.signed_in(caller)
        dashboard = await fetch(app, caller.token, dashboard_id)
        flight, known = await flight_choice.chosen(app, caller, flight)
        shown = []
        for position, saved in enumerate(dashboard.reports):
            saved = searched(saved, search)
            try:
                found = await shown_report(app, caller.token, saved, flight, reports.DASHBOARD_ROWS)
            except ApiError as error:
                if error.status != 403:  # a report the reader may no longer see is left out, as on every dashboard
                    raise
                continue
            shown.append((position, saved, found, reports.as_rows(found)))
        return await views.render(
            app,
            request,
            caller,
            "my_dashboard.html",
            dashboard=dashboard,
            shown=shown,
            export_url_of=export_url,
            live_src_of=live_src,
            flight=flight,
            flights=known,
            search=search,
            filter_labels=FILTER_LABELS,
        )

    @pages.get("/my-dashboards/{dashboard_id}/reports/{position}/live", response_class=HTMLResponse)
    async def dashboard_report_region(
        request: Request, dashboard_id: int, position: int, caller: MaybeCaller, flight: str = "", search: str = ""
    ) -> Response:
        """One report of the dashboard as its page shows it now, with its filters: the region that moves by itself
        (static/live.js)."""
        caller = views.fragment_caller(caller)
        dashboard = await fetch(app, caller.token, dashboard_id)
        saved = searched(_saved_report(dashboard, position), search)
        found = await shown_report(app, caller.token, saved, flight, reports.DASHBOARD_ROWS)
        return await views.render(
            app, request, caller, "_report_table.html", report=found, rows=reports.as_rows(found),
            flight=saved.flight or flight, export_url=export_url(dashboard_id, position),
            live_src=live_src(dashboard_id, position, flight, search),
        )  # fmt: skip

    app.include_router(pages)

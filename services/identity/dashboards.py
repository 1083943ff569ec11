"""The dashboards users compose (guide §4, "Create your own Dashboard"): every field checked, kept per user, shared
read-only with the owner's company. Which reports exist and which the caller may see is the gateway's to check: it
alone knows every service's reports."""

from datetime import UTC, datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flightrak import dashboard_fields, errors, projections, tokens
from flightrak.dashboard_fields import FILTERS
from flightrak.grpc_runtime import caller
from flightrak.identity.v1 import dashboards_pb2 as pb
from flightrak.identity.v1 import dashboards_pb2_grpc
from services.identity import models

NOT_FOUND = "no such dashboard, or not one you may see"


def _readable(principal: tokens.Principal):
    """The dashboards a caller may see: their own, and those their colleagues share."""
    mine = models.Dashboard.owner_id == int(principal.user_id)
    shared = models.Dashboard.shared.is_(True) & (models.Dashboard.company_duns == principal.duns)
    return (
        select(models.Dashboard, models.User)
        .join(models.User, models.User.id == models.Dashboard.owner_id)
        .where(or_(mine, shared))
    )


async def _reports(session: AsyncSession, dashboard_ids: list[int]) -> dict[int, list[models.DashboardReport]]:
    found = await session.scalars(
        select(models.DashboardReport)
        .where(models.DashboardReport.dashboard_id.in_(dashboard_ids))
        .order_by(models.DashboardReport.dashboard_id, models.DashboardReport.position)
    )
    listed: dict[int, list[models.DashboardReport]] = {dashboard_id: [] for dashboard_id in dashboard_ids}
    for report in found:
        listed[report.dashboard_id].append(report)
    return listed


def _proto(
    dashboard: models.Dashboard, owner: models.User, reports: list[models.DashboardReport], principal
) -> pb.Dashboard:
    return pb.Dashboard(
        dashboard_id=dashboard.id,
        name=dashboard.name,
        shared=dashboard.shared,
        owner_user_id=str(owner.id),
        owner_name=f"{owner.first_name} {owner.last_name}",
        company_duns=dashboard.company_duns,
        mine=str(owner.id) == principal.user_id,
        reports=[pb.DashboardReport(**{"report": r.report, **{f: getattr(r, f) for f in FILTERS}}) for r in reports],
        updated_at=projections.timestamp(dashboard.updated_at),
    )


def _checked(request: pb.SaveDashboardRequest) -> pb.SaveDashboardRequest:
    if found := dashboard_fields.problems(request):
        raise errors.InvalidFields(found)
    return dashboard_fields.cleaned(request)


def _rows(dashboard_id: int, request: pb.SaveDashboardRequest) -> list[models.DashboardReport]:
    return [
        models.DashboardReport(
            dashboard_id=dashboard_id,
            position=position,
            report=report.report,
            **{field: getattr(report, field) for field in FILTERS},
        )
        for position, report in enumerate(request.reports)
    ]


class DashboardServicer(dashboards_pb2_grpc.DashboardServiceServicer):
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    async def ListDashboards(self, request, context) -> pb.ListDashboardsResponse:
        principal = caller()
        async with self._sessions() as session:
            found = (await session.execute(_readable(principal).order_by(models.Dashboard.name))).all()
            reports = await _reports(session, [dashboard.id for dashboard, _ in found])
        listed = [_proto(d, owner, reports[d.id], principal) for d, owner in found]
        mine_first = sorted(listed, key=lambda dashboard: not dashboard.mine)
        return pb.ListDashboardsResponse(dashboards=mine_first)

    async def GetDashboard(self, request: pb.GetDashboardRequest, context) -> pb.Dashboard:
        principal = caller()
        async with self._sessions() as session:
            return await self._dashboard(session, request.dashboard_id, principal)

    async def _dashboard(self, session: AsyncSession, dashboard_id: int, principal) -> pb.Dashboard:
        found = (await session.execute(_readable(principal).where(models.Dashboard.id == dashboard_id))).first()
        if found is None:
            raise errors.NotFound(NOT_FOUND)
        dashboard, owner = found
        return _proto(dashboard, owner, (await _reports(session, [dashboard.id]))[dashboard.id], principal)

    async def CreateDashboard(self, request: pb.SaveDashboardRequest, context) -> pb.Dashboard:
        principal = caller()
        request = _checked(request)
        async with self._sessions() as session, session.begin():
            dashboard = models.Dashboard(
                owner_id=int(principal.user_id),
                company_duns=principal.duns,
                name=request.name,
                shared=request.shared,
                updated_at=datetime.now(UTC),
            )
            session.add(dashboard)
            await session.flush()
            session.add_all(_rows(dashboard.id, request))
        async with self._sessions() as session:
            return await self._dashboard(session, dashboard.id, principal)

    async def UpdateDashboard(self, request: pb.SaveDashboardRequest, context) -> pb.Dashboard:
        principal = caller()
        async with self._sessions() as session, session.begin():
            dashboard = await self._owned(session, request.dashboard_id, principal)
            request = _checked(request)
            dashboard.name, dashboard.shared = request.name, request.shared
            dashboard.updated_at = datetime.now(UTC)
            await session.execute(
                delete(models.DashboardReport).where(models.DashboardReport.dashboard_id == dashboard.id)
            )
            session.add_all(_rows(dashboard.id, request))
        async with self._sessions() as session:
            return await self._dashboard(session, request.dashboard_id, principal)

    async def DeleteDashboard(self, request: pb.GetDashboardRequest, context) -> pb.DeleteDashboardResponse:
        principal = caller()
        async with self._sessions() as session, session.begin():
            await session.delete(await self._owned(session, request.dashboard_id, principal))
        return pb.DeleteDashboardResponse()

    @staticmethod
    async def _owned(session: AsyncSession, dashboard_id: int, principal) -> models.Dashboard:
        """The caller's own dashboard, locked for the change; a colleague's shared one is theirs to read only."""
        found = (
            await session.execute(
                _readable(principal).where(models.Dashboard.id == dashboard_id).with_for_update(of=models.Dashboard)
            )
        ).first()
        if found is None:
            raise errors.NotFound(NOT_FOUND)
        if str(found[0].owner_id) != principal.user_id:
            raise errors.PermissionDenied("only the dashboard's owner changes or deletes it; you may copy it")
        return found[0]

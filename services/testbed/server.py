"""The testbed gRPC servicer: Requests for Testing Specifications as items, and their reports.
The specifications flow itself (guide §6) arrives with its own issue."""

from sqlalchemy.ext.asyncio import async_sessionmaker

from flightrak import authz, errors, projections, tokens
from flightrak.grpc_runtime import caller
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.testbed.v1 import testbed_pb2 as pb
from flightrak.testbed.v1 import testbed_pb2_grpc
from services.testbed import models, store


def _report(name: str, title: str, columns: list[str], rows: list[list]) -> items_pb2.Report:
    return items_pb2.Report(
        report=name,
        title=title,
        columns=columns,
        rows=[items_pb2.ReportRow(values={c: str(v) for c, v in zip(columns, row, strict=True)}) for row in rows],
    )


class TestbedServicer(testbed_pb2_grpc.TestbedServiceServicer, items_pb2_grpc.ItemServiceServicer):
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="testbed", caller_user_id=principal.user_id, caller_duns=principal.duns)

    async def GetItem(self, request: items_pb2.GetItemRequest, context) -> items_pb2.Item:
        principal = caller()
        async with self._sessions() as session:
            item = await self._visible_item(session, request.item_id, principal)
            history = await projections.history(session, models.ItemHistory, item.item_id)
        return projections.item_proto(item, history)

    async def ActOnItem(self, request: items_pb2.ActOnItemRequest, context) -> items_pb2.Item:
        principal = caller()
        async with self._sessions() as session:
            item = await self._visible_item(session, request.item_id, principal)
        raise errors.FailedPrecondition(
            f"'{request.action}' is not an action of this item in state {item.state}", {"action": "no actions yet"}
        )

    async def _visible_item(self, session, item_id: int, principal: tokens.Principal) -> models.Item:
        item = await projections.item(session, models.Item, item_id)
        request = await store.specifications_request(session, item_id)
        sp_duns = request.sp_duns if request else ""
        if not authz.may_see_service_provider(principal, item.company_duns, sp_duns):
            raise errors.NotFound(f"no item {item_id}")
        return item

    async def GetReport(self, request: items_pb2.ReportRequest, context) -> items_pb2.Report:
        principal = caller()
        statement = store.requests_visible_to(principal.duns, principal.is_ercot, request.flight, request.item_id)
        async with self._sessions() as session:
            found = await store.rows(session, statement)
        if request.report == "my-company-testing-information":
            rows = [[s.item_id, s.cr_name, s.cr_duns] for s, _ in found if s.cr_duns == principal.duns]
            columns = ["Item ID", "Company Name", "DUNS"]
            return _report(request.report, "My Company Testing Information", columns, rows)
        if request.report in ("cr-test-specs", "sp-test-specs"):
            rows = [[s.item_id, item.title, s.flight] for s, item in found]
            title = "CR Test Specs" if request.report == "cr-test-specs" else "SP Test Specs"
            return _report(request.report, title, ["Item ID", "Title", "Flight Designation"], rows)
        raise errors.NotFound(f"no report {request.report}")


async def register(server, settings, sessions) -> str:
    servicer = TestbedServicer(sessions)
    testbed_pb2_grpc.add_TestbedServiceServicer_to_server(servicer, server)
    items_pb2_grpc.add_ItemServiceServicer_to_server(servicer, server)
    return pb.DESCRIPTOR.services_by_name["TestbedService"].full_name

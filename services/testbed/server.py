"""The testbed gRPC servicer: Requests for Testing Specifications as items, and their reports."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client

from flightrak import authz, errors, projections, tokens
from flightrak.grpc_runtime import caller
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.temporal import run_update
from flightrak.testbed.v1 import testbed_pb2 as pb
from flightrak.testbed.v1 import testbed_pb2_grpc
from services.testbed import models, specifications, store
from workflows.items import actor_of
from workflows.specifications import models as requests
from workflows.specifications import rules

SPEC_REPORTS = {
    "cr-test-specs": "CR Test Specs",
    "sp-test-specs": "SP Test Specs",
    "tdsp-test-specs": "TDSP Test Specs",
}


def may_see(actor: tokens.Principal, request: models.SpecificationsRequest) -> bool:
    """The company, the Service Provider a CR chose, and ERCOT."""
    return authz.may_see_service_provider(actor, request.company_duns, request.sp_duns)


class TestbedServicer(testbed_pb2_grpc.TestbedServiceServicer, items_pb2_grpc.ItemServiceServicer):
    def __init__(self, sessions: async_sessionmaker, temporal: Client):
        self._sessions = sessions
        self._temporal = temporal

    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="testbed", caller_user_id=principal.user_id, caller_duns=principal.duns)

    async def GetItem(self, request: items_pb2.GetItemRequest, context) -> items_pb2.Item:
        return await self._item(request.item_id, caller())

    async def ActOnItem(self, request: items_pb2.ActOnItemRequest, context) -> items_pb2.Item:
        principal = caller()
        async with self._sessions() as session:
            item, spec = await self._visible(session, request.item_id, principal)
        problem = rules.refusal(
            request.action,
            spec.kind,
            item.state,
            principal,
            spec.company_duns,
            spec.sp_duns,
            item.fields,
            request.comment,
        )
        if problem is not None:
            if request.action == requests.REJECT and "comment" in problem:
                raise errors.InvalidFields({"comment": problem})
            raise errors.FailedPrecondition(problem)
        fields: dict[str, str] = {}
        if request.action == requests.PROVIDE:
            fields, problems = specifications.clean_specifications(dict(request.fields), datetime.now(UTC))
            if problems:
                raise errors.InvalidFields(problems, errors.problems_message(problems, specifications.FIELD_LABELS))
        handle = self._temporal.get_workflow_handle(item.workflow_id)
        action = requests.SpecificationsAction(actor_of(principal), fields, request.comment)
        await run_update(handle.execute_update(request.action, action))
        return await self._item(request.item_id, principal)

    async def _visible(self, session, item_id: int, principal: tokens.Principal):
        item = await projections.item(session, models.Item, item_id)
        spec = await store.specifications_request(session, item_id)
        if not may_see(principal, spec):
            raise errors.NotFound(f"no item {item_id}")
        return item, spec

    async def _item(self, item_id: int, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            item, spec = await self._visible(session, item_id, principal)
            history = await projections.history(session, models.ItemHistory, item_id)
        actions = rules.actions_for(
            spec.kind,
            item.state,
            principal,
            spec.company_duns,
            spec.sp_duns,
            item.fields,
            specifications.ENTERED_FIELDS,
        )
        return projections.item_proto(item, history, actions)

    async def GetReport(self, request: items_pb2.ReportRequest, context) -> items_pb2.Report:
        principal = caller()
        statement = store.requests_visible_to(principal.duns, principal.is_ercot, request.flight, request.item_id)
        async with self._sessions() as session:
            found = await store.rows(session, statement)
        if request.report == "my-company-testing-information":
            rows = [[s.item_id, s.company_name, s.company_duns] for s, _ in found if s.company_duns == principal.duns]
            columns = ["Item ID", "Company Name", "DUNS"]
            return projections.report(request.report, "My Company Testing Information", columns, rows)
        if request.report in SPEC_REPORTS:
            kind = requests.TDSP if request.report == "tdsp-test-specs" else requests.CR
            if request.report == "sp-test-specs":
                found = [(s, item) for s, item in found if s.sp_duns == principal.duns or principal.is_ercot]
            rows = [[s.item_id, item.title, s.flight] for s, item in found if s.kind == kind]
            columns = ["Item ID", "Title", "Flight Designation"]
            return projections.report(request.report, SPEC_REPORTS[request.report], columns, rows)
        raise errors.NotFound(f"no report {request.report}")


async def register(server, settings, sessions) -> str:
    from flightrak import temporal

    servicer = TestbedServicer(sessions, await temporal.connect(settings))
    testbed_pb2_grpc.add_TestbedServiceServicer_to_server(servicer, server)
    items_pb2_grpc.add_ItemServiceServicer_to_server(servicer, server)
    return pb.DESCRIPTOR.services_by_name["TestbedService"].full_name

"""The testbed gRPC servicer: Requests for Testing Specifications as items, the test beds TDSPs attach
to theirs, and their reports."""

import re
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from flightrak import authz, errors, needs_attention, projections, tokens
from flightrak.grpc_runtime import caller
from flightrak.item_steps import StepWriter
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.temporal import check_with_workflow, forward, start_with_action
from flightrak.testbed.v1 import testbed_pb2 as pb
from flightrak.testbed.v1 import testbed_pb2_grpc
from services.testbed import catalog, models, specifications, store
from services.testbed import test_bed_file as tbf
from workflows import specifications as specifications_flow
from workflows.items import actor_of
from workflows.specifications import models as requests
from workflows.specifications import rules
from workflows.specifications.workflows import TestingSpecificationsWorkflow

SPEC_REPORTS = {
    "cr-test-specs": "CR Test Specs",
    "sp-test-specs": "SP Test Specs",
    "tdsp-test-specs": "TDSP Test Specs",
}


CR_SCRIPTS_TEST_BED = "cr-scripts-test-bed"
# A premise's columns, in the template's order (store.scripts_test_bed selects them so); its number orders them.
PREMISE_COLUMNS = [c for c in tbf.TEMPLATE_COLUMNS if c not in (tbf.CR_DUNS, tbf.SCRIPT_ID, tbf.PREMISE)]
CR_SCRIPTS_TEST_BED_COLUMNS = ["Item ID", "Flight", "CR Involved", "TDSP Involved", "Script ID", *PREMISE_COLUMNS]
FILE_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def shown_file_name(name: str) -> str:
    """The uploaded file's own name, without a path or control characters."""
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:255] or "test-bed.csv"


class TestbedServicer(
    needs_attention.AttendedItems, testbed_pb2_grpc.TestbedServiceServicer, items_pb2_grpc.ItemServiceServicer
):
    _attention_model, _item_model = models.NeedsAttention, models.Item

    def __init__(self, sessions: async_sessionmaker, temporal: Client):
        self._sessions = sessions
        self._write_steps = StepWriter(sessions, store.record_transition)
        self._temporal = temporal

    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="testbed", caller_user_id=principal.user_id, caller_duns=principal.duns)

    async def GetItem(self, request: items_pb2.GetItemRequest, context) -> items_pb2.Item:
        return await self._item(request.item_id, caller())

    async def ActOnItem(self, request: items_pb2.ActOnItemRequest, context) -> items_pb2.Item:
        principal = caller()
        async with self._sessions() as session:
            item, spec = await store.readable_request(session, principal, request.item_id)
        flow = rules.FLOWS[spec.kind]
        unknown = flow.unknown(request.action)  # the table's actions only: the system's own updates are not forwarded
        if unknown is not None:
            raise errors.refused(unknown)
        if request.action == requests.RUN_EDM_SELF_TEST and item.closed:
            await self._act_on_closed(item, spec, principal, request.action, request.comment)
            return await self._item(request.item_id, principal)
        if request.action == requests.ATTACH_TEST_BED:
            raise errors.FailedPrecondition(
                f"attach a test bed by uploading its file: POST /api/v1/items/{request.item_id}/attachments"
            )
        handle = self._temporal.get_workflow_handle(item.workflow_id)
        checks_test_bed = request.action == requests.SUBMIT_TEST_BED or (
            request.action == requests.APPROVE and item.state == requests.TEST_BED_REVIEW
        )
        if checks_test_bed:  # the test bed is looked at only for an action the workflow would take now
            await check_with_workflow(handle, request.action, actor_of(principal), request.comment)
            test_bed_id = int(item.fields["test_bed_id"])
            if request.action == requests.SUBMIT_TEST_BED:
                await self._covers_newest_scripts(spec, test_bed_id)
            await self._gives_every_premise(spec, test_bed_id)
        fields: dict[str, str] = {}
        if request.action == requests.PROVIDE:
            fields, problems = specifications.clean_specifications(dict(request.fields), datetime.now(UTC))
            if problems:
                raise errors.InvalidFields(problems, errors.problems_message(problems, specifications.FIELD_LABELS))
        action = requests.SpecificationsAction(actor_of(principal), fields, request.comment)
        await forward(handle, request.action, action, self._write_steps)
        return await self._item(request.item_id, principal)

    async def _act_on_closed(
        self, item: models.Item, spec: models.SpecificationsRequest, principal, action: str, comment: str
    ) -> None:
        """An action a closed request still takes (the EDM self-test, which stays in its state): the table decides
        on the projection, then a new run of its workflow starts where the projection stands, with the action."""
        facts = rules.Request.of(spec.company_duns, spec.sp_duns, item.fields)
        refusal = rules.FLOWS[spec.kind].refusal(action, item.state, principal, facts, datetime.now(UTC), comment)
        if refusal is not None:
            raise errors.refused(refusal)
        await start_with_action(
            self._temporal,
            TestingSpecificationsWorkflow.run,
            store.resumed_input(spec, item),
            id=item.workflow_id,
            task_queue=specifications_flow.TASK_QUEUE,
            action=action,
            given=requests.SpecificationsAction(actor_of(principal), {}, comment),
            write_steps=self._write_steps,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )

    async def _covers_newest_scripts(self, spec: models.SpecificationsRequest, test_bed_id: int) -> None:
        """A test bed attached before ERCOT published a script pack version that asks this TDSP for other rows is
        not submitted: what ERCOT would review is not what the flight's scripts need."""
        async with self._sessions.begin() as session:
            newer = await store.test_bed_behind(session, spec.flight, spec.company_duns, test_bed_id)
        if newer is not None:
            raise errors.FailedPrecondition(
                f"ERCOT published version {newer} of the flight's script pack after this test bed was attached, and "
                "it changes the scripts the test bed must cover: download the template again, fill it in, then "
                "Attach and Validate it before you submit"
            )

    async def _gives_every_premise(self, spec: models.SpecificationsRequest, test_bed_id: int) -> None:
        """A test bed short of a premise a script needs (one kept before premises were counted) is neither
        submitted nor approved: the script could not run on it."""
        async with self._sessions() as session:
            missing = await store.premises_missing(session, spec.flight, spec.company_duns, test_bed_id)
        if missing:
            raise errors.FailedPrecondition(
                f"the test bed has no row for {'; '.join(missing)}: download the template again, fill a row for "
                "each premise, then Attach and Validate it"
            )

    async def SetTestBedScripts(self, request: pb.SetTestBedScriptsRequest, context) -> pb.SetTestBedScriptsResponse:
        if not authz.may_run_flights(caller()):
            raise errors.PermissionDenied("only an ERCOT admin sets a flight's test-bed scripts, publishing its pack")
        problems = catalog.test_bed_script_problems(request)
        if problems:
            raise errors.InvalidFields(problems)
        scripts = [
            {
                "script_id": script.script_id,
                "title": script.title,
                "premises": script.premises,
                "premise_names": list(script.premise_names),
                "runs_for": ",".join(script.runs_for),
                "tdsp_types": ",".join(script.tdsp_types),
            }
            for script in request.scripts
        ]
        async with self._sessions.begin() as session:
            await store.set_test_bed_scripts(session, request.flight, request.pack_version, scripts)
        return pb.SetTestBedScriptsResponse()

    async def AttachTestBed(self, request: pb.AttachTestBedRequest, context) -> pb.AttachTestBedResponse:
        """Attach and Validate: the whole file is checked; only a valid one is kept and moves the request on."""
        principal = caller()
        async with self._sessions() as session:
            item, spec = await store.readable_request(session, principal, request.item_id)
            version = await store.held_version(session, spec.flight, spec.company_duns)
            pairings = await store.test_bed_pairings(session, spec.flight, spec.company_duns, version)
            expected = tbf.expected_of(pairings)
        handle = self._temporal.get_workflow_handle(item.workflow_id)
        await check_with_workflow(handle, requests.ATTACH_TEST_BED, actor_of(principal))
        # Checked and written at once; a file with any problem is rolled back whole.
        steps = tbf.check_in_steps(request.content, catalog.esi_id_digits(spec.company_duns), expected)
        file_name = shown_file_name(request.file_name)
        async with self._sessions() as session:
            checked, test_bed = await store.check_and_add_test_bed(
                session, spec.item_id, file_name, principal.name, steps, version or catalog.DEFAULT_LIST
            )
            if test_bed is None:
                await session.rollback()
                return pb.AttachTestBedResponse(
                    ok=False,
                    problems=[
                        pb.TestBedProblem(row=p.row, column=p.column, message=p.message) for p in checked.problems
                    ],
                    more_problems=checked.more_problems,
                )
            await session.commit()
        fields = {
            "test_bed_id": str(test_bed.test_bed_id),
            "test_bed_file": file_name,
            "test_bed_rows": str(test_bed.row_count),
        }
        action = requests.SpecificationsAction(actor_of(principal), fields)
        try:
            await forward(handle, requests.ATTACH_TEST_BED, action, self._write_steps)
        except Exception:
            # Refused after all (another action came first): nothing of this file is kept.
            async with self._sessions.begin() as session:
                await store.drop_test_bed(session, test_bed.test_bed_id)
            raise
        return pb.AttachTestBedResponse(
            ok=True, rows=test_bed.row_count, item=await self._item(request.item_id, principal)
        )

    async def GetTestBedFile(self, request: pb.TestBedFileRequest, context) -> pb.TestBedFile:
        """The TDSP's template or its attached test bed, as csv or xlsx: for the TDSP and ERCOT."""
        principal = caller()
        if request.format not in FILE_TYPES:
            raise errors.InvalidFields({"format": f"'{request.format}' is not a file format: csv or xlsx"})
        async with self._sessions() as session:
            item, spec = await store.readable_request(session, principal, request.item_id)
            if spec.kind != requests.TDSP:
                raise errors.NotFound(f"item {request.item_id} is a CR's request: it has no test bed")
            if not (principal.is_ercot or principal.duns == spec.company_duns):
                raise errors.PermissionDenied("only the TDSP and ERCOT download a TDSP's test bed")
            if request.kind == "template":
                version = await store.held_version(session, spec.flight, spec.company_duns)
                pairings = await store.test_bed_pairings(session, spec.flight, spec.company_duns, version)
                rows = None
            elif request.kind == "attached":
                if "test_bed_id" not in item.fields:
                    raise errors.NotFound("no test bed is attached to this request yet")
                rows = await store.test_bed_rows(session, int(item.fields["test_bed_id"]))
            else:
                raise errors.InvalidFields({"kind": f"'{request.kind}' is not a test-bed file: template or attached"})
        name = f"test-bed-{spec.flight}-{spec.company_duns}" + ("-template" if rows is None else "")
        if request.format == "csv":
            content = tbf.template_csv(pairings) if rows is None else tbf.rows_csv(rows)
        else:
            content = tbf.template_xlsx(pairings) if rows is None else tbf.rows_xlsx(rows)
        return pb.TestBedFile(
            file_name=f"{name}.{request.format}", content_type=FILE_TYPES[request.format], content=content
        )

    async def GetTestBedReadiness(self, request: pb.TestBedReadinessRequest, context) -> pb.TestBedReadiness:
        if not caller().is_ercot:
            raise errors.PermissionDenied("only ERCOT sees the flight's test-bed readiness")
        async with self._sessions() as session:
            missing = await store.test_beds_missing(session, request.flight)
            tdsps = await store.tdsp_count(session, request.flight)
        return pb.TestBedReadiness(
            tdsps=tdsps, missing=[pb.TestBedReadiness.Missing(tdsp_name=name, state=state) for name, state in missing]
        )

    async def _item(self, item_id: int, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            item, spec = await store.readable_request(session, principal, item_id)
            history = await projections.history(session, models.ItemHistory, item_id)
        facts = rules.Request.of(spec.company_duns, spec.sp_duns, item.fields)
        actions = rules.FLOWS[spec.kind].offered(item.state, principal, facts, datetime.now(UTC))
        return projections.item_proto(item, history, actions)

    async def GetReport(self, request: items_pb2.ReportRequest, context) -> items_pb2.Report:
        principal = caller()
        statement = store.readable(principal, request.flight, request.item_id)
        async with self._sessions() as session:
            found = await store.rows(session, statement)
        if request.report == "my-company-testing-information":
            # One request per flight the company tests in: each row names its flight.
            mine = [s for s, _ in found if s.company_duns == principal.duns]
            rows = [[s.item_id, s.company_name, s.company_duns, s.flight] for s in mine]
            columns = ["Item ID", "Company Name", "DUNS", "Flight Designation"]
            return projections.report(request.report, "My Company Testing Information", columns, rows)
        if request.report in SPEC_REPORTS:
            kind = requests.TDSP if request.report == "tdsp-test-specs" else requests.CR
            if request.report == "sp-test-specs":
                found = [(s, item) for s, item in found if s.sp_duns == principal.duns or principal.is_ercot]
            rows = [[s.item_id, item.title, s.flight] for s, item in found if s.kind == kind]
            columns = ["Item ID", "Title", "Flight Designation"]
            return projections.report(request.report, SPEC_REPORTS[request.report], columns, rows)
        if request.report == CR_SCRIPTS_TEST_BED:
            return await self._cr_scripts_test_bed(principal, request)
        raise errors.NotFound(f"no report {request.report}")

    async def _cr_scripts_test_bed(self, principal: tokens.Principal, request: items_pb2.ReportRequest):
        """Every pairing x script the caller may see. Until ERCOT approves that TDSP's test bed, its rows are
        placeholders: ESI ID ESIID1 (ESIID2 ... for scripts needing more premises), no zip, nothing else."""
        async with self._sessions() as session:
            found = await store.scripts_test_bed(session, principal, request.flight, request.item_id)
        rows: list[list[str]] = []
        esi_id_at = PREMISE_COLUMNS.index(tbf.ESI_ID)
        for item_id, flight, cr, tdsp, script_id, needed, premises in found:
            lead = [str(item_id or ""), flight, cr, tdsp, script_id]
            if premises:
                rows.extend(lead + values for values in premises)
                continue
            for n in range(1, needed + 1):  # no approved test bed yet
                placeholder = [""] * len(PREMISE_COLUMNS)
                placeholder[esi_id_at] = f"ESIID{n}"
                rows.append(lead + placeholder)
        return projections.report(CR_SCRIPTS_TEST_BED, "CR Scripts Test Bed", CR_SCRIPTS_TEST_BED_COLUMNS, rows)



async def register(server, settings, sessions) -> str:
    from flightrak import temporal

    servicer = TestbedServicer(sessions, await temporal.connect(settings))
    testbed_pb2_grpc.add_TestbedServiceServicer_to_server(servicer, server)
    items_pb2_grpc.add_ItemServiceServicer_to_server(servicer, server)
    return pb.DESCRIPTOR.services_by_name["TestbedService"].full_name

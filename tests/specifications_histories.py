"""Every path of a Request for Testing Specifications, driven against a fake testbed `record_item_transition`.

The workflow tests (tests/test_specifications_workflow.py) drive these paths; run as
`.venv/bin/python -m tests.specifications_histories` this module records one history per path into
tests/histories/specifications_*.json, which those tests replay on every run. The worker is set up as
flightrak.worker sets it up: the same sandbox runner, and the recording step's activity on the workflow's queue.
"""

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from flightrak.worker import WORKFLOW_RUNNER
from tests.acting import acted
from tests.flight_histories import ERCOT_REVIEWER, LONESTAR, LONESTAR_AR, ONCOR, ONCOR_AR, new_item_id
from tests.record_histories import HISTORIES, start_dev_server
from workflows import specifications
from workflows.items import Actor, ItemTransition
from workflows.specifications import models as m
from workflows.specifications.ids import specifications_workflow_id
from workflows.specifications.workflows import TestingSpecificationsWorkflow

EDIGATE = "601234587"  # the Service Provider Lonestar selected in its registration
EDIGATE_AR = Actor("41", "Sam Patel", EDIGATE, ["ar", "user"], "SP")
REGISTRATION_ITEM_ID = 6001

TEST_BED = {"test_bed_id": "31", "test_bed_file": "oncor_test_bed.xlsx", "test_bed_rows": "40"}
FIXED_TEST_BED = {"test_bed_id": "32", "test_bed_file": "oncor_test_bed_v2.xlsx", "test_bed_rows": "42"}
REJECT_SPECIFICATIONS = "The login must be the one issued for this flight."
REJECT_TEST_BED = "Rows 12 and 30 name ESI IDs outside Oncor's territory."
# The testbed service's words when registrations behind a request are cancelled (services/testbed/activities.py).
CR_CANCELLED = "The CR's registration for flight 0725 was cancelled by James Whitfield."
PARTNER_LEFT = (
    "Bluebonnet Energy's registration for flight 0725 was cancelled by Maria Lopez: the test bed no longer has rows "
    "for it."
)
ONLY_PARTNER_LEFT = (
    "Lonestar Energy, the only CR paired with this TDSP in flight 0725, left it: its registration was cancelled by "
    "James Whitfield."
)
BLUEBONNET_REGISTRATION_ITEM_ID = 6002
SELF_TEST_URL = "https://edm.oncor.example:443/ercot/test"
SELF_TEST_CERTIFICATE_FAILED = m.EdmSelfTestResult(
    SELF_TEST_URL, "certificate", "the server's certificate is not the one agreed in the specifications"
)
SELF_TEST_PASSED = m.EdmSelfTestResult(
    SELF_TEST_URL, "", "the EDM server received the test file: request-status=ok, trans-id=7", 200, "ok"
)

Request = WorkflowHandle[TestingSpecificationsWorkflow, m.SpecificationsStatus]


def specifications_of(company: str) -> dict[str, str]:
    """The form's fields as the testbed service hands them over once they are clean."""
    return {
        "edm_url": f"https://edm.{company}.example/ercot/test",
        "edm_port": "443",
        "edm_login": f"{company}_edm",
        "pgp_fingerprint": "BBD1DD65C9BCE7C826C0858314570A80A4377356",
        "pgp_key_expires": "2030-01-01T12:00:00+00:00",
        "testing_contact_name": "James Whitfield",
        "testing_contact_email": f"testing@{company}.example",
        "testing_contact_phone": "512-555-0112",
        "connectivity_contact_name": "Dana Price",
        "connectivity_contact_email": f"edi@{company}.example",
        "connectivity_contact_phone": "512-555-0113",
    }


class FakeTestbed:
    """Stands in for the testbed service's activity and keeps the steps the workflow recorded."""

    def __init__(self) -> None:
        self.transitions: list[ItemTransition] = []
        # What the EDM self-test answers, in turn (services/testbed/edm_self_test.py sends for real).
        self.self_tests = [SELF_TEST_CERTIFICATE_FAILED, SELF_TEST_PASSED]

    @activity.defn(name=m.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: ItemTransition) -> None:
        self.transitions.append(step)

    @activity.defn(name=m.EDM_SELF_TEST)
    async def edm_self_test(self, tested: m.EdmSelfTestInput) -> m.EdmSelfTestResult:
        return self.self_tests.pop(0) if len(self.self_tests) > 1 else self.self_tests[0]

    def steps(self, item_id: int) -> list[ItemTransition]:
        return [step for step in self.transitions if step.item_id == item_id]


@asynccontextmanager
async def workers(client: Client, fakes: FakeTestbed) -> AsyncIterator[str]:
    """The workflow on a task queue of its own, whose worker hosts the testbed fake's activity."""
    task_queue = f"{specifications.TASK_QUEUE}-test-{uuid.uuid4().hex}"
    async with (
        Worker(
            client,
            task_queue=task_queue,
            workflows=[TestingSpecificationsWorkflow],
            activities=[fakes.record_item_transition],
            workflow_runner=WORKFLOW_RUNNER,
        ),
        Worker(client, task_queue=m.EDM_SELF_TEST_TASK_QUEUE, activities=[fakes.edm_self_test]),
    ):
        yield task_queue


def new_request(kind: str = m.CR, item_id: int | None = None, flight: str | None = None) -> m.SpecificationsInput:
    """The input the testbed service opens a request with (services/testbed/store.py)."""
    item_id = item_id or new_item_id()
    flight = flight or f"T{uuid.uuid4().hex[:8]}"
    if kind == m.CR:
        fields = {
            "flight": flight,
            "kind": m.CR,
            "company_name": "Lonestar Energy",
            "service_provider": EDIGATE,
            "registration_item_id": str(REGISTRATION_ITEM_ID),
        }
        return m.SpecificationsInput(item_id, flight, m.CR, LONESTAR, "Lonestar Energy", EDIGATE, fields)
    fields = {"flight": flight, "kind": m.TDSP, "company_name": "Oncor Electric Delivery"}
    return m.SpecificationsInput(item_id, flight, m.TDSP, ONCOR, "Oncor Electric Delivery", fields=fields)


async def open_request(client: Client, task_queue: str, request: m.SpecificationsInput) -> Request:
    return await client.start_workflow(
        TestingSpecificationsWorkflow.run,
        request,
        id=specifications_workflow_id(request.flight, request.company_duns),
        task_queue=task_queue,
    )


def action(actor: Actor, fields: dict[str, str] | None = None, comment: str = "") -> m.SpecificationsAction:
    return m.SpecificationsAction(actor, fields or {}, comment)


async def act(handle: Request, name: str, given: m.SpecificationsAction) -> m.SpecificationsStatus:
    """One of the table's actions (rules.FLOWS), by its name."""
    return await acted(handle.execute_update(name, given, result_type=m.SpecificationsStatus), handle)


async def provide(handle: Request, actor: Actor, fields: dict[str, str]) -> m.SpecificationsStatus:
    return await act(handle, m.PROVIDE, action(actor, fields))


async def approve(handle: Request) -> m.SpecificationsStatus:
    return await act(handle, m.APPROVE, action(ERCOT_REVIEWER, comment="Approved"))


async def reject(handle: Request, comment: str) -> m.SpecificationsStatus:
    return await act(handle, m.REJECT, action(ERCOT_REVIEWER, comment=comment))


async def attach_test_bed(handle: Request, test_bed: dict[str, str]) -> m.SpecificationsStatus:
    return await act(handle, m.ATTACH_TEST_BED, action(ONCOR_AR, test_bed))


async def submit_test_bed(handle: Request) -> m.SpecificationsStatus:
    return await act(handle, m.SUBMIT_TEST_BED, action(ONCOR_AR))


async def registration_cancelled(
    handle: Request, registration_item_id: int, close: bool, comment: str, fields: dict[str, str] | None = None
) -> m.SpecificationsStatus:
    step = m.RegistrationCancelledStep(registration_item_id, close, comment, fields or {})
    answering = handle.execute_update(
        TestingSpecificationsWorkflow.registration_cancelled, step, result_type=m.SpecificationsStatus
    )
    return await acted(answering, handle)


async def cr_provide_reject_provide_approve(handle: Request) -> None:
    """Lonestar provides, ERCOT rejects, Lonestar's Service Provider corrects the login, ERCOT approves."""
    await provide(handle, LONESTAR_AR, specifications_of("lonestar"))
    await reject(handle, REJECT_SPECIFICATIONS)
    await provide(handle, EDIGATE_AR, {"edm_login": "ercot_0001"})
    await approve(handle)


async def tdsp_provide_attach_submit_reject_attach_submit_approve(handle: Request) -> None:
    await provide(handle, ONCOR_AR, specifications_of("oncor"))
    await attach_test_bed(handle, TEST_BED)
    await submit_test_bed(handle)
    await reject(handle, REJECT_TEST_BED)
    await attach_test_bed(handle, FIXED_TEST_BED)
    await submit_test_bed(handle)
    await approve(handle)


async def cr_provide_registration_cancelled(handle: Request) -> None:
    await provide(handle, LONESTAR_AR, specifications_of("lonestar"))
    await registration_cancelled(handle, REGISTRATION_ITEM_ID, True, CR_CANCELLED)


async def tdsp_provide_attach_partner_left_twice_then_cancelled(handle: Request) -> None:
    """Oncor tests with two CRs: one leaves (told twice, noted once), then the other, its last."""
    await provide(handle, ONCOR_AR, specifications_of("oncor"))
    await attach_test_bed(handle, TEST_BED)
    for _ in range(2):
        await registration_cancelled(
            handle, BLUEBONNET_REGISTRATION_ITEM_ID, False, PARTNER_LEFT, {"test_bed_rows": "12"}
        )
    await registration_cancelled(handle, REGISTRATION_ITEM_ID, True, ONLY_PARTNER_LEFT)


async def tdsp_provide_self_test_failed_then_passed_then_test_bed_approved(handle: Request) -> None:
    """Oncor's EDM self-test fails on its certificate, passes once it is fixed; the request stays in Test Bed
    Loading, then goes on as any other."""
    await provide(handle, ONCOR_AR, specifications_of("oncor"))
    for _ in range(2):
        await act(handle, m.RUN_EDM_SELF_TEST, action(ONCOR_AR))
    await attach_test_bed(handle, TEST_BED)
    await submit_test_bed(handle)
    await approve(handle)


PATHS: dict[str, tuple[str, Callable[[Request], Awaitable[None]]]] = {
    "cr_provide_reject_provide_approve": (m.CR, cr_provide_reject_provide_approve),
    "tdsp_provide_attach_submit_reject_attach_submit_approve": (
        m.TDSP,
        tdsp_provide_attach_submit_reject_attach_submit_approve,
    ),
    "cr_provide_registration_cancelled": (m.CR, cr_provide_registration_cancelled),
    "tdsp_provide_attach_partner_left_twice_then_cancelled": (
        m.TDSP,
        tdsp_provide_attach_partner_left_twice_then_cancelled,
    ),
    "tdsp_provide_self_test_failed_then_passed_then_test_bed_approved": (
        m.TDSP,
        tdsp_provide_self_test_failed_then_passed_then_test_bed_approved,
    ),
}


async def record(only: frozenset[str] = frozenset()) -> None:
    """Every path's history, or only those named."""
    HISTORIES.mkdir(exist_ok=True)
    histories: dict[str, str] = {}
    env = await start_dev_server()
    try:
        async with workers(env.client, FakeTestbed()) as task_queue:
            for item_id, (name, (kind, drive)) in enumerate(PATHS.items(), start=1):
                if only and name not in only:
                    continue
                handle = await open_request(env.client, task_queue, new_request(kind, item_id, flight="0725"))
                await drive(handle)
                await handle.result()
                histories[f"specifications_{name}"] = (await handle.fetch_history()).to_json()
    finally:
        await env.shutdown()
    for name, history in histories.items():
        path = HISTORIES / f"{name}.json"
        path.write_text(history + "\n")
        print(f"{path}: {len(history)} characters")


if __name__ == "__main__":
    asyncio.run(record(frozenset(sys.argv[1:])))

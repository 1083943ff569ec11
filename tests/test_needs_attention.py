"""No flow can jam (issue 13): a step whose activity can never succeed marks its item "Needs attention" (on the item,
as a search attribute, on ERCOT's operations page) and waits for ERCOT's operators, who retry or cancel it; other
items of the same flow go on. And text that the input boundary refuses never enters a workflow's history.

Registration workflows run here on a task queue of this test's own, with the registration service's real activities
except the step's record, which the test breaks for chosen items: it writes the step with a NUL byte in it, which
PostgreSQL refuses, so the failure is the real one that once jammed flows."""

import asyncio
import dataclasses
import re
import uuid

import psycopg
import pytest
from sqlalchemy import exc as sql
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from flightrak import db
from flightrak.activity_failures import classified
from flightrak.worker import WORKFLOW_RUNNER
from services.registration import store
from services.registration.activities import RegistrationActivities
from tests.conftest import refused, sign_in
from tests.flight_histories import BLUEBONNET_AR, LONESTAR_AR, REGISTRATION_FIELDS, action, flight_context, register
from tests.registration_helpers import create_flight
from workflows import search_attributes as sa
from workflows.items import ItemTransition
from workflows.registration import models as m
from workflows.registration.ids import registration_workflow_id
from workflows.registration.workflows import FlightRegistrationWorkflow

W = FlightRegistrationWorkflow


class BreakableRecord:
    """The registration service's record of a step, broken for the items in `broken`."""

    def __init__(self, sessions):
        self._sessions = sessions
        self.broken: set[int] = set()

    @activity.defn(name=m.RECORD_ITEM_TRANSITION)
    @classified
    async def record_item_transition(self, step: ItemTransition) -> None:
        if step.item_id in self.broken:
            step.comment += "\x00"  # PostgreSQL text cannot hold it: the write fails, and would every time
        async with self._sessions.begin() as session:
            await store.record_transition(session, step)

    async def next_item_id(self) -> int:
        """From the registration service's own sequence, in order with every other registration: a later test's
        registration is the CR's latest, as it would be in the product."""
        async with self._sessions() as session:
            return await store.next_item_id(session)




async def eventually(check, within: float = 30.0):
    """`check()`'s value once it is truthy."""
    for _ in range(int(within / 0.25)):
        if found := await check():
            return found
        await asyncio.sleep(0.25)
    raise AssertionError(f"not within {within} s")


@pytest.fixture
async def registrations(stack, settings, temporal_env):
    """A worker for registration workflows on a task queue of its own; yields (client, queue, the breakable record)."""
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    record = BreakableRecord(sessions)
    queue = f"attention-test-{uuid.uuid4().hex}"
    client = temporal_env.client
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[W],
        activities=[record.record_item_transition, RegistrationActivities(sessions).record_attention],
        workflow_runner=WORKFLOW_RUNNER,
    )
    async with worker:
        yield client, queue, record
    await engine.dispose()


async def new_registration(registrations, flight: str, actor) -> tuple[m.RegistrationInput, object]:
    client, queue, record = registrations
    registration = m.RegistrationInput(
        await record.next_item_id(), flight, actor.duns, f"CR {actor.duns}", flight_context()
    )
    given = action(actor, fields=REGISTRATION_FIELDS)
    await register(client, queue, registration, given)
    return registration, client.get_workflow_handle_for(W.run, registration_workflow_id(flight, actor.duns))


async def attention_list(http, auth) -> dict[int, dict]:
    reply = await http.get("/api/v1/operations/attention", headers=auth)
    assert reply.status_code == 200, reply.text
    return {int(item["item_id"]): item for item in reply.json()["items"]}


async def needing_attention_in_temporal(client, workflow_ids: set[str]) -> set[str]:
    found = set()
    async for execution in client.list_workflows(f"{sa.NEEDS_ATTENTION.name} = true"):
        if execution.id in workflow_ids:
            found.add(execution.id)
    return found


@pytest.mark.parametrize(
    ("raised", "non_retryable", "words"),
    [
        (
            sql.DataError(
                "INSERT INTO registration.items (title) VALUES (%(title)s)",
                {"title": "Lone Star"},
                psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
            ),
            True,
            "DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes",
        ),
        (KeyError("flight"), True, "KeyError: 'flight'"),
        (
            sql.OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused\nIs it running?")),
            False,
            "OperationalError: connection refused",
        ),
        (ConnectionRefusedError("connection refused"), False, "ConnectionRefusedError: connection refused"),
    ],
)
async def test_activities_fail_for_good_only_when_retrying_cannot_help(raised, non_retryable, words):
    @classified
    async def step() -> None:
        raise raised

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(step)
    assert failure.value.non_retryable is non_retryable
    assert failure.value.message == words  # the driver's first line: no SQL, no bound values


async def test_a_step_that_cannot_succeed_waits_for_ercot_who_retries_or_cancels_it(http, registrations):
    client, queue, record = registrations
    ercot = await sign_in(http, "admin@ercot.example")
    participant = await sign_in(http, "ar@lonestar.example")
    first = (await create_flight(http, ercot))["designation"]
    second = (await create_flight(http, ercot))["designation"]
    retried, retried_handle = await new_registration(registrations, first, LONESTAR_AR)
    unaffected, unaffected_handle = await new_registration(registrations, first, BLUEBONNET_AR)
    cancelled, cancelled_handle = await new_registration(registrations, second, LONESTAR_AR)

    record.broken |= {retried.item_id, cancelled.item_id}
    retrying_submit = await retried_handle.start_update(
        "submit", action(LONESTAR_AR), wait_for_stage=WorkflowUpdateStage.ACCEPTED, result_type=m.RegistrationStatus
    )
    await cancelled_handle.start_update("submit", action(LONESTAR_AR), wait_for_stage=WorkflowUpdateStage.ACCEPTED)
    # Another item of the same flow goes on while those two wait.
    submitted = await unaffected_handle.execute_update(
        "submit", action(BLUEBONNET_AR), result_type=m.RegistrationStatus
    )
    assert submitted.state == m.REGISTRATION_REVIEW

    stuck = {retried.item_id, cancelled.item_id}
    listed = await eventually(lambda: _listed(http, ercot, stuck))
    for item_id in stuck:
        shown = listed[item_id]
        assert shown["activity"] == m.RECORD_ITEM_TRANSITION
        assert "NUL" in shown["error"] and "INSERT" not in shown["error"]  # plain words, no SQL
        assert shown["since"] and not shown.get("resolved_at")
        assert shown["item_type"] == m.ITEM_TYPE and shown["flight"] in (first, second)
    assert unaffected.item_id not in listed

    workflow_ids = {retried_handle.id, cancelled_handle.id, unaffected_handle.id}
    marked = await eventually(lambda: _marked(client, workflow_ids, 2))
    assert marked == {retried_handle.id, cancelled_handle.id}

    item = (await http.get(f"/api/v1/items/{retried.item_id}", headers=ercot)).json()
    attention = item["attention"]
    assert "NUL" in attention["error"] and attention["since"] and not attention.get("resolved_at")
    item_page = await http.get(f"/items/{retried.item_id}", headers=ercot)
    assert 'id="needs-attention"' in item_page.text and "PostgreSQL text fields cannot contain NUL" in item_page.text
    page = await http.get("/operations", headers=ercot)
    assert page.status_code == 200 and f'href="/items/{retried.item_id}"' in page.text and "Retry" in page.text

    # Only ERCOT's staff see them and decide.
    assert (await http.get("/api/v1/operations/attention", headers=participant)).status_code == 403
    retry_path = f"/api/v1/operations/attention/{retried.item_id}/retry"
    assert (await http.post(retry_path, headers=participant)).status_code == 403
    # Participants cannot act on an item whose flow waits for ERCOT.
    await refused(retried_handle.execute_update("withdraw", action(LONESTAR_AR)), "needs attention")

    record.broken.discard(retried.item_id)
    reply = await http.post(retry_path, headers=ercot)
    assert reply.status_code == 200, reply.text
    assert (await retrying_submit.result()).state == m.REGISTRATION_REVIEW
    await eventually(lambda: _resolved(http, ercot, retried.item_id, "Retried"))
    item = (await http.get(f"/api/v1/items/{retried.item_id}", headers=ercot)).json()
    assert item["state"] == m.REGISTRATION_REVIEW and item["attention"]["resolved_by"]
    assert retried.item_id not in await attention_list(http, ercot)
    await eventually(lambda: _marked(client, workflow_ids, 1))

    # Cancel from the operations page: its form carries the CSRF token.
    cancel_form = f"/operations/{cancelled.item_id}/cancel"
    assert (await http.post(cancel_form, data={}, headers=ercot)).status_code == 403
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    reply = await http.post(cancel_form, data={"csrf_token": csrf}, headers=ercot)
    assert reply.status_code == 303 and reply.headers["location"] == "/operations", reply.text
    ended = (await cancelled_handle.describe()).status
    assert ended in (WorkflowExecutionStatus.TERMINATED, WorkflowExecutionStatus.FAILED)
    item = (await http.get(f"/api/v1/items/{cancelled.item_id}", headers=ercot)).json()
    assert item["attention"]["resolved_how"] == "Cancelled" and item["attention"]["resolved_at"]
    me = (await http.get("/api/v1/me", headers=ercot)).json()
    assert item["attention"]["resolved_by"] == f"{me['first_name']} {me['last_name']}"
    assert "Cancelled by ERCOT" in (await http.get(f"/items/{cancelled.item_id}", headers=ercot)).text
    assert cancelled.item_id not in await attention_list(http, ercot)
    # Nothing to decide any more.
    again = await http.post(f"/api/v1/operations/attention/{cancelled.item_id}/retry", headers=ercot)
    assert again.status_code == 404

    assert (await unaffected_handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert (await unaffected_handle.query(W.status)).state == m.REGISTRATION_REVIEW
    await eventually(lambda: _none_marked(client, workflow_ids))


async def test_text_the_boundary_refuses_never_enters_history(http, registrations):
    """Driven with a Temporal client directly, past the gateway and the services' own checks."""
    client, queue, _ = registrations
    ercot = await sign_in(http, "admin@ercot.example")
    flight = (await create_flight(http, ercot))["designation"]
    registration, handle = await new_registration(registrations, flight, LONESTAR_AR)
    poisoned = dict(REGISTRATION_FIELDS, bank_name="Frost\x00Bank")
    await refused(handle.execute_update("modify", action(LONESTAR_AR, fields=poisoned)), "bank_name")
    await refused(handle.execute_update("submit", action(LONESTAR_AR, comment="ok\x00")), "comment")
    named = dataclasses.replace(LONESTAR_AR, name="James\x00Whitfield")
    await refused(handle.execute_update("submit", action(named)), "actor.name")
    history = (await handle.fetch_history()).to_json()
    assert "\\u0000" not in history and "\x00" not in history
    assert (await handle.query(W.status)).state == m.PENDING_SUBMITTAL


async def _listed(http, auth, item_ids: set[int]) -> dict[int, dict] | None:
    listed = await attention_list(http, auth)
    return listed if item_ids <= set(listed) else None


async def _marked(client, workflow_ids: set[str], count: int) -> set[str] | None:
    found = await needing_attention_in_temporal(client, workflow_ids)
    return found if len(found) == count else None


async def _none_marked(client, workflow_ids: set[str]) -> bool:
    return not await needing_attention_in_temporal(client, workflow_ids)


async def _resolved(http, auth, item_id: int, how: str) -> bool:
    item = (await http.get(f"/api/v1/items/{item_id}", headers=auth)).json()
    return item.get("attention", {}).get("resolved_how") == how

"""A worker killed in the middle of a flow loses nothing: a new worker replays and carries on."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import grpc
from temporalio.client import Client

from flightrak import db, grpc_runtime, service_process
from flightrak import temporal as temporal_connection
from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.identity.v1 import identity_pb2_grpc
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.registration.v1 import registration_pb2, registration_pb2_grpc
from services.scripts import issues, packs, store
from tests.conftest import DEMO_PASSWORD, RESTART_NAMESPACE, free_port, new_user_fields
from tests.registration_helpers import ERCOT, LONESTAR, ONCOR, next_designation
from tests.test_script_pack_api import EXAMPLE
from workflows import scripts
from workflows.scripts import models as m
from workflows.scripts.ids import p2p_workflow_id, script_issue_workflow_id
from workflows.scripts.workflows import ScriptIssueWorkflow


def start_worker(settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLIGHTRAK_DATABASE_URL": settings.database_url,
        "FLIGHTRAK_TEMPORAL_ADDRESS": settings.temporal_address,
        "FLIGHTRAK_TEMPORAL_NAMESPACE": RESTART_NAMESPACE,
    }
    return subprocess.Popen([sys.executable, "-m", "flightrak.cli", "worker"], env=env)


async def test_kill_worker_between_ok_and_commit(stack, settings):
    isolated = settings.model_copy(update={"temporal_namespace": RESTART_NAMESPACE})
    port = free_port()
    server, _, engine, address = await service_process.start("identity", isolated, port)
    server.add_insecure_port(address)
    await server.start()
    worker = start_worker(isolated)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            identity = identity_pb2_grpc.IdentityServiceStub(channel)
            signed_in = await identity.SignIn(pb.SignInRequest(email="admin@lonestar.example", password=DEMO_PASSWORD))
            auth = grpc_runtime.bearer(signed_in.token)
            item = await identity.StartUserRequest(
                pb.StartUserRequestRequest(kind="add", fields=new_user_fields()), metadata=auth, timeout=60
            )
            assert item.state == "Pending Commit"

            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            worker = start_worker(isolated)

            done = await items_pb2_grpc.ItemServiceStub(channel).ActOnItem(
                items_pb2.ActOnItemRequest(item_id=item.item_id, action="commit"), metadata=auth, timeout=60
            )
            assert done.state == "Completed"
            assert [(h.seq, h.action, h.to_state) for h in done.history] == [
                (1, "OK", "Pending Commit"),
                (2, "Commit", "Completed"),
            ]
            assert done.fields["target_user_id"].isdigit()
    finally:
        worker.kill()
        worker.wait(10)
        await server.stop(grace=1)
        await engine.dispose()


async def test_kill_worker_in_the_middle_of_a_registration(stack, settings):
    """Registered and submitted, the worker dies; a new one approves with every step kept."""
    ports = {name: free_port() for name in ("identity", "registration")}
    isolated = settings.model_copy(
        update={
            "temporal_namespace": RESTART_NAMESPACE,
            **{f"{name}_address": f"127.0.0.1:{port}" for name, port in ports.items()},
        }
    )
    servers = []
    for name, port in ports.items():
        server, _, engine, address = await service_process.start(name, isolated, port)
        server.add_insecure_port(address)
        await server.start()
        servers.append((server, engine))
    worker = start_worker(isolated)
    try:
        async with (
            grpc.aio.insecure_channel(isolated.identity_address) as identity_channel,
            grpc.aio.insecure_channel(isolated.registration_address) as channel,
        ):
            identity = identity_pb2_grpc.IdentityServiceStub(identity_channel)

            async def token(email: str):
                signed_in = await identity.SignIn(pb.SignInRequest(email=email, password=DEMO_PASSWORD))
                return grpc_runtime.bearer(signed_in.token)

            ercot, ar, reviewer = [
                await token(f"{who}.example") for who in ("admin@ercot", "ar@bluebonnet", "reviewer@ercot")
            ]
            registration = registration_pb2_grpc.RegistrationServiceStub(channel)
            items = items_pb2_grpc.ItemServiceStub(channel)
            deadline = date.today() + timedelta(days=30)
            flight = await registration.CreateFlight(
                registration_pb2.CreateFlightRequest(
                    designation=next_designation(),
                    signup_deadline=deadline.isoformat(),
                    day1_of_testing=(deadline + timedelta(days=10)).isoformat(),
                    end_date=(deadline + timedelta(days=40)).isoformat(),
                ),
                metadata=ercot,
                timeout=60,
            )
            users = await identity.ListUsers(pb.ListUsersRequest(), metadata=ar)
            contacts = [u.user_id for u in users.users]
            fields = {
                "primary_contact": contacts[0],
                "secondary_contact": contacts[1],
                "testing_contact": contacts[2],
                "customer_classes": "residential",
                "tdsps": "007929441",
                "edi_system": "Sterling B2B Integrator 6.1",
                "bank_name": "Frost Bank",
                "service_provider": "self",
                "changing_banks": "No",
                "system_change": "No",
            }
            item = await registration.Register(
                registration_pb2.RegisterRequest(designation=flight.designation, fields=fields), metadata=ar, timeout=60
            )
            submitted = await items.ActOnItem(
                items_pb2.ActOnItemRequest(item_id=item.item_id, action="submit"), metadata=ar, timeout=60
            )
            assert submitted.state == "Registration Review (ERCOT)"

            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            worker = start_worker(isolated)

            done = await items.ActOnItem(
                items_pb2.ActOnItemRequest(item_id=item.item_id, action="approve"), metadata=reviewer, timeout=60
            )
            assert done.state == "Pending Script Assignment"
            assert [(h.seq, h.action) for h in done.history] == [(1, "OK"), (2, "Submit"), (3, "Approve")]
            assert done.fields["testing_specifications_item_id"].isdigit()
    finally:
        worker.kill()
        worker.wait(10)
        for server, engine in servers:
            await server.stop(grace=1)
            await engine.dispose()


def killed_and_started_again(worker: subprocess.Popen, settings) -> subprocess.Popen:
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    return start_worker(settings)


async def con03_opened(sessions, settings) -> m.ScriptIssueInput:
    """CON03 between Lone Star and Oncor, Ready to Begin: its rows and its workflow's input as
    ScriptsActivities.open_script_issues makes them, with the pack version they name stored for their flight (as a
    publication leaves it: the suite's other tests meet this issue when they match transactions), without a flight."""
    parsed = packs.parse_pack(EXAMPLE)
    script = parsed.script("CON03")
    pairing = m.Pairing(
        next_designation(),
        LONESTAR,
        "Lone Star Power & Light, LLC",
        ONCOR,
        "Oncor Electric Delivery Company LLC",
        ercot_duns=ERCOT,
    )
    content = packs.pack_as_json(parsed)
    async with sessions.begin() as session:
        published = await store.add_pack_version(session, pairing.flight, parsed, content, "tests")
        pack_version = published.version
        [item_id] = await store.new_item_ids(session, 1)
        await store.add_issues(
            session,
            [
                {
                    "item_id": item_id,
                    "flight": pairing.flight,
                    "script_id": script.script_id,
                    "cr_duns": pairing.cr_duns,
                    "tdsp_duns": pairing.tdsp_duns,
                    "sp_duns": pairing.sp_duns,
                    "pack_version": pack_version,
                    "parent_item_id": None,
                    "step": 0,
                }
            ],
            [issues.opened(item_id, pairing, script, pack_version)],
        )
    ends_at = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    timing = m.Timing(ends_at, settings.script_reminder_business_hours)
    return m.ScriptIssueInput(item_id, pairing, issues.spec_of(script, pack_version), timing)


async def item_when(items, auth, item_id: int, ready, within: float = 60.0) -> items_pb2.Item:
    """The item once `ready(item)` holds; a sub-flow is still opening (409) until its workflow recorded it."""
    give_up = time.monotonic() + within
    while True:
        try:
            item = await items.GetItem(items_pb2.GetItemRequest(item_id=item_id), metadata=auth, timeout=60)
            if ready(item):
                return item
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            item = None
        assert time.monotonic() < give_up, f"item {item_id} never got there; last seen {item}"
        await asyncio.sleep(0.2)


async def worked_by(client: Client, workflow_id: str) -> set[str]:
    """The workers (pid@host) that completed the workflow's tasks; none of its tasks failed (a replay on a new
    worker that took another path would)."""
    events = (await client.get_workflow_handle(workflow_id).fetch_history()).events
    assert not [event for event in events if event.HasField("workflow_task_failed_event_attributes")]
    return {
        event.workflow_task_completed_event_attributes.identity
        for event in events
        if event.HasField("workflow_task_completed_event_attributes")
    }


async def test_kill_worker_twice_in_the_middle_of_a_script_issue(stack, settings):
    """CON03 begun and its first step done, the worker dies; a second carries it into the bank-transfer sub-flow
    and dies with the sub-flow in Receiver in Review; a third completes it and the script passes, every step
    recorded once and in order."""
    ports = {name: free_port() for name in ("identity", "scripts")}
    isolated = settings.model_copy(
        update={
            "temporal_namespace": RESTART_NAMESPACE,
            **{f"{name}_address": f"127.0.0.1:{port}" for name, port in ports.items()},
        }
    )
    servers = {}
    for name, port in ports.items():
        server, _, engine, address = await service_process.start(name, isolated, port)
        server.add_insecure_port(address)
        await server.start()
        servers[name] = (server, engine)
    worker = start_worker(isolated)
    pids = [worker.pid]
    try:
        issue = await con03_opened(db.session_factory(servers["scripts"][1]), isolated)
        pairing = issue.pairing
        issue_workflow_id = script_issue_workflow_id(pairing.flight, pairing.cr_duns, pairing.tdsp_duns, "CON03")
        client = await temporal_connection.connect(isolated)
        handle = await client.start_workflow(
            ScriptIssueWorkflow.run, issue, id=issue_workflow_id, task_queue=scripts.TASK_QUEUE
        )
        async with (
            grpc.aio.insecure_channel(isolated.identity_address) as identity_channel,
            grpc.aio.insecure_channel(isolated.scripts_address) as channel,
        ):
            identity = identity_pb2_grpc.IdentityServiceStub(identity_channel)
            signed_in = {
                who: await identity.SignIn(pb.SignInRequest(email=f"user@{who}.example", password=DEMO_PASSWORD))
                for who in ("lonestar", "oncor")
            }
            lonestar, oncor = (grpc_runtime.bearer(signed_in[who].token) for who in ("lonestar", "oncor"))
            items = items_pb2_grpc.ItemServiceStub(channel)

            async def act(auth, item_id: int, action: str) -> items_pb2.Item:
                request = items_pb2.ActOnItemRequest(item_id=item_id, action=action)
                return await items.ActOnItem(request, metadata=auth, timeout=60)

            assert (await act(lonestar, issue.item_id, "begin_working")).state == "Pending Bank Info Provided by CR"
            moved = await act(lonestar, issue.item_id, "step_action")
            assert (moved.state, moved.responsible_party) == ("Pending TDSP Banking Info sent to CR", "TDSP")

            worker = killed_and_started_again(worker, isolated)
            pids.append(worker.pid)

            assert (await act(oncor, issue.item_id, "step_action")).state == "P2P Bank Transfer in Progress"
            with_p2p = await item_when(items, lonestar, issue.item_id, lambda i: "p2p_item_id" in i.fields)
            p2p = int(with_p2p.fields["p2p_item_id"])
            await item_when(items, lonestar, p2p, lambda i: i.state == "Submitter Working")
            assert (await act(lonestar, p2p, "task_complete")).state == "Receiver in Review"

            worker = killed_and_started_again(worker, isolated)
            pids.append(worker.pid)

            assert (await act(oncor, p2p, "task_complete")).state == "Completed"
            passed = await item_when(items, lonestar, issue.item_id, lambda i: i.state == "Script Passed")
            sub_flow = await item_when(items, lonestar, p2p, lambda i: i.closed)

        assert (await asyncio.wait_for(handle.result(), 60)).state == "Script Passed"
        lonestar_id, oncor_id = (signed_in[who].user.user_id for who in ("lonestar", "oncor"))
        assert passed.closed and passed.fields["p2p_item_id"] == str(p2p)
        assert [(h.seq, h.actor_user_id, h.action, h.from_state, h.to_state) for h in passed.history] == [
            (1, "system", "Opened", "", "Ready to Begin"),
            (2, lonestar_id, "Begin Working", "Ready to Begin", "Pending Bank Info Provided by CR"),
            (
                3,
                lonestar_id,
                "Bank Info Provided by CR",
                "Pending Bank Info Provided by CR",
                "Pending TDSP Banking Info sent to CR",
            ),
            (4, oncor_id, "Task Complete", "Pending TDSP Banking Info sent to CR", "P2P Bank Transfer in Progress"),
            (5, "system", "P2P Flow - Bank Transfer Opened", *["P2P Bank Transfer in Progress"] * 2),
            (6, "system", "P2P Flow - Bank Transfer Completed", "P2P Bank Transfer in Progress", "Script Passed"),
        ]
        assert [(h.seq, h.actor_user_id, h.action, h.from_state, h.to_state) for h in sub_flow.history] == [
            (1, "system", "Opened", "", "Submitter Working"),
            (2, lonestar_id, "Task Complete", "Submitter Working", "Receiver in Review"),
            (3, oncor_id, "Task Complete", "Receiver in Review", "Completed"),
        ]
        assert sub_flow.fields["parent_item_id"] == str(issue.item_id)

        # Each worker really did its share: all three the issue's, the two after the first kill the sub-flow's.
        workers = [f"{pid}@{socket.gethostname()}" for pid in pids]
        assert await worked_by(client, issue_workflow_id) == set(workers)
        assert await worked_by(client, p2p_workflow_id(issue.item_id, 3)) == set(workers[1:])
    finally:
        worker.kill()
        worker.wait(10)
        for server, engine in servers.values():
            await server.stop(grace=1)
            await engine.dispose()

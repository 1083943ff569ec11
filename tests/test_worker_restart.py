"""A worker killed in the middle of a flow loses nothing: a new worker replays and carries on."""

import os
import signal
import subprocess
import sys
from datetime import date, timedelta

import grpc

from flightrak import grpc_runtime, service_process
from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.identity.v1 import identity_pb2_grpc
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.registration.v1 import registration_pb2, registration_pb2_grpc
from tests.conftest import DEMO_PASSWORD, RESTART_NAMESPACE, free_port, new_user_fields
from tests.registration_helpers import next_designation


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

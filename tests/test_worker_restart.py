"""A worker killed between OK and Commit loses nothing: a new worker replays and commits."""

import os
import signal
import subprocess
import sys

import grpc

from flightrak import grpc_runtime, service_process
from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.identity.v1 import identity_pb2_grpc
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from tests.conftest import DEMO_PASSWORD, RESTART_NAMESPACE, free_port, new_user_fields


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

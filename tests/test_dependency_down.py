"""A dependency that is down answers 503 in words a person can use: never a driver's message or an address."""

import grpc
import pytest

from flightrak import grpc_runtime, service_process
from flightrak.registration.v1 import registration_pb2, registration_pb2_grpc
from tests.conftest import free_port, sign_in


@pytest.fixture
async def registration_without_its_database(settings):
    """A second registration service whose PostgreSQL does not answer (nothing listens on its port)."""
    nowhere = settings.database_url.rsplit("@", 1)[0] + f"@127.0.0.1:{free_port()}/flightrak"
    port = free_port()
    server, _, engine, address = await service_process.start(
        "registration", settings.model_copy(update={"database_url": nowhere}), port
    )
    server.add_insecure_port(address)
    await server.start()
    yield address
    await server.stop(grace=0)
    await engine.dispose()


async def test_a_service_whose_database_is_down_says_so_plainly(http, registration_without_its_database):
    ercot = await sign_in(http, "admin@ercot.example")
    token = ercot["authorization"].removeprefix("Bearer ")
    async with grpc_runtime.channel(registration_without_its_database) as channel:
        stub = registration_pb2_grpc.RegistrationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as down:
            await stub.ListFlights(registration_pb2.ListFlightsRequest(), metadata=grpc_runtime.bearer(token))
    assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    assert down.value.details() == "the database is not answering right now; try again in a minute"
    assert dict(down.value.trailing_metadata())[grpc_runtime.RETRY_AFTER_METADATA] == "5"

"""The gateway's gRPC clients, and the one place gRPC errors become HTTP errors."""

import asyncio
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from flightrak import errors, grpc_runtime, projections
from flightrak.identity.v1 import identity_pb2_grpc
from flightrak.items.v1 import items_pb2_grpc
from flightrak.registration.v1 import registration_pb2_grpc
from flightrak.scripts.v1 import scripts_pb2_grpc
from flightrak.settings import SERVICE_PORTS, Settings
from flightrak.testbed.v1 import testbed_pb2_grpc

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
ERROR_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    503: "unavailable",
    504: "timeout",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}

    def body(self) -> dict:
        code = ERROR_CODES.get(self.status, "error")
        return {"error": {"code": code, "message": self.message, "fields": self.fields}}


@dataclass
class Backends:
    channels: dict[str, grpc.aio.Channel]
    identity: identity_pb2_grpc.IdentityServiceStub
    registration: registration_pb2_grpc.RegistrationServiceStub
    testbed: testbed_pb2_grpc.TestbedServiceStub
    scripts: scripts_pb2_grpc.ScriptsServiceStub

    @classmethod
    def connect(cls, settings: Settings) -> "Backends":
        channels = {name: grpc_runtime.channel(settings.service_address(name)) for name in SERVICE_PORTS}
        return cls(
            channels,
            identity_pb2_grpc.IdentityServiceStub(channels["identity"]),
            registration_pb2_grpc.RegistrationServiceStub(channels["registration"]),
            testbed_pb2_grpc.TestbedServiceStub(channels["testbed"]),
            scripts_pb2_grpc.ScriptsServiceStub(channels["scripts"]),
        )

    def items_at(self, service: str) -> items_pb2_grpc.ItemServiceStub:
        return items_pb2_grpc.ItemServiceStub(self.channels[service])

    def items_of(self, item_id: int) -> items_pb2_grpc.ItemServiceStub:
        """The ItemService of the service that owns this Item ID."""
        owner = projections.owner_of(item_id)
        if owner is None:
            raise ApiError(404, f"no item {item_id}")
        return self.items_at(owner)

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))

    async def health(self) -> dict[str, str]:
        async def check(name: str, channel: grpc.aio.Channel) -> tuple[str, str]:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
                return name, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.aio.AioRpcError as error:
                return name, error.code().name

        return dict(await asyncio.gather(*(check(n, c) for n, c in self.channels.items())))


async def call(method, request, token: str | None = None, timeout: float = 30.0):
    """Calls one RPC with the caller's token; a refusal becomes an ApiError naming the problem."""
    metadata = grpc_runtime.bearer(token) if token else ()
    try:
        return await method(request, metadata=metadata, timeout=timeout)
    except grpc.aio.AioRpcError as error:
        status = HTTP_STATUS.get(error.code(), 500)
        fields = errors.decode_fields(error.trailing_metadata())
        raise ApiError(status, error.details() or error.code().name, fields) from None

"""The gateway's gRPC clients, and the one place gRPC errors become HTTP errors."""

import asyncio
import logging
import re
from dataclasses import dataclass

import grpc
from google.rpc import status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from flightrak import boundary, errors, grpc_runtime, logs, projections
from flightrak.identity.v1 import identity_pb2_grpc
from flightrak.items.v1 import items_pb2_grpc
from flightrak.registration.v1 import registration_pb2_grpc
from flightrak.scripts.v1 import scripts_pb2_grpc
from flightrak.settings import SERVICE_PORTS, Settings
from flightrak.testbed.v1 import testbed_pb2_grpc

log = logging.getLogger(__name__)

# A service's refusal: its words are meant for the caller and pass through as they are.
REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
}
ERROR_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
    504: "timeout",
}
RETRY_AFTER_SECONDS = 5
# Which service listens on which port, for naming the one a channel could not reach.
_SERVICES_AT_PORT: dict[str, set[str]] = {}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        incident: str | None = None,
        reason: str = "",
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        self.incident = incident
        self.reason = reason

    @classmethod
    def unexpected(cls, incident: str) -> "ApiError":
        message = "FlighTrak hit an unexpected error. Try again; if it happens again, give ERCOT this incident ID: "
        return cls(500, message + incident, incident=incident)

    @classmethod
    def unavailable(cls, message: str, retry_after: int = RETRY_AFTER_SECONDS) -> "ApiError":
        return cls(503, message, headers={"retry-after": str(retry_after)})

    def body(self) -> dict:
        code = ERROR_CODES.get(self.status, "error")
        fields = {_encodable(name): _encodable(problem) for name, problem in self.fields.items()}
        error = {"code": code, "message": _encodable(self.message), "fields": fields}
        if self.reason:
            error["reason"] = self.reason
        if self.incident:
            error["incident"] = self.incident
        return {"error": error}


def _encodable(text: str) -> str:
    """An error may repeat what was sent; a lone surrogate in it would make the answer itself fail to encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


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
        for name in SERVICE_PORTS:
            for address in settings.service_addresses(name):
                _SERVICES_AT_PORT.setdefault(address.rsplit(":", 1)[-1], set()).add(name)
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
                stub = health_pb2_grpc.HealthStub(channel)
                # types-grpcio-health-checking's HealthStub declares none of the stub's methods
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2)  # type: ignore[attr-defined]
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
        raise api_error(error) from None


def api_error(error: grpc.aio.AioRpcError) -> ApiError:
    """What the caller may be told of a failed RPC: a refusal in its own words, anything else in plain words."""
    code, details = error.code(), error.details() or ""
    trailers = dict(error.trailing_metadata() or ())
    reason, fields = errors.reason_and_fields(rich_status(error))
    if code in REFUSALS:
        return ApiError(REFUSALS[code], details or code.name, fields, reason=reason)
    if code == grpc.StatusCode.UNAVAILABLE:
        return unavailable(details, trailers.get(grpc_runtime.RETRY_AFTER_METADATA), own_words=bool(reason))
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        # An action may still complete (its step retried, or waiting for ERCOT's operators): say so, not "again".
        return ApiError(
            504, "FlighTrak took too long to answer. What you asked may still be done: look before trying it again."
        )
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return ApiError(413, "What was sent is larger than FlighTrak accepts; send less at once.")
    incident = trailers.get(grpc_runtime.INCIDENT_METADATA)
    if incident is None:
        incident = logs.new_incident()
        log.error("incident %s: a service answered %s: %s", incident, code.name, logs.redact(details))
    return ApiError.unexpected(incident)


def rich_status(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    """The google.rpc.Status a FlighTrak service answered with (grpc-status-details-bin), if it sent one."""
    try:
        # An AioRpcError answers code(), details() and trailing_metadata() at once, as the grpc.Call it takes
        return rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:  # details that disagree with the status itself were not written by FlighTrak
        return None


def unavailable(details: str, retry_after: str | None, own_words: bool) -> ApiError:
    """A service's own words (its status details say so) for a dependency that is down; the service's name when the
    channel, not the service, answered: it could not reach it."""
    seconds = int(retry_after) if retry_after and boundary.is_number(retry_after) else RETRY_AFTER_SECONDS
    if own_words and details:
        return ApiError.unavailable(details[:1].upper() + details[1:].rstrip(".") + ".", seconds)
    ports = re.findall(r":(\d+)\b", details)
    services = _SERVICES_AT_PORT.get(ports[-1], set()) if ports else set()
    service = f"The {next(iter(services))} service" if len(services) == 1 else "A FlighTrak service"
    return ApiError.unavailable(f"{service} is not answering right now; try again in a minute.", seconds)

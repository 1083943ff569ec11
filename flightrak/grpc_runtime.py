"""What every FlighTrak gRPC service shares: the caller check, error mapping, health and shutdown."""

import asyncio
import contextvars
import logging
import signal
from collections.abc import Awaitable, Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from flightrak import errors, roles, telemetry, tokens

log = logging.getLogger(__name__)

current_caller: contextvars.ContextVar[tokens.Principal | None] = contextvars.ContextVar("current_caller", default=None)

# The caller's own token, so a service asking another on the caller's behalf is held to the caller's rights.
current_token: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_token", default=None)

UNAUTHENTICATED_METHODS = frozenset(
    {
        "/flightrak.identity.v1.IdentityService/SignIn",
        "/flightrak.identity.v1.IdentityService/SetPassword",
        "/flightrak.identity.v1.IdentityService/SystemSignIn",
    }
)
# The only RPCs a transaction-processing system's token is accepted by; every other one is a person's.
SYSTEM_METHODS = frozenset(
    {
        "/flightrak.scripts.v1.ScriptsService/ReportTransaction",
        "/flightrak.scripts.v1.ScriptsService/ReportTransactions",
        "/flightrak.scripts.v1.ScriptsService/ReportInterchange",
    }
)
SYSTEM_REFUSED = "a transaction-processing system may only report transactions"
OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def caller() -> tokens.Principal:
    principal = current_caller.get()
    if principal is None:
        raise errors.Unauthenticated("no caller")
    return principal


def caller_metadata() -> tuple[tuple[str, str], ...]:
    token = current_token.get()
    if token is None:
        raise errors.Unauthenticated("no caller")
    return bearer(token)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def _token_from(metadata) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and value.startswith("Bearer "):
            return value.removeprefix("Bearer ")
    return None


class CallerInterceptor(grpc.aio.ServerInterceptor):
    """Verifies the caller's token on every RPC and maps domain errors to status codes."""

    def __init__(self, token_secret: str):
        self._secret = token_secret

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        # Unary calls and client streams (a batch of reports) are checked alike: the token is in the metadata.
        behaviour = handler.unary_unary or handler.stream_unary
        if behaviour is None:
            return handler
        needs_caller = method not in UNAUTHENTICATED_METHODS

        async def checked(request, context: grpc.aio.ServicerContext):
            token = _token_from(context.invocation_metadata())
            principal = None
            if needs_caller:
                if token is None:
                    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "a signed token is required")
                try:
                    principal = tokens.verify(token, self._secret)
                except tokens.InvalidToken as error:
                    await context.abort(grpc.StatusCode.UNAUTHENTICATED, f"token refused: {error}")
                if roles.is_transaction_system(principal) and method not in SYSTEM_METHODS:
                    await context.abort(grpc.StatusCode.PERMISSION_DENIED, SYSTEM_REFUSED)
            reset, reset_token = current_caller.set(principal), current_token.set(token)
            try:
                return await behaviour(request, context)
            except errors.DomainError as error:
                if error.fields:
                    context.set_trailing_metadata(((errors.FIELD_ERRORS_METADATA, errors.encode_fields(error.fields)),))
                await context.abort(error.status, error.message)
            finally:
                current_caller.reset(reset)
                current_token.reset(reset_token)

        unary = handler.unary_unary is not None
        make_handler = grpc.unary_unary_rpc_method_handler if unary else grpc.stream_unary_rpc_method_handler
        return make_handler(
            checked,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class ServiceHealth:
    """Keeps the standard health service truthful: NOT_SERVING while the database is unreachable."""

    def __init__(self, service_name: str, probe: Callable[[], Awaitable[bool]], interval: float = 2.0):
        self.servicer = health.aio.HealthServicer()
        self._names = ("", service_name)
        self._probe = probe
        self._interval = interval

    async def watch(self) -> None:
        while True:
            serving = await self._probe()
            status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
            for name in self._names:
                await self.servicer.set(name, status)
            await asyncio.sleep(self._interval)


# gRPC's default limit on a received message is 4 MB; a test-bed upload may be 10 MB, and a report or
# template as a file larger still.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MESSAGE_SIZE_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]


def create_server(token_secret: str) -> grpc.aio.Server:
    return grpc.aio.server(
        interceptors=[*telemetry.grpc_server_interceptors(), CallerInterceptor(token_secret)],
        options=[("grpc.so_reuseport", 0), *MESSAGE_SIZE_OPTIONS],
    )


def add_standard_services(
    server: grpc.aio.Server, service_full_name: str, probe: Callable[[], Awaitable[bool]]
) -> ServiceHealth:
    """The health service (truthful about the database) and reflection."""
    service_health = ServiceHealth(service_full_name, probe)
    health_pb2_grpc.add_HealthServicer_to_server(service_health.servicer, server)
    reflection.enable_server_reflection((service_full_name, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    return service_health


async def serve(
    server: grpc.aio.Server,
    service_full_name: str,
    address: str,
    probe: Callable[[], Awaitable[bool]],
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serves until SIGTERM/SIGINT, then stops gracefully."""
    service_health = add_standard_services(server, service_full_name, probe)
    server.add_insecure_port(address)
    await server.start()
    watcher = asyncio.create_task(service_health.watch())
    log.info("%s serving on %s", service_full_name, address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await service_health.servicer.enter_graceful_shutdown()
    await server.stop(grace=5)
    watcher.cancel()
    if on_stop is not None:
        await on_stop()


def channel(address: str) -> grpc.aio.Channel:
    interceptors = telemetry.grpc_client_interceptors()
    return grpc.aio.insecure_channel(address, options=MESSAGE_SIZE_OPTIONS, interceptors=interceptors)

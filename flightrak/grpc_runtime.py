"""What every FlighTrak gRPC service shares: the caller check, error mapping, health and shutdown."""

import asyncio
import contextvars
import json
import logging
import signal
from collections.abc import Awaitable, Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from flightrak import boundary, errors, logs, roles, telemetry, tokens
from flightrak.sessions import SessionCheck

log = logging.getLogger(__name__)

current_caller: contextvars.ContextVar[tokens.Principal | None] = contextvars.ContextVar("current_caller", default=None)

# The caller's own token, so a service asking another on the caller's behalf is held to the caller's rights.
current_token: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_token", default=None)

UNAUTHENTICATED_METHODS = frozenset(
    {
        "/flightrak.identity.v1.IdentityService/SignIn",
        "/flightrak.identity.v1.IdentityService/SetPassword",
        "/flightrak.identity.v1.IdentityService/SystemSignIn",
        "/flightrak.identity.v1.CalendarFeedService/OpenCalendarFeed",  # the feed token is the credential
    }
)
# The only RPCs a transaction-processing system's token is accepted by; every other one is a person's.
SYSTEM_METHODS = frozenset(
    {
        "/flightrak.scripts.v1.ScriptsService/ReportTransaction",
        "/flightrak.scripts.v1.ScriptsService/ReportTransactions",
        "/flightrak.scripts.v1.ScriptsService/ReportInterchange",
        "/flightrak.identity.v1.IdentityService/CheckSession",
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


INCIDENT_METADATA = "x-flightrak-incident"
RETRY_AFTER_METADATA = "x-flightrak-retry-after"
# gRPC carries a status's message, twice, and its details (base64, a third larger) in trailers: bounded so that
# they fit in the room METADATA_SIZE_OPTIONS gives, with every field of a large file's refusal still named.
MAX_MESSAGE_CHARS = 2_000
MAX_FIELDS_CHARS = 6_000


def request_problems(message, path: str = "") -> dict[str, str]:
    """Every text field of a request message the boundary refuses, named by its path (`fields.comment`)."""
    problems: dict[str, str] = {}
    for field, value in message.ListFields():
        name = f"{path}{field.name}"
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            holds_messages = entry.fields_by_name["value"].message_type is not None
            for key, inner in value.items():
                where = f"{name}.{key}"
                if isinstance(key, str) and (problem := boundary.text_problem(key)):
                    problems[f"{name} (a name)"] = f"the name {problem}"
                elif holds_messages:
                    problems |= request_problems(inner, f"{where}.")
                elif isinstance(inner, str) and (problem := boundary.field_problem(where, inner)):
                    problems[where] = problem
        elif field.is_repeated:
            for index, inner in enumerate(value):
                where = f"{name}[{index}]"
                if entry is not None:
                    problems |= request_problems(inner, f"{where}.")
                elif isinstance(inner, str) and (problem := boundary.field_problem(where, inner)):
                    problems[where] = problem
        elif entry is not None:
            problems |= request_problems(value, f"{name}.")
        elif isinstance(value, str) and (problem := boundary.field_problem(name, value)):
            problems[name] = problem
    return problems


def _checked(message):
    if problems := request_problems(message):
        raise errors.InvalidFields(problems)
    return message


async def _checked_stream(requests):
    async for message in requests:
        yield _checked(message)


def _dependency_down(error: BaseException) -> str | None:
    """Words for a person when what failed is a dependency that is down, not FlighTrak's own code."""
    from sqlalchemy import exc as sql
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(error, sql.DBAPIError) and (error.connection_invalidated or isinstance(error, sql.OperationalError)):
        return "the database is not answering right now; try again in a minute"
    if isinstance(error, sql.TimeoutError):
        return "the database is not answering right now; try again in a minute"
    if isinstance(error, ConnectionError | TimeoutError):
        return "a system FlighTrak depends on is not answering right now; try again in a minute"
    if isinstance(error, RPCError) and error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return "the workflow engine is not answering right now; try again in a minute"
    if isinstance(error, grpc.aio.AioRpcError) and error.code() == grpc.StatusCode.UNAVAILABLE:
        return "a FlighTrak service is not answering right now; try again in a minute"
    return None


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded_fields(fields: dict[str, str]) -> dict[str, str]:
    """Every field named, its problem shortened when all of them would not fit in the trailers."""
    if sum(len(name) + len(problem) for name, problem in fields.items()) <= MAX_FIELDS_CHARS:
        return fields
    kept: dict[str, str] = {}
    room = MAX_FIELDS_CHARS
    for name, problem in fields.items():
        entry = (_bounded(name, 200), _bounded(problem, 200))
        room -= len(entry[0]) + len(entry[1])
        if room < 0:
            break
        kept[entry[0]] = entry[1]
    return kept


async def _refuse(context: grpc.aio.ServicerContext, error: errors.DomainError) -> None:
    """Ends the RPC with the error's status; its standard details (grpc-status-details-bin) carry the code and each
    field, and say that these words are FlighTrak's own."""
    message = _bounded(error.message, MAX_MESSAGE_CHARS)
    status = rpc_status.to_status(errors.rich_status(error, message, _bounded_fields(error.fields)))
    trailers = status.trailing_metadata
    if isinstance(error, errors.Unavailable):
        trailers += ((RETRY_AFTER_METADATA, "5"),)
    await context.abort(status.code, status.details, trailers)


class CallerInterceptor(grpc.aio.ServerInterceptor):
    """On every RPC: the caller's token and session, the request's text, and one mapping of errors to statuses:
    a refusal keeps its words, a dependency that is down says so, and anything unexpected becomes INTERNAL with an
    incident ID whose log line (secrets redacted) holds the detail."""

    def __init__(self, token_secret: str, session_check: SessionCheck):
        self._secret = token_secret
        self._sessions = session_check

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
        unary = handler.unary_unary is not None

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
                if (
                    principal is not None
                    and token is not None
                    and (refusal := await self._sessions.refusal(principal, token))
                ):
                    raise errors.Unauthenticated(refusal)
                request = _checked(request) if unary else _checked_stream(request)
                return await behaviour(request, context)
            except errors.DomainError as error:
                await _refuse(context, error)
            except (asyncio.CancelledError, grpc.aio.AbortError):
                raise
            except Exception as error:
                if words := _dependency_down(error):
                    log.warning("%s: %s (%s)", method, words, logs.redact(f"{type(error).__name__}: {error}"))
                    await _refuse(context, errors.Unavailable(words))
                incident = logs.new_incident()
                log.error("incident %s in %s", incident, method, exc_info=error)
                context.set_trailing_metadata(((INCIDENT_METADATA, incident),))
                await context.abort(
                    grpc.StatusCode.INTERNAL, f"FlighTrak hit an unexpected error (incident {incident})"
                )
            finally:
                current_caller.reset(reset)
                current_token.reset(reset_token)

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
    # Past 8 KB of headers or trailers gRPC refuses some calls at random, and a refusal's details can reach 14 KB.
    ("grpc.max_metadata_size", 32 * 1024),
    ("grpc.absolute_max_metadata_size", 64 * 1024),
]


# A client keeps its connection to a replica for at most five minutes, then connects again (its calls in flight get
# half a minute to end): a channel to a dns:/// target resolves the name anew and finds replicas added since.
CONNECTION_AGE_OPTIONS = [("grpc.max_connection_age_ms", 300_000), ("grpc.max_connection_age_grace_ms", 30_000)]


def create_server(token_secret: str, session_check: SessionCheck) -> grpc.aio.Server:
    return grpc.aio.server(
        interceptors=[*telemetry.grpc_server_interceptors(), CallerInterceptor(token_secret, session_check)],
        options=[("grpc.so_reuseport", 0), *MESSAGE_SIZE_OPTIONS, *CONNECTION_AGE_OPTIONS],
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


# Each call goes to the next replica that answers; one that stopped answering is skipped until it is back, which
# the channel tries at most every 5 s (gRPC's default grows to 2 minutes: a restarted replica would sit idle).
ROUND_ROBIN = ("grpc.service_config", json.dumps({"loadBalancingConfig": [{"round_robin": {}}]}))
RECONNECT_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 500), ("grpc.max_reconnect_backoff_ms", 5000)]


def channel_target(address: str) -> str:
    """gRPC's target for a service's address: "h1:p1,h2:p2" as one ipv4: (or ipv6:) target over every replica;
    one host:port, or a target with its scheme (dns:///name:port), as it is."""
    addresses = address.split(",")
    if len(addresses) == 1:
        return address
    scheme = "ipv6" if addresses[0].startswith("[") else "ipv4"
    return f"{scheme}:{address}"


def channel(address: str) -> grpc.aio.Channel:
    """A channel to every replica of a service (Settings.service_address), calls balanced round robin."""
    interceptors = telemetry.grpc_client_interceptors()
    options = [*MESSAGE_SIZE_OPTIONS, ROUND_ROBIN, *RECONNECT_OPTIONS]
    return grpc.aio.insecure_channel(channel_target(address), options=options, interceptors=interceptors)

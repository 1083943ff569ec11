"""One back-end service as its own process: `flightrak serve <service>`."""

import asyncio
import importlib

from flightrak import db, grpc_runtime, logs, telemetry
from flightrak.sessions import asking_identity
from flightrak.settings import SERVICE_PORTS, Settings, get_settings


async def start(service: str, settings: Settings, port: int | None = None):
    """Builds and starts the service's gRPC server; returns (server, full service name, engine, closer)."""
    telemetry.setup(f"flightrak-{service}")
    engine = db.create_engine(settings.effective_database_url, settings.database_pool_size)
    module = importlib.import_module(f"services.{service}.server")
    sessions = db.session_factory(engine)
    # The identity service keeps the sessions; every other service asks it.
    own_check = getattr(module, "session_check", None)
    check = (
        own_check(sessions)
        if own_check
        else asking_identity(grpc_runtime.channel(settings.service_address("identity")))
    )
    if not settings.token_secret:  # `flightrak run` sets it for the services it starts
        raise SystemExit(f"flightrak-{service}: FLIGHTRAK_TOKEN_SECRET is not set")
    server = grpc_runtime.create_server(settings.token_secret, check)
    full_name = await module.register(server, settings, sessions)
    address = f"{settings.listen_host}:{port or SERVICE_PORTS[service]}"
    return server, full_name, engine, address


async def serve(service: str, port: int | None = None) -> None:
    settings = get_settings()
    server, full_name, engine, address = await start(service, settings, port)
    await grpc_runtime.serve(server, full_name, address, lambda: db.answers(engine), on_stop=engine.dispose)


def main(service: str, port: int | None = None) -> None:
    logs.setup(service)
    asyncio.run(serve(service, port))

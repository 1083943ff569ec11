"""One back-end service as its own process: `flightrak serve <service>`."""

import asyncio
import importlib

from flightrak import db, grpc_runtime, logs, telemetry
from flightrak.settings import SERVICE_PORTS, Settings, get_settings


async def start(service: str, settings: Settings, port: int | None = None):
    """Builds and starts the service's gRPC server; returns (server, full service name, engine, closer)."""
    telemetry.setup(f"flightrak-{service}")
    engine = db.create_engine(settings.effective_database_url)
    module = importlib.import_module(f"services.{service}.server")
    server = grpc_runtime.create_server(settings.token_secret)
    full_name = await module.register(server, settings, db.session_factory(engine))
    address = f"{settings.listen_host}:{port or SERVICE_PORTS[service]}"
    return server, full_name, engine, address


async def serve(service: str) -> None:
    settings = get_settings()
    server, full_name, engine, address = await start(service, settings)
    await grpc_runtime.serve(server, full_name, address, lambda: db.answers(engine), on_stop=engine.dispose)


def main(service: str) -> None:
    logs.setup(service)
    asyncio.run(serve(service))

"""The FastAPI gateway: HTTP API, pages, health. Every call it makes carries the caller's token."""

import asyncio
import socket
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from flightrak import logs, run_status, telemetry
from flightrak import temporal as temporal_connection
from flightrak.sessions import asking_identity
from flightrak.settings import Settings, get_settings
from services.gateway import (
    api,
    calendars,
    companies,
    dashboards,
    edm_self_test,
    error_answers,
    flight_analytics,
    flights,
    inputs,
    letters,
    live,
    notices,
    operations,
    pages,
    reports,
    schemas,
    script_packs,
    test_beds,
    transaction_systems,
    views,
)
from services.gateway.backends import Backends

# Swagger UI's files as a package ships them: the machine may be offline, and a CDN's script would break the CSP.
SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"


# Each module's operations under /api/v1 (tag, path: api.api_router); the module adds its pages beside them.
API_MODULES = (
    (api.register, "", ""),
    (companies.register, "", ""),
    (flights.register, "flights", ""),
    (letters.register, "qualification letters", ""),
    (flight_analytics.register, "flights", ""),
    (reports.register, "", ""),
    (dashboards.register, "dashboards", ""),
    (test_beds.register, "test beds", ""),
    (edm_self_test.register, "test beds", ""),
    (script_packs.register, "script packs and transactions", ""),
    (notices.register, "market notices", ""),
    (transaction_systems.register, "transaction systems", ""),
    (operations.register, "operations", "/operations"),
    (live.register, "events", ""),
    (calendars.register, "calendars", ""),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.backends = Backends.connect(settings)
        app.state.session_check = asking_identity(app.state.backends.channels["identity"])
        app.state.temporal = None
        app.state.item_events = live.ItemEventHub(settings.effective_database_url)
        app.state.item_events.start()
        yield
        await app.state.item_events.stop()
        await app.state.backends.close()

    app = FastAPI(
        title="FlighTrak",
        version="1",
        description="ERCOT retail market certification testing: items, flights, scripts, reports.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(inputs.check_request)],
    )
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount("/swagger-ui", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        return views.templates.TemplateResponse(
            request, "api_docs.html", {"caller": None, "openapi_url": app.openapi_url}
        )

    @app.get("/healthz", tags=["health"], responses={200: {"model": schemas.Health}})
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={code: {"model": schemas.Readiness} for code in (200, 503)})
    async def readyz() -> JSONResponse:
        """200 only when every service (and so PostgreSQL) and Temporal answer."""
        services, temporal = await asyncio.gather(app.state.backends.health(), temporal_health(app, settings))
        components = {**services, "temporal": temporal}
        ready = all(status == "SERVING" for status in components.values())
        body: dict = {"ready": ready, "components": components}
        if settings.run_status_file is not None:
            status = run_status.read(settings.run_status_file) or {}
            body["restarts"] = status.get("restarts", [])[-run_status.READYZ_RESTARTS :]
        return JSONResponse(body, status_code=200 if ready else 503)

    for register, tag, path in API_MODULES:
        router = api.api_router(tag, path)
        register(app, router)
        app.include_router(router)
    pages.register(app)
    # Last, so its middleware wraps any other module's: every answer passes through it.
    error_answers.register(app)
    telemetry.instrument_app(app)
    return app


async def temporal_health(app: FastAPI, settings: Settings) -> str:
    try:
        if app.state.temporal is None:
            app.state.temporal = await asyncio.wait_for(temporal_connection.connect(settings), 3)
        healthy = await asyncio.wait_for(app.state.temporal.service_client.check_health(), 3)
        return "SERVING" if healthy else "NOT_SERVING"
    except Exception:
        return "UNAVAILABLE"


def listening_socket(host: str, port: int) -> socket.socket:
    """The gateway's socket, bound with SO_REUSEPORT: the N gateways `flightrak run --replicas N` starts share one
    port, and the kernel spreads new connections among those alive."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def main() -> None:
    import uvicorn

    logs.setup("gateway")
    settings = get_settings()
    telemetry.setup("flightrak-gateway")
    config = uvicorn.Config(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level="warning",
        log_config=None,  # uvicorn's own logging config would replace the redacting handler logs.setup installed
        server_header=False,
        # Event streams never end by themselves: on stop, each open one is given a moment, then closed.
        timeout_graceful_shutdown=3,
    )
    uvicorn.Server(config).run(sockets=[listening_socket(settings.gateway_host, settings.gateway_port)])

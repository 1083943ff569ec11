"""The FastAPI gateway: HTTP API, pages, health. Every call it makes carries the caller's token."""

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from flightrak import telemetry
from flightrak import temporal as temporal_connection
from flightrak.settings import Settings, get_settings
from services.gateway import api, flights, notices, pages, reports, script_packs, test_beds, transaction_systems, views
from services.gateway.backends import ApiError, Backends


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.backends = Backends.connect(settings)
        app.state.temporal = None
        yield
        await app.state.backends.close()

    app = FastAPI(
        title="FlighTrak",
        version="1",
        description="ERCOT retail market certification testing: items, flights, scripts, reports.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(error.body(), status_code=error.status)
        if error.status == 401:
            return Response(status_code=303, headers={"location": f"/signin?next={request.url.path}"})
        return views.templates.TemplateResponse(
            request, "error.html", {"caller": None, "error": error}, status_code=error.status
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = {
            ".".join(str(part) for part in problem["loc"] if part != "body"): problem["msg"]
            for problem in error.errors()
        }
        return JSONResponse(ApiError(400, "the request is not valid", fields).body(), status_code=400)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """200 only when every service (and so PostgreSQL) and Temporal answer."""
        services, temporal = await asyncio.gather(app.state.backends.health(), temporal_health(app, settings))
        components = {**services, "temporal": temporal}
        ready = all(status == "SERVING" for status in components.values())
        return JSONResponse({"ready": ready, "components": components}, status_code=200 if ready else 503)

    api.register(app)
    flights.register(app)
    reports.register(app)
    test_beds.register(app)
    script_packs.register(app)
    notices.register(app)
    transaction_systems.register(app)
    pages.register(app)
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


def main() -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s gateway %(levelname)s %(message)s")
    settings = get_settings()
    telemetry.setup("flightrak-gateway")
    uvicorn.run(create_app(settings), host=settings.gateway_host, port=settings.gateway_port, log_level="warning")

"""The real stack for tests: PostgreSQL (CI's on 5432, else embedded), the Temporal dev server,
the four gRPC services, the worker and the gateway, in this process so one trace spans them all."""

import asyncio
import compileall
import gc
import os
import socket
import tempfile
import uuid
from functools import partial
from pathlib import Path

import httpx
import psycopg
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.testing import WorkflowEnvironment

from flightrak import db, embedded_postgres, grpc_runtime, migrate, telemetry
from flightrak import temporal as temporal_connection
from flightrak.settings import RATE_LIMIT_BUDGETS, Settings
from services.identity import demo
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

DEMO_PASSWORD = "Test-demo-password-1"
TOKEN_SECRET = "tests-only-k4Qz9vLw2RbN7xTc5HpY3mJd8sGf6aEu"
# The suite signs in hundreds of times from 127.0.0.1 and writes as fast as it can; tests/test_rate_limits.py
# checks the limits on an app of its own.
SUITE_RATE_LIMITS = {f"rate_limit_{budget}": "100000/minute" for budget in RATE_LIMIT_BUDGETS}
RESTART_NAMESPACE = "restart-test"
SPANS = InMemorySpanExporter()
telemetry.setup("flightrak-tests", SimpleSpanProcessor(SPANS))


def pytest_sessionstart(session) -> None:
    """The workflow sandbox imports the flows' own modules anew for every workflow task (the tests' workers keep no
    cache); with PYTHONDONTWRITEBYTECODE set nothing leaves their bytecode behind, and each sandbox compiled their
    source again (a quarter of the workflow tests' time). Compiled once here, as the image's pip install does."""
    for package in ("workflows", "flightrak"):
        compileall.compile_dir(Path(__file__).resolve().parent.parent / package, quiet=1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _shared_postgres_answers() -> bool:
    try:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def database_url():
    """A fresh database per test run: on 127.0.0.1:5432 when it answers (CI), else embedded."""
    process = None
    if _shared_postgres_answers():
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/flightrak_test_{uuid.uuid4().hex[:10]}"
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="flightrak-pg-"))
        port = free_port()
        process = embedded_postgres.start(data_dir, port, data_dir / "postgres.log")
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/flightrak_test"
    migrate.ensure_database(url)
    migrate.upgrade_all(url)
    yield url
    if process is not None:
        process.terminate()
        process.wait(10)
    else:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def temporal_env():
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_connection.binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        port=free_port(),
        dev_server_extra_args=["--namespace", RESTART_NAMESPACE],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def smtp_sink():
    """A real SMTP server for the stack's market notice mail; tests stop and start it to play an outage."""
    from flightrak.smtp_sink import MailSink

    sink = MailSink(free_port(), keep=True).start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def settings(database_url, temporal_env, smtp_sink) -> Settings:
    ports = {name: free_port() for name in ("identity", "registration", "testbed", "scripts")}
    return Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="flightrak-data-")),
        database_url=database_url,
        temporal_address=temporal_env.client.service_client.config.target_host,
        gateway_port=free_port(),
        demo_password=DEMO_PASSWORD,
        token_secret=TOKEN_SECRET,
        sign_in_max_failures=3,
        smtp_url=smtp_sink.url,
        **{f"{name}_address": f"127.0.0.1:{port}" for name, port in ports.items()},
        **SUITE_RATE_LIMITS,
    )


@pytest.fixture(scope="session")
async def stack(settings: Settings):
    """Everything the run command starts, on free ports; yields the gateway's base URL."""
    import uvicorn

    from flightrak import service_process
    from flightrak.worker import build_workers, notice_mailer
    from services.gateway.app import create_app

    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    await demo.load(sessions, settings.demo_password)

    servers = []
    for name in ("identity", "registration", "testbed", "scripts"):
        port = int(settings.service_address(name).rsplit(":", 1)[1])
        server, full_name, service_engine, address = await service_process.start(name, settings, port)
        service_health = grpc_runtime.add_standard_services(server, full_name, partial(db.answers, service_engine))
        server.add_insecure_port(address)
        await server.start()
        servers.append((server, service_engine, asyncio.create_task(service_health.watch())))

    client = await temporal_connection.connect(settings)
    # The worker keeps its workflows cached, as the product's does: replaying each one's whole history in a new sandbox
    # for every task cost about a quarter of the suite. Replay is the recorded histories' test, and the kill and
    # restart tests replay every open workflow on a new worker.
    workers = build_workers(client, sessions, mailer=notice_mailer(settings), data_dir=settings.data_dir)
    running = [asyncio.create_task(worker.run()) for worker in workers]

    gateway = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=settings.gateway_port, log_level="warning", server_header=False
        )
    )
    serving = asyncio.create_task(gateway.serve())
    while not gateway.started:
        await asyncio.sleep(0.05)
    # Everything runs in this one process, beside the test libraries' own objects: a full garbage collection could
    # hold a workflow task past the SDK's 2-second deadlock guard. What exists now lives for the session; leaving it
    # out of every later collection keeps them short.
    gc.collect()
    gc.freeze()
    yield f"http://127.0.0.1:{settings.gateway_port}"

    gateway.should_exit = True
    await serving
    await asyncio.gather(*(worker.shutdown() for worker in workers))
    await asyncio.gather(*running, return_exceptions=True)
    for server, service_engine, watcher in servers:
        watcher.cancel()
        await server.stop(grace=1)
        await service_engine.dispose()
    await engine.dispose()


@pytest.fixture
async def http(stack):
    async with httpx.AsyncClient(base_url=stack, timeout=30) as client:
        yield client


async def sign_in(http: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    reply = await http.post("/api/v1/session", json={"email": email, "password": password})
    assert reply.status_code == 200, reply.text
    return {"authorization": f"Bearer {reply.json()['token']}"}


async def system_sign_in(
    http: httpx.AsyncClient, system_id: str = "demo-transaction-gateway", key: str | None = None
) -> dict[str, str]:
    """A transaction-processing system's headers; by default the demo's system, whose key the demo password gives."""
    from services.identity.domain import demo_system_key

    key = key if key is not None else demo_system_key(DEMO_PASSWORD)
    reply = await http.post("/api/v1/system-session", json={"system_id": system_id, "key": key})
    assert reply.status_code == 200, reply.text
    return {"authorization": f"Bearer {reply.json()['token']}"}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def new_user_fields(**overrides) -> dict[str, str]:
    tag = unique("")
    fields = {
        "first_name": "Rosa",
        "last_name": "Delgado",
        "employee_id": f"E-{tag}",
        "email": f"rosa.{tag}@lonestar.example",
        "phone": "512-555-0142",
    }
    return fields | overrides


@pytest.fixture
def spans() -> InMemorySpanExporter:
    SPANS.clear()
    return SPANS


os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())


@pytest.fixture(scope="module")
async def clock_env():
    """The dev server with per-workflow time skipping, where updates and deadlines meet (one per module)."""
    from tests.flight_histories import start_clock_server

    env = await start_clock_server()
    yield env
    await env.shutdown()


async def refused(pending, reason: str) -> None:
    """An update the workflow refused, with `reason` in why."""
    from temporalio.client import WorkflowUpdateFailedError

    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await pending
    assert reason in str(failure.value.cause)

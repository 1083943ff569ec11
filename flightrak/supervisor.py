"""`flightrak run`: the whole product in one command, and every process it started stopped by Ctrl-C."""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from flightrak import db, embedded_postgres, migrate, run_status
from flightrak.settings import GRPC_SCHEMES, SERVICE_PORTS, Settings, get_settings
from flightrak.temporal import dev_server_command, register_search_attributes

if TYPE_CHECKING:
    from flightrak.demo_market import LocalEdm

BACKEND_SERVICES = tuple(SERVICE_PORTS)
TOKEN_SECRET_FILE = "token-secret"
SIMULATOR = "simulator"
# The demo's background transactions: a receipt every 20 s, at most 5 waiting steps answered a round (one of them
# failed first, then answered in a later round), no duplicates or strays. About 300 business-script steps wait in
# the demo market: a couple of hours of movement. Each run lasts 10 minutes (under a token's lifetime); `run` starts
# another when one ends, at most every 30 s (one that finds nothing waiting ends at once).
SIMULATOR_OPTIONS = ["--rate", "0.05", "--steps-per-round", "5", "--failures", "0.1", "--duplicates", "0",
                     "--unmatched", "0", "--concurrency", "1", "--duration", "600", "--count", "100000",
                     "--rounds", "100000"]  # fmt: skip
SIMULATOR_RESTART_SECONDS = 30


def data_dir_token_secret(data_dir: Path) -> str:
    """The data directory's own token secret: made at random on its first start, readable by its owner only,
    and the same on every later start, so sessions survive a restart and no two installs share one."""
    path = data_dir / TOKEN_SECRET_FILE
    try:
        # O_EXCL: never overwrite a secret another start just made; 0o600 from the first byte written.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text().strip()
        if not secret:
            raise RuntimeError(f"{path} is empty; delete it to have a new token secret made") from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
    return secret


# A process that exits is started again after RESTART_FIRST_DELAY, doubled for each exit in a row up to
# RESTART_MAX_DELAY; one that ran RESTART_RESET_UPTIME before it exited starts the count again.
RESTART_FIRST_DELAY = 0.5
RESTART_MAX_DELAY = 30.0
RESTART_RESET_UPTIME = 60.0
# During start-up a process that exits this many times in a row stops the run, naming it.
START_UP_EXITS = 3


class Backoff:
    """How long to wait before restarting a process, from how long it ran and how often it exited before."""

    def __init__(self) -> None:
        self.exits_in_a_row = 0

    def after_exit(self, uptime: float) -> float:
        if uptime >= RESTART_RESET_UPTIME:
            self.exits_in_a_row = 0
        delay = min(RESTART_MAX_DELAY, RESTART_FIRST_DELAY * 2**self.exits_in_a_row)
        self.exits_in_a_row += 1
        return delay


def exit_description(returncode: int) -> str:
    return f"signal {-returncode}" if returncode < 0 else f"code {returncode}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Child:
    """One process `run` keeps running: `start` makes it anew; the simulator (restarts_on_exit=False) has a rule of
    its own."""

    name: str
    start: Callable[[], subprocess.Popen]
    restarts_on_exit: bool = True
    process: subprocess.Popen | None = None
    started_at: str = ""
    started: float = 0.0
    restarts: int = 0
    last_exit: str | None = None
    last_restart_at: str | None = None
    backoff: Backoff = field(default_factory=Backoff)
    restart_due: float | None = None  # time.monotonic() of the restart waiting for its delay

    def launch(self) -> None:
        self.process = self.start()
        self.started_at, self.started, self.restart_due = _now(), time.monotonic(), None

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None


class Supervisor:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.children: list[Child] = []
        self.restarts: list[dict] = []
        self.logs = settings.data_dir / "logs"
        self.status_file = run_status.path_in(settings.data_dir)
        self.started_at = _now()
        self.stop_requested = False

    def spawn(
        self, name: str, command: list[str], env: dict[str, str] | None = None, restarts_on_exit: bool = True
    ) -> subprocess.Popen:
        def start() -> subprocess.Popen:
            with (self.logs / f"{name}.log").open("ab") as log:  # the child keeps its own copy of the file
                return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

        child = next((c for c in self.children if c.name == name), None)
        if child is None:
            child = Child(name, start, restarts_on_exit)
            self.children.append(child)
        child.start = start
        child.launch()
        self.write_status()
        assert child.process is not None
        return child.process

    def adopt(self, name: str, process: subprocess.Popen, start: Callable[[], subprocess.Popen]) -> None:
        """A process started already (the embedded PostgreSQL, once it answered); `start` starts it again."""
        child = Child(name, start, process=process, started_at=_now(), started=time.monotonic())
        self.children.append(child)
        self.write_status()

    def supervise(self) -> None:
        """Schedules a restart for each process that exited, and restarts each whose delay has passed."""
        for child in self.children:
            if not child.restarts_on_exit or child.process is None:
                continue
            if child.restart_due is None and child.exited():
                self._schedule_restart(child)
            elif child.restart_due is not None and time.monotonic() >= child.restart_due:
                self._restart(child)

    def _schedule_restart(self, child: Child) -> None:
        assert child.process is not None and child.process.returncode is not None
        _kill_group(child.process.pid)  # what it left running in its own process group goes with it
        uptime = time.monotonic() - child.started
        delay = child.backoff.after_exit(uptime)
        child.last_exit = exit_description(child.process.returncode)
        child.restart_due = time.monotonic() + delay
        print(
            f"flightrak run: {child.name} exited ({child.last_exit}) after {uptime:.1f} s; "
            f"restarting in {delay:g} s (restart {child.restarts + 1})",
            file=sys.stderr,
            flush=True,
        )

    def _restart(self, child: Child) -> None:
        assert child.process is not None
        pid_before = child.process.pid
        try:
            child.launch()
        except Exception as error:  # nothing started: tried again after the next delay
            delay = child.backoff.after_exit(0)
            child.restart_due = time.monotonic() + delay
            print(
                f"flightrak run: {child.name} could not start ({error}); trying again in {delay:g} s", file=sys.stderr
            )
            return
        assert child.process is not None
        child.restarts += 1
        child.last_restart_at = child.started_at
        restart = {"name": child.name, "at": child.started_at, "exit": child.last_exit}
        self.restarts = [*self.restarts, {**restart, "pid_before": pid_before, "pid_after": child.process.pid}]
        self.restarts = self.restarts[-run_status.KEPT_RESTARTS :]
        self.write_status()

    def repeatedly_exiting(self) -> list[str]:
        return [c.name for c in self.children if c.backoff.exits_in_a_row >= START_UP_EXITS]

    def running(self, name: str) -> bool:
        return any(c.name == name and c.process is not None and c.process.poll() is None for c in self.children)

    def status(self) -> dict:
        processes = [
            {
                "name": child.name,
                "pid": child.process.pid,
                "started_at": child.started_at,
                "restarts": child.restarts,
                "last_exit": child.last_exit,
                "last_restart_at": child.last_restart_at,
            }
            for child in self.children
            if child.process is not None
        ]
        return {"started_at": self.started_at, "processes": processes, "restarts": self.restarts}

    def write_status(self) -> None:
        run_status.write(self.status_file, self.status())

    def stop(self) -> None:
        running = [(c.name, c.process) for c in reversed(self.children) if c.process and c.process.poll() is None]
        for name, process in running:
            process.send_signal(signal.SIGINT if name == "postgres" else signal.SIGTERM)  # PostgreSQL's fast shutdown
        deadline = time.monotonic() + 15
        for _, process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in self.children:
            if child.process is not None:
                _kill_group(child.process.pid)
        self.children.clear()


def _kill_group(pid: int) -> None:
    """Every child starts a session of its own (pgid = its pid): anything it started and left behind is killed."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _wait_for_port(host: str, port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on {host}:{port} within {timeout:.0f}s")


class StopRequested(Exception):
    """Ctrl-C or SIGTERM while the run was starting."""


def _wait_until_ready(url: str, supervisor: Supervisor, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.stop_requested:
            raise StopRequested
        supervisor.supervise()
        if failing := supervisor.repeatedly_exiting():
            raise RuntimeError(
                f"{', '.join(failing)} exited {START_UP_EXITS} times during start-up; see {supervisor.logs}"
            )
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {timeout:.0f}s; see {supervisor.logs}")


def replica_ports(settings: Settings) -> dict[str, list[int]]:
    """The port each replica of each gRPC service listens on; refuses addresses `run` cannot start services at."""
    ports: dict[str, list[int]] = {}
    for service in BACKEND_SERVICES:
        addresses = settings.service_addresses(service)
        setting = f"FLIGHTRAK_{service.upper()}_ADDRESS"
        if addresses[0].startswith(GRPC_SCHEMES):
            raise RuntimeError(f"{setting}: `run` starts the services itself, at host:port addresses")
        if len(addresses) != settings.replicas:
            raise RuntimeError(
                f"{setting} lists {len(addresses)} addresses but FLIGHTRAK_REPLICAS is {settings.replicas}: "
                "list one address for each replica, or give one host:port"
            )
        ports[service] = [int(address.rsplit(":", 1)[1]) for address in addresses]
    return ports


def start_stack(settings: Settings, supervisor: Supervisor) -> dict[str, str]:
    """Starts everything in dependency order; returns the environment every child runs with."""
    ports = replica_ports(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    supervisor.logs.mkdir(exist_ok=True)
    env = dict(os.environ)
    env["FLIGHTRAK_RUN_STATUS_FILE"] = str(supervisor.status_file)
    env["FLIGHTRAK_REPLICAS"] = str(settings.replicas)
    # N replicas share the connections one process of each kind would keep, so N stay inside max_connections.
    env["FLIGHTRAK_DATABASE_POOL_SIZE"] = str(max(1, settings.database_pool_size // settings.replicas))
    if settings.token_secret is None:
        env["FLIGHTRAK_TOKEN_SECRET"] = data_dir_token_secret(settings.data_dir)
    if settings.database_url is None:
        postgres = (settings.data_dir, settings.embedded_postgres_port, supervisor.logs / "postgres.log")
        supervisor.adopt("postgres", embedded_postgres.start(*postgres), partial(embedded_postgres.spawn, *postgres))
    database_url = settings.effective_database_url
    env["FLIGHTRAK_DATABASE_URL"] = database_url
    if settings.temporal_address is None:
        supervisor.spawn("temporal", dev_server_command(settings, settings.temporal_port))
    env["FLIGHTRAK_TEMPORAL_ADDRESS"] = settings.effective_temporal_address
    if settings.smtp_url is None:  # market notices' mail goes to a local sink the demo can read
        supervisor.spawn("smtp-sink", [sys.executable, "-m", "flightrak.cli", "smtp-sink"], env)
    env["FLIGHTRAK_SMTP_URL"] = settings.effective_smtp_url

    migrate.ensure_database(database_url)
    migrate.upgrade_all(database_url)
    asyncio.run(load_demo(database_url, settings.demo_password))

    host, port = settings.effective_temporal_address.rsplit(":", 1)
    _wait_for_port(host, int(port), 30, "Temporal")
    if settings.temporal_address is None:
        asyncio.run(register_search_attributes(settings))
    executable = [sys.executable, "-m", "flightrak.cli"]
    for service in BACKEND_SERVICES:
        for replica, service_port in enumerate(ports[service], 1):
            supervisor.spawn(f"{service}-{replica}", [*executable, "serve", service, "--port", str(service_port)], env)
    for process in ("worker", "gateway"):
        for replica in range(1, settings.replicas + 1):
            supervisor.spawn(f"{process}-{replica}", [*executable, process], env)
    base_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    _wait_until_ready(f"{base_url}/readyz", supervisor)
    if settings.demo_market:
        # A TDSP's EDM server for the demo's EDM self-test, started once the stack is up: a port already taken only
        # fails that TDSP's self-test (as connection), never the run's start.
        local_edm(settings)
        supervisor.spawn("edm-endpoint", [*executable, "edm-endpoint"], env)
        ensure_demo_flight(base_url, settings.demo_password)
        ensure_demo_notice(base_url, settings.demo_password)
    return env


def ensure_demo_flight(base_url: str, password: str, today: date | None = None) -> None:
    """The demo market has a flight open for registration from its first start on; later starts keep it."""
    today = today or date.today()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        signed_in = http.post("/api/v1/session", json={"email": "admin@ercot.example", "password": password})
        signed_in.raise_for_status()
        ercot = {"authorization": f"Bearer {signed_in.json()['token']}"}
        if http.get("/api/v1/flights", headers=ercot).json()["flights"]:
            return
        deadline = today + timedelta(days=21)
        day1 = deadline + timedelta(days=14)
        flight = {
            "designation": day1.strftime("%m%y"),
            "signup_deadline": deadline.isoformat(),
            "day1_of_testing": day1.isoformat(),
            "end_date": (day1 + timedelta(days=42)).isoformat(),
        }
        http.post("/api/v1/flights", json=flight, headers=ercot).raise_for_status()


def demo_market_designation(base_url: str, password: str) -> str:
    """The demo market's flight, named after the demo's first start, which the first flight (the one open for
    registration, ensure_demo_flight) gives back on every later start."""
    from flightrak.demo_market import designation_for

    with httpx.Client(base_url=base_url, timeout=30) as http:
        signed_in = http.post("/api/v1/session", json={"email": "admin@ercot.example", "password": password})
        signed_in.raise_for_status()
        ercot = {"authorization": f"Bearer {signed_in.json()['token']}"}
        first = min(http.get("/api/v1/flights", headers=ercot).json()["flights"], key=lambda f: int(f["item_id"]))
    return designation_for(date.fromisoformat(first["day1_of_testing"]))


def local_edm(settings: Settings) -> "LocalEdm":
    """The demo's EDM server (flightrak edm-endpoint), as a TDSP's specifications name it; its material is made now,
    before the endpoint and the demo market read it."""
    from flightrak import demo_market, edm_endpoint

    material = edm_endpoint.material_in(settings.data_dir / edm_endpoint.ENDPOINT_DIR)
    url = f"https://127.0.0.1:{settings.edm_endpoint_port}{edm_endpoint.PATH}"
    return demo_market.LocalEdm(url, material.chain_pem, material.participant_public_key)


def _print_flushed(line: str) -> None:
    print(line, flush=True)


def start_demo_market(base_url: str, password: str, local: "LocalEdm | None" = None) -> threading.Event:
    """Builds the demo market's flight in business testing in the background, printing its progress; the event is
    set once it is complete. A start interrupted midway is finished by the next one."""
    from flightrak import demo_market

    built = threading.Event()

    def build() -> None:
        try:
            designation = demo_market_designation(base_url, password)
            asyncio.run(demo_market.build(base_url, password, designation, _print_flushed, local))
        except Exception as error:  # the rest of the product runs on; the next start resumes the build
            print(f"demo market: not finished ({error}); the next start goes on from here", file=sys.stderr)
            return
        built.set()

    threading.Thread(target=build, name="demo-market", daemon=True).start()
    return built


def ensure_demo_notice(base_url: str, password: str) -> None:
    """The demo market holds ERCOT's NPRR348 reminder (seed 004), published to the QSEs as ERCOT published it,
    and acknowledged by one of them, so ERCOT sees who has and who has not. Later starts keep it."""
    from flightrak.demo_notices import NPRR348, NPRR348_NOTICE_ID

    with httpx.Client(base_url=base_url, timeout=60) as http:

        def signed_in(email: str) -> dict[str, str]:
            reply = http.post("/api/v1/session", json={"email": email, "password": password})
            reply.raise_for_status()
            return {"authorization": f"Bearer {reply.json()['token']}"}

        ercot = signed_in("admin@ercot.example")
        if http.get(f"/api/v1/notices/{NPRR348_NOTICE_ID}", headers=ercot).status_code == 200:
            return
        draft = http.post("/api/v1/notices", json={"fields": NPRR348}, headers=ercot)
        draft.raise_for_status()
        item_id = draft.json()["item_id"]
        http.post(f"/api/v1/items/{item_id}/actions", json={"action": "publish"}, headers=ercot).raise_for_status()
        brazos = signed_in("ar@brazos-qse.example")
        http.post(f"/api/v1/items/{item_id}/actions", json={"action": "acknowledge"}, headers=brazos)


async def load_demo(database_url: str, password: str) -> None:
    from services.identity import demo

    engine = db.create_engine(database_url, pool_size=1, max_overflow=10)
    try:
        await demo.load(db.session_factory(engine), password)
    finally:
        await engine.dispose()


def banner(settings: Settings, seconds: float) -> str:
    from services.identity.demo import demo_accounts

    lines = [
        f"FlighTrak is ready in {seconds:.1f}s.",
        f"  App:         http://{settings.gateway_host}:{settings.gateway_port}/",
        f"  API docs:    http://{settings.gateway_host}:{settings.gateway_port}/docs",
    ]
    if settings.temporal_address is None:
        lines.append(f"  Temporal UI: http://127.0.0.1:{settings.temporal_ui_port}/")
    lines.append(f"  Data:        {settings.data_dir}")
    if settings.smtp_url is None:
        mbox = settings.data_dir / "mail" / "notices.mbox"
        lines.append(f"  Mail:        {mbox} (kept by the local SMTP sink, {settings.effective_smtp_url})")
    lines += ["", f"Demo accounts (password: {settings.demo_password}):"]
    lines += [f"  {email:<34} {company:<14} {held}" for email, company, held in demo_accounts()]
    from services.identity.domain import DEMO_TRANSACTION_SYSTEM, demo_system_key

    lines += ["", "Demo transaction system (POST /api/v1/system-session):"]
    lines.append(f"  system_id {DEMO_TRANSACTION_SYSTEM}  key {demo_system_key(settings.demo_password)}")
    if settings.demo_market:
        lines += [
            "",
            "Demo market: a flight in business testing, built below through the API unless it was before (README).",
            "  Start here: sign in as user@lonestar.example, open Current Flight Tasks and watch a script issue move.",
        ]
    if settings.replicas > 1:
        replicas = f"{settings.replicas} of each gRPC service, of the worker and of the gateway"
        lines.append(f"\nReplicas: {replicas} ({run_status.path_in(settings.data_dir)})")
    lines.append("\nCtrl-C stops every process started here; data is kept for the next run.")
    return "\n".join(lines)


def run(simulator: bool = True) -> int:
    settings = get_settings()
    simulator = simulator and settings.demo_simulator and settings.demo_market
    supervisor = Supervisor(settings)
    started = time.monotonic()

    def request_stop(signum, frame):
        supervisor.stop_requested = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        env = start_stack(settings, supervisor)
        print(banner(settings, time.monotonic() - started), flush=True)
        base_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        market_built = (
            start_demo_market(base_url, settings.demo_password, local_edm(settings)) if settings.demo_market else None
        )
        simulated_at = float("-inf")
        while not supervisor.stop_requested:
            supervisor.supervise()
            due = simulator and market_built and market_built.is_set()
            if (
                due
                and time.monotonic() - simulated_at > SIMULATOR_RESTART_SECONDS
                and not supervisor.running(SIMULATOR)
            ):
                if simulated_at == float("-inf"):
                    print(f"Transaction simulator: running ({supervisor.logs / 'simulator.log'})", flush=True)
                command = [sys.executable, "-m", "flightrak.cli", "simulate-transactions", "--base-url", base_url]
                supervisor.spawn(SIMULATOR, [*command, *SIMULATOR_OPTIONS], env, restarts_on_exit=False)
                simulated_at = time.monotonic()
            time.sleep(0.2)
        return 0
    except StopRequested:
        return 0
    except Exception as error:
        print(f"FlighTrak could not start: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopping FlighTrak...", flush=True)
        supervisor.stop()

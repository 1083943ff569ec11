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
from datetime import date, timedelta
from pathlib import Path

import httpx

from flightrak import db, embedded_postgres, migrate
from flightrak.settings import SERVICE_PORTS, Settings, get_settings
from flightrak.temporal import dev_server_command

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


class Supervisor:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.logs = settings.data_dir / "logs"

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.children.append((name, process))
        return process

    def adopt(self, name: str, process: subprocess.Popen) -> None:
        self.children.append((name, process))

    def stop(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGINT if name == "postgres" else signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process in reversed(self.children):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        self.children.clear()

    def exited(self) -> list[str]:
        """The children that stopped, but for the simulator, which ends by itself and is started again."""
        return [name for name, process in self.children if process.poll() is not None and name != SIMULATOR]

    def running(self, name: str) -> bool:
        self.children = [(n, p) for n, p in self.children if n != name or p.poll() is None]
        return any(n == name for n, _ in self.children)


def _wait_for_port(host: str, port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on {host}:{port} within {timeout:.0f}s")


def _wait_until_ready(url: str, supervisor: Supervisor, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dead := supervisor.exited():
            raise RuntimeError(f"{', '.join(dead)} exited during start-up; see {supervisor.logs}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {timeout:.0f}s; see {supervisor.logs}")


def start_stack(settings: Settings, supervisor: Supervisor, with_demo: bool = True) -> dict[str, str]:
    """Starts everything in dependency order; returns the environment every child runs with."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    supervisor.logs.mkdir(exist_ok=True)
    env = dict(os.environ)
    if settings.token_secret is None:
        env["FLIGHTRAK_TOKEN_SECRET"] = data_dir_token_secret(settings.data_dir)
    if settings.database_url is None:
        postgres = embedded_postgres.start(
            settings.data_dir, settings.embedded_postgres_port, supervisor.logs / "postgres.log"
        )
        supervisor.adopt("postgres", postgres)
    database_url = settings.effective_database_url
    env["FLIGHTRAK_DATABASE_URL"] = database_url
    if settings.temporal_address is None:
        supervisor.spawn("temporal", dev_server_command(settings))
    env["FLIGHTRAK_TEMPORAL_ADDRESS"] = settings.effective_temporal_address
    if settings.smtp_url is None:  # market notices' mail goes to a local sink the demo can read
        supervisor.spawn("smtp-sink", [sys.executable, "-m", "flightrak.cli", "smtp-sink"], env)
    env["FLIGHTRAK_SMTP_URL"] = settings.effective_smtp_url

    migrate.ensure_database(database_url)
    migrate.upgrade_all(database_url)
    if with_demo:
        asyncio.run(load_demo(database_url, settings.demo_password))

    host, port = settings.effective_temporal_address.rsplit(":", 1)
    _wait_for_port(host, int(port), 30, "Temporal")
    executable = [sys.executable, "-m", "flightrak.cli"]
    for service in BACKEND_SERVICES:
        supervisor.spawn(service, [*executable, "serve", service], env)
    supervisor.spawn("worker", [*executable, "worker"], env)
    supervisor.spawn("gateway", [*executable, "gateway"], env)
    base_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    _wait_until_ready(f"{base_url}/readyz", supervisor)
    if with_demo:
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


def start_demo_market(base_url: str, password: str) -> threading.Event:
    """Builds the demo market's flight in business testing in the background, printing its progress; the event is
    set once it is complete. A start interrupted midway is finished by the next one."""
    from flightrak import demo_market

    built = threading.Event()

    def build() -> None:
        try:
            designation = demo_market_designation(base_url, password)
            asyncio.run(demo_market.build(base_url, password, designation, lambda line: print(line, flush=True)))
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
    lines += [
        "",
        "Demo market: a flight in business testing, built below through the API unless it was before (README).",
        "  Start here: sign in as user@lonestar.example, open Current Flight Tasks and watch a script issue move.",
    ]
    lines.append("\nCtrl-C stops every process started here; data is kept for the next run.")
    return "\n".join(lines)


def run(simulator: bool = True) -> int:
    settings = get_settings()
    simulator = simulator and settings.demo_simulator
    supervisor = Supervisor(settings)
    started = time.monotonic()
    stop = {"requested": False}

    def request_stop(signum, frame):
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        env = start_stack(settings, supervisor)
        print(banner(settings, time.monotonic() - started), flush=True)
        base_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        market_built = start_demo_market(base_url, settings.demo_password)
        simulated_at = float("-inf")
        while not stop["requested"]:
            if dead := supervisor.exited():
                print(f"{', '.join(dead)} stopped unexpectedly; see {supervisor.logs}", file=sys.stderr)
                return 1
            due = simulator and market_built.is_set() and time.monotonic() - simulated_at > SIMULATOR_RESTART_SECONDS
            if due and not supervisor.running(SIMULATOR):
                if simulated_at == float("-inf"):
                    print(f"Transaction simulator: running ({supervisor.logs / 'simulator.log'})", flush=True)
                command = [sys.executable, "-m", "flightrak.cli", "simulate-transactions", "--base-url", base_url]
                supervisor.spawn(SIMULATOR, [*command, *SIMULATOR_OPTIONS], env)
                simulated_at = time.monotonic()
            time.sleep(0.5)
        return 0
    except Exception as error:
        print(f"FlighTrak could not start: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopping FlighTrak...", flush=True)
        supervisor.stop()

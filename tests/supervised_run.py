"""`flightrak run` as an operator starts it, for a test that kills its processes: a subprocess of the test on free
ports, with a data directory and an embedded PostgreSQL of its own (never the machine's on 5432), read through the
supervisor's <data_dir>/run/processes.json, and stopped by Ctrl-C, then any process it listed still alive by -9."""

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from flightrak.settings import REPLICA_PORT_STEP
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("identity", "registration", "testbed", "scripts")
START_TIMEOUT = 240.0
STOP_TIMEOUT = 60.0
RESTART_TIMEOUT = 90.0


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def replica_ports(replicas: int, taken: set[int]) -> int:
    """A port P below the kernel's ephemeral range (outgoing connections never take it meanwhile) such that P,
    P + 100, ... are free for each replica."""
    while True:
        port = random.randrange(20_000, 32_000)
        wanted = {port + REPLICA_PORT_STEP * k for k in range(replicas)}
        if not wanted & taken and all(_bindable(p) for p in wanted):
            taken |= wanted
            return port


@dataclass
class SupervisedRun:
    data_dir: Path
    env: dict[str, str]
    replicas: int
    log_path: Path
    process: subprocess.Popen | None = None
    seen_pids: set[int] = field(default_factory=set)  # every PID processes.json ever listed

    @classmethod
    def prepared(cls, replicas: int, extra_env: dict[str, str]) -> "SupervisedRun":
        data_dir = Path(tempfile.mkdtemp(prefix="flightrak-faults-"))
        (data_dir / "runtime").mkdir(mode=0o700)  # platformdirs' warnings stay out of every process's log
        taken: set[int] = set()
        singles = {}
        for name in ("GATEWAY_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "EMBEDDED_POSTGRES_PORT", "SMTP_SINK_PORT"):
            port = free_port()
            while port in taken:
                port = free_port()
            taken.add(port)
            singles[f"FLIGHTRAK_{name}"] = str(port)
        services = {
            f"FLIGHTRAK_{service.upper()}_ADDRESS": f"127.0.0.1:{replica_ports(replicas, taken)}"
            for service in SERVICES
        }
        # The machine's own settings (a CI's FLIGHTRAK_DATABASE_URL above all) stay out: this run is its own.
        env = {key: value for key, value in os.environ.items() if not key.startswith("FLIGHTRAK_")}
        env.update(
            FLIGHTRAK_DATA_DIR=str(data_dir / "data"),
            FLIGHTRAK_REPLICAS=str(replicas),
            XDG_RUNTIME_DIR=str(data_dir / "runtime"),
            **singles,
            **services,
            **extra_env,
        )
        return cls(data_dir / "data", env, replicas, data_dir / "run.log")

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.env['FLIGHTRAK_GATEWAY_PORT']}"

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.env['FLIGHTRAK_EMBEDDED_POSTGRES_PORT']}/flightrak"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.env['FLIGHTRAK_TEMPORAL_PORT']}"

    def addresses(self, service: str) -> list[str]:
        host, port = self.env[f"FLIGHTRAK_{service.upper()}_ADDRESS"].rsplit(":", 1)
        return [f"{host}:{int(port) + REPLICA_PORT_STEP * k}" for k in range(self.replicas)]

    def start(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flightrak.cli", "run", "--replicas", str(self.replicas), "--no-simulator"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self, lines: int = 60) -> str:
        """The run's last lines, and the last of each log of a process it started that said something recently."""
        shown = [f"--- {self.log_path} (last {lines} lines)"]
        if self.log_path.exists():
            shown += self.log_path.read_text(errors="replace").splitlines()[-lines:]
        logs = self.data_dir / "logs"
        for log in sorted(logs.glob("*.log")) if logs.exists() else []:
            text = log.read_text(errors="replace").splitlines()
            if any("Traceback" in line or "ERROR" in line or "FATAL" in line for line in text):
                shown += [f"--- {log} (last 15 lines)", *text[-15:]]
        return "\n".join(shown)

    def processes(self) -> dict[str, int]:
        """Name -> PID, as the supervisor last wrote them ({} before its first write)."""
        path = self.data_dir / "run" / "processes.json"
        try:
            listed = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):  # written atomically; absent before the first write
            return {}
        pids = {entry["name"]: int(entry["pid"]) for entry in listed["processes"] if entry.get("pid")}
        self.seen_pids |= set(pids.values())
        return pids

    def status(self) -> dict:
        try:
            return json.loads((self.data_dir / "run" / "processes.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def exited(self) -> str:
        """Why the run is no longer running ("" while it runs)."""
        assert self.process is not None
        code = self.process.poll()
        return "" if code is None else f"`flightrak run` exited with {code}"

    async def ready(self, timeout: float = START_TIMEOUT) -> dict:
        """/readyz's body once it answers 200."""
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2.0) as http:
            while True:
                assert not self.exited(), f"{self.exited()} before /readyz answered 200\n{self.tail()}"
                try:
                    reply = await http.get(f"{self.gateway}/readyz")
                    if reply.status_code == 200:
                        return reply.json()
                except httpx.HTTPError:
                    pass
                assert time.monotonic() - started < timeout, f"/readyz not 200 within {timeout:.0f} s\n{self.tail()}"
                await asyncio.sleep(0.2)

    async def kill_and_recover(self, name: str) -> float:
        """kill -9 the process `name` (its PID from processes.json); seconds until the supervisor lists a new PID
        for it, alive, and /readyz answers 200, naming that restart."""
        before = self.processes()
        assert name in before, f"processes.json lists no {name}: {sorted(before)}\n{self.tail()}"
        pid = before[name]
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        while True:
            assert not self.exited(), f"{self.exited()} after {name} was killed\n{self.tail()}"
            now = self.processes().get(name)
            if now and now != pid and _alive(now):
                break
            waited = time.monotonic() - killed_at
            assert waited < RESTART_TIMEOUT, (
                f"the supervisor did not restart {name} (PID {pid}, killed -9) within {RESTART_TIMEOUT:.0f} s: "
                f"processes.json lists PID {now}\n{self.tail()}"
            )
            await asyncio.sleep(0.1)
        readiness = await self.ready(RESTART_TIMEOUT - (time.monotonic() - killed_at))
        recovered = time.monotonic() - killed_at
        restart = {"name": name, "pid_before": pid, "pid_after": now}
        recorded = [{key: entry.get(key) for key in restart} for entry in self.status().get("restarts", [])]
        assert restart in recorded, f"processes.json's restarts do not name {restart}: {recorded[-5:]}"
        shown = [{key: entry.get(key) for key in restart} for entry in readiness.get("restarts", [])]
        assert restart in shown, f"/readyz's restarts do not name {restart}: {shown[-5:]}"
        return recovered

    def remove(self) -> None:
        """The run's directory (its data, PostgreSQL's and Temporal's included, and the logs), once it stopped."""
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def stop(self) -> list[str]:
        """Ctrl-C to the run; then -9 to the run and to every process it listed that is still alive (only those).
        Returns what had to be killed."""
        killed = []
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                killed.append(f"flightrak run {self.process.pid}")
        self.processes()
        for pid in sorted(self.seen_pids):
            if _alive(pid) and _ours(pid, self.data_dir):
                os.kill(pid, signal.SIGKILL)
                killed.append(str(pid))
        return killed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead, only not yet reaped by its parent
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _ours(pid: int, data_dir: Path) -> bool:
    """A PID the run listed that still names one of its processes (not a later process given the same number):
    run by this Python with the run's environment, or PostgreSQL or Temporal on the run's data directory."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return str(data_dir) in command or f"FLIGHTRAK_DATA_DIR={data_dir}".encode() in environ

"""`flightrak run` heals itself and runs replicas: the restart backoff, the replicas' addresses and channel targets,
a kill -9'd embedded PostgreSQL started again, and a whole run with two replicas losing a process of each kind."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc
import httpx
import psycopg
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from pydantic import ValidationError

from flightrak import embedded_postgres, grpc_runtime, run_status
from flightrak.settings import Settings
from flightrak.supervisor import RESTART_MAX_DELAY, Backoff, Supervisor, exit_description, replica_ports
from tests.conftest import _shared_postgres_answers, free_port

REPO = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Supervisor-test-password-7"
SERVICES = ("identity", "registration", "testbed", "scripts")


def settings(**given) -> Settings:
    return Settings(_env_file=None, data_dir=Path(tempfile.mkdtemp(prefix="flightrak-supervisor-")), **given)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def test_backoff_doubles_to_its_ceiling_and_starts_over_after_a_minute_up():
    backoff = Backoff()
    delays = [backoff.after_exit(uptime=1.0) for _ in range(9)]
    assert delays == [0.5, 1, 2, 4, 8, 16, RESTART_MAX_DELAY, RESTART_MAX_DELAY, RESTART_MAX_DELAY]
    assert backoff.after_exit(uptime=61.0) == 0.5
    assert backoff.after_exit(uptime=59.0) == 1


def test_an_exit_is_named_by_its_signal_or_its_code():
    assert exit_description(-9) == "signal 9"
    assert exit_description(1) == "code 1"


def test_one_address_gives_each_replica_a_port_100_apart_and_one_round_robin_target():
    two = settings(replicas=2)
    assert two.service_addresses("identity") == ["127.0.0.1:50051", "127.0.0.1:50151"]
    assert two.service_addresses("scripts") == ["127.0.0.1:50054", "127.0.0.1:50154"]
    assert grpc_runtime.channel_target(two.service_address("scripts")) == "ipv4:127.0.0.1:50054,127.0.0.1:50154"
    assert replica_ports(two)["testbed"] == [50053, 50153]
    one = settings()
    assert one.service_addresses("identity") == ["127.0.0.1:50051"]
    assert grpc_runtime.channel_target(one.service_address("identity")) == "127.0.0.1:50051"


def test_listed_addresses_and_targets_with_a_scheme_are_taken_as_given():
    listed = settings(replicas=2, registration_address="127.0.0.1:6001, 127.0.0.1:6002")
    assert listed.service_addresses("registration") == ["127.0.0.1:6001", "127.0.0.1:6002"]
    assert replica_ports(listed)["registration"] == [6001, 6002]
    dns = "dns:///scripts.flightrak.svc.cluster.local:50054"
    kubernetes = settings(replicas=3, scripts_address=dns)
    assert kubernetes.service_addresses("scripts") == [dns]
    assert grpc_runtime.channel_target(kubernetes.service_address("scripts")) == dns
    with pytest.raises(RuntimeError, match="FLIGHTRAK_SCRIPTS_ADDRESS"):
        replica_ports(kubernetes)  # `run` cannot listen at a DNS name
    with pytest.raises(RuntimeError, match="FLIGHTRAK_REGISTRATION_ADDRESS lists 2 addresses"):
        replica_ports(settings(registration_address="127.0.0.1:6001,127.0.0.1:6002"))


async def test_a_channel_over_two_replicas_calls_each_in_turn():
    """Two health servers, one SERVING and one NOT_SERVING: the channel's calls reach both."""
    servers, addresses = [], []
    for status in (health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING):
        server = grpc.aio.server()
        servicer = health.aio.HealthServicer()
        await servicer.set("", status)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        addresses.append(f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}")
        await server.start()
        servers.append(server)
    channel = grpc_runtime.channel(",".join(addresses))
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest()
        seen = {(await stub.Check(request, timeout=5)).status for _ in range(6)}  # type: ignore[attr-defined]
        assert seen == {health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING}
    finally:
        await channel.close()
        for server in servers:
            await server.stop(grace=None)


def test_addresses_a_channel_cannot_balance_over_are_refused_naming_the_setting():
    with pytest.raises(ValidationError, match="FLIGHTRAK_IDENTITY_ADDRESS"):
        settings(replicas=2, identity_address="identity.example:50051")
    with pytest.raises(ValidationError, match="scripts_address"):
        settings(scripts_address="127.0.0.1")
    with pytest.raises(ValidationError, match="replicas"):
        settings(replicas=9)


def test_the_status_file_is_replaced_whole():
    path = run_status.path_in(Path(tempfile.mkdtemp()))
    assert run_status.read(path) is None
    run_status.write(path, {"processes": [], "restarts": []})
    run_status.write(path, {"processes": [{"name": "gateway-1"}], "restarts": []})
    assert json.loads(path.read_text())["processes"] == [{"name": "gateway-1"}]
    assert [p.name for p in path.parent.iterdir()] == ["processes.json"]


def test_a_killed_child_is_started_again_and_the_status_file_says_so():
    supervisor = Supervisor(settings())
    supervisor.logs.mkdir(parents=True)
    first = supervisor.spawn("sleeper-1", [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        first.kill()
        wait_for(lambda: supervisor.supervise() or supervisor.children[0].process is not first, 10, "restarted")
        status = run_status.read(supervisor.status_file)
        assert status is not None
        [process] = status["processes"]
        assert process["pid"] != first.pid and process["restarts"] == 1 and process["last_exit"] == "signal 9"
        [restart] = status["restarts"]
        assert restart["name"] == "sleeper-1" and restart["exit"] == "signal 9"
        assert (restart["pid_before"], restart["pid_after"]) == (first.pid, process["pid"])
    finally:
        supervisor.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(process["pid"], 0)


def test_a_postgres_killed_with_9_leaves_its_pid_file_and_is_started_again():
    config = settings()
    supervisor = Supervisor(config)
    supervisor.logs.mkdir(parents=True)
    port = free_port()
    log = supervisor.logs / "postgres.log"
    first = embedded_postgres.start(config.data_dir, port, log)
    supervisor.adopt("postgres", first, lambda: embedded_postgres.spawn(config.data_dir, port, log))
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    held = psycopg.connect(url)  # a service's connection: its backend outlives the postmaster a moment
    try:
        first.kill()
        first.wait()
        assert (config.data_dir / "postgres" / "postmaster.pid").exists()

        def answers() -> bool:
            supervisor.supervise()
            try:
                with psycopg.connect(url, connect_timeout=1) as connection:
                    return connection.execute("SELECT 1").fetchone() == (1,)
            except psycopg.OperationalError:
                return False

        wait_for(answers, 60, "PostgreSQL answering again")
        assert supervisor.children[0].restarts >= 1
    finally:
        held.close()
        supervisor.stop()


def test_a_process_that_keeps_exiting_is_named_with_a_growing_pause():
    supervisor = Supervisor(settings())
    supervisor.logs.mkdir(parents=True)
    supervisor.spawn("broken-1", [sys.executable, "-c", "raise SystemExit(3)"])
    try:
        failing = wait_for(lambda: supervisor.supervise() or supervisor.repeatedly_exiting(), 10, "3 exits")
        assert failing == ["broken-1"]
        assert supervisor.children[0].last_exit == "code 3"
        assert [restart["exit"] for restart in supervisor.restarts] == ["code 3", "code 3"]
    finally:
        supervisor.stop()


def distinct_free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return list(ports)


def run_environment(data_dir: Path, database_url: str) -> tuple[dict[str, str], int]:
    """The run's own data directory, database and ports (two addresses a service: one for each replica)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLIGHTRAK_")}
    gateway, temporal, temporal_ui, smtp_sink, *replicas = distinct_free_ports(4 + 2 * len(SERVICES))
    env |= {
        "FLIGHTRAK_DATA_DIR": str(data_dir),
        "FLIGHTRAK_DATABASE_URL": database_url,
        "FLIGHTRAK_DEMO_MARKET": "off",
        "FLIGHTRAK_DEMO_PASSWORD": DEMO_PASSWORD,
        # 2 connections a process (4 // 2 replicas): the suite's own stack shares this PostgreSQL's 100.
        "FLIGHTRAK_DATABASE_POOL_SIZE": "4",
        "FLIGHTRAK_GATEWAY_PORT": str(gateway),
        "FLIGHTRAK_TEMPORAL_PORT": str(temporal),
        "FLIGHTRAK_TEMPORAL_UI_PORT": str(temporal_ui),
        "FLIGHTRAK_SMTP_SINK_PORT": str(smtp_sink),
    }
    for service, first, second in zip(SERVICES, replicas[::2], replicas[1::2], strict=True):
        env[f"FLIGHTRAK_{service.upper()}_ADDRESS"] = f"127.0.0.1:{first},127.0.0.1:{second}"
    return env, gateway


def answered(http: httpx.Client, method: str, path: str, **given) -> httpx.Response:
    """A client's retry: what the product answers within a few tries, past a replica that just died."""
    for _ in range(10):
        try:
            reply = http.request(method, path, **given)
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        if reply.status_code != 503:
            return reply
        time.sleep(float(reply.headers.get("retry-after", "1")) / 5)
    raise AssertionError(f"{method} {path} did not answer after 10 tries")


def ercot(http: httpx.Client) -> dict[str, str]:
    session = answered(
        http, "POST", "/api/v1/session", json={"email": "admin@ercot.example", "password": DEMO_PASSWORD}
    )
    assert session.status_code == 200, session.text
    return {"authorization": f"Bearer {session.json()['token']}"}


def signed_in_flights(http: httpx.Client) -> list:
    flights = answered(http, "GET", "/api/v1/flights", headers=ercot(http))
    assert flights.status_code == 200, flights.text
    return flights.json()["flights"]


@pytest.mark.skipif(not _shared_postgres_answers(), reason="needs the PostgreSQL on 127.0.0.1:5432")
def test_a_run_with_two_replicas_keeps_answering_while_a_process_of_each_kind_is_killed():
    data_dir = Path(tempfile.mkdtemp(prefix="flightrak-run-"))
    database = f"flightrak_test_{uuid.uuid4().hex[:10]}"
    env, gateway_port = run_environment(data_dir, f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}")
    status_file = run_status.path_in(data_dir)
    output = (data_dir / "run.out").open("wb")
    run = subprocess.Popen(
        [sys.executable, "-m", "flightrak.cli", "run", "--replicas", "2", "--no-simulator"],
        cwd=REPO,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    pids: set[int] = set()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{gateway_port}", timeout=10) as http:

            def ready() -> dict | None:
                assert run.poll() is None, (data_dir / "run.out").read_text()
                try:
                    reply = http.get("/readyz")
                except httpx.TransportError:
                    return None
                return reply.json() if reply.status_code == 200 else None

            assert wait_for(ready, 120, "/readyz")["restarts"] == []
            assert signed_in_flights(http) == []

            def processes() -> dict[str, dict]:
                status = run_status.read(status_file)
                assert status is not None
                return {process["name"]: process for process in status["processes"]}

            before = processes()
            expected = {f"{kind}-{k}" for kind in (*SERVICES, "worker", "gateway") for k in (1, 2)}
            assert expected | {"temporal", "smtp-sink"} == set(before)
            pids |= {process["pid"] for process in before.values()}
            killed = {name: before[name]["pid"] for name in ("scripts-2", "worker-1", "gateway-1")}
            for pid in killed.values():
                os.kill(pid, signal.SIGKILL)

            def restarted() -> dict[str, dict] | None:
                now = processes()
                return now if all(now[name]["pid"] != pid for name, pid in killed.items()) else None

            after = wait_for(restarted, 30, "every killed process started again")
            pids |= {process["pid"] for process in after.values()}
            for name, pid in killed.items():
                assert after[name]["restarts"] == 1 and after[name]["last_exit"] == "signal 9", after[name]
                with pytest.raises(ProcessLookupError):
                    os.kill(pid, 0)
            assert signed_in_flights(http) == []
            readiness = wait_for(ready, 60, "/readyz after the restarts")
            shown = {restart["name"]: restart for restart in readiness["restarts"]}
            assert set(shown) == set(killed)
            for name, pid in killed.items():
                assert (shown[name]["pid_before"], shown[name]["pid_after"], shown[name]["exit"]) == (
                    pid,
                    after[name]["pid"],
                    "signal 9",
                )
            page = answered(http, "GET", "/operations", headers=ercot(http))
            assert page.status_code == 200, page.text
            restarts_shown = page.text.split('id="restarts-table"', 1)[1]
            for name in killed:
                assert f"<td>{name}</td>" in restarts_shown and f"<td>{after[name]['pid']}</td>" in restarts_shown
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 0
        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        log = (data_dir / "run.out").read_text()
        assert "flightrak run: scripts-2 exited (signal 9) after" in log, log
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGINT)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
        output.close()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

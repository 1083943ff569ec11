"""FlighTrak benchmark: start-up time, the HTTP gateway against calling identity's gRPC directly,
registration (Submit to visible against a bare Temporal update; 200 CRs registering at once), test beds
(validating, and validating and storing, against bare csv reading), the CR Scripts Test Bed report, script
issues, transaction intake end to end against bare Temporal signals, what checking every caller's session
costs against the same processes before the check (a git worktree of the commit before it), and pages that move by
themselves (`live`: item events from the projection write to 200 SSE connections, against a bare LISTEN/NOTIFY), and
flight analytics (`analytics`: the page of a flight of 4,800 script issues and 100,000 history rows, against
GET /api/v1/me and the flight's Flight Progress page), and what a counted request costs the gateway's rate limits
(`rate_limits`: the sliding window counter against the moving window, in process).

Run from the repository root:  .venv/bin/python bench/run.py
Prints a table and ratios and writes bench/results.json. `bench/run.py script_issues` (or any of the parts'
names below) runs only those parts against one start; results.json keeps the other parts' last figures.
"""

import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import httpx
import psycopg

from flightrak.identity.v1 import identity_pb2, identity_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analytics as analytics_bench  # noqa: E402
import calendars as calendars_bench  # noqa: E402
import letters as letters_bench  # noqa: E402
import live as live_bench  # noqa: E402
import rate_limits as rate_limits_bench  # noqa: E402
import registration as registration_bench  # noqa: E402  (bench/ is a folder of scripts, not a package)
import script_issues as script_issues_bench  # noqa: E402
import scripts_test_bed as scripts_test_bed_bench  # noqa: E402
import sessions as sessions_bench  # noqa: E402
import test_bed as test_bed_bench  # noqa: E402
import transactions as transactions_bench  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FLIGHTRAK = ROOT / ".venv" / "bin" / "flightrak"
RESULTS = Path(__file__).resolve().parent / "results.json"
RUN_LOGS: list[Path] = []  # each start's output, the last one the running product's
RUNS: list[tuple[int, Path]] = []  # each start's `flightrak run` PID and data dir, the last one the running product's
REPLICAS = [1]  # `--replicas N`: of each process, for every start

GATEWAY = "http://127.0.0.1:8000"
IDENTITY = "127.0.0.1:50051"
DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5544/flightrak"  # the embedded PostgreSQL `run` starts
TEMPORAL = "127.0.0.1:7233"
PORTS = (8000, 7233, 8233, 5544, 50051, 50052, 50053, 50054)
EMAIL = "admin@lonestar.example"
PASSWORD = "Bench-password-2026"
N = 300
WARMUP = 20
READYZ_N = 100
START_TIMEOUT = 180.0
# One account signing in 320 times in seconds, and ERCOT creating 200 CRs at once, are what the limits on people
# exist to stop; a transaction system's writes keep their default, which the transactions part must fit.
BENCH_RATE_LIMITS = {
    f"FLIGHTRAK_RATE_LIMIT_{budget.upper()}": "1000000/minute"
    for budget in (
        "sign_in_per_address",
        "sign_in_per_account",
        "writes_per_token",
        "calendar_feed_per_address",  # a feed fetched 130 times in seconds
        "calendar_feed_per_token",
    )
}


def port_busy(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.3)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def check_ports_free() -> None:
    busy = [p for p in PORTS if port_busy(p)]
    if busy:
        sys.exit(
            f"bench: port(s) {', '.join(map(str, busy))} already in use on 127.0.0.1; "
            "stop whatever holds them (another `flightrak run`?) and retry."
        )


def start(data_dir: Path, log_name: str) -> tuple[subprocess.Popen, float]:
    """Launches `flightrak run`; returns the process and seconds until /readyz answered 200."""
    env = dict(os.environ)
    env.update(
        FLIGHTRAK_DATA_DIR=str(data_dir),
        XDG_RUNTIME_DIR="/tmp",
        FLIGHTRAK_DEMO_PASSWORD=PASSWORD,
        # The sessions part signs a known account in with a wrong password 100 times, to time it against an unknown one.
        FLIGHTRAK_SIGN_IN_MAX_FAILURES="1000000",
        # The demo's gentle simulator would move script issues beside what a part measures.
        FLIGHTRAK_DEMO_SIMULATOR="false",
        **BENCH_RATE_LIMITS,
    )
    log = (data_dir.parent / log_name).open("wb")
    RUN_LOGS.append(data_dir.parent / log_name)
    started = time.perf_counter()
    replicas = ["--replicas", str(REPLICAS[0])] if REPLICAS[0] > 1 else []
    process = subprocess.Popen(
        [str(FLIGHTRAK), "run", *replicas], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    RUNS.append((process.pid, data_dir))
    deadline = started + START_TIMEOUT
    with httpx.Client(timeout=1.0) as client:
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"flightrak run exited with {process.returncode} during start-up; see {log.name}")
            try:
                if client.get(f"{GATEWAY}/readyz").status_code == 200:
                    return process, time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"/readyz not 200 within {START_TIMEOUT:.0f}s; see {log.name}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ports_released(timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(port_busy(p) for p in PORTS):
            return
        time.sleep(0.2)
    raise RuntimeError("ports still busy after stopping the first run")


def preload_statement_counters() -> None:
    """pg_stat_statements, which the registration part counts SQL statements with, loads only at PostgreSQL's start:
    the next start of the same data directory has it."""
    with psycopg.connect(DATABASE.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")


def measure(fn, n: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    total_start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    total = time.perf_counter() - total_start
    samples.sort()
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "n": n,
        "p50_ms": statistics.median(samples) * 1000,
        "p95_ms": q[94] * 1000,
        "mean_ms": statistics.fmean(samples) * 1000,
        "throughput_per_s": n / total,
    }


def run_latency_benchmarks() -> dict:
    http = httpx.Client(base_url=GATEWAY, timeout=30.0)
    channel = grpc.insecure_channel(IDENTITY)
    stub = identity_pb2_grpc.IdentityServiceStub(channel)
    try:

        def gw_sign_in() -> str:
            r = http.post("/api/v1/session", json={"email": EMAIL, "password": PASSWORD})
            r.raise_for_status()
            return r.json()["token"]

        def gw_me(token: str) -> None:
            r = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            r.raise_for_status()

        def direct_sign_in() -> str:
            return stub.SignIn(identity_pb2.SignInRequest(email=EMAIL, password=PASSWORD), timeout=30).token

        def direct_me(token: str) -> None:
            stub.WhoAmI(identity_pb2.WhoAmIRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=30)

        def readyz() -> None:
            r = http.get("/readyz")
            r.raise_for_status()

        gw_token = gw_sign_in()
        direct_token = direct_sign_in()
        return {
            "gateway_signin_me": measure(lambda: gw_me(gw_sign_in()), N, WARMUP),
            "direct_signin_whoami": measure(lambda: direct_me(direct_sign_in()), N, WARMUP),
            "gateway_me": measure(lambda: gw_me(gw_token), N, WARMUP),
            "direct_whoami": measure(lambda: direct_me(direct_token), N, WARMUP),
            "gateway_readyz": measure(readyz, READYZ_N, WARMUP),
        }
    finally:
        http.close()
        channel.close()


def ratios(gateway: dict, direct: dict) -> dict:
    return {
        "p50_gateway_over_direct": gateway["p50_ms"] / direct["p50_ms"],
        "p95_gateway_over_direct": gateway["p95_ms"] / direct["p95_ms"],
        "throughput_direct_over_gateway": direct["throughput_per_s"] / gateway["throughput_per_s"],
    }


def print_latency(figures: dict) -> None:
    print(
        f"Start-up to /readyz 200: first run (initdb + migrations) {figures['startup_s']['first_run']:.2f}s, "
        f"restart {figures['startup_s']['restart']:.2f}s\n"
    )
    latency = figures["latency"]
    print(f"{f'path (sequential, n={N})':<40}{'p50 ms':>9}{'p95 ms':>9}{'iter/s':>9}")
    labels = {
        "gateway_signin_me": "gateway  POST /session + GET /me",
        "direct_signin_whoami": "direct   SignIn + WhoAmI",
        "gateway_me": "gateway  GET /me",
        "direct_whoami": "direct   WhoAmI",
    }
    for key, label in labels.items():
        s = latency[key]
        print(f"{label:<40}{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}{s['throughput_per_s']:>9.1f}")
    print(f"{f'gateway  GET /readyz (n={READYZ_N})':<40}{latency['gateway_readyz']['p50_ms']:>9.2f}")
    print()
    for name, r in figures["ratios"].items():
        print(
            f"ratios {name:<15} p50 gw/direct {r['p50_gateway_over_direct']:.2f}x   "
            f"p95 gw/direct {r['p95_gateway_over_direct']:.2f}x   "
            f"throughput direct/gw {r['throughput_direct_over_gateway']:.2f}x"
        )


def print_test_bed(test_bed: dict) -> None:
    print(
        f"test bed of {test_bed['rows']} rows: validate() {test_bed['validate_rows_per_s']:,} rows/s vs csv.reader "
        f"{test_bed['csv_reader_rows_per_s']:,} rows/s: {test_bed['ratio']:.2f}x "
        f"({test_bed['ratio_with_rows']:.2f}x with the row dicts built)"
    )


# The parts against the running stack, in the order they run: name -> (run, print).
STACK_PARTS = {
    "sessions": (
        lambda: sessions_bench.run(
            GATEWAY, DATABASE, TEMPORAL, EMAIL, PASSWORD, Path(tempfile.mkdtemp(prefix="flightrak-bench-sessions-"))
        ),
        lambda figures: print(sessions_bench.report(figures)),
    ),
    "registration": (
        lambda: asyncio.run(registration_bench.run(GATEWAY, TEMPORAL, DATABASE, PASSWORD)),
        lambda figures: print(registration_bench.report(figures)),
    ),
    "scripts_test_bed": (
        lambda: asyncio.run(scripts_test_bed_bench.run(GATEWAY, DATABASE, PASSWORD)),
        lambda figures: print(scripts_test_bed_bench.report(figures)),
    ),
    "script_issues": (
        lambda: asyncio.run(script_issues_bench.run(GATEWAY, TEMPORAL, DATABASE, PASSWORD)),
        lambda figures: print(script_issues_bench.report(figures)),
    ),
    "transactions": (
        lambda: asyncio.run(transactions_bench.run(GATEWAY, TEMPORAL, DATABASE, PASSWORD, *RUNS[-1], REPLICAS[0])),
        lambda figures: print(transactions_bench.report(figures)),
    ),
    "live": (
        lambda: asyncio.run(live_bench.run(GATEWAY, TEMPORAL, DATABASE, PASSWORD, RUN_LOGS[-1])),
        lambda figures: print(live_bench.report(figures)),
    ),
    "analytics": (
        lambda: asyncio.run(analytics_bench.run(GATEWAY, DATABASE, PASSWORD, RUN_LOGS[-1])),
        lambda figures: print(analytics_bench.report(figures)),
    ),
    "letters": (
        lambda: asyncio.run(letters_bench.run(GATEWAY, DATABASE, PASSWORD, RUN_LOGS[-1])),
        lambda figures: print(letters_bench.report(figures)),
    ),
    "calendars": (
        lambda: asyncio.run(calendars_bench.run(GATEWAY, PASSWORD, RUN_LOGS[-1])),
        lambda figures: print(calendars_bench.report(figures)),
    ),
}
PARTS = ("latency", *STACK_PARTS, "test_bed", "rate_limits")


def result_key(part: str) -> str:
    """A part run against `--replicas N` keeps its figures beside the one-replica run's."""
    return part if REPLICAS[0] == 1 else f"{part}_{REPLICAS[0]}_replicas"


def main(asked: list[str]) -> int:
    if not FLIGHTRAK.exists():
        sys.exit(f"bench: {FLIGHTRAK} not found; install the project into .venv first")
    if "--replicas" in asked:
        at = asked.index("--replicas")
        REPLICAS[0] = int(asked[at + 1])
        asked = asked[:at] + asked[at + 2 :]
    unknown = set(asked) - set(PARTS)
    if unknown:
        sys.exit(f"bench: no part {', '.join(sorted(unknown))}; the parts are {', '.join(PARTS)}")
    parts = [part for part in PARTS if part in asked] if asked else list(PARTS)
    check_ports_free()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    tmp = Path(tempfile.mkdtemp(prefix="flightrak-bench-"))
    data_dir = tmp / "data"
    process = None
    try:
        if "latency" in parts:
            process, first = start(data_dir, "run1.log")
            preload_statement_counters()
            stop(process)
            process = None
            wait_ports_released()
            process, restart = start(data_dir, "run2.log")
            latency = run_latency_benchmarks()
            results["startup_s"] = {"first_run": first, "restart": restart}
            results["latency"] = latency
            results["ratios"] = {
                "signin_plus_me": ratios(latency["gateway_signin_me"], latency["direct_signin_whoami"]),
                "me_only": ratios(latency["gateway_me"], latency["direct_whoami"]),
            }
        elif any(part in STACK_PARTS for part in parts):
            process, _ = start(data_dir, "run1.log")
            preload_statement_counters()
            stop(process)
            wait_ports_released()
            process, _ = start(data_dir, "run.log")
        for part in parts:
            if part in STACK_PARTS:
                results[result_key(part)] = STACK_PARTS[part][0]()
    finally:
        stop(process)
    if "test_bed" in parts:
        results["test_bed"] = test_bed_bench.run()
    if "rate_limits" in parts:
        results["rate_limits"] = rate_limits_bench.run()
    results.update(
        when=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        machine={"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        iterations=N,
        warmup=WARMUP,
        logs=str(tmp),
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    for part in parts:
        if part == "latency":
            print_latency(results)
        elif part == "test_bed":
            print_test_bed(results["test_bed"])
        elif part == "rate_limits":
            print(rate_limits_bench.report(results["rate_limits"]))
        else:
            STACK_PARTS[part][1](results[result_key(part)])
        print()
    print(f"wrote {RESULTS.relative_to(ROOT)} (logs in {tmp})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

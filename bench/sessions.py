"""What checking every caller's session costs (issue 13): `GET /api/v1/me`, and sign-in + me, through today's
gateway and identity service against the same two processes as they were before the check existed (BASELINE, run
from a git worktree of that commit), on the same PostgreSQL, in the same run, one request of each in turn.

Before the change a token was honoured until it expired; now every service also asks whether its session is still
current (flightrak/sessions.py), keeping the answer ~2 s. The target: both p50s within 10% of the baseline's.
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
# The last commit before sessions were checked on every RPC.
BASELINE = "ca091cb"
N = 300
WARMUP = 20
# A known account refused again and again (bench/run.py starts the product with a lockout it never reaches).
REFUSED_EMAIL = "user@tnmp.example"

IDENTITY = """
import asyncio, sys
from flightrak import db, grpc_runtime, service_process
from flightrak.settings import get_settings

async def main():
    server, name, engine, address = await service_process.start("identity", get_settings(), int(sys.argv[1]))
    await grpc_runtime.serve(server, name, address, lambda: db.answers(engine), on_stop=engine.dispose)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def baseline_tree(into: Path) -> Path:
    tree = into / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), BASELINE], cwd=ROOT, check=True,
                   capture_output=True)
    return tree


def start_baseline(tree: Path, database_url: str, temporal: str, logs: Path) -> tuple[list[subprocess.Popen], str]:
    """The baseline's identity service and gateway, on free ports; returns them and the gateway's URL."""
    identity_port, gateway_port = free_port(), free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(tree),
        FLIGHTRAK_DATABASE_URL=database_url,
        FLIGHTRAK_TEMPORAL_ADDRESS=temporal,
        FLIGHTRAK_TOKEN_SECRET="baseline-" + os.urandom(24).hex(),
        FLIGHTRAK_IDENTITY_ADDRESS=f"127.0.0.1:{identity_port}",
        FLIGHTRAK_GATEWAY_PORT=str(gateway_port),
    )
    log = (logs / "baseline.log").open("ab")
    processes = [
        subprocess.Popen([str(PYTHON), "-c", IDENTITY, str(identity_port)], cwd=tree, env=env, stdout=log,
                         stderr=subprocess.STDOUT),
        subprocess.Popen([str(PYTHON), "-m", "flightrak.cli", "gateway"], cwd=tree, env=env, stdout=log,
                         stderr=subprocess.STDOUT),
    ]
    return processes, f"http://127.0.0.1:{gateway_port}"


def signed_in(http: httpx.Client, email: str, password: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = http.post("/api/v1/session", json={"email": email, "password": password})
            if reply.status_code == 200:
                return reply.json()["token"]
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{http.base_url} did not sign {email} in within {timeout:.0f}s")
        time.sleep(0.2)


def summary(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "n": len(samples),
        "p50_ms": statistics.median(samples) * 1000,
        "p95_ms": statistics.quantiles(samples, n=100, method="inclusive")[94] * 1000,
    }


def run(gateway: str, database_url: str, temporal: str, email: str, password: str, logs: Path) -> dict:
    tree = baseline_tree(logs)
    processes, baseline_gateway = start_baseline(tree, database_url, temporal, logs)
    clients = {"today": httpx.Client(base_url=gateway, timeout=30), "before": httpx.Client(base_url=baseline_gateway,
                                                                                          timeout=30)}
    try:
        tokens = {name: signed_in(http, email, password) for name, http in clients.items()}

        def me(name: str, token: str) -> None:
            clients[name].get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).raise_for_status()

        def sign_in_and_me(name: str) -> None:
            me(name, signed_in(clients[name], email, password))

        timed = {f"{name}_{what}": [] for name in clients for what in ("me", "signin_me")}
        for index in range(WARMUP + N):
            for name in clients:  # one of each in turn, so both see the same machine
                for what, call in (("me", lambda n=name: me(n, tokens[n])), ("signin_me", lambda n=name:
                                                                               sign_in_and_me(n))):
                    started = time.perf_counter()
                    call()
                    if index >= WARMUP:
                        timed[f"{name}_{what}"].append(time.perf_counter() - started)
        # Sign-in refused: an email nobody has against a known one with a wrong password, one of each in turn.
        refused = {"unknown_email": [], "wrong_password": []}
        for _ in range(N // 3):
            for kind, who in (("unknown_email", "nobody@lonestar.example"), ("wrong_password", REFUSED_EMAIL)):
                started = time.perf_counter()
                reply = clients["today"].post("/api/v1/session", json={"email": who, "password": "not-the-one"})
                refused[kind].append(time.perf_counter() - started)
                assert reply.status_code == 401, reply.text
        figures = {key: summary(samples) for key, samples in (timed | refused).items()}
        figures["ratios"] = {
            what: figures[f"today_{what}"]["p50_ms"] / figures[f"before_{what}"]["p50_ms"]
            for what in ("me", "signin_me")
        }
        figures["ratios"]["unknown_over_wrong_password"] = (
            figures["unknown_email"]["p50_ms"] / figures["wrong_password"]["p50_ms"]
        )
        figures["baseline"] = BASELINE
        return figures
    finally:
        for http in clients.values():
            http.close()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
        shutil.rmtree(tree, ignore_errors=True)


def report(figures: dict) -> str:
    lines = [f"Session check on every RPC, against the same processes before it ({figures['baseline']}), "
             f"one of each in turn, n={figures['today_me']['n']}:"]
    for what, label in (("me", "GET /api/v1/me"), ("signin_me", "POST /session + GET /me")):
        today, before = figures[f"today_{what}"], figures[f"before_{what}"]
        lines.append(
            f"  {label:<26} today p50 {today['p50_ms']:6.2f} ms  p95 {today['p95_ms']:6.2f} ms   before p50 "
            f"{before['p50_ms']:6.2f} ms  p95 {before['p95_ms']:6.2f} ms   p50 ratio {figures['ratios'][what]:.3f}x"
            " (target under 1.10x)"
        )
    lines.append(
        f"  refused sign-in p50: unknown email {figures['unknown_email']['p50_ms']:6.2f} ms, known email with a wrong "
        f"password {figures['wrong_password']['p50_ms']:6.2f} ms "
        f"({figures['ratios']['unknown_over_wrong_password']:.2f}x; the same words either way)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit("run it through bench/run.py sessions")

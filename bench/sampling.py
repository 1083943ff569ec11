"""What the benches that time one request or one function over and over share: the samples' summary, the timing
itself (a warm-up, then N in turn), a bench user's sign-in and a flight of the bench's own made through the API."""

import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

import httpx

N, WARMUP = 60, 5


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": statistics.median(ordered) * 1000, "p95_ms": q[94] * 1000}


def timed(run: Callable[[], object]) -> dict:
    """`run` called WARMUP times, then timed N times in turn."""
    for _ in range(WARMUP):
        run()
    samples = []
    for _ in range(N):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return summary(samples)


async def latency(http: httpx.AsyncClient, path: str, headers: dict | None = None, **params) -> dict:
    """GET `path` WARMUP times, then timed N times in turn; any answer but 2xx stops the bench."""
    for _ in range(WARMUP):
        (await http.get(path, params=params, headers=headers)).raise_for_status()
    samples = []
    for _ in range(N):
        started = time.perf_counter()
        (await http.get(path, params=params, headers=headers)).raise_for_status()
        samples.append(time.perf_counter() - started)
    return summary(samples)


async def sign_in(http: httpx.AsyncClient, email: str, password: str) -> dict:
    signed = await http.post("/api/v1/session", json={"email": email, "password": password})
    signed.raise_for_status()
    return {"Authorization": f"Bearer {signed.json()['token']}"}


async def new_flight(http: httpx.AsyncClient, ercot: dict, years: range) -> str:
    """A flight of the bench's own, made through the API, in the first free designation of `years` (each bench part
    keeps to years of its own, so that parts run one after another do not meet)."""
    deadline = date.today() + timedelta(days=30)
    dates = {
        "signup_deadline": deadline.isoformat(),
        "day1_of_testing": (deadline + timedelta(days=14)).isoformat(),
        "end_date": (deadline + timedelta(days=56)).isoformat(),
    }
    for year in years:
        for month in range(1, 13):
            reply = await http.post(
                "/api/v1/flights", json={"designation": f"{month:02d}{year}", **dates}, headers=ercot
            )
            if reply.status_code == 201:
                return reply.json()["designation"]
    raise RuntimeError("no free flight designation for the bench")

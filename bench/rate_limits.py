"""What the gateway's rate limits cost a request: the CPU of one counted request (`limits`' asyncio in-memory storage,
as `memory://` runs in every gateway), with 10, 500 and 2,000 callers in the window, for the sliding window counter
the gateway uses against the moving window it used before, measured in the same run. The process's CPU time is
counted, so the storage's background sweep of expired entries (for the moving window, a thread hop for every key on
each request) is counted too.

Run from the repository root: `.venv/bin/python bench/rate_limits.py` (or `bench/run.py rate_limits`).
"""

import asyncio
import json
import resource
import time

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

CALLERS = (10, 500, 2_000)
REQUESTS = 1_000
LIMIT = parse("600/minute")  # the gateway's writes per token


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def cost(strategy, callers: int) -> dict:
    """Each caller has spent once; then REQUESTS requests from them in turn, the event loop turning between."""
    limiter = strategy(storage_from_string("async+memory://"))
    for caller in range(callers):
        await limiter.hit(LIMIT, "writes_per_token", f"token-{caller}")
    cpu, started = cpu_seconds(), time.perf_counter()
    for request in range(REQUESTS):
        await limiter.hit(LIMIT, "writes_per_token", f"token-{request % callers}")
        await asyncio.sleep(0.001)  # requests arrive apart; the storage's sweep runs meanwhile
    wall = time.perf_counter() - started
    return {"cpu_ms_per_request": (cpu_seconds() - cpu) * 1000 / REQUESTS, "wall_s": wall}


async def measure() -> dict:
    figures = {}
    for callers in CALLERS:
        moving = await cost(MovingWindowRateLimiter, callers)
        sliding = await cost(SlidingWindowCounterRateLimiter, callers)
        figures[str(callers)] = {
            "moving_window": moving,
            "sliding_window_counter": sliding,
            "ratio": sliding["cpu_ms_per_request"] / moving["cpu_ms_per_request"],
        }
    return figures


def run() -> dict:
    return asyncio.run(measure())


def report(figures: dict) -> str:
    lines = ["rate limits: CPU a counted request (ms), the gateway's sliding window counter vs the moving window"]
    for callers, row in figures.items():
        sliding, moving = (row[name]["cpu_ms_per_request"] for name in ("sliding_window_counter", "moving_window"))
        lines.append(
            f"  {int(callers):5,} callers in the window: sliding {sliding:.3f}  moving {moving:.3f}  "
            f"ratio {row['ratio']:.2f}x"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    result = run()
    print(report(result))
    print(json.dumps(result, indent=2))

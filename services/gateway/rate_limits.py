"""Rate limits: signing in, a system signing in and setting a password, per client address and per account;
changes, per token. Each budget is a setting in the `limits` notation (flightrak/settings.py RATE_LIMIT_BUDGETS),
counted in FLIGHTRAK_RATE_LIMIT_STORAGE: this process's memory, or a shared store (redis://...) so that every
replica of the gateway spends one budget.

The client address is the connection's (request.client.host); behind a proxy, uvicorn's forwarded_allow_ips must
name the proxy so that it is the browser's and not the proxy's.
"""

import hashlib
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from flightrak import roles, tokens
from flightrak.settings import RATE_LIMIT_BUDGETS, Settings
from services.gateway.backends import ApiError


class RateLimited(ApiError):
    """429: the caller spent one of its budgets; Retry-After says when the window frees a place."""

    def __init__(self, what: str, retry_after: int):
        super().__init__(
            429, f"Too many {what}; try again in {retry_after} seconds.", headers={"retry-after": str(retry_after)}
        )

    def body(self) -> dict:
        body = super().body()
        body["error"]["code"] = "rate_limited"
        return body


class RateLimits:
    """The budgets, read once from the settings, and the sliding windows that count what each caller spent.

    A sliding window counter (two counts a key: this window's and the last one's, weighted by how much of it is still
    in the window) rather than a moving window, which keeps every request's time: the in-memory moving window sweeps
    every key's list through a thread on each request, about 1 ms of the gateway's CPU a request with 500 callers in
    the window against 0.1 ms (bench/rate_limits.py)."""

    def __init__(self, settings: Settings):
        storage = settings.rate_limit_storage
        # The same URI as the limits documentation writes it; the gateway needs the asyncio flavour of its storage.
        self._limiter = SlidingWindowCounterRateLimiter(
            storage_from_string(storage if storage.startswith("async+") else f"async+{storage}")
        )
        self._budgets: dict[str, list[RateLimitItem]] = {
            budget: parse_many(getattr(settings, f"rate_limit_{budget}")) for budget in RATE_LIMIT_BUDGETS
        }

    async def spend(self, what: str, *charges: tuple[str, str]) -> None:
        """Counts one request against each (budget, key) in turn; the first budget already spent refuses it."""
        for budget, key in charges:
            for limit in self._budgets[budget]:
                if not await self._limiter.hit(limit, budget, key):
                    window = await self._limiter.get_window_stats(limit, budget, key)
                    raise RateLimited(what, max(1, math.ceil(window.reset_time - time.time())))


def _rate_limits(request: Request) -> RateLimits:
    state = request.app.state
    if getattr(state, "rate_limits", None) is None:
        state.rate_limits = RateLimits(state.settings)
    return state.rate_limits


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def fingerprint(secret: str) -> str:
    """A key that names a token or a link without the store ever holding what would let someone use it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


async def sign_in(request: Request, email: str) -> None:
    await _rate_limits(request).spend(
        "sign-in attempts",
        ("sign_in_per_address", client_address(request)),
        ("sign_in_per_account", email.strip().lower()),  # the account as the identity service finds it
    )


async def system_sign_in(request: Request, system_id: str) -> None:
    await _rate_limits(request).spend(
        "sign-in attempts",
        ("system_sign_in_per_address", client_address(request)),
        ("system_sign_in_per_system", system_id.strip().lower()),
    )


async def set_password(request: Request, link_token: str) -> None:
    await _rate_limits(request).spend(
        "attempts to set a password",
        ("set_password_per_address", client_address(request)),
        ("set_password_per_link", fingerprint(link_token)),
    )


async def write(request: Request, token: str, principal: tokens.Principal) -> None:
    """Every change a signed-in caller asks for, by the API or a page's form."""
    budget = "system_writes_per_token" if roles.is_transaction_system(principal) else "writes_per_token"
    await _rate_limits(request).spend("changes in a short time", (budget, fingerprint(token)))


async def calendar_feed(request: Request, feed_token: str) -> None:
    """A calendar app's fetch of a feed URL: no sign-in, the token in the path is the credential."""
    await _rate_limits(request).spend(
        "calendar fetches",
        ("calendar_feed_per_address", client_address(request)),
        ("calendar_feed_per_token", fingerprint(feed_token)),
    )

"""Who is calling: a bearer token (API clients) or the session cookie (browsers), with CSRF for the latter."""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from flightrak import errors, tokens
from services.gateway import rate_limits
from services.gateway.backends import ApiError

SESSION_COOKIE = "flightrak_session"
# Our tokens are a few hundred characters; a longer one is not ours, and would not fit in gRPC metadata.
MAX_TOKEN_CHARS = 4_096
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Caller:
    token: str
    principal: tokens.Principal
    by_cookie: bool


def csrf_token(secret: str, session_token: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{session_token}".encode(), hashlib.sha256).hexdigest()[:40]


def csrf_valid(secret: str, session_token: str, offered: str | None) -> bool:
    # Compared as bytes: compare_digest refuses text that is not ASCII, which anyone may send.
    if not offered:
        return False
    expected = csrf_token(secret, session_token).encode()
    return hmac.compare_digest(expected, offered.encode("utf-8", "replace"))


def _token(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip(), False
    return request.cookies.get(SESSION_COOKIE), True


async def optional_caller(request: Request) -> Caller | None:
    """The caller of a valid token whose session is current (signed out, deactivated or with changed roles, the
    token counts for nothing here, as in every service); nobody otherwise."""
    token, by_cookie = _token(request)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        principal = tokens.verify(token, request.app.state.settings.token_secret)
    except tokens.InvalidToken:
        return None
    try:
        refusal = await request.app.state.session_check.refusal(principal, token)
    except errors.Unavailable as down:
        raise ApiError(503, down.message, headers={"retry-after": "5"}) from None
    return None if refusal else Caller(token, principal, by_cookie)


async def api_caller(request: Request) -> Caller:
    """API calls: a valid token, and for cookie sessions on unsafe methods the CSRF header too."""
    caller = await optional_caller(request)
    if caller is None:
        raise ApiError(401, "sign in first: send a bearer token from POST /api/v1/session")
    if caller.by_cookie and request.method in UNSAFE_METHODS:
        secret = request.app.state.settings.token_secret
        if not csrf_valid(secret, caller.token, request.headers.get(CSRF_HEADER)):
            raise ApiError(403, f"a cookie session needs the {CSRF_HEADER} header on {request.method}")
    if request.method in UNSAFE_METHODS:
        await rate_limits.write(request, caller.token, caller.principal)
    return caller


ApiCaller = Annotated[Caller, Depends(api_caller)]
MaybeCaller = Annotated[Caller | None, Depends(optional_caller)]

"""Is the caller's session still current? Every service asks on every RPC, and keeps the answer a moment.

A token's signature proves who signed in; only the identity service knows whether they have since signed out, been
deactivated, had their roles changed or (a transaction system) had their key replaced. The identity service answers
from its own table; the others ask it over gRPC (IdentityService.CheckSession, with the caller's own token) and keep
the answer FRESH_FOR seconds, so a revocation reaches every service within a few seconds at the cost of about one
call per session per service every FRESH_FOR seconds. A revoked session never comes back, so a refusal is kept.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc

from flightrak import errors, tokens

FRESH_FOR = 2.0
KEPT = 20_000
NO_SESSION = "this token belongs to no session; sign in again"
IDENTITY_UNAVAILABLE = "FlighTrak cannot check your session right now; try again in a minute"

# The answer for one session: None when current, else why not, in words for the person.
Ask = Callable[[tokens.Principal, str], Awaitable[str | None]]


@dataclass
class _Answer:
    refusal: str | None
    fresh_until: float


class SessionCheck:
    def __init__(self, ask: Ask, fresh_for: float = FRESH_FOR, kept: int = KEPT):
        self._ask = ask
        self._fresh_for = fresh_for
        self._kept = kept
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        self._asking: dict[str, asyncio.Future] = {}

    async def refusal(self, principal: tokens.Principal, token: str) -> str | None:
        """None when the caller's session is current, else why not; errors.Unavailable when nobody can tell."""
        session_id = principal.session_id
        if not session_id:
            return NO_SESSION
        known = self._answers.get(session_id)
        if known is not None and (known.refusal is not None or known.fresh_until > time.monotonic()):
            return known.refusal
        if pending := self._asking.get(session_id):  # callers at the same moment share one question
            return await asyncio.shield(pending)
        pending = asyncio.get_running_loop().create_future()
        self._asking[session_id] = pending
        try:
            refusal = await self._ask(principal, token)
        except BaseException as error:
            pending.set_exception(error)
            pending.exception()  # retrieved here, so an unshared failure is not reported as never retrieved
            raise
        else:
            pending.set_result(refusal)
            self._remember(session_id, refusal)
            return refusal
        finally:
            del self._asking[session_id]

    def _remember(self, session_id: str, refusal: str | None) -> None:
        self._answers[session_id] = _Answer(refusal, time.monotonic() + self._fresh_for)
        self._answers.move_to_end(session_id)
        while len(self._answers) > self._kept:
            self._answers.popitem(last=False)


def asking_identity(channel: grpc.aio.Channel, fresh_for: float = FRESH_FOR) -> SessionCheck:
    """The check of a service other than identity: IdentityService.CheckSession, with the caller's token."""
    from flightrak.identity.v1 import identity_pb2, identity_pb2_grpc

    stub = identity_pb2_grpc.IdentityServiceStub(channel)

    async def ask(principal: tokens.Principal, token: str) -> str | None:
        try:
            await stub.CheckSession(
                identity_pb2.CheckSessionRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=5
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                return error.details() or NO_SESSION
            raise errors.Unavailable(IDENTITY_UNAVAILABLE) from None
        return None

    return SessionCheck(ask, fresh_for)

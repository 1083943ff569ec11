"""Each user's secret calendar feed URL (issue 17, "Calendars"). Calendar apps fetch it without signing in, so its
token is the credential: only the token's hash is kept, the token is told once when made, a new one revokes the
old, and revoking ends it. Fetching it is done as its user, in a session of its own that signing out elsewhere does
not end, and that ends with the feed."""

import hashlib
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flightrak import errors, projections
from flightrak.grpc_runtime import caller
from flightrak.identity.v1 import calendar_feeds_pb2 as pb
from flightrak.identity.v1 import calendar_feeds_pb2_grpc, identity_pb2
from services.identity import models, store

# A feed token names itself, so the log redaction (flightrak/logs.py) finds it anywhere in a line.
TOKEN_PREFIX = "ftcal_"
# One answer for every refusal, so a caller cannot tell an unknown token from a revoked one or a deactivated user.
NOT_FOUND = "no such calendar"
REVOKED_BECAUSE = "calendar feed revoked"
TokenFor = Callable[[int, str], Awaitable[identity_pb2.SignInResponse]]


def new_feed_token() -> tuple[str, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, feed_token_hash(token)


def feed_token_hash(token: str) -> str:
    # 256 random bits: a fast hash is enough, and lets the feed be looked up by it.
    return hashlib.sha256(token.encode()).hexdigest()


def _proto(feed: models.CalendarFeed | None, token: str = "") -> pb.CalendarFeed:
    if feed is None:
        return pb.CalendarFeed(active=False)
    return pb.CalendarFeed(active=True, token=token, created_at=projections.timestamp(feed.created_at))


async def _end_session(session: AsyncSession, feed: models.CalendarFeed | None) -> None:
    if feed is not None and feed.session_id:
        await store.revoke_sessions(session, REVOKED_BECAUSE, session_id=feed.session_id)


class CalendarFeedServicer(calendar_feeds_pb2_grpc.CalendarFeedServiceServicer):
    def __init__(self, sessions: async_sessionmaker, token_for: TokenFor):
        self._sessions = sessions
        self._token_for = token_for  # IdentityServicer's, so a feed's token says what a sign-in's would

    async def GetCalendarFeed(self, request, context) -> pb.CalendarFeed:
        async with self._sessions() as session:
            return _proto(await session.get(models.CalendarFeed, int(caller().user_id)))

    async def MakeCalendarFeed(self, request, context) -> pb.CalendarFeed:
        user_id = int(caller().user_id)
        token, token_hash = new_feed_token()
        async with self._sessions.begin() as session:
            await _end_session(session, await session.get(models.CalendarFeed, user_id, with_for_update=True))
            # One statement, so two makes at once leave one feed (the later) rather than a duplicate key.
            made = insert(models.CalendarFeed).values(user_id=user_id, token_hash=token_hash)
            feed = await session.scalar(
                made.on_conflict_do_update(
                    index_elements=[models.CalendarFeed.user_id],
                    set_={"token_hash": token_hash, "session_id": None, "created_at": func.now()},
                )
                .returning(models.CalendarFeed)
                .execution_options(populate_existing=True)
            )
            return _proto(feed, token)

    async def RevokeCalendarFeed(self, request, context) -> pb.CalendarFeed:
        user_id = int(caller().user_id)
        async with self._sessions.begin() as session:
            feed = await session.get(models.CalendarFeed, user_id, with_for_update=True)
            await _end_session(session, feed)
            await session.execute(delete(models.CalendarFeed).where(models.CalendarFeed.user_id == user_id))
        return _proto(None)

    async def OpenCalendarFeed(self, request: pb.OpenCalendarFeedRequest, context) -> pb.OpenCalendarFeedResponse:
        if not request.token.startswith(TOKEN_PREFIX):
            raise errors.NotFound(NOT_FOUND)
        async with self._sessions.begin() as session:
            feed = await session.scalar(
                select(models.CalendarFeed)
                .where(models.CalendarFeed.token_hash == feed_token_hash(request.token))
                .with_for_update()
            )
            if feed is None:
                raise errors.NotFound(NOT_FOUND)
            user = await session.get(models.User, feed.user_id)
            company = await session.get(models.Company, user.company_duns) if user is not None else None
            if user is None or company is None or not (user.active and company.active):
                raise errors.NotFound(NOT_FOUND)
            if not await self._session_open(session, feed.session_id):
                # The first fetch, or its session ended (a role change revokes a user's sessions): a new one.
                feed.session_id = await store.start_session(session, user_id=user.id)
            session_id, company_name = feed.session_id, company.name
        signed = await self._token_for(user.id, session_id)
        return pb.OpenCalendarFeedResponse(token=signed.token, company_name=company_name)

    @staticmethod
    async def _session_open(session: AsyncSession, session_id: str | None) -> bool:
        if not session_id:
            return False
        found = await session.get(models.Session, session_id)
        return found is not None and found.revoked_at is None

"""The results of `flightrak check` (flightrak.consistency): the command keeps each one here, in identity's schema,
and ERCOT's staff read the last one (the operations page)."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flightrak import authz, errors, projections
from flightrak.grpc_runtime import caller
from flightrak.identity.v1 import consistency_pb2 as pb
from flightrak.identity.v1 import consistency_pb2_grpc
from services.identity import models

KEPT_RESULTS = 100  # the newest is shown; a few before it stay for whoever looks into the database


async def keep(
    session: AsyncSession,
    checked_at: datetime,
    seconds: float,
    items_checked: int,
    transactions_checked: int,
    differences: list[dict],
) -> None:
    check = models.ConsistencyCheck
    session.add(
        check(
            checked_at=checked_at,
            seconds=seconds,
            items_checked=items_checked,
            transactions_checked=transactions_checked,
            differences=differences,
        )
    )
    await session.flush()
    older = select(check.id).order_by(check.checked_at.desc(), check.id.desc()).offset(KEPT_RESULTS)
    await session.execute(delete(check).where(check.id.in_(older.scalar_subquery())))


async def last(session: AsyncSession) -> models.ConsistencyCheck | None:
    check = models.ConsistencyCheck
    return await session.scalar(select(check).order_by(check.checked_at.desc(), check.id.desc()).limit(1))


class ConsistencyServicer(consistency_pb2_grpc.ConsistencyServiceServicer):
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    async def GetLastCheck(self, request: pb.GetLastCheckRequest, context) -> pb.ConsistencyCheck:
        if not authz.may_operate_flows(caller()):
            raise errors.PermissionDenied("only ERCOT's staff see the consistency check")
        async with self._sessions() as session:
            found = await last(session)
        if found is None:
            return pb.ConsistencyCheck(checked=False)
        return pb.ConsistencyCheck(
            checked=True,
            checked_at=projections.timestamp(found.checked_at),
            items_checked=found.items_checked,
            transactions_checked=found.transactions_checked,
            seconds=found.seconds,
            differences=[pb.ConsistencyDifference(**difference) for difference in found.differences],
        )

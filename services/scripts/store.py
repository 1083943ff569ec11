"""Reads and writes of the scripts tables; the only module that speaks SQL for this service."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import errors, projections
from services.scripts import models
from workflows.items import ItemTransition


async def latest_pack(session: AsyncSession, flight: str) -> models.Pack | None:
    return await session.scalar(
        select(models.Pack).where(models.Pack.flight == flight).order_by(models.Pack.version.desc()).limit(1)
    )


async def pack(session: AsyncSession, flight: str, version: int) -> models.Pack:
    found = await latest_pack(session, flight) if version == 0 else await session.get(models.Pack, (flight, version))
    if found is None:
        which = "no script pack" if version == 0 else f"no version {version} of the script pack"
        raise errors.NotFound(f"flight {flight} has {which} yet")
    return found


async def add_pack_version(session: AsyncSession, **values) -> models.Pack:
    """The next version of the flight's pack. Two publishers at once: the second's insert conflicts on
    (flight, version) and its transaction fails, so no version is ever overwritten."""
    version = 1 + (
        await session.scalar(
            select(func.coalesce(func.max(models.Pack.version), 0)).where(models.Pack.flight == values["flight"])
        )
    )
    published = models.Pack(version=version, **values)
    session.add(published)
    await session.flush()
    await session.refresh(published)
    return published


async def record_transition(session: AsyncSession, step: ItemTransition) -> None:
    await projections.record_transition(session, models.Item, models.ItemHistory, step)

"""Reads and writes of the testbed tables; the only module that speaks SQL for this service."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import projections
from services.testbed import models
from workflows.items import SYSTEM_ACTOR, ItemTransition
from workflows.registration.models import SpecificationsRequest

ITEM_TYPE = "Request for Testing Specifications"
PENDING_SPECIFICATIONS = "Pending Testing Specifications"
INSTRUCTIONS = (
    "Provide/Review Testing Specifications: the CR or its Service Provider enters its NAESB EDM "
    "connectivity specifications and testing contacts, then clicks OK for ERCOT's review."
)


async def open_specifications_request(session: AsyncSession, request: SpecificationsRequest) -> int:
    """Opens the CR's request once per approved registration; a retry returns the one already opened."""
    existing = await session.scalar(
        select(models.SpecificationsRequest.item_id).where(
            models.SpecificationsRequest.registration_item_id == request.registration_item_id
        )
    )
    if existing is not None:
        return existing
    item_id = await session.scalar(select(models.item_id_seq.next_value()))
    session.add(
        models.SpecificationsRequest(
            item_id=item_id,
            registration_item_id=request.registration_item_id,
            flight=request.flight,
            cr_duns=request.cr.duns,
            cr_name=request.cr.name,
            sp_duns=request.service_provider.duns,
        )
    )
    await session.flush()
    fields = {
        "flight": request.flight,
        "cr_duns": request.cr.duns,
        "cr_name": request.cr.name,
        "service_provider": request.service_provider.duns,
        "registration_item_id": str(request.registration_item_id),
    }
    opened = ItemTransition(
        workflow_id=f"specifications-{request.flight}-{request.cr.duns}",
        item_id=item_id,
        seq=1,
        item_type=ITEM_TYPE,
        title=f"Flight {request.flight} Testing Specifications - {request.cr.name}",
        company_duns=request.cr.duns,
        state=PENDING_SPECIFICATIONS,
        responsible_party="CR",
        instructions=INSTRUCTIONS,
        fields=fields,
        closed=False,
        actor=SYSTEM_ACTOR,
        action="Opened",
        from_state="",
        to_state=PENDING_SPECIFICATIONS,
        changes={},
        comment=f"Opened when ERCOT approved registration {request.registration_item_id}.",
    )
    await projections.record_transition(session, models.Item, models.ItemHistory, opened)
    return item_id


def requests_visible_to(duns: str, is_ercot: bool, flight: str = "", item_id: int = 0):
    """ERCOT sees every request; a CR its own; an SP those of the CRs that chose it. Searched by flight
    and Item ID."""
    statement = select(models.SpecificationsRequest, models.Item).join(
        models.Item, models.Item.item_id == models.SpecificationsRequest.item_id
    )
    if flight:
        statement = statement.where(models.SpecificationsRequest.flight == flight)
    if item_id:
        statement = statement.where(models.SpecificationsRequest.item_id == item_id)
    if not is_ercot:
        statement = statement.where(
            or_(models.SpecificationsRequest.cr_duns == duns, models.SpecificationsRequest.sp_duns == duns)
        )
    return statement.order_by(models.SpecificationsRequest.item_id.desc())


async def rows(session: AsyncSession, statement) -> list:
    return list((await session.execute(statement)).all())


async def specifications_request(session: AsyncSession, item_id: int) -> models.SpecificationsRequest | None:
    return await session.get(models.SpecificationsRequest, item_id)

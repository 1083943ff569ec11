"""Reads and writes of the testbed tables; the only module that speaks SQL for this service."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import errors, projections
from services.testbed import models
from workflows.items import SYSTEM_ACTOR, ItemTransition
from workflows.specifications import models as specifications
from workflows.specifications.ids import specifications_workflow_id
from workflows.specifications.workflows import INSTRUCTIONS


async def request_for(session: AsyncSession, flight: str, duns: str) -> models.SpecificationsRequest | None:
    return await session.scalar(
        select(models.SpecificationsRequest).where(
            models.SpecificationsRequest.flight == flight, models.SpecificationsRequest.company_duns == duns
        )
    )


async def open_request(
    session: AsyncSession,
    flight: str,
    kind: str,
    duns: str,
    name: str,
    sp_duns: str = "",
    registration_item_id: int | None = None,
) -> tuple[specifications.SpecificationsInput, bool]:
    """The company's request for this flight, opened (item and first step recorded) if it had none;
    returns the workflow input and whether it was opened now."""
    existing = await request_for(session, flight, duns)
    if existing is not None:
        return _input(existing), False
    item_id = await session.scalar(select(models.item_id_seq.next_value()))
    request = models.SpecificationsRequest(
        item_id=item_id,
        flight=flight,
        kind=kind,
        company_duns=duns,
        company_name=name,
        sp_duns=sp_duns,
        registration_item_id=registration_item_id,
    )
    session.add(request)
    await session.flush()
    opened = _input(request)
    why = (
        f"Opened when ERCOT approved registration {registration_item_id}."
        if registration_item_id
        else f"Opened for {name}'s pairings in flight {flight}."
    )
    await projections.record_transition(
        session,
        models.Item,
        models.ItemHistory,
        ItemTransition(
            workflow_id=specifications_workflow_id(flight, duns),
            item_id=item_id,
            seq=opened.opened_seq,
            item_type=specifications.ITEM_TYPE,
            title=f"Flight {flight} Testing Specifications - {name}",
            company_duns=duns,
            state=specifications.PENDING_SPECIFICATIONS,
            responsible_party=kind,
            instructions=INSTRUCTIONS[specifications.PENDING_SPECIFICATIONS],
            fields=opened.fields,
            closed=False,
            actor=SYSTEM_ACTOR,
            action="Opened",
            from_state="",
            to_state=specifications.PENDING_SPECIFICATIONS,
            changes={},
            comment=why,
        ),
    )
    return opened, True


def _input(request: models.SpecificationsRequest) -> specifications.SpecificationsInput:
    fields = {"flight": request.flight, "kind": request.kind, "company_name": request.company_name}
    if request.sp_duns:
        fields["service_provider"] = request.sp_duns
    if request.registration_item_id:
        fields["registration_item_id"] = str(request.registration_item_id)
    return specifications.SpecificationsInput(
        item_id=request.item_id,
        flight=request.flight,
        kind=request.kind,
        company_duns=request.company_duns,
        company_name=request.company_name,
        service_provider_duns=request.sp_duns,
        fields=fields,
    )


async def specifications_request(session: AsyncSession, item_id: int) -> models.SpecificationsRequest:
    found = await session.get(models.SpecificationsRequest, item_id)
    if found is None:
        raise errors.NotFound(f"no item {item_id}")
    return found


def requests_visible_to(duns: str, is_ercot: bool, flight: str = "", item_id: int = 0):
    """ERCOT sees every request; a company its own; an SP those of the CRs that chose it. Searched by flight
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
            or_(models.SpecificationsRequest.company_duns == duns, models.SpecificationsRequest.sp_duns == duns)
        )
    return statement.order_by(models.SpecificationsRequest.item_id.desc())


async def rows(session: AsyncSession, statement) -> list:
    return list((await session.execute(statement)).all())


async def record_transition(session: AsyncSession, step: ItemTransition) -> None:
    await projections.record_transition(session, models.Item, models.ItemHistory, step)

"""Reads and writes of the registration tables; the only module that speaks SQL for this service."""

from datetime import date, datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import authz, errors, item_events, projections
from flightrak.tokens import Principal
from flightrak.visibility import readable_where
from services.registration import models
from workflows.flight import models as flights
from workflows.items import ItemTransition
from workflows.notices import models as notices
from workflows.registration import models as registrations


async def next_item_id(session: AsyncSession) -> int:
    return (await session.execute(select(models.item_id_seq.next_value()))).scalar_one()


async def flight(session: AsyncSession, designation: str) -> models.Flight:
    found = await session.get(models.Flight, designation)
    if found is None:
        raise errors.NotFound(f"no flight {designation}")
    return found


async def flights_in(session: AsyncSession, states: tuple[str, ...] | None = None) -> list[models.Flight]:
    statement = select(models.Flight).order_by(models.Flight.registration_closes_at)
    if states is not None:
        statement = statement.where(models.Flight.state.in_(states))
    return list(await session.scalars(statement))


async def open_registration(session: AsyncSession, flight: str, cr_duns: str) -> models.Registration | None:
    return await session.scalar(
        select(models.Registration).where(
            models.Registration.flight == flight, models.Registration.cr_duns == cr_duns, ~models.Registration.closed
        )
    )


async def last_registration_fields(session: AsyncSession, cr_duns: str) -> dict[str, str] | None:
    """The fields of the CR's latest registration that was not cancelled, to fill the next form."""
    item = await session.scalar(
        select(models.Item)
        .join(models.Registration, models.Registration.item_id == models.Item.item_id)
        .where(models.Registration.cr_duns == cr_duns, ~models.Registration.closed)
        .order_by(models.Item.item_id.desc())
        .limit(1)
    )
    return None if item is None else dict(item.fields)


async def approved_before(session: AsyncSession, cr_duns: str, flight: str) -> bool:
    """An existing CR: approved in another flight and not cancelled since."""
    found = await session.scalar(
        select(models.Registration.item_id).where(
            models.Registration.cr_duns == cr_duns,
            models.Registration.flight != flight,
            models.Registration.approved,
            ~models.Registration.closed,
        )
    )
    return found is not None


async def registration(session: AsyncSession, item_id: int) -> models.Registration | None:
    return await session.get(models.Registration, item_id)


def _announcement():
    """This service's items, announced to their readers as its pages read them: a flight to every signed-in user;
    a registration by authz.registration_readers (readable's rule); a market notice, once published, to its
    audience (authz.notice_readers, notices_store.readable_where's rule); a draft to ERCOT's staff only."""
    item, registration = models.Item.__table__, models.Registration.__table__
    pairing, notice, recipient = models.TestPairing.__table__, models.Notice.__table__, models.NoticeRecipient.__table__
    paired_tdsps = select(pairing.c.tdsp_duns).where(pairing.c.registration_item_id == registration.c.item_id)
    public = notice.c.state.in_((notices.PUBLISHED, notices.SUPERSEDED))
    addressed = select(recipient.c.company_duns).where(and_(recipient.c.item_id == notice.c.item_id, public))
    readers = (
        *authz.registration_readers(registration.c.cr_duns, registration.c.sp_duns, paired_tdsps),
        *authz.notice_readers(addressed),
    )
    joined = item.outerjoin(registration, registration.c.item_id == item.c.item_id).outerjoin(
        notice, notice.c.item_id == item.c.item_id
    )
    return item_events.announcement(item, readers, joined=joined, everyone=item.c.item_type == flights.ITEM_TYPE)


ANNOUNCE_ITEMS = _announcement()


async def record_transition(session: AsyncSession, step: ItemTransition) -> None:
    """The item's projection, and the row of its own table that the reports read."""
    if not await projections.record_transition(session, models.Item, models.ItemHistory, step):
        return  # written already, these rows with it
    latest = await session.scalar(select(models.Item.last_seq).where(models.Item.item_id == step.item_id))
    if latest != step.seq:
        return  # a retried older step: the newer one already set these rows
    if step.item_type == flights.ITEM_TYPE:
        await _keep_flight(session, step)
    elif step.item_type == registrations.ITEM_TYPE:
        await _keep_registration(session, step)
    await item_events.announce(session, ANNOUNCE_ITEMS, step.item_id)


# Built once, reused by every step (see projections.upsert).
UPSERT_FLIGHT = projections.upsert(
    models.Flight.__table__,
    ["designation", "item_id", "signup_deadline", "registration_closes_at", "day1_of_testing", "end_date", "state"],
    ["designation"],
)
_REGISTRATION_COLUMNS = [
    "item_id", "flight", "cr_duns", "cr_name", "sp_duns", "sp_name", "tdsp_duns", "state", "approved", "closed"
]
UPSERT_REGISTRATION = projections.upsert(
    models.Registration.__table__,
    _REGISTRATION_COLUMNS,
    ["item_id"],
    {name: f"EXCLUDED.{name}" for name in _REGISTRATION_COLUMNS if name not in ("item_id", "approved")}
    # Once approved, always was: an existing CR is one approved in an earlier flight.
    | {"approved": "registrations.approved OR EXCLUDED.approved", "updated_at": "now()"},
)
UPSERT_PAIRING = projections.upsert(
    models.TestPairing.__table__,
    ["flight", "cr_duns", "tdsp_duns", "registration_item_id", "cr_name", "tdsp_name", "sp_duns", "sp_name"],
    ["flight", "cr_duns", "tdsp_duns"],
)


async def _keep_flight(session: AsyncSession, step: ItemTransition) -> None:
    await session.execute(
        UPSERT_FLIGHT,
        {
            "designation": step.fields["designation"],
            "item_id": step.item_id,
            "signup_deadline": date.fromisoformat(step.fields["signup_deadline"]),
            "registration_closes_at": datetime.fromisoformat(step.fields["registration_closes_at"]),
            "day1_of_testing": date.fromisoformat(step.fields["day1_of_testing"]),
            "end_date": date.fromisoformat(step.fields["end_date"]),
            "state": step.state,
        },
    )


async def _keep_registration(session: AsyncSession, step: ItemTransition) -> None:
    provider = step.fields.get(registrations.SERVICE_PROVIDER, "")
    await session.execute(
        UPSERT_REGISTRATION,
        {
            "item_id": step.item_id,
            "flight": step.fields["flight"],
            "cr_duns": step.company_duns,
            "cr_name": step.fields.get("cr_name", ""),
            "sp_duns": "" if provider == "self" else provider,
            "sp_name": step.fields.get(registrations.SERVICE_PROVIDER_NAME, ""),
            "tdsp_duns": [d for d in step.fields.get("tdsps", "").split(",") if d],
            "state": step.state,
            "approved": step.state == registrations.PENDING_SCRIPT_ASSIGNMENT,
            "closed": step.closed,
        },
    )
    if step.closed:
        # A cancelled registration's pairings end with it (the testbed service ends its own copy).
        pairing = models.TestPairing
        await session.execute(delete(pairing).where(pairing.registration_item_id == step.item_id))


async def record_test_pairings(session: AsyncSession, pairings: registrations.TestPairings) -> None:
    rows = [
        {
            "flight": pairings.flight,
            "cr_duns": pairings.cr.duns,
            "tdsp_duns": tdsp.duns,
            "registration_item_id": pairings.registration_item_id,
            "cr_name": pairings.cr.name,
            "tdsp_name": tdsp.name,
            "sp_duns": pairings.service_provider.duns,
            "sp_name": pairings.service_provider.name,
        }
        for tdsp in pairings.tdsps
    ]
    for row in rows:
        await session.execute(UPSERT_PAIRING, row)


def _readable_registration(principal: Principal):
    registration, pairing = models.Registration, models.TestPairing
    paired_tdsps = select(pairing.tdsp_duns).where(pairing.registration_item_id == registration.item_id)
    readers = authz.registration_readers(registration.cr_duns, registration.sp_duns, paired_tdsps)
    return readable_where(principal, readers)


def readable(principal: Principal):
    """The registrations (with their flights) a caller may read, by authz.registration_readers: the item page, the
    registration reports and their exports all ask this."""
    return (
        select(models.Registration, models.Flight)
        .join(models.Flight, models.Flight.designation == models.Registration.flight)
        .where(_readable_registration(principal))
    )


async def visible_item(session: AsyncSession, principal: Principal, item_id: int):
    """An item with its flight (a flight's own row, or the one a registration is for; None for a notice), in one
    statement; a registration the caller may not read (readable's rule) is not found."""
    item, registration, flight = models.Item, models.Registration, models.Flight
    statement = (
        select(item, flight, _readable_registration(principal))
        .outerjoin(registration, registration.item_id == item.item_id)
        .outerjoin(flight, or_(flight.item_id == item.item_id, flight.designation == registration.flight))
        .where(item.item_id == item_id)
    )
    found = (await session.execute(statement)).first()
    if found is None or (found[0].item_type == registrations.ITEM_TYPE and not (found[1] and found[2])):
        raise errors.NotFound(f"no item {item_id}")
    return found[0], found[1]


def readable_pairings(principal: Principal):
    """The pairings a caller may read (authz.pairing_readers: the CR, its SP, the TDSP). Only live registrations
    count."""
    pairing = models.TestPairing
    return (
        select(pairing)
        .join(models.Registration, models.Registration.item_id == pairing.registration_item_id)
        .where(~models.Registration.closed)
        .where(readable_where(principal, authz.pairing_readers(pairing.cr_duns, pairing.sp_duns, pairing.tdsp_duns)))
    )


async def rows(session: AsyncSession, statement) -> list:
    return list((await session.execute(statement)).all())

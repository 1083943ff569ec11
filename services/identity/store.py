"""Reads and writes of the identity tables; the only module that speaks SQL for this service."""

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flightrak import authz, boundary, errors, item_events, projections, roles
from flightrak.tokens import Principal
from flightrak.visibility import readable_where
from services.identity import domain, models
from workflows.items import ItemTransition


async def company(session: AsyncSession, duns: str) -> models.Company:
    found = await session.get(models.Company, duns)
    if found is None:
        raise errors.NotFound(f"no company with DUNS {duns}")
    return found


async def companies(session: AsyncSession, include_inactive: bool) -> list[models.Company]:
    statement = select(models.Company).order_by(models.Company.name)
    if not include_inactive:
        statement = statement.where(models.Company.active)
    return list(await session.scalars(statement))


_CURRENT_LIST = models.DistributionList.removed_at.is_(None)


async def distribution_lists(session: AsyncSession, duns_list: list[str]) -> dict[str, list[models.DistributionList]]:
    """The current (not removed) lists of each company."""
    rows = await session.scalars(
        select(models.DistributionList)
        .where(models.DistributionList.company_duns.in_(duns_list), _CURRENT_LIST)
        .order_by(models.DistributionList.name, models.DistributionList.email)
    )
    grouped: dict[str, list[models.DistributionList]] = {}
    for row in rows:
        grouped.setdefault(row.company_duns, []).append(row)
    return grouped


async def list_recipients(session: AsyncSession, duns_list: list[str]) -> list[tuple[str, str]]:
    """(list email, company name) of every current distribution list of the active companies named."""
    statement = (
        select(models.DistributionList.email, models.Company.name)
        .join(models.Company, models.Company.duns == models.DistributionList.company_duns)
        .where(models.DistributionList.company_duns.in_(duns_list), _CURRENT_LIST, models.Company.active)
        .order_by(models.Company.name, models.DistributionList.email)
    )
    return [tuple(row) for row in (await session.execute(statement)).all()]


async def distribution_list(session: AsyncSession, duns: str, email: str) -> models.DistributionList:
    found = await session.scalar(
        select(models.DistributionList)
        .where(models.DistributionList.company_duns == duns, models.DistributionList.email == email, _CURRENT_LIST)
        .with_for_update()
    )
    if found is None:
        raise errors.NotFound(f"company {duns} has no distribution list {email}")
    return found


async def distribution_list_problems(session: AsyncSession, email: str) -> dict[str, str]:
    """A list's address is not already a current list, nor any user's (active or not) address."""
    listed = select(models.DistributionList.id).where(models.DistributionList.email == email, _CURRENT_LIST)
    if await session.scalar(listed):
        return {"email": f"{email} is already a distribution list"}
    if await session.scalar(select(models.User.id).where(models.User.email == email)):
        return {"email": f"{email} is a user's address; a distribution list needs its own"}
    return {}


async def remove_distribution_list(session: AsyncSession, listed: models.DistributionList, by_user_id: int) -> None:
    listed.removed_at, listed.removed_by = func.now(), by_user_id


async def user(session: AsyncSession, user_id: str, for_update: bool = False) -> models.User:
    possible = boundary.is_number(user_id) and int(user_id) <= boundary.INT64_MAX
    found = await session.get(models.User, int(user_id), with_for_update=for_update) if possible else None
    if found is None:
        raise errors.NotFound(f"no user {boundary.quoted(user_id)}")
    return found


async def user_names(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    found = await session.execute(
        select(models.User.id, models.User.first_name, models.User.last_name).where(models.User.id.in_(user_ids))
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in found}


async def user_by_email(session: AsyncSession, email: str) -> models.User | None:
    return await session.scalar(select(models.User).where(models.User.email == email))


async def users_of(session: AsyncSession, duns: str) -> list[models.User]:
    return list(
        await session.scalars(
            select(models.User)
            .where(models.User.company_duns == duns)
            .order_by(models.User.active.desc(), models.User.last_name, models.User.first_name)
        )
    )


async def roles_of(session: AsyncSession, user_ids: list[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(models.UserRole.user_id, models.UserRole.role).where(models.UserRole.user_id.in_(user_ids))
    )
    found: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    for user_id, role in rows:
        found[user_id].append(role)
    return {user_id: sorted(held) for user_id, held in found.items()}


async def set_roles(session: AsyncSession, user_id: int, roles: list[str]) -> None:
    await session.execute(delete(models.UserRole).where(models.UserRole.user_id == user_id))
    if roles:
        await session.execute(insert(models.UserRole), [{"user_id": user_id, "role": r} for r in sorted(set(roles))])


async def uniqueness_problems(
    session: AsyncSession, fields: dict[str, str], except_user_id: int | None = None
) -> dict[str, str]:
    """Email unique and not a distribution list; employee ID unique."""
    problems: dict[str, str] = {}
    others = select(models.User.id)
    if except_user_id is not None:
        others = others.where(models.User.id != except_user_id)
    email, employee_id = fields.get("email"), fields.get("employee_id")
    is_list = select(models.DistributionList.name).where(models.DistributionList.email == email, _CURRENT_LIST)
    if email and await session.scalar(is_list):
        problems["email"] = f"{email} is a distribution list; a user needs a personal address"
    elif email and await session.scalar(others.where(models.User.email == email)):
        problems["email"] = f"{email} is already used by another user"
    if employee_id and await session.scalar(others.where(models.User.employee_id == employee_id)):
        problems["employee_id"] = f"employee ID {employee_id} is already used by another user"
    return problems


async def next_item_id(session: AsyncSession) -> int:
    return (await session.execute(select(models.item_id_seq.next_value()))).scalar_one()


def readable(principal: Principal):
    """The user-admin requests a caller may read (authz.company_readers): its company's, and ERCOT every one."""
    return select(models.Item).where(readable_where(principal, authz.company_readers(models.Item.company_duns)))


async def readable_item(session: AsyncSession, principal: Principal, item_id: int) -> models.Item:
    found = await session.scalar(readable(principal).where(models.Item.item_id == item_id))
    if found is None:
        raise errors.NotFound(f"no item {item_id}")
    return found


async def items_of(
    session: AsyncSession, principal: Principal, duns: str, include_closed: bool
) -> list[models.Item]:
    statement = readable(principal).where(models.Item.company_duns == duns)
    statement = statement.order_by(models.Item.item_id.desc()).limit(500)
    if not include_closed:
        statement = statement.where(~models.Item.closed)
    return list(await session.scalars(statement))


# A user-admin request is announced to its company's users (authz.company_readers, as readable reads it).
ANNOUNCE_ITEMS = item_events.announcement(
    models.Item.__table__, authz.company_readers(models.Item.__table__.c.company_duns)
)


async def record_transition(session: AsyncSession, step: ItemTransition) -> None:
    if await projections.record_transition(session, models.Item, models.ItemHistory, step):
        await item_events.announce(session, ANNOUNCE_ITEMS, step.item_id)


async def deactivate(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(models.User).where(models.User.id == user_id).values(active=False, deactivated_at=func.now())
    )
    await revoke_sessions(session, domain.DEACTIVATED, user_id=user_id)


async def start_session(session: AsyncSession, user_id: int | None = None, system_id: str | None = None) -> str:
    """A new sign-in's session; its ID goes into every token issued for it."""
    session_id = domain.new_session_id()
    session.add(models.Session(session_id=session_id, user_id=user_id, system_id=system_id))
    await session.flush()
    return session_id


async def revoke_sessions(
    session: AsyncSession, because: str, user_id: int | None = None, system_id: str | None = None,
    session_id: str | None = None, company_duns: str | None = None,
) -> None:
    """Ends the open sessions of a user, of a company's users, of a system, or one session: their tokens are refused
    from now on."""
    open_sessions = models.Session.revoked_at.is_(None)
    if session_id is not None:
        chosen = models.Session.session_id == session_id
    elif company_duns is not None:
        chosen = models.Session.user_id.in_(select(models.User.id).where(models.User.company_duns == company_duns))
    elif user_id is not None:
        chosen = models.Session.user_id == user_id
    else:
        chosen = models.Session.system_id == system_id
    await session.execute(
        update(models.Session).where(chosen, open_sessions).values(revoked_at=func.now(), revoked_because=because)
    )


_SESSION_STATE = select(
    models.Session.user_id, models.Session.system_id, models.Session.revoked_because
).where(models.Session.session_id == bindparam("session_id"))


async def session_refusal(sessions: async_sessionmaker, principal: Principal, token: str) -> str | None:
    """None while the caller's session is current; else why it is not, in words for the person."""
    async with sessions() as session:
        found = (await session.execute(_SESSION_STATE, {"session_id": principal.session_id})).first()
    if found is None or principal.user_id not in (str(found.user_id), f"{roles.SYSTEM_USER_PREFIX}{found.system_id}"):
        return "this session is unknown; sign in again"
    return domain.revoked_words(found.revoked_because)


async def add_invitation(
    session: AsyncSession, user_id: int, token_hash: str, created_by: int, expires_at: datetime, mail_sealed: str
) -> models.Invitation:
    """Records a new set-password link for the user, its mail due now; their earlier unused links stop working."""
    await session.execute(
        update(models.Invitation)
        .where(
            models.Invitation.user_id == user_id,
            models.Invitation.used_at.is_(None),
            models.Invitation.superseded_at.is_(None),
        )
        .values(superseded_at=func.now())
    )
    invitation = models.Invitation(
        user_id=user_id, token_hash=token_hash, created_by=created_by, expires_at=expires_at,
        mail_sealed=mail_sealed, mail_due_at=func.now(),
    )
    session.add(invitation)
    await session.flush()
    return invitation


async def invitation_by_token_hash(session: AsyncSession, token_hash: str) -> models.Invitation | None:
    """Locked until the transaction ends, so a link is used at most once."""
    return await session.scalar(
        select(models.Invitation).where(models.Invitation.token_hash == token_hash).with_for_update()
    )


UNIQUE_USER_FIELDS = {"users_email_key": "email", "users_employee_id_key": "employee_id"}


def unique_violation_field(error: IntegrityError) -> str | None:
    """The user field whose unique constraint refused the row, as the driver names the constraint."""
    diagnostic = getattr(error.orig, "diag", None)
    return UNIQUE_USER_FIELDS.get(getattr(diagnostic, "constraint_name", None) or "")


async def ercot_duns(session: AsyncSession) -> str:
    """ERCOT's DUNS, as its company row (kind ERCOT) records it."""
    found = await session.scalar(
        select(models.Company.duns)
        .where(models.Company.kind == "ERCOT", models.Company.active)
        .order_by(models.Company.created_at)
    )
    if found is None:
        raise errors.FailedPrecondition("ERCOT's company is not recorded")
    return found


async def transaction_system(
    session: AsyncSession, system_id: str, for_update: bool = False
) -> models.TransactionSystem:
    found = await session.get(models.TransactionSystem, system_id, with_for_update=for_update)
    if found is None:
        raise errors.NotFound(f"no transaction system {system_id}")
    return found


async def transaction_systems(session: AsyncSession) -> list[tuple[models.TransactionSystem, str]]:
    """Every registered system with the name of the ERCOT admin who registered it; active ones first."""
    registrar = models.User.first_name + " " + models.User.last_name
    rows = await session.execute(
        select(models.TransactionSystem, registrar)
        .join(models.User, models.User.id == models.TransactionSystem.registered_by)
        .order_by(models.TransactionSystem.active.desc(), models.TransactionSystem.system_id)
    )
    return [(system, name) for system, name in rows]


async def ensure_demo_transaction_system(
    session: AsyncSession, demo_password: str, registered_by: int, hasher: PasswordHasher
) -> None:
    """Registers the demo's system, or gives it back the key derived from the demo password (rotated or changed)."""
    key = domain.demo_system_key(demo_password)
    system = await session.get(models.TransactionSystem, domain.DEMO_TRANSACTION_SYSTEM)
    if system is None:
        session.add(
            models.TransactionSystem(
                system_id=domain.DEMO_TRANSACTION_SYSTEM,
                name=domain.DEMO_TRANSACTION_SYSTEM_NAME,
                key_hash=hasher.hash(key),
                active=True,
                registered_by=registered_by,
            )
        )
        return
    try:
        hasher.verify(system.key_hash, key)
    except (VerifyMismatchError, InvalidHashError):
        system.key_hash, system.key_issued_at = hasher.hash(key), func.now()

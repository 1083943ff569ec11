"""The demo market: the same companies, users and roles on every start (user guide §3 parties)."""

from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from flightrak import roles
from services.identity import models, store
from services.identity.server import password_hasher


@dataclass(frozen=True)
class DemoCompany:
    slug: str
    name: str
    duns: str
    kind: str
    parent: str = ""


COMPANIES = (
    DemoCompany("ercot", "Electric Reliability Council of Texas, Inc.", "183529049", "ERCOT"),
    DemoCompany("lonestar", "Lone Star Power & Light, LLC", "079348512", "CR"),
    DemoCompany("lonestar-east", "Lone Star Power & Light - East Texas", "0793485120001", "CR", "079348512"),
    DemoCompany("bluebonnet", "Bluebonnet Energy Services, LLC", "116724480", "CR"),
    DemoCompany("oncor", "Oncor Electric Delivery Company LLC", "103994067", "TDSP"),
    DemoCompany("centerpoint", "CenterPoint Energy Houston Electric, LLC", "957877905", "TDSP"),
    DemoCompany("aep-central", "AEP Texas Central Company", "007924772", "TDSP"),
    DemoCompany("aep-north", "AEP Texas North Company", "007923311", "TDSP"),
    DemoCompany("tnmp", "Texas-New Mexico Power Company", "007929441", "TDSP"),
    DemoCompany("edigate", "EDIGate Market Services, Inc.", "601234587", "SP"),
    # The audience of the demo's market notice (ERCOT's NPRR348 reminder is addressed to QSEs).
    DemoCompany("brazos-qse", "Brazos Scheduling Services, LLC", "148203657", "QSE"),
    DemoCompany("pecos-qse", "Pecos Power Marketing, LP", "073915264", "QSE"),
)

# (mailbox, first, last, roles) for each market participant; ERCOT has its own two staff.
PARTICIPANT_USERS = (
    ("admin", "Maria", "Alvarez", [roles.MP_ADMIN, roles.USER]),
    ("ar", "James", "Whitfield", [roles.AR, roles.USER]),
    ("bar", "Priya", "Natarajan", [roles.BAR, roles.USER]),
    ("user", "Tom", "Becker", [roles.USER]),
)
ERCOT_USERS = (
    ("admin", "Catherine", "Meiners", [roles.ERCOT_ADMIN]),
    ("reviewer", "Darnell", "Okafor", [roles.ERCOT_REVIEWER]),
)


def demo_accounts() -> list[tuple[str, str, str]]:
    """(email, company, roles) of every demo account, for the run command to print."""
    accounts = []
    for company in COMPANIES:
        users = ERCOT_USERS if company.kind == "ERCOT" else PARTICIPANT_USERS
        for mailbox, _, _, held in users:
            labels = ", ".join(roles.ROLE_LABELS[r] for r in held if r != roles.USER or len(held) == 1)
            accounts.append((f"{mailbox}@{company.slug}.example", company.slug, labels))
    return accounts


async def load(sessions: async_sessionmaker, password: str) -> None:
    """Upserts the demo market; one argon2 hash serves every demo account (each verifies alone)."""
    async with sessions.begin() as session:
        password_hash = await _demo_hash(session, password)
        for number, company in enumerate(COMPANIES, start=1):
            found = await session.get(models.Company, company.duns)
            if found is None:
                session.add(
                    models.Company(
                        duns=company.duns, name=company.name, kind=company.kind, parent_duns=company.parent or None
                    )
                )
                await session.flush()
            list_email = f"certification@{company.slug}.example"
            listed = select(models.DistributionList).where(models.DistributionList.email == list_email)
            if not await session.scalar(listed):
                session.add(
                    models.DistributionList(
                        company_duns=company.duns, name=f"{company.name} certification team", email=list_email
                    )
                )
            users = ERCOT_USERS if company.kind == "ERCOT" else PARTICIPANT_USERS
            for index, (mailbox, first, last, held) in enumerate(users, start=1):
                email = f"{mailbox}@{company.slug}.example"
                user = await store.user_by_email(session, email)
                if user is None:
                    user = models.User(
                        company_duns=company.duns,
                        first_name=first,
                        last_name=last,
                        employee_id=f"{company.slug.upper()}-{number:02d}{index:02d}",
                        email=email,
                        phone=f"512-555-{number:02d}{index:02d}",
                    )
                    session.add(user)
                    await session.flush()
                    await store.set_roles(session, user.id, held)
                user.password_hash = password_hash
        # The demo's transaction-processing system, registered by ERCOT's admin, its key derived from the password.
        ercot_admin = await store.user_by_email(session, "admin@ercot.example")
        assert ercot_admin is not None  # made above with the demo's users
        await store.ensure_demo_transaction_system(session, password, ercot_admin.id, password_hasher)


async def _demo_hash(session, password: str) -> str:
    existing = await session.scalar(
        select(models.User.password_hash).where(models.User.email == "admin@ercot.example")
    )
    if existing:
        try:
            password_hasher.verify(existing, password)
            return existing
        except (VerifyMismatchError, InvalidHashError):
            pass
    return password_hasher.hash(password)

"""Reads and writes of qualification letters (models.Letter) and what they are drafted from: a CR's script issues in
a flight, their items and the day each passed."""

from sqlalchemy import Text, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import authz, errors
from flightrak.market_time import CENTRAL
from flightrak.tokens import Principal
from flightrak.visibility import readable_where
from services.scripts import letters, models
from workflows.scripts import models as m

# One drafter of a CR's letter at a time: two of its issues closing at once each see the other once it committed.
_ONE_DRAFTER = select(func.pg_advisory_xact_lock(3, func.hashtext(bindparam("key", type_=Text))))


async def one_drafter(session: AsyncSession, flight: str, cr_duns: str) -> None:
    await session.execute(_ONE_DRAFTER, {"key": f"{flight}-{cr_duns}"})


def _cr_issues(flight: str, cr_duns: str):
    issue = models.ScriptIssue
    return and_(issue.flight == flight, issue.cr_duns == cr_duns, issue.parent_item_id.is_(None))


async def cr_states(session: AsyncSession, flight: str, cr_duns: str) -> list[str]:
    """The state of every script issue the flight opened for the CR; an issue still opening (no item yet) is ''."""
    issue, item = models.ScriptIssue, models.Item
    statement = (
        select(func.coalesce(item.state, ""))
        .select_from(issue)
        .outerjoin(item, item.item_id == issue.item_id)
        .where(_cr_issues(flight, cr_duns))
    )
    return list(await session.scalars(statement))


async def flight_script_ids(session: AsyncSession, flight: str) -> set[str]:
    issue = models.ScriptIssue
    statement = select(issue.script_id).where(issue.flight == flight, issue.parent_item_id.is_(None)).distinct()
    return set(await session.scalars(statement))


async def flight_crs(session: AsyncSession, flight: str) -> list[tuple[str, str]]:
    """(DUNS, name) of every CR the flight opened script issues for, with no letter yet."""
    issue, item, letter = models.ScriptIssue, models.Item, models.Letter
    statement = (
        select(issue.cr_duns, func.max(item.fields["cr_name"].astext))
        .join(item, item.item_id == issue.item_id)
        .where(issue.flight == flight, issue.parent_item_id.is_(None))
        .where(~select(letter.item_id).where(letter.flight == flight, letter.cr_duns == issue.cr_duns).exists())
        .group_by(issue.cr_duns)
        .order_by(issue.cr_duns)
    )
    return [(duns, name or duns) for duns, name in (await session.execute(statement)).all()]


async def has_letter(session: AsyncSession, flight: str, cr_duns: str) -> bool:
    letter = models.Letter
    found = select(letter.item_id).where(letter.flight == flight, letter.cr_duns == cr_duns)
    return await session.scalar(found) is not None


async def drafted_rows(session: AsyncSession, flight: str, cr_duns: str):
    """The letter's rows as the CR's script issues stand now, by TDSP and in the pack's order of opening; with the
    scenarios certified and the CR's Service Provider."""
    issue, item, history = models.ScriptIssue, models.Item, models.ItemHistory
    passed_at = (
        select(func.min(history.at))
        .where(history.item_id == issue.item_id, history.to_state == m.SCRIPT_PASSED)
        .scalar_subquery()
    )
    statement = (
        select(issue, item.state, item.fields, passed_at)
        .outerjoin(item, item.item_id == issue.item_id)
        .where(_cr_issues(flight, cr_duns))
        .order_by(item.fields["tdsp_name"].astext, issue.tdsp_duns, issue.item_id)
    )
    found = (await session.execute(statement)).all()
    rows = [
        letters.LetterRow(
            tdsp_duns=kept.tdsp_duns,
            tdsp_name=(fields or {}).get("tdsp_name", kept.tdsp_duns),
            script_id=kept.script_id,
            script_title=(fields or {}).get("script_title", ""),
            state=state or "Opening",
            passed_on=at.astimezone(CENTRAL).date().isoformat() if at and state == m.SCRIPT_PASSED else "",
        )
        for kept, state, fields, at in found
    ]
    scenarios = letters.scenarios_of(kept.pairing_kinds for kept, *_ in found)
    sp_duns = next((kept.sp_duns for kept, *_ in found if kept.sp_duns), "")
    cr_name = next(((fields or {}).get("cr_name", "") for _, _, fields, _ in found if fields), "")
    return rows, scenarios, sp_duns, cr_name


async def freeze(session: AsyncSession, item_id: int, flight: str, cr_duns: str, draft: int) -> models.Letter:
    """Keeps the letter's rows as they stand now, as its draft `draft`, and answers the letter as kept: a retried
    draft keeps the rows its first attempt froze."""
    rows, scenarios, sp_duns, cr_name = await drafted_rows(session, flight, cr_duns)
    values = {
        "item_id": item_id,
        "flight": flight,
        "cr_duns": cr_duns,
        "sp_duns": sp_duns,
        "cr_name": cr_name or cr_duns,
        "draft": draft,
        "scenarios": scenarios,
        "rows": [row.as_json() for row in rows],
    }
    kept = pg_insert(models.Letter).values(values)
    changed = {name: kept.excluded[name] for name in ("draft", "scenarios", "rows", "sp_duns")}
    await session.execute(
        kept.on_conflict_do_update(
            index_elements=["item_id"], set_={**changed, "drafted_at": func.now()}, where=models.Letter.draft < draft
        )
    )
    return await session.get_one(models.Letter, item_id, populate_existing=True)


def readable(principal: Principal):
    letter = models.Letter
    return readable_where(principal, authz.letter_readers(letter.cr_duns, letter.sp_duns))


async def readable_letter(session: AsyncSession, principal: Principal, item_id: int) -> models.Letter:
    """The letter, if the caller may read it; else not found, whether or not it exists."""
    found = await session.scalar(select(models.Letter).where(models.Letter.item_id == item_id, readable(principal)))
    if found is None:
        raise errors.NotFound(f"no item {item_id}")
    return found


async def letters_of(session: AsyncSession, principal: Principal, flight: str = "") -> list:
    """The letters the caller may read, with their items, newest first; of one flight when it is named."""
    letter, item = models.Letter, models.Item
    statement = select(letter, item).join(item, item.item_id == letter.item_id).where(readable(principal))
    if flight:
        statement = statement.where(letter.flight == flight)
    return list((await session.execute(statement.order_by(letter.item_id.desc()).limit(5000))).all())

"""Reads and writes of the market notice tables (the registration service's schema)."""

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from flightrak import authz, errors, item_events, projections, visibility
from flightrak.tokens import Principal
from services.registration import models, store
from services.registration import notices as rules
from workflows.notices import models as m

PUBLIC_STATES = (m.PUBLISHED, m.SUPERSEDED)

_NOTICE_COLUMNS = [
    "item_id",
    "notice_id",
    "state",
    "notice_date",
    "notice_type",
    "short_description",
    "audience",
    "days_affected",
    "long_description",
    "action_required",
    "additional_information",
    "contact",
    "flight",
    "reissue_of",
    "reissue_of_item_id",
    "superseded_by",
    "published_at",
    "last_seq",
]
UPSERT_NOTICE = projections.upsert(
    models.Notice.__table__,
    _NOTICE_COLUMNS,
    ["item_id"],
    {name: f"EXCLUDED.{name}" for name in _NOTICE_COLUMNS if name != "item_id"},
    where="notices.last_seq < EXCLUDED.last_seq",
)
INSERT_RECIPIENT = projections.upsert(
    models.NoticeRecipient.__table__,
    ["item_id", "company_duns", "company_name", "company_kind", "lists", "acknowledged_by"],
    ["item_id", "company_duns"],
    set_={},
)
INSERT_MAIL = projections.upsert(
    models.NoticeMail.__table__,
    ["item_id", "round", "list_email", "company_duns", "status", "attempts", "last_error"],
    ["item_id", "round", "list_email"],
    set_={},
)


async def record_step(session: AsyncSession, step: m.NoticeStep) -> None:
    """The item's projection and history, the notice's row, and what the step adds, in one transaction;
    idempotent on (item, seq) like every step."""
    transition = step.transition
    if not await projections.record_transition(session, models.Item, models.ItemHistory, transition):
        return
    await session.execute(UPSERT_NOTICE, _notice_values(transition))
    now = datetime.now(UTC)
    for addressee in step.addressees:
        await session.execute(
            INSERT_RECIPIENT,
            {
                "item_id": transition.item_id,
                "company_duns": addressee.duns,
                "company_name": addressee.name,
                "company_kind": addressee.kind,
                "lists": list(addressee.lists),
                "acknowledged_by": "",
            },
        )
    if step.acknowledged_duns:
        await session.execute(
            update(models.NoticeRecipient)
            .where(
                models.NoticeRecipient.item_id == transition.item_id,
                models.NoticeRecipient.company_duns == step.acknowledged_duns,
                models.NoticeRecipient.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now, acknowledged_by=transition.actor.name)
        )
    if step.mail_round:
        await _queue_mail(session, transition.item_id, step.mail_round, step.mailed_duns, transition.fields)
    await item_events.announce(session, store.ANNOUNCE_ITEMS, transition.item_id)


async def _queue_mail(session: AsyncSession, item_id: int, round_: str, duns: list[str], fields: dict) -> None:
    """One row per distribution list of each company mailed; a list unsubscribed from the type is noted, not sent."""
    recipients = await session.scalars(
        select(models.NoticeRecipient).where(
            models.NoticeRecipient.item_id == item_id, models.NoticeRecipient.company_duns.in_(duns)
        )
    )
    unsubscribed = set(
        await session.scalars(
            select(models.NoticeSubscription.list_email).where(
                models.NoticeSubscription.notice_type == fields.get("notice_type", ""),
                ~models.NoticeSubscription.subscribed,
            )
        )
    )
    rows = [
        {
            "item_id": item_id,
            "round": round_,
            "list_email": email,
            "company_duns": recipient.company_duns,
            "status": "unsubscribed" if email in unsubscribed else "queued",
            "attempts": 0,
            "last_error": "",
        }
        for recipient in recipients
        for email in recipient.lists
    ]
    if rows:
        await session.execute(INSERT_MAIL, rows)


def _notice_values(step) -> dict:
    fields = step.fields
    days, _ = rules.parse_days(fields.get("days_affected", ""))
    notice_date = fields.get("notice_date", "")
    published_at = fields.get("published_at", "")
    return {
        "item_id": step.item_id,
        "notice_id": fields.get("notice_id") or None,
        "state": step.state,
        "notice_date": date.fromisoformat(notice_date) if notice_date else None,
        "notice_type": fields.get("notice_type", ""),
        "short_description": fields.get("short_description", ""),
        "audience": fields.get("audience", ""),
        "days_affected": days,
        "long_description": fields.get("long_description", ""),
        "action_required": fields.get("action_required", ""),
        "additional_information": fields.get("additional_information", ""),
        "contact": fields.get("contact", ""),
        "flight": fields.get("flight", ""),
        "reissue_of": fields.get("reissue_of", ""),
        "reissue_of_item_id": int(fields["reissue_of_item_id"]) if fields.get("reissue_of_item_id") else None,
        "superseded_by": fields.get("superseded_by", ""),
        "published_at": datetime.fromisoformat(published_at) if published_at else None,
        "last_seq": step.seq,
    }


async def notice(session: AsyncSession, item_id: int = 0, notice_id: str = "") -> models.Notice:
    if item_id:
        found = await session.get(models.Notice, item_id)
    else:
        found = await session.scalar(select(models.Notice).where(models.Notice.notice_id == notice_id))
    if found is None:
        raise errors.NotFound(f"no market notice {item_id or notice_id}")
    return found


def readable_where(principal: Principal):
    """The notices a caller may read (authz.notice_readers): ERCOT every one, drafts too; anyone else those
    published to their company. The notice page, the Market Notices list and report ask this."""
    if principal.is_ercot:
        return true()
    recipient = aliased(models.NoticeRecipient)  # its own: `listed` joins the caller's recipient row too
    addressed = select(recipient.company_duns).where(recipient.item_id == models.Notice.item_id)
    readers = authz.notice_readers(addressed)
    return and_(models.Notice.state.in_(PUBLIC_STATES), visibility.readable_where(principal, readers))


async def may_read(session: AsyncSession, item_id: int, principal: Principal) -> bool:
    readable = select(models.Notice.item_id).where(models.Notice.item_id == item_id, readable_where(principal))
    return await session.scalar(readable) is not None


async def listed(session: AsyncSession, principal: Principal, flight: str = "") -> list[tuple]:
    """(notice, when this user read it, this company's recipient row), newest first; drafts (ERCOT) on top."""
    duns, user_id = principal.duns, principal.user_id
    statement = (
        select(models.Notice, models.NoticeRead.read_at, models.NoticeRecipient)
        .outerjoin(
            models.NoticeRecipient,
            and_(models.NoticeRecipient.item_id == models.Notice.item_id, models.NoticeRecipient.company_duns == duns),
        )
        .outerjoin(
            models.NoticeRead,
            and_(models.NoticeRead.item_id == models.Notice.item_id, models.NoticeRead.user_id == user_id),
        )
        .where(readable_where(principal))
        .order_by(models.Notice.published_at.desc().nulls_first(), models.Notice.item_id.desc())
    )
    if flight:
        statement = statement.where(models.Notice.flight == flight)
    return list((await session.execute(statement)).tuples().all())


async def recipients(session: AsyncSession, item_id: int, duns: str | None = None) -> list[models.NoticeRecipient]:
    statement = select(models.NoticeRecipient).where(models.NoticeRecipient.item_id == item_id)
    if duns is not None:
        statement = statement.where(models.NoticeRecipient.company_duns == duns)
    return list(await session.scalars(statement.order_by(models.NoticeRecipient.company_name)))


async def acknowledgement_counts(session: AsyncSession, item_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per notice: (acknowledged, addressed)."""
    rows = await session.execute(
        select(
            models.NoticeRecipient.item_id,
            func.count(models.NoticeRecipient.acknowledged_at),
            func.count(),
        )
        .where(models.NoticeRecipient.item_id.in_(item_ids))
        .group_by(models.NoticeRecipient.item_id)
    )
    return {item_id: (acked, total) for item_id, acked, total in rows}


async def reissue_of(session: AsyncSession, item_id: int) -> models.Notice | None:
    """The published reissue of a notice, if any."""
    return await session.scalar(
        select(models.Notice).where(models.Notice.reissue_of_item_id == item_id, models.Notice.state.in_(PUBLIC_STATES))
    )


async def mark_read(session: AsyncSession, item_id: int, user_id: str) -> None:
    statement = projections.upsert(models.NoticeRead.__table__, ["item_id", "user_id"], ["item_id", "user_id"], {})
    await session.execute(statement, {"item_id": item_id, "user_id": user_id})


async def reserved_number(session: AsyncSession, item_id: int) -> str | None:
    return await session.scalar(select(models.NoticeNumber.notice_id).where(models.NoticeNumber.item_id == item_id))


async def reserve_number(session: AsyncSession, item_id: int, notice_date: date, reissue_of: str) -> str:
    """The notice's ERCOT ID, handed out once: a reissue takes its stem's next suffix, a new notice the next
    letter of its day. Concurrent publishers cannot take the same ID (its row is the primary key)."""
    existing = await reserved_number(session, item_id)
    if existing:
        return existing
    for _ in range(30):
        if reissue_of:
            stem = rules.stem_of(reissue_of)
            highest = await session.scalar(
                select(func.max(models.NoticeNumber.suffix)).where(models.NoticeNumber.stem == stem)
            )
            given = int(reissue_of.rsplit("-", 1)[1])
            candidate = rules.notice_id(stem, max(highest or 0, given) + 1)
            suffix = int(candidate.rsplit("-", 1)[1])
        else:
            stems = await session.scalar(
                select(func.count(func.distinct(models.NoticeNumber.stem))).where(
                    models.NoticeNumber.stem.like(rules.stem_pattern(notice_date))
                )
            )
            stem = rules.new_stem(notice_date, stems or 0)
            candidate, suffix = rules.notice_id(stem, 1), 1
        statement = projections.upsert(
            models.NoticeNumber.__table__, ["notice_id", "stem", "suffix", "item_id"], ["notice_id"], {}
        )
        values = {"notice_id": candidate, "stem": stem, "suffix": suffix, "item_id": item_id}
        taken = cast("CursorResult[Any]", await session.execute(statement, values))  # an INSERT's result
        if taken.rowcount:
            await session.commit()
            return candidate
        await session.rollback()
    raise errors.Conflict("could not give the notice an ID; publish again")


async def stem_known(session: AsyncSession, stem: str) -> bool:
    found = await session.scalar(select(models.NoticeNumber.notice_id).where(models.NoticeNumber.stem == stem))
    return found is not None


async def mail_summary(session: AsyncSession, item_id: int) -> dict[str, int | str]:
    rows = await session.execute(
        select(models.NoticeMail.status, func.count())
        .where(models.NoticeMail.item_id == item_id)
        .group_by(models.NoticeMail.status)
    )
    summary: dict[str, int | str] = {status: count for status, count in rows}
    summary["last_error"] = (
        await session.scalar(
            select(models.NoticeMail.last_error)
            .where(
                models.NoticeMail.item_id == item_id,
                models.NoticeMail.status == "queued",
                models.NoticeMail.last_error != "",
            )
            .limit(1)
        )
        or ""
    )
    return summary


def _round_mail(item_id: int, round_: str, *narrowed: ColumnElement[bool]) -> ColumnElement[bool]:
    """The mail of one round of a notice (one row a list), `narrowed` further."""
    return and_(models.NoticeMail.item_id == item_id, models.NoticeMail.round == round_, *narrowed)


async def queued_mail(session: AsyncSession, item_id: int, round_: str) -> list[models.NoticeMail]:
    return list(
        await session.scalars(
            select(models.NoticeMail)
            .where(_round_mail(item_id, round_, models.NoticeMail.status == "queued"))
            .order_by(models.NoticeMail.list_email)
        )
    )


async def mail_count(session: AsyncSession, item_id: int, round_: str, status: str) -> int:
    mail = models.NoticeMail
    counted = select(func.count()).where(mail.item_id == item_id, mail.round == round_, mail.status == status)
    return (await session.execute(counted)).scalar_one()


async def mark_sent(session: AsyncSession, item_id: int, round_: str, emails: list[str]) -> None:
    await session.execute(
        update(models.NoticeMail)
        .where(_round_mail(item_id, round_, models.NoticeMail.list_email.in_(emails)))
        .values(status="sent", sent_at=datetime.now(UTC), attempts=models.NoticeMail.attempts + 1, last_error="")
    )


async def mark_failed(session: AsyncSession, item_id: int, round_: str, emails: list[str], error: str) -> None:
    await session.execute(
        update(models.NoticeMail)
        .where(_round_mail(item_id, round_, models.NoticeMail.list_email.in_(emails)))
        .values(attempts=models.NoticeMail.attempts + 1, last_error=error[:500])
    )


async def subscriptions(session: AsyncSession, emails: list[str]) -> list[models.NoticeSubscription]:
    return list(
        await session.scalars(select(models.NoticeSubscription).where(models.NoticeSubscription.list_email.in_(emails)))
    )


async def set_subscription(
    session: AsyncSession, list_email: str, notice_type: str, company_duns: str, subscribed: bool, by: str
) -> None:
    columns = ["list_email", "notice_type", "company_duns", "subscribed", "changed_by"]
    statement = projections.upsert(
        models.NoticeSubscription.__table__,
        columns,
        ["list_email", "notice_type"],
        {"subscribed": "EXCLUDED.subscribed", "changed_by": "EXCLUDED.changed_by", "changed_at": "now()"},
    )
    await session.execute(
        statement,
        {
            "list_email": list_email,
            "notice_type": notice_type,
            "company_duns": company_duns,
            "subscribed": subscribed,
            "changed_by": by,
        },
    )


async def flight_designations(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(models.Flight.designation)))


async def mark_rejected(session: AsyncSession, item_id: int, round_: str, rejected: dict[str, str]) -> None:
    """A list the SMTP server refused for good (5xx): kept with the reason, not retried."""
    for email, reason in rejected.items():
        await session.execute(
            update(models.NoticeMail)
            .where(_round_mail(item_id, round_, models.NoticeMail.list_email == email))
            .values(status="rejected", attempts=models.NoticeMail.attempts + 1, last_error=reason[:500])
        )

"""Reads and writes of the scripts tables; the only module that speaks SQL for this service."""

from collections.abc import Collection, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Text,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import authz, errors, item_events, projections
from flightrak.copying import same_named
from flightrak.tokens import Principal
from flightrak.visibility import readable_where
from services.scripts import models, packs, transactions
from workflows.items import ItemTransition
from workflows.scripts import models as m


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


async def add_pack_version(
    session: AsyncSession, flight: str, pack: packs.ScriptPack, content: str, published_by: str
) -> models.Pack:
    """The next version of the flight's pack, stored as `content` (packs.pack_as_json of `pack`). Two publishers at
    once: the second's insert conflicts on (flight, version) and its transaction fails, so no version is ever
    overwritten."""
    newest = select(func.coalesce(func.max(models.Pack.version), 0)).where(models.Pack.flight == flight)
    version = 1 + (await session.execute(newest)).scalar_one()
    published = models.Pack(
        flight=flight,
        version=version,
        title=pack.title,
        example=pack.example,
        script_count=len(pack.scripts),
        content=content,
        digest=packs.digest(content),
        published_by=published_by,
    )
    session.add(published)
    await session.flush()
    await session.refresh(published)
    return published


def _announcement():
    """Script issues and their sub-flows, announced to their pairing's readers (authz.pairing_readers, as readable
    reads them); a sub-flow also names its script issue, whose page links it."""
    item, issue = models.Item.__table__, models.ScriptIssue.__table__
    return item_events.announcement(
        item,
        authz.pairing_readers(issue.c.cr_duns, issue.c.sp_duns, issue.c.tdsp_duns),
        joined=item.join(issue, issue.c.item_id == item.c.item_id),
        flight=issue.c.flight,
        parent=issue.c.parent_item_id,
    )


ANNOUNCE_ITEMS = _announcement()


async def record_transition(session: AsyncSession, step: ItemTransition) -> None:
    if await projections.record_transition(session, models.Item, models.ItemHistory, step):
        await item_events.announce(session, ANNOUNCE_ITEMS, step.item_id)


async def existing_issues(session: AsyncSession, flight: str) -> dict[tuple[str, str, str], int]:
    """(CR DUNS, TDSP DUNS, Script ID) -> Item ID of the flight's script issues (not their sub-flows)."""
    issue = models.ScriptIssue
    statement = select(issue.cr_duns, issue.tdsp_duns, issue.script_id, issue.item_id).where(
        issue.flight == flight, issue.parent_item_id.is_(None)
    )
    return {(cr, tdsp, script): item_id for cr, tdsp, script, item_id in (await session.execute(statement)).all()}


async def new_item_ids(session: AsyncSession, count: int) -> list[int]:
    if count == 0:
        return []
    statement = select(models.item_id_seq.next_value()).select_from(func.generate_series(1, count))
    return list(await session.scalars(statement))


async def add_issues(session: AsyncSession, issues: list[dict], opened: Sequence[ItemTransition] = ()) -> None:
    """Many script issues at once (a few statements, not one per issue); with `opened`, their items and first
    steps too. Without, an issue is still opening: no item, so it is listed nowhere until add_opened."""
    if not issues:
        return
    await session.execute(insert(models.ScriptIssue), issues)
    await add_opened(session, opened)


async def add_opened(session: AsyncSession, opened: Sequence[ItemTransition]) -> None:
    """The items of script issues whose workflows have started, at their first step (Ready to Begin). An item
    recorded already (a retried opening; a step its workflow took first) is kept as it is."""
    if not opened:
        return
    item, history = pg_insert(models.Item), pg_insert(models.ItemHistory)
    await session.execute(item.on_conflict_do_nothing(), [projections.item_values(step) for step in opened])
    rows = [projections.history_values(step, models.ItemHistory.__table__) for step in opened]
    await session.execute(history.on_conflict_do_nothing(), rows)
    await item_events.announce(session, ANNOUNCE_ITEMS, *(step.item_id for step in opened))


async def p2p_item(session: AsyncSession, parent_item_id: int, step: int) -> int:
    """The Item ID of a script issue's sub-flow for its step, made the first time it is asked for; unique on
    (parent, step), so a retried or doubled ask gets the same one."""
    issue = models.ScriptIssue
    mine = select(issue.item_id).where(issue.parent_item_id == parent_item_id, issue.step == step)
    found = await session.scalar(mine)
    if found is not None:
        return found
    parent = await session.get(issue, parent_item_id)
    if parent is None:
        raise errors.NotFound(f"no script issue {parent_item_id}")
    [item_id] = await new_item_ids(session, 1)
    added = await session.scalar(
        pg_insert(issue)
        .values(
            item_id=item_id,
            **same_named(parent, "flight", "script_id", "cr_duns", "tdsp_duns", "sp_duns", "pack_version"),
            parent_item_id=parent_item_id,
            step=step,
        )
        .on_conflict_do_nothing(index_elements=["parent_item_id", "step"], index_where=issue.parent_item_id.isnot(None))
        .returning(issue.item_id)
    )
    return added if added is not None else (await session.execute(mine)).scalar_one()


def readable(principal: Principal):
    """Where a script issue or P2P sub-flow is one the caller may read, by authz.pairing_readers (the pairing's
    CR, its SP and its TDSP; ERCOT every one): the item page and every report of them ask this."""
    issue = models.ScriptIssue
    return readable_where(principal, authz.pairing_readers(issue.cr_duns, issue.sp_duns, issue.tdsp_duns))


async def readable_issue(session: AsyncSession, principal: Principal, item_id: int) -> models.ScriptIssue:
    issue = models.ScriptIssue
    found = await session.scalar(select(issue).where(issue.item_id == item_id, readable(principal)))
    if found is None:
        raise errors.NotFound(f"no item {item_id}")
    return found


def _visible_issues(statement, principal: Principal, flight: str, item_id: int):
    """Script issues the caller may read, searched by flight and Item ID."""
    issue = models.ScriptIssue
    if flight:
        statement = statement.where(issue.flight == flight)
    if item_id:
        statement = statement.where(issue.item_id == item_id)
    return statement.where(readable(principal))


def report_statement(report: str, principal: Principal, flight: str = "", item_id: int = 0, after: int = 0):
    """The rows of a Current Flight Tasks or Flight Progress report, chosen in SQL: what the caller may see and
    what the report lists (by state and by whose task it is), newest first (by Item ID, so a page is a range of
    the primary key); `after` (an Item ID) starts the page after that row. Plain columns, not ORM objects:
    a page of 500 rows is built several times faster."""
    issue, item = models.ScriptIssue, models.Item
    columns = select(
        issue.item_id,
        issue.flight,
        issue.script_id,
        issue.parent_item_id,
        issue.cr_duns,
        issue.sp_duns,
        issue.tdsp_duns,
        item.title,
        item.state,
        item.responsible_party,
        item.instructions,
        item.updated_at,
        item.fields["cr_name"].astext.label("cr_name"),
        item.fields["tdsp_name"].astext.label("tdsp_name"),
        item.fields["esi_id"].astext.label("esi_id"),
        issue.esi_ids,
    )
    statement = _visible_issues(columns.join(item, item.item_id == issue.item_id), principal, flight, item_id)
    duns, is_ercot = principal.duns, principal.is_ercot
    mine_as_cr = or_(*(party == duns for party in authz.cr_side(issue.cr_duns, issue.sp_duns)))
    mine_as_tdsp = issue.tdsp_duns == duns
    party = item.responsible_party
    my_task: ColumnElement[bool]
    partner_task: ColumnElement[bool]
    if is_ercot:  # ERCOT is no pairing's CR or TDSP: its tasks are ERCOT's, and it is nobody's testing partner
        my_task, partner_task = party == m.ERCOT, false()
    else:
        my_task = or_(and_(party.in_([m.CR, m.SP]), mine_as_cr), and_(party == m.TDSP, mine_as_tdsp))
        partner_task = or_(and_(party == m.TDSP, mine_as_cr), and_(party.in_([m.CR, m.SP]), mine_as_tdsp))
    script = item.item_type == m.SCRIPT_ISSUE
    is_open = ~item.closed  # NOT closed: the form the open-task index is partial on
    conditions = {
        "scripts-ready-to-begin": [script, is_open, item.state == m.READY_TO_BEGIN, my_task],
        "my-script-tasks": [is_open, item.state != m.READY_TO_BEGIN, my_task],
        "ercot-script-tasks": [is_open, party == m.ERCOT],
        "testing-partner-script-tasks": [is_open, partner_task, ~my_task],
        "active-script-issues": [script, is_open],
        "completed-script-issues": [script, item.closed.is_(True)],
        "flight-progress-active-script-issues": [script, is_open],
        "flight-progress-completed-script-issues": [script, item.closed.is_(True)],
    }[report]
    if after:
        conditions.append(issue.item_id < after)
    return statement.where(*conditions).order_by(issue.item_id.desc())


def progress_statement(principal: Principal, flight: str = "", item_id: int = 0):
    """Script issues counted per pairing and standing, in one pass: (CR DUNS, TDSP DUNS, standing, count, an
    Item ID of the pairing's), standing 0 Script Passed, 1 active, 2 not started (Ready to Begin), 3 failed or
    not completed. Names are read after (progress_names), from one item a pairing: reading every item's
    fields for them cost more than the counting."""
    issue, item = models.ScriptIssue, models.Item
    standing = case(
        (item.state == m.SCRIPT_PASSED, 0),
        (item.state == m.READY_TO_BEGIN, 2),
        (item.closed.is_(True), 3),
        else_=1,
    ).label("standing")
    statement = (
        select(issue.cr_duns, issue.tdsp_duns, standing, func.count(), func.min(issue.item_id))
        .join(item, issue.item_id == item.item_id)
        .where(item.item_type == m.SCRIPT_ISSUE)
    )
    return _visible_issues(statement, principal, flight, item_id).group_by(
        issue.cr_duns, issue.tdsp_duns, standing
    )


async def progress_names(session: AsyncSession, item_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Item ID -> (CR name, TDSP name)."""
    item = models.Item
    statement = select(item.item_id, item.fields["cr_name"].astext, item.fields["tdsp_name"].astext).where(
        item.item_id.in_(item_ids)
    )
    return {item_id: (cr or "", tdsp or "") for item_id, cr, tdsp in (await session.execute(statement)).all()}


async def current_flight(session: AsyncSession, principal: Principal) -> str:
    """The flight of the newest script issue the caller may see ("" when there is none)."""
    issue = models.ScriptIssue
    statement = _visible_issues(select(issue.flight), principal, "", 0).order_by(issue.item_id.desc()).limit(1)
    return await session.scalar(statement) or ""


async def rows(session: AsyncSession, statement) -> list[Row[Any]]:
    return list((await session.execute(statement)).all())


REPORTED_COLUMNS = (
    "transaction_id",
    "type",
    "sender_duns",
    "receiver_duns",
    "esi_id",
    "reference",
    "answers_reference",
    "valid",
    "reasons",
    "source",
    "reported_by",
)


@cache
def _insert_transaction():
    """A text statement compiled once: SQLAlchemy compiled its ON CONFLICT insert again for every receipt."""
    table = models.Transaction.__table__
    columns = list(REPORTED_COLUMNS)
    insert_sql = projections.upsert_sql(table, columns, ["sender_duns", "reference"], set_={})
    returning = f" RETURNING {', '.join(table.c.keys())}"
    return text(insert_sql + returning).bindparams(*projections.binds(table, columns)).columns(*table.c)


async def record_transaction(session: AsyncSession, reported: transactions.Reported, source: str, reported_by: str):
    """Keeps a reported transaction, with where it came from and who reported it, and returns it as kept (a row);
    None when its sender reported its reference before."""
    values = same_named(reported, *REPORTED_COLUMNS[1:-3])  # what the report says, as it said it
    values.update(
        transaction_id=reported.transaction_id or None,
        reasons=list(reported.reasons),
        source=source,
        reported_by=reported_by,
    )
    return (await session.execute(_insert_transaction(), values)).first()


async def set_match(session: AsyncSession, kept, matched_item_id: int | None, unmatched_reason: str = "") -> None:
    """The script issue a kept transaction went to, or why it went to none."""
    table = models.Transaction
    await session.execute(
        update(table)
        .where(table.sender_duns == kept.sender_duns, table.reference == kept.reference)
        .values(matched_item_id=matched_item_id, unmatched_reason=unmatched_reason)
    )


async def claimed_steps(session: AsyncSession, item_ids: set[int]) -> set[tuple[int, int]]:
    """(Item ID, step) of the steps of these script issues that a transaction has claimed (committed)."""
    claim = models.StepClaim
    statement = select(claim.item_id, claim.step).where(claim.item_id.in_(item_ids))
    return {(item_id, step) for item_id, step in (await session.execute(statement)).all()}


async def claim_free_step(session: AsyncSession, kept, steps: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Claims for the kept transaction the first of `steps` ((Item ID, step), likeliest first) that no other
    transaction has; None when every one is taken. The claim is unique on (Item ID, step) and lasts when the
    session commits. A step another receipt is claiming at this moment is passed over for the next free one,
    then tried last, waiting for that receipt's commit or rollback: receipts that arrive together spread over
    the free steps instead of queueing on the first, and none misses a step that a rolled-back one gave up.
    Waiting never deadlocks: a receipt waits only while it holds no claim."""
    taken = await claimed_steps(session, {item_id for item_id, _ in steps})
    being_claimed = []
    for item_id, step in (candidate for candidate in steps if candidate not in taken):
        if not await session.scalar(_try_step_lock(), {"key": f"scripts step {item_id}:{step}"}):
            being_claimed.append((item_id, step))
        elif await claim_step(session, kept, item_id, step):
            return item_id, step
    for item_id, step in being_claimed:
        if await claim_step(session, kept, item_id, step):
            return item_id, step
    return None


@cache
def _try_step_lock():
    """A lock held until the session ends, taken only if free: whoever holds a step's is claiming it now."""
    return select(func.pg_try_advisory_xact_lock(func.hashtextextended(bindparam("key", type_=Text), 0)))


async def claim_step(session: AsyncSession, kept, item_id: int, step: int) -> bool:
    """Claims the step for the kept transaction unless another transaction has it (waiting, if another is
    claiming it now, for its commit or rollback)."""
    claim = models.StepClaim
    statement = (
        pg_insert(claim)
        .values(item_id=item_id, step=step, sender_duns=kept.sender_duns, reference=kept.reference)
        .on_conflict_do_nothing(index_elements=[claim.item_id, claim.step])
        .returning(claim.item_id)
    )
    return await session.scalar(statement) is not None


async def step_claim(session: AsyncSession, item_id: int, step: int) -> models.StepClaim:
    """The claim on a step that a transaction has claimed."""
    return await session.get_one(models.StepClaim, (item_id, step))


async def claimed_step_of(session: AsyncSession, sender_duns: str, reference: str) -> int:
    """The step the transaction claimed (0: none)."""
    claim = models.StepClaim
    statement = select(claim.step).where(claim.sender_duns == sender_duns, claim.reference == reference)
    return await session.scalar(statement) or 0


async def steps_taken_alike(session: AsyncSession, kept, shown: int) -> tuple[list, int]:
    """The steps of open script issues (on the kept transaction's premise, or on none) that transactions of its
    type, sender and receiver have claimed, most recent first: `shown` of them as (Item ID, step, sender DUNS,
    reference), and how many there are."""
    claim, alike, item, issue = models.StepClaim, models.Transaction, models.Item, models.ScriptIssue
    statement = (
        select(claim.item_id, claim.step, claim.sender_duns, claim.reference, func.count().over())
        .join(alike, and_(alike.sender_duns == claim.sender_duns, alike.reference == claim.reference))
        .join(item, item.item_id == claim.item_id)
        .join(issue, issue.item_id == claim.item_id)
        .where(
            item.closed.is_(False),
            alike.type == kept.type,
            alike.sender_duns == kept.sender_duns,
            alike.receiver_duns == kept.receiver_duns,
        )
    )
    if kept.esi_id:
        no_premise = func.jsonb_array_length(issue.esi_ids) == 0
        statement = statement.where(or_(no_premise, issue.esi_ids.contains([kept.esi_id])))
    found = (await session.execute(statement.order_by(claim.claimed_at.desc()).limit(shown))).all()
    return [tuple(row[:4]) for row in found], found[0][4] if found else 0


async def transaction(session: AsyncSession, sender_duns: str, reference: str) -> models.Transaction:
    return await session.get_one(models.Transaction, (sender_duns, reference))


async def transaction_to_attach(session: AsyncSession, sender_duns: str, reference: str) -> models.Transaction:
    """A kept transaction, locked until the session ends: two people attaching it at once are taken one after
    the other, and the second sees it attached."""
    statement = select(models.Transaction).where(
        models.Transaction.sender_duns == sender_duns, models.Transaction.reference == reference
    )
    found = await session.scalar(statement.with_for_update())
    if found is None:
        raise errors.NotFound(f"no transaction {transactions.key_of(sender_duns, reference)}")
    return found


async def attach(session: AsyncSession, kept: models.Transaction, item_id: int, by: str, comment: str) -> None:
    """Marks a transaction as given by ERCOT's hand to a script issue: no longer unmatched, who and why kept."""
    kept.matched_item_id = item_id
    kept.unmatched_reason = ""
    kept.attached_by = by
    kept.attached_comment = comment
    kept.attached_at = func.now()
    await session.flush()


async def record_refused(session: AsyncSession, reading, reported_by: str) -> None:
    """Every refused part of an X12 interchange, with the problems found in it."""
    rows = []
    for part in reading.refused:
        inside = [
            {"position": p.position, "segment_id": p.segment_id, "control_number": p.control_number, "reason": p.reason}
            for p in reading.problems
            if part.first_position <= p.position <= part.last_position or part.level == "interchange"
        ]
        rows.append(
            {
                "level": part.level,
                "control_number": part.control_number,
                "first_position": part.first_position,
                "last_position": part.last_position,
                "problems": inside,
                "text": part.text,
                "reported_by": reported_by,
            }
        )
    await session.execute(insert(models.RefusedTransaction), rows)


async def unmatched_transactions(
    session: AsyncSession, principal: Principal, rows: int, after: tuple | None = None
) -> list[models.Transaction]:
    """A page of the transactions no script issue took, newest first, `rows` long, after the (received at, sender,
    reference) of the last one shown: ERCOT sees all, a participant those it sent or was sent
    (authz.transaction_readers)."""
    kept = models.Transaction
    order = (kept.received_at, kept.sender_duns, kept.reference)
    readers = authz.transaction_readers(kept.sender_duns, kept.receiver_duns)
    statement = select(kept).where(kept.matched_item_id.is_(None), readable_where(principal, readers))
    if after is not None:
        statement = statement.where(tuple_(*order) < tuple_(*after))
    statement = statement.order_by(*(column.desc() for column in order)).limit(rows)
    return list(await session.scalars(statement))


async def refused_transactions(session: AsyncSession, rows: int, after: int = 0) -> list[models.RefusedTransaction]:
    """A page of what X12 was refused, newest first, `rows` long, after the refusal shown last."""
    refused = models.RefusedTransaction
    statement = select(refused)
    if after:
        statement = statement.where(refused.refused_id < after)
    statement = statement.order_by(refused.refused_id.desc()).limit(rows)
    return list(await session.scalars(statement))


async def waiting_for(
    session: AsyncSession, transaction_type: str, item_id: int = 0, duns: Collection[str] = (), esi_id: str = ""
):
    """Open script issues whose current step expects a transaction of this type, longest waiting first; with
    `duns` (the transaction's sender and receiver), only those of a CR, SP or TDSP among them: chosen in SQL
    by the indexed parties, not read whole (every issue waiting for an 814_01 of a flight) for each receipt;
    with `esi_id`, only those run on that premise or on none (transactions.on_premise). Each is a row with the
    issue's columns and its item's workflow ID and fields, given as (issue, item) like open_issues_between's."""
    statement = _waiting_for_statement(bool(item_id), bool(duns), bool(esi_id))
    values = {"type": transaction_type, "item_id": item_id, "duns": list(duns), "esi_id": [esi_id]}
    return [(row, row) for row in (await session.execute(statement, values)).all()]


@cache
def _waiting_for_statement(by_item: bool, by_duns: bool, by_premise: bool):
    """Built once for each kind of question, with the values bound at each call."""
    issue, item = models.ScriptIssue, models.Item
    statement = (
        select(*issue.__table__.c, item.workflow_id, item.fields)
        .join(item, item.item_id == issue.item_id)
        .where(item.closed.is_(False), item.fields["expects_type"].astext == bindparam("type"))
    )
    if by_item:
        statement = statement.where(issue.item_id == bindparam("item_id"))
    if by_duns:
        duns: BindParameter[str] = bindparam("duns", expanding=True)
        statement = statement.where(or_(issue.cr_duns.in_(duns), issue.sp_duns.in_(duns), issue.tdsp_duns.in_(duns)))
    if by_premise:
        no_premise = func.jsonb_array_length(issue.esi_ids) == 0
        statement = statement.where(or_(no_premise, issue.esi_ids.contains(bindparam("esi_id", type_=JSONB))))
    return statement.order_by(item.updated_at, item.item_id)


def _involving(duns: set[str]):
    issue = models.ScriptIssue
    return or_(issue.cr_duns.in_(duns), issue.sp_duns.in_(duns), issue.tdsp_duns.in_(duns))


async def open_issues_between(session: AsyncSession, duns: set[str], item_id: int = 0) -> list:
    """Open script issues (not sub-flows) of a CR or TDSP among `duns`, longest unchanged first."""
    issue, item = models.ScriptIssue, models.Item
    statement = (
        select(issue, item)
        .join(item, item.item_id == issue.item_id)
        .where(item.closed.is_(False), item.item_type == m.SCRIPT_ISSUE, _involving(duns))
    )
    if item_id:
        statement = statement.where(issue.item_id == item_id)
    return list((await session.execute(statement.order_by(item.updated_at, item.item_id))).all())


# What the flight analytics group a flight's waits by (analytics.GROUPINGS picks among them).
WAIT_KEYS = ("state", "responsible_party", "script_id", "cr_duns", "tdsp_duns")
# The flight analytics' one statement sorts its 100,000 rows several times: in memory, not on disk, and not worth
# JIT compiling (which cost ~40 ms of ~450).
_ANALYTICS_SETTINGS = (text("SET LOCAL work_mem = '64MB'"), text("SET LOCAL jit = off"))


def flight_waits_statement(principal: Principal, flight: str, groupings: Sequence[Sequence[str]]):
    """The flight's script issues (those the caller may read) as waits, aggregated in one pass per grouping of
    WAIT_KEYS: a history row's time is until the next row (LEAD), or until now for an open issue's last; a wait
    sums an issue's rows in one state with one party responsible. Each result row says its grouping in `grouping`
    (PostgreSQL's GROUPING bits: 1 for a key the grouping leaves out). Keys sort by bytes (COLLATE "C"): the
    locale's rules cost most of the sorts' time."""
    issue, item, history = models.ScriptIssue, models.Item, models.ItemHistory
    following = func.lead(history.at).over(partition_by=history.item_id, order_by=history.seq)
    until = func.coalesce(following, case((item.closed.is_(False), func.now())))
    escalations = [m.ESCALATED_TO_ERCOT, m.ESCALATED_TO_PARTNER]
    escalated = and_(history.to_state.in_(escalations), history.from_state != history.to_state)
    # A step shown a transaction that failed validation (by the workflow, or attached by ERCOT) waits on.
    failed = and_(
        history.from_state == history.to_state,
        or_(history.action.like("% Failed"), history.changes.has_key("last_failed_transaction")),
    )
    rows = (
        select(
            history.item_id,
            history.seq,
            history.to_state.collate("C").label("state"),
            history.responsible_party.collate("C").label("responsible_party"),
            # date_part, not EXTRACT: a double, not a numeric (whose sums and sorts cost ~60 ms of ~300 in ERCOT's)
            func.date_part("epoch", until - history.at).label("seconds"),
            escalated.label("escalated"),
            failed.label("failed"),
        )
        .select_from(issue)
        .join(item, item.item_id == issue.item_id)
        .join(history, history.item_id == issue.item_id)
        .where(issue.flight == flight, item.item_type == m.SCRIPT_ISSUE, readable(principal))
        .cte("history_rows")
    )
    each = [rows.c.item_id, rows.c.state, rows.c.responsible_party]
    waits = (
        select(
            *each,
            func.sum(rows.c.seconds).label("seconds"),
            func.count().label("history_rows"),
            func.count().filter(rows.c.escalated).label("escalations"),
            func.count().filter(rows.c.failed).label("failed_transactions"),
            func.bool_or(rows.c.seq == 1).label("first"),  # one wait of each issue: counting them counts issues
        )
        .group_by(*each)
        .cte("waits")
    )
    keyed = (
        select(
            waits,
            issue.script_id.collate("C").label("script_id"),
            issue.cr_duns.collate("C").label("cr_duns"),
            issue.tdsp_duns.collate("C").label("tdsp_duns"),
        )
        .join(issue, issue.item_id == waits.c.item_id)
        .cte("keyed")
    )
    seconds = keyed.c.seconds
    keys = [keyed.c[key] for key in WAIT_KEYS]
    percentiles = func.percentile_cont(array([0.5, 0.9])).within_group(seconds)  # one sort of each group for both
    return (
        select(
            func.grouping(*keys).label("grouping"),
            *keys,
            func.count().filter(keyed.c.first).label("issues"),
            func.count(seconds).label("waits"),
            percentiles.label("percentiles"),
            func.coalesce(func.sum(seconds), 0).label("total_seconds"),
            func.coalesce(func.max(seconds), 0).label("longest_seconds"),
            func.sum(keyed.c.escalations).label("escalations"),
            func.sum(keyed.c.failed_transactions).label("failed_transactions"),
            func.sum(keyed.c.history_rows).label("history_rows"),
            func.min(keyed.c.item_id).label("named_by"),  # an issue of the group, whose item names its pairing
        )
        .group_by(func.grouping_sets(*(tuple_(*(keyed.c[key] for key in keys_of)) for keys_of in groupings)))
        .having(func.count(seconds) > 0)  # a closed state is no wait
    )


async def flight_waits(session: AsyncSession, statement) -> list[Row[Any]]:
    for setting in _ANALYTICS_SETTINGS:
        await session.execute(setting)
    return await rows(session, statement)


async def flight_moved(session: AsyncSession, flight: str) -> tuple[int, Any]:
    """How many script issues the flight has and when the last of them moved: a step changes the second."""
    issue, item = models.ScriptIssue, models.Item
    statement = (
        select(func.count(), func.max(item.updated_at))
        .select_from(issue)
        .join(item, item.item_id == issue.item_id)
        .where(issue.flight == flight)
    )
    count, moved = (await session.execute(statement)).one()
    return count, moved

"""The read model every item-owning service keeps: one row per item, one append-only row per step.

Each service declares the two tables in its own schema from these mixins; the SQL that writes and
reads them, and their proto form, are the same everywhere, so they live here once.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.schema import ForeignKey, MetaData, Sequence
from sqlalchemy.types import BigInteger, Boolean, DateTime, Integer, String, Text

from flightrak import errors
from flightrak.copying import same_named
from flightrak.items.v1 import items_pb2 as pb
from workflows.items import ItemTransition

# Item IDs are unique across services: each owning service draws from its own residue mod 8,
# so the gateway knows the owner of an Item ID without asking anyone.
ITEM_ID_STRIDE = 8
ITEM_ID_OWNERS = {1: "identity", 2: "registration", 3: "testbed", 4: "scripts"}


class InSchema:
    """Mixed into a service's declarative base ahead of DeclarativeBase: `class Base(InSchema, DeclarativeBase,
    schema="scripts")` puts every table of the service in its own schema."""

    metadata: MetaData

    def __init_subclass__(cls, schema: str = "", **kwargs: Any) -> None:
        if schema:
            cls.metadata = MetaData(schema=schema)
        super().__init_subclass__(**kwargs)


class ItemColumns:
    """The projection of one item; its workflow is the truth."""

    __tablename__ = "items"

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    workflow_id: Mapped[str] = mapped_column(String(200), index=True)
    item_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    company_duns: Mapped[str] = mapped_column(String(13), index=True)
    state: Mapped[str] = mapped_column(String(64))
    responsible_party: Mapped[str] = mapped_column(String(64))
    instructions: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict] = mapped_column(JSONB)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ItemHistoryColumns:
    """Append-only: who did what, when, from which state to which."""

    __tablename__ = "item_history"

    @declared_attr
    def item_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("items.item_id"), primary_key=True)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_user_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict] = mapped_column(JSONB)
    comment: Mapped[str] = mapped_column(Text, default="")


def owner_of(item_id: int) -> str | None:
    return ITEM_ID_OWNERS.get(item_id % ITEM_ID_STRIDE)


def item_id_sequence(schema: str) -> Sequence:
    """The owning service's Item IDs: from 1000 up, each its residue mod ITEM_ID_STRIDE."""
    residue = next(residue for residue, owner in ITEM_ID_OWNERS.items() if owner == schema)
    return Sequence("item_id_seq", start=1000 + residue, increment=ITEM_ID_STRIDE, schema=schema)


PROJECTION_COLUMNS = (
    "workflow_id",
    "item_type",
    "title",
    "company_duns",
    "state",
    "responsible_party",
    "instructions",
    "fields",
    "closed",
    "last_seq",
)
# A step's (workflows.items.ItemTransition) fields of the same names as its history row's columns.
HISTORY_COLUMNS = ("item_id", "seq", "action", "from_state", "to_state", "changes", "comment")
# The columns that the Item and HistoryEntry messages carry as they are (fields and changes they carry as text).
ITEM_MESSAGE_COLUMNS = tuple(name for name in ("item_id", *PROJECTION_COLUMNS) if name not in ("fields", "last_seq"))
HISTORY_MESSAGE_COLUMNS = ("seq", "actor_user_id", "actor_name", "action", "from_state", "to_state", "comment")
# Step fields a service's history table may keep too, when it declares a column of the name (the scripts service:
# whose task the step left the item, which its flight analytics count time by).
OPTIONAL_HISTORY_COLUMNS = ("responsible_party",)


def history_columns(history_table) -> list[str]:
    """The columns a step writes to this history table."""
    kept = [name for name in OPTIONAL_HISTORY_COLUMNS if name in history_table.c]
    return [*HISTORY_COLUMNS, *kept, "actor_user_id", "actor_name"]


def upsert_sql(table, columns: list[str], conflict: list[str], set_: dict[str, str] | None = None, where: str = ""):
    """INSERT ... ON CONFLICT ... DO UPDATE in SQL, its values bound by column name. `set_` maps a column to its
    SQL (default: the incoming value)."""
    if set_ is None:
        set_ = {name: f"EXCLUDED.{name}" for name in columns if name not in conflict}
    return (
        f"INSERT INTO {table.fullname} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(conflict)}) DO "
        + ("UPDATE SET " + ", ".join(f"{k} = {v}" for k, v in set_.items()) if set_ else "NOTHING")
        + (f" WHERE {where}" if where else "")
    )


def binds(table, columns: list[str]) -> list:
    return [bindparam(name, type_=table.c[name].type) for name in columns]


def upsert(table, columns: list[str], conflict: list[str], set_: dict[str, str] | None = None, where: str = ""):
    """INSERT ... ON CONFLICT ... DO UPDATE as a typed text statement. SQLAlchemy 2.0 cannot cache its own
    on-conflict statements, and compiling one for every step cost ~10 ms of each action; a text statement
    compiles once."""
    return text(upsert_sql(table, columns, conflict, set_, where)).bindparams(*binds(table, columns))


@cache
def _statement(item_table, history_table):
    """Built once per service, then reused by every step: the projection's upsert and the history row in one
    statement (one round trip, not two)."""
    item_columns = ["item_id", *PROJECTION_COLUMNS]
    set_ = {name: f"EXCLUDED.{name}" for name in PROJECTION_COLUMNS} | {"updated_at": "now()"}
    upsert_item = upsert_sql(
        item_table, item_columns, ["item_id"], set_, where=f"{item_table.name}.last_seq < EXCLUDED.last_seq"
    )
    written = history_columns(history_table)
    append_history = upsert_sql(history_table, written, ["item_id", "seq"], set_={}) + " RETURNING seq"
    # A data-modifying WITH runs whether or not anything reads it; the history row's foreign key is checked at
    # the statement's end, when the item it names exists.
    return text(f"WITH projected AS ({upsert_item}) {append_history}").bindparams(
        *binds(item_table, item_columns), *binds(history_table, written[1:])
    )


def item_values(step: ItemTransition) -> dict:
    """The item's projection row after `step`: the step names its columns alike, but for its seq."""
    copied = [name for name in ("item_id", *PROJECTION_COLUMNS) if name != "last_seq"]
    return same_named(step, *copied) | {"last_seq": step.seq}


def history_values(step: ItemTransition, history_table) -> dict:
    """The history row that explains `step`, in this history table's columns."""
    actor = {"actor_user_id": step.actor.user_id, "actor_name": step.actor.name}
    return same_named(step, *history_columns(history_table)[:-2]) | actor


# One writer of an item's steps at a time, until its transaction ends: the service that forwarded an action and the
# workflow's record activity may write the same step at once, and the one statement that writes the projection and
# the history row takes their locks in no fixed order. The two-key form keeps clear of other advisory locks.
_ONE_WRITER = text("SELECT pg_advisory_xact_lock(1, hashint8(:item_id))").bindparams(
    bindparam("item_id", type_=BigInteger)
)


async def record_transition(session: AsyncSession, item_model, history_model, step: ItemTransition) -> bool:
    """Idempotent on (item, seq): a step written twice (a retried activity, the service and the activity) is written
    once, and a late write of an older step never overwrites a newer projection. False when the item shows this step
    or a later one already (a flow's steps are written in order, so its history row is there too), or the other writer
    wrote it while this one waited: nothing written."""
    shown = select(item_model.last_seq).where(item_model.item_id == step.item_id)
    if (await session.scalar(shown) or 0) >= step.seq:
        return False
    statement = _statement(item_model.__table__, history_model.__table__)
    await session.execute(_ONE_WRITER, {"item_id": step.item_id})
    # No row when the other writer wrote this step while this one waited for the lock.
    written = await session.execute(statement, item_values(step) | history_values(step, history_model.__table__))
    return written.first() is not None


async def item(session: AsyncSession, item_model, item_id: int):
    found = await session.get(item_model, item_id)
    if found is None:
        raise errors.NotFound(f"no item {item_id}")
    return found


async def history(session: AsyncSession, history_model, item_id: int) -> list:
    statement = select(history_model).where(history_model.item_id == item_id).order_by(history_model.seq)
    return list(await session.scalars(statement))


def timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def item_proto(
    row,
    history_rows: Iterable = (),
    actions: Iterable[Mapping[str, Any]] = (),
    fields: dict | None = None,
    changes_of=lambda entry: entry.changes,
) -> pb.Item:
    """`fields` and `changes_of` let a service withhold what this caller may not see."""
    shown = row.fields if fields is None else fields
    return pb.Item(
        **same_named(row, *ITEM_MESSAGE_COLUMNS),
        fields={k: str(v) for k, v in shown.items()},
        history=[
            pb.HistoryEntry(
                **same_named(entry, *HISTORY_MESSAGE_COLUMNS),
                at=timestamp(entry.at),
                changes={k: str(v) for k, v in changes_of(entry).items()},
            )
            for entry in history_rows
        ],
        actions=[pb.ItemAction(**action) for action in actions],
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
    )


def report(name: str, title: str, columns: list[str], rows: list[list]) -> pb.Report:
    """A dashboard report: the guide's columns in order, each row's values by column."""
    return pb.Report(
        report=name,
        title=title,
        columns=columns,
        rows=[pb.ReportRow(cells=_cells(row, len(columns))) for row in rows],
    )


def _cells(row: list, width: int) -> list[str]:
    if len(row) != width:
        raise ValueError(f"a report row has {len(row)} values for {width} columns")
    return [value if isinstance(value, str) else str(value) for value in row]

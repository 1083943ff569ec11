"""Each step an item-owning service writes is announced on one PostgreSQL channel (NOTIFY, delivered when its
transaction commits), so the gateway can move the pages that show the item without anyone reloading them.

The announcement names who may read the item: each service evaluates its own readers rule (flightrak.authz) for
that item in the statement that sends it, from the same columns and subqueries its pages' SQL passes to
flightrak.visibility.readable_where, and the gateway applies authz.may_read to it, so an event reaches exactly who
the page would show the item to (ERCOT's staff every one).
"""

from functools import reduce

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Text,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, array
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "flightrak_items"
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. A payload whose readers would not fit goes without them
# ("readers_omitted"): only ERCOT's staff, who read every item, receive that event, so nothing is ever shown to a
# company the rule leaves out.
MAX_PAYLOAD_BYTES = 7_900


def readers_array(readers: tuple, outer) -> ColumnElement:
    """A readers function's answer as one text[] of distinct DUNS: a column is its value, a subquery each of its
    (correlated to the announced row's tables, `outer`)."""
    parts: list[ColumnElement] = [
        func.array(reader.correlate(*outer).scalar_subquery())
        if isinstance(reader, Select)
        else array([cast(reader, Text)])
        for reader in readers
    ]
    combined = reduce(lambda left, right: left.op("||")(right), parts) if parts else cast(array([]), ARRAY(Text))
    duns = func.unnest(combined).table_valued("duns").render_derived(name="reader")
    named = select(duns.c.duns).where(duns.c.duns.is_not(None), duns.c.duns != "").distinct()
    return func.array(named.scalar_subquery())


def announcement(
    item_table,
    readers: tuple,
    *,
    joined=None,
    flight: ColumnElement | None = None,
    parent: ColumnElement | None = None,
    everyone: ColumnElement | None = None,
):
    """The statement announcing the items :item_ids (a list) as their projection now stands. `joined` is the
    item table joined to what the readers rule reads; `everyone` an SQL condition under which every signed-in user
    reads the item (a flight); `parent` the item a sub-flow belongs to, whose page shows it."""
    fields = item_table.c.fields
    source = joined if joined is not None else item_table
    outer = _tables(source)
    named_flight = func.coalesce(fields["flight"].astext, fields["designation"].astext, "")
    payload = func.jsonb_build_object(
        "item_id", item_table.c.item_id,
        "kind", item_table.c.item_type,
        "flight", flight if flight is not None else named_flight,
        "state", item_table.c.state,
        "responsible", item_table.c.responsible_party,
        "seq", item_table.c.last_seq,
        "closed", item_table.c.closed,
        "parent", parent if parent is not None else null(),
        "everyone", everyone if everyone is not None else false(),
        "readers", readers_array(readers, outer),
        # When the write happened (seconds since the epoch): what the benchmark measures delivery from.
        "at", func.extract("epoch", func.clock_timestamp()),
    )  # fmt: skip
    written = (
        select(payload.label("payload"))
        .select_from(source)
        .where(item_table.c.item_id == func.any(bindparam("item_ids", type_=ARRAY(BigInteger))))
        .subquery()
    )
    as_text = cast(written.c.payload, Text)
    without_readers = written.c.payload.op("-")(literal("readers")).op("||")(
        cast(literal('{"readers_omitted": true}'), JSONB)
    )
    fitting = case((func.octet_length(as_text) <= MAX_PAYLOAD_BYTES, as_text), else_=cast(without_readers, Text))
    return select(func.pg_notify(CHANNEL, fitting)).select_from(written)


def _tables(source) -> list:
    """The tables of a FROM clause (a table or a join of them)."""
    if hasattr(source, "left"):
        return [*_tables(source.left), *_tables(source.right)]
    return [source]


async def announce(session: AsyncSession, statement, *item_ids: int) -> None:
    """One statement, sent in the writer's transaction: delivered on its commit, dropped with its rollback."""
    if item_ids:
        await session.execute(statement, {"item_ids": list(item_ids)})

"""Flows that need attention, as every item-owning service keeps them (workflows/attention.py decides when): one row
per time an item's step failed for good, until ERCOT's operators retried or cancelled it. Each service declares the
table in its own schema from `NeedsAttentionColumns`; the SQL, its migration and the ItemService RPCs live here once.
"""

from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import BigInteger, DateTime, Index, String, Text, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from temporalio.client import Client
from temporalio.service import RPCError

from flightrak import authz, errors, grpc_runtime, projections
from flightrak.copying import same_named
from flightrak.items.v1 import items_pb2 as pb
from flightrak.temporal import run_update
from workflows import attention
from workflows.items import actor_of

TABLE = "needs_attention"
OPEN = "resolved_at IS NULL"


class NeedsAttentionColumns:
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(BigInteger, sa.Identity(), primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger)
    workflow_id: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    resolved_how: Mapped[str] = mapped_column(String(32), default="")

    @declared_attr.directive
    def __table_args__(cls):
        # At most one open mark per item; the operations page reads the open ones.
        return (Index("ix_needs_attention_open_item", "item_id", unique=True, postgresql_where=text(OPEN)),)


def create_table(op, schema: str) -> None:
    """The table's migration, the same in each service's own Alembic history."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("item_type", sa.String(64), nullable=False),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("resolved_how", sa.String(32), nullable=False, server_default=""),
        schema=schema,
    )
    op.create_index(
        "ix_needs_attention_open_item", TABLE, ["item_id"], unique=True, schema=schema, postgresql_where=sa.text(OPEN)
    )
    op.create_index("ix_needs_attention_item", TABLE, ["item_id", "id"], schema=schema)


def drop_table(op, schema: str) -> None:
    op.drop_table(TABLE, schema=schema)


async def record(session: AsyncSession, model, entry: attention.AttentionRecord) -> None:
    """Marks the item (once: a step failing again updates the open mark), or resolves its open mark. Idempotent, so
    a retried activity writes it once."""
    open_mark = (model.item_id == entry.item_id) & model.resolved_at.is_(None)
    if entry.resolved_how:
        await session.execute(
            update(model)
            .where(open_mark)
            .values(
                resolved_at=datetime.fromisoformat(entry.resolved_at),
                resolved_by=entry.resolved_by,
                resolved_how=entry.resolved_how,
            )
        )
        return
    found = await session.scalar(select(model).where(open_mark).with_for_update())
    if found is None:
        session.add(
            model(
                **same_named(entry, "item_id", "workflow_id", "item_type", "activity", "error"),
                since=datetime.fromisoformat(entry.since),
            )
        )
    else:
        found.activity, found.error = entry.activity, entry.error


def attention_proto(row, item=None) -> pb.Attention:
    fields = item.fields if item is not None else {}
    return pb.Attention(
        item_id=row.item_id,
        workflow_id=row.workflow_id,
        item_type=row.item_type,
        title=item.title if item is not None else "",
        flight=str(fields.get("flight") or fields.get("designation") or ""),
        activity=row.activity,
        error=row.error,
        since=projections.timestamp(row.since),
        resolved_at=projections.timestamp(row.resolved_at),
        resolved_by=row.resolved_by,
        resolved_how=row.resolved_how,
    )


async def listing(sessions, model, item_model, item_id: int, get_item, context) -> pb.NeedingAttention:
    """Every open mark, for ERCOT's staff; or one item's latest mark, for whoever `get_item` (the service's own
    GetItem, with its visibility rule) shows the item to."""
    if not item_id:
        _operator()
    where = model.item_id == item_id if item_id else model.resolved_at.is_(None)
    statement = (
        select(model, item_model)
        .outerjoin(item_model, item_model.item_id == model.item_id)
        .where(where)
        .order_by(model.since, model.id)
    )
    async with sessions() as session:
        rows = list(await session.execute(statement))
    if item_id and rows:  # nearly every item has none, and an empty answer tells nothing about the item
        await get_item(pb.GetItemRequest(item_id=item_id), context)
        rows = rows[-1:]
    return pb.NeedingAttention(items=[attention_proto(row, item) for row, item in rows])


async def decide(sessions, temporal: Client, model, item_model, item_id: int, decision: str) -> pb.Attention:
    """ERCOT's operator retries the failed step, or cancels the flow: the workflow records it (its validator refuses
    a flow that is not waiting), and a cancelled flow that is still running ends here."""
    principal = _operator()
    async with sessions() as session:
        row = await session.scalar(select(model).where((model.item_id == item_id) & model.resolved_at.is_(None)))
    if row is None:
        raise errors.NotFound(f"item {item_id} does not need attention")
    handle = temporal.get_workflow_handle(row.workflow_id)
    asked = attention.OperatorDecision(actor_of(principal), decision)
    await run_update(handle.execute_update(attention.DECIDE, asked, result_type=str))
    if decision == attention.CANCEL:
        with suppress(RPCError):  # the flow may have ended by itself
            await handle.terminate(f"Cancelled by ERCOT ({principal.name}) after {row.activity} failed")
    async with sessions() as session:
        found = await session.get(model, row.id)
        item = await session.get(item_model, item_id)
    return attention_proto(found, item)


def _operator():
    principal = grpc_runtime.caller()
    if not authz.may_operate_flows(principal):
        raise errors.PermissionDenied("only ERCOT's staff see and decide on flows that need attention")
    return principal


class AttendedItems:
    """The ItemService's RPCs for flows that need attention, the same in every item-owning service's servicer,
    which names its own tables (`_attention_model`, `_item_model`) and has `_sessions`, `_temporal` and GetItem."""

    _attention_model: type
    _item_model: type
    _sessions: async_sessionmaker[AsyncSession]
    _temporal: Client
    GetItem: Callable[[pb.GetItemRequest, Any], Awaitable[pb.Item]]

    async def ListNeedingAttention(self, request, context) -> pb.NeedingAttention:
        return await listing(
            self._sessions, self._attention_model, self._item_model, request.item_id, self.GetItem, context
        )

    async def RetryFlow(self, request, context) -> pb.Attention:
        return await self._decide(request.item_id, attention.RETRY)

    async def CancelFlow(self, request, context) -> pb.Attention:
        return await self._decide(request.item_id, attention.CANCEL)

    async def _decide(self, item_id: int, decision: str) -> pb.Attention:
        return await decide(self._sessions, self._temporal, self._attention_model, self._item_model, item_id, decision)

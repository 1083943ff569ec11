"""The two writes every item-owning service makes for its flows, as activities named for that service: an item's step
(its projection and history row) and a flow's mark of needing attention. Each service's activities inherit them."""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from flightrak import needs_attention
from flightrak.activity_failures import classified
from workflows.attention import AttentionRecord, Owner
from workflows.items import ItemTransition


class ItemSteps:
    def __init__(
        self,
        sessions: async_sessionmaker,
        record_transition: Callable[[AsyncSession, ItemTransition], Awaitable[None]],
        needs_attention_table: type,
        transition_activity: str,
        owner: Owner,
    ):
        """`record_transition` writes the service's projection (`store.record_transition`); `transition_activity`
        and `owner` name the activities as the service's flows call them."""
        self._sessions = sessions

        async def record_item_transition(step: ItemTransition) -> None:
            async with sessions.begin() as session:
                await record_transition(session, step)

        async def record_attention(entry: AttentionRecord) -> None:
            async with sessions.begin() as session:
                await needs_attention.record(session, needs_attention_table, entry)

        self.record_item_transition = activity.defn(name=transition_activity)(classified(record_item_transition))
        self.record_attention = activity.defn(name=owner.record_attention)(classified(record_attention))

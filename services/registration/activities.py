"""Temporal activities the registration service executes for flight and registration workflows."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity

from services.registration import store
from workflows.items import ItemTransition
from workflows.registration import models as registrations


class RegistrationActivities:
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    @activity.defn(name=registrations.RECORD_ITEM_TRANSITION)
    async def record_item_transition(self, step: ItemTransition) -> None:
        async with self._sessions.begin() as session:
            await store.record_transition(session, step)

    @activity.defn(name=registrations.RECORD_TEST_PAIRINGS)
    async def record_test_pairings(self, pairings: registrations.TestPairings) -> None:
        async with self._sessions.begin() as session:
            await store.record_test_pairings(session, pairings)

    def all(self) -> list:
        return [self.record_item_transition, self.record_test_pairings]

"""Temporal activities the testbed service executes."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity

from services.testbed import store
from workflows.registration import models as registrations


class TestbedActivities:
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    @activity.defn(name=registrations.OPEN_SPECIFICATIONS_REQUEST)
    async def open_testing_specifications_request(self, request: registrations.SpecificationsRequest) -> int:
        async with self._sessions.begin() as session:
            return await store.open_specifications_request(session, request)

    def all(self) -> list:
        return [self.open_testing_specifications_request]

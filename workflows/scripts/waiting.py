"""Waiting on a party, inside a script issue or sub-flow workflow: until something happens, a reminder every
so many business hours, and the flight's end."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow

from flightrak.business_time import add_business_hours


class Waiting:
    def __init__(self, ends_at: str, reminder_business_hours: float, remind: Callable[[float], Awaitable[None]]):
        self._ends_at = datetime.fromisoformat(ends_at)
        self._hours = reminder_business_hours
        self._remind = remind
        self._since: datetime | None = None
        self._reminders = 0

    @property
    def since(self) -> datetime | None:
        """When the task came to the party it waits on."""
        return self._since

    def restart(self) -> None:
        """The task moved to another party or step: its reminders count from now."""
        self._since = workflow.now()
        self._reminders = 0

    async def until(self, condition: Callable[[], bool]) -> bool:
        """True once `condition` holds; False when the flight ended first. Reminds meanwhile."""
        if self._since is None:
            self.restart()
        while not condition():
            now = workflow.now()
            if now >= self._ends_at:
                return False
            due = self._ends_at
            reminder_at = None
            if self._hours > 0:
                reminder_at = add_business_hours(self._since, self._hours * (self._reminders + 1))
                due = min(due, reminder_at)
            remaining = due - now
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(condition, timeout=remaining)
                    continue
                except TimeoutError:
                    pass
            if reminder_at is not None and reminder_at <= workflow.now() < self._ends_at:
                self._reminders += 1
                await self._remind(self._hours * self._reminders)
        return True

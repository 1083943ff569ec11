"""Waiting on a party, inside a script issue or sub-flow workflow: until something happens, a reminder every
so many business hours, and the flight's end."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from temporalio import workflow

from flightrak.business_time import add_business_hours


class Waiting:
    def __init__(self, ends_at: str, reminder_business_hours: float, remind: Callable[[float], Awaitable[None]]):
        self._ends_at = datetime.fromisoformat(ends_at)
        self._hours = reminder_business_hours
        self._remind = remind
        self._since: datetime | None = None
        self._reminders = 0
        self._timer: asyncio.Task | None = None
        self._timer_due: datetime | None = None

    @property
    def since(self) -> datetime:
        """When the task came to the party it waits on: known once a wait has started (reminders come only then)."""
        if self._since is None:
            raise RuntimeError("nothing is waited on yet")
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
            since = self._since  # set above, and again whenever the task moves on while we wait
            if self._hours > 0 and since is not None:
                reminder_at = add_business_hours(since, self._hours * (self._reminders + 1))
                due = min(due, reminder_at)
            if due > now:
                # A step's end does not cancel the timer and start another (two history events a step): the timer
                # stays while it fires no later than the next due instant, and one that fires early only starts
                # the next.
                timer = self._timer_by(due, now)

                def settled(timer: asyncio.Task[None] = timer) -> bool:
                    return condition() or timer.done()

                await workflow.wait_condition(settled)
                if condition() or workflow.now() < due:  # done, or a timer kept from an earlier wait fired
                    continue
            if reminder_at is not None and reminder_at <= workflow.now() < self._ends_at:
                self._reminders += 1
                await self._remind(self._hours * self._reminders)
        return True

    def stop(self) -> None:
        """Nothing more to wait for: the timer goes."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer = None

    def _timer_by(self, due: datetime, now: datetime) -> asyncio.Task:
        """A timer that fires by `due`: the running one when it does, else a new one."""
        if self._timer is None or self._timer.done() or self._timer_due is None or self._timer_due > due:
            self.stop()
            self._timer = asyncio.ensure_future(workflow.sleep(due - now))
            self._timer_due = due
        return self._timer

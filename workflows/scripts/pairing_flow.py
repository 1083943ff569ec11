"""What a script issue and its P2P sub-flows share, as items of one pairing's testing of one script: the scripts
service records their steps, their actions take ScriptAction, they are the CR's items and searched by the pairing
and script, and they wait on one party at a time with reminders mailed to that party's lists."""

import asyncio
from contextlib import suppress

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows import list_mail
from workflows import search_attributes as sa
from workflows.item_flow import ItemFlow
from workflows.scripts import models as m
from workflows.scripts.reminders import reminder_mail
from workflows.scripts.waiting import Waiting
from workflows.table import Facts


class PairingItemFlow(ItemFlow[Facts]):
    """Subclasses call `_begin_waiting` in their `__init__` after `_begin`, say what a reminder does (`_remind`),
    and end their run with `_end_waiting`."""

    ACTION_INPUT = m.ScriptAction

    def _begin_waiting(self, pairing: m.Pairing, script_id: str, timing: m.Timing) -> None:
        self._pairing = pairing
        self._script_id = script_id
        self._waiting = Waiting(timing.ends_at, timing.reminder_business_hours, self._remind)
        self._reminder_mails: list[asyncio.Task] = []

    async def _remind(self, hours: float) -> None:
        raise NotImplementedError

    async def _end_waiting(self) -> None:
        """An SMTP outage delays a reminder: it is not lost when the item closes."""
        self._waiting.stop()
        for mail in self._reminder_mails:
            with suppress(ActivityError, ApplicationError):
                await mail
        await workflow.wait_condition(workflow.all_handlers_finished)

    def _mail_reminder(
        self, item_type: str, title: str, party: str, instructions: str, hours: float, script_issue: str = ""
    ) -> None:
        """To the lists of the party the item has waited on for `hours` business hours, in its current state."""
        mail = reminder_mail(
            f"{workflow.info().workflow_id}-reminder-{self._seq}",
            self._item_id,
            item_type,
            title,
            self._pairing,
            party,
            self._state,
            instructions,
            hours,
            self._waiting.since,
            script_issue=script_issue,
        )
        self._reminder_mails.append(list_mail.send(self._attention, mail))

    def _company_duns(self) -> str:
        return self._pairing.cr_duns

    def _search_attributes(self) -> list:
        return [
            sa.FLIGHT.value_set(self._pairing.flight),
            sa.CR_DUNS.value_set(self._pairing.cr_duns),
            sa.TDSP_DUNS.value_set(self._pairing.tdsp_duns),
            sa.SCRIPT_ID.value_set(self._script_id),
            sa.service_provider(self._pairing.sp_duns),
        ]

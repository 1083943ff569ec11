"""One workflow per market notice, running the notice's table (rules.FLOW): Draft -> Published (mail delivered with
retries until the SMTP server takes it) -> acknowledgements per addressed company, one reminder before the day
affected -> Superseded when a reissue is published. Discard ends a draft."""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows import search_attributes as sa
from workflows.item_flow import ItemFlow
from workflows.items import SYSTEM_ACTOR, ItemTransition, Refusal, conflict, invalid
from workflows.notices import models as m
from workflows.notices.rules import AWAITING_ACKNOWLEDGEMENT, FLOW, Notice
from workflows.table import State

# An SMTP outage delays mail and loses none: delivery is retried, backing off to once a minute, for up to two
# days (longer is for ERCOT's operators); each attempt sends only what the server has not yet accepted.
MAIL_OPTIONS: dict[str, Any] = {
    "task_queue": m.MAIL_TASK_QUEUE,
    "start_to_close_timeout": timedelta(minutes=10),
    "schedule_to_close_timeout": timedelta(days=2),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), backoff_coefficient=2, maximum_interval=timedelta(minutes=1)
    ),
}
REMINDER = "Reminder"


@workflow.defn(name="MarketNotice")
class MarketNoticeWorkflow(ItemFlow[Notice], flow=FLOW):
    ACTION_INPUT = m.NoticeAction

    @workflow.init
    def __init__(self, notice: m.NoticeInput) -> None:
        self._addressees: list[m.Addressee] = []
        self._acknowledged: dict[str, str] = {}  # DUNS -> who acknowledged
        self._reminder_at = ""
        self._reminded = False
        self._superseded_by: m.Supersession | None = None
        self._begin(notice.item_id)

    @workflow.run
    async def run(self, notice: m.NoticeInput) -> m.NoticeStatus:
        if not await self._first_action_taken():
            return self.status()  # started with a first OK that was refused: there is no draft
        await workflow.wait_condition(lambda: self._state in (m.PUBLISHED, m.DISCARDED))
        if self._state == m.PUBLISHED:
            # The mail goes once Publish's step, which queues it, is recorded: both activities would run at once.
            await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
            await self._deliver(m.PUBLICATION)
            await self._remind_when_due()
            await workflow.wait_condition(lambda: self._superseded_by is not None)
            await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
            superseded = self._superseded_by
            assert superseded is not None  # waited for above
            self._fields["superseded_by"] = superseded.notice_id
            self._fields["superseded_by_item_id"] = str(superseded.item_id)
            reissued = m.NoticeAction(SYSTEM_ACTOR, comment=f"Reissued as {superseded.notice_id}.")
            await self._move(m.SUPERSEDE, reissued, {"superseded_by": superseded.notice_id})
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _remind_when_due(self) -> None:
        if not self._reminder_at or not self._pending():
            return
        due = datetime.fromisoformat(self._reminder_at)
        try:
            await workflow.wait_condition(
                lambda: not self._pending() or self._superseded_by is not None,
                timeout=max(due - workflow.now(), timedelta(seconds=1)),
            )
            return
        except TimeoutError:
            pass
        await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
        if not self._pending():
            return
        self._reminded = True
        names = "; ".join(a.name for a in self._addressees if a.duns in self._pending())
        await self._record_move(self._state, SYSTEM_ACTOR, REMINDER, {"reminded": names}, "")
        await self._deliver(m.REMINDER)

    async def _deliver(self, mail_round: str) -> None:
        result: m.MailResult = await self._attention.run(
            m.DELIVER_NOTICE_MAIL,
            m.MailRound(self._item_id, mail_round),
            result_type=m.MailResult,
            **MAIL_OPTIONS,
        )
        await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
        label = "Mail Delivered" if mail_round == m.PUBLICATION else "Reminder Mail Delivered"
        changes = {"mail_accepted": str(result.accepted)}
        if result.unsubscribed:
            changes["mail_not_sent_unsubscribed"] = str(result.unsubscribed)
        await self._record_move(self._state, SYSTEM_ACTOR, label, changes, "")

    @workflow.signal(name=m.SUPERSEDE)
    def superseded(self, by: m.Supersession) -> None:
        if self._state == m.PUBLISHED and self._superseded_by is None:
            self._superseded_by = by

    @workflow.query
    def status(self) -> m.NoticeStatus:
        return m.NoticeStatus(
            self._item_id,
            self._state,
            self._fields.get("notice_id", ""),
            sorted(self._acknowledged),
            self._pending(),
            self._reminded,
        )

    def _action_required(self) -> bool:
        return bool(self._fields.get("action_required", "").strip())

    def _pending(self) -> list[str]:
        if not self._action_required():
            return []
        return [a.duns for a in self._addressees if a.duns not in self._acknowledged]

    # The table's rules read these.

    def _facts(self) -> Notice:
        addressed = frozenset(a.duns for a in self._addressees)
        return Notice(addressed, frozenset(self._acknowledged), self._action_required())

    def _title(self) -> str:
        name = self._fields.get("notice_id") or "Draft notice"
        return f"{name} {self._fields.get('notice_type', '')}: {self._fields.get('short_description', '')}"[:300]

    def _company_duns(self) -> str:
        return self._fields.get("author_duns", "")

    def _search_attributes(self) -> list:
        return [sa.FLIGHT.value_set(self._fields["flight"])] if self._fields.get("flight") else []

    def _standing(self, state: str) -> State:
        """A published notice that requires action waits on the companies that have not acknowledged it."""
        return AWAITING_ACKNOWLEDGEMENT if state == m.PUBLISHED and self._pending() else FLOW.states[state]

    def _recorded(self, step: ItemTransition) -> m.NoticeStep:
        """What a step adds to the notice's own tables: its addressees and their mail at publication, a company's
        acknowledgement, the reminder's mail to the companies that have not acknowledged."""
        if step.action == FLOW.action(m.PUBLISH).label:
            mailed = [a.duns for a in self._addressees]
            return m.NoticeStep(step, list(self._addressees), mail_round=m.PUBLICATION, mailed_duns=mailed)
        if step.action == FLOW.action(m.ACKNOWLEDGE).label:
            return m.NoticeStep(step, acknowledged_duns=step.actor.duns)
        if step.action == REMINDER:
            return m.NoticeStep(step, mail_round=m.REMINDER, mailed_duns=self._pending())
        return m.NoticeStep(step)

    def _input_refusal(self, name: str, given: m.NoticeAction) -> Refusal | None:
        if name == m.PUBLISH and (given.publication is None or not given.publication.addressees):
            return conflict("the notice's audience names no active company")
        if name == m.REISSUE:
            return invalid("action", "a reissue is a new draft, opened beside this notice, not an update of it")
        return None

    # Actions that do more than move.

    async def _take_save(self, action: m.NoticeAction) -> None:
        self._fields["author_duns"] = action.actor.duns
        await self._edit(m.SAVE, action)

    async def _take_edit(self, action: m.NoticeAction) -> None:
        await self._edit(m.EDIT, action)

    async def _take_publish(self, action: m.NoticeAction) -> None:
        publication = action.publication
        assert publication is not None  # the validator refuses a Publish without one
        self._addressees = list(publication.addressees)
        self._reminder_at = publication.reminder_at
        published = {
            "notice_id": publication.notice_id,
            "published_at": workflow.now().isoformat(),
            "published_by": action.actor.name,
            "addressed": "; ".join(a.name for a in self._addressees),
        }
        if publication.notice_date:
            published["notice_date"] = publication.notice_date
        if publication.reissue_of_item_id:
            published["reissue_of_item_id"] = str(publication.reissue_of_item_id)
        self._fields.update(published)
        await self._move(m.PUBLISH, action, {"notice_id": publication.notice_id, "addressed": published["addressed"]})

    async def _take_acknowledge(self, action: m.NoticeAction) -> None:
        duns = action.actor.duns
        self._acknowledged[duns] = action.actor.name
        company = next(a.name for a in self._addressees if a.duns == duns)
        await self._move(m.ACKNOWLEDGE, action, {"acknowledged_by": company})

    async def _edit(self, name: str, action: m.NoticeAction) -> None:
        before = dict(self._fields)
        self._fields = {**self._fields, **{k: v for k, v in action.fields.items() if k in m.FORM_FIELDS}}
        changes = {
            field: f"{before[field]} -> {self._fields[field]}" if before.get(field) else self._fields[field]
            for field in m.FORM_FIELDS
            if field not in m.TEXT_FIELDS[1:] and before.get(field, "") != self._fields.get(field, "")
        }
        texts = [m.FIELD_LABELS[n] for n in m.TEXT_FIELDS[1:] if before.get(n, "") != self._fields.get(n, "")]
        if texts:
            changes["texts_written"] = ", ".join(texts)
        await self._move(name, action, changes)

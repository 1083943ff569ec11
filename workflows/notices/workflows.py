"""One workflow per market notice: Draft -> Published (mail delivered with retries until the SMTP server
takes it) -> acknowledgements per addressed company, one reminder before the day affected -> Superseded
when a reissue is published. Discard ends a draft."""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows import attention
from workflows import search_attributes as sa
from workflows.items import (
    REFUSAL_QUERY,
    SYSTEM_ACTOR,
    Asked,
    ItemTransition,
    OneActionAtATime,
    Refusal,
    conflict,
    principal_of,
    refuse,
)
from workflows.notices import models as m
from workflows.notices import rules
from workflows.notices.ids import notice_workflow_id

RECORD_OPTIONS = {**attention.STEP_OPTIONS, "local": True}
# An SMTP outage delays mail and loses none: delivery is retried, backing off to once a minute, for up to two
# days (longer is for ERCOT's operators); each attempt sends only what the server has not yet accepted.
MAIL_OPTIONS = {
    "task_queue": m.MAIL_TASK_QUEUE,
    "start_to_close_timeout": timedelta(minutes=10),
    "schedule_to_close_timeout": timedelta(days=2),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), backoff_coefficient=2, maximum_interval=timedelta(minutes=1)
    ),
}
# A draft starts with its first OK (update-with-start); a refused OK leaves nothing to wait for.
FIRST_SAVE_WITHIN = timedelta(minutes=10)

INSTRUCTIONS = {
    m.DRAFT: "ERCOT completes the notice, then Publishes it to its audience (or Discards the draft).",
    m.PUBLISHED: "Published to its audience and mailed to their distribution lists.",
    m.SUPERSEDED: "Superseded by a reissue; read the reissue.",
    m.DISCARDED: "The draft was discarded; it was never published.",
}
ACKNOWLEDGE_INSTRUCTIONS = (
    "Published. The action required applies to each addressed company: its AR or BAR Acknowledges the notice."
)


@workflow.defn(name="MarketNotice")
class MarketNoticeWorkflow(attention.Attended):
    @workflow.init
    def __init__(self, notice: m.NoticeInput) -> None:
        self._notice = notice
        self._attention = attention.Attention(attention.REGISTRATION, notice.item_id, m.ITEM_TYPE)
        self._state = ""
        self._fields: dict[str, str] = {}
        self._seq = 0
        self._addressees: list[m.Addressee] = []
        self._acknowledged: dict[str, str] = {}  # DUNS -> who acknowledged
        self._reminder_at = ""
        self._reminded = False
        self._superseded_by: m.Supersession | None = None
        self._one_at_a_time = OneActionAtATime("notice")

    @workflow.run
    async def run(self, notice: m.NoticeInput) -> m.NoticeStatus:
        try:
            await workflow.wait_condition(lambda: self._state != "", timeout=FIRST_SAVE_WITHIN)
        except TimeoutError:
            return self.status()
        await workflow.wait_condition(lambda: self._state in (m.PUBLISHED, m.DISCARDED))
        if self._state == m.PUBLISHED:
            await self._deliver(m.PUBLICATION)
            await self._remind_when_due()
            await workflow.wait_condition(lambda: self._superseded_by is not None)
            await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
            superseded = self._superseded_by
            self._fields["superseded_by"] = superseded.notice_id
            self._fields["superseded_by_item_id"] = str(superseded.item_id)
            await self._move(
                m.SUPERSEDED,
                SYSTEM_ACTOR,
                "Superseded",
                {"superseded_by": superseded.notice_id},
                comment=f"Reissued as {superseded.notice_id}.",
            )
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
        reminded = self._pending()
        self._reminded = True
        names = "; ".join(a.name for a in self._addressees if a.duns in reminded)
        await self._move(
            self._state,
            SYSTEM_ACTOR,
            "Reminder",
            {"reminded": names},
            mail_round=m.REMINDER,
            mailed_duns=reminded,
        )
        await self._deliver(m.REMINDER)

    async def _deliver(self, mail_round: str) -> None:
        result: m.MailResult = await self._attention.run(
            m.DELIVER_NOTICE_MAIL,
            m.MailRound(self._notice.item_id, mail_round),
            result_type=m.MailResult,
            **MAIL_OPTIONS,
        )
        await workflow.wait_condition(lambda: not self._one_at_a_time.busy)
        label = "Mail Delivered" if mail_round == m.PUBLICATION else "Reminder Mail Delivered"
        changes = {"mail_accepted": str(result.accepted)}
        if result.unsubscribed:
            changes["mail_not_sent_unsubscribed"] = str(result.unsubscribed)
        await self._move(self._state, SYSTEM_ACTOR, label, changes)

    @workflow.query
    def status(self) -> m.NoticeStatus:
        return m.NoticeStatus(
            self._notice.item_id,
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

    @workflow.query(name=REFUSAL_QUERY)
    def refusal(self, asked: Asked) -> Refusal | None:
        return rules.refusal(
            asked.action,
            self._state,
            principal_of(asked.actor),
            frozenset(a.duns for a in self._addressees),
            frozenset(self._acknowledged),
            self._action_required(),
        )

    def _check(self, action: str, given) -> None:
        self._attention.admit(given)
        self._one_at_a_time.check()
        refuse(self.refusal(Asked(action, given.actor)))

    @workflow.update(name=m.SAVE)
    async def save(self, action: m.NoticeAction) -> m.NoticeStatus:
        with self._one_at_a_time.acting(m.LABELS[m.SAVE]):
            self._fields["author_duns"] = action.actor.duns
            await self._edit(action, m.LABELS[m.SAVE])
        return self.status()

    @save.validator
    def validate_save(self, action: m.NoticeAction) -> None:
        self._check(m.SAVE, action)

    @workflow.update(name=m.EDIT)
    async def edit(self, action: m.NoticeAction) -> m.NoticeStatus:
        with self._one_at_a_time.acting(m.LABELS[m.EDIT]):
            await self._edit(action, m.LABELS[m.EDIT])
        return self.status()

    @edit.validator
    def validate_edit(self, action: m.NoticeAction) -> None:
        self._check(m.EDIT, action)

    @workflow.update(name=m.DISCARD)
    async def discard(self, action: m.NoticeAction) -> m.NoticeStatus:
        with self._one_at_a_time.acting(m.LABELS[m.DISCARD]):
            await self._move(m.DISCARDED, action.actor, m.LABELS[m.DISCARD], comment=action.comment)
        return self.status()

    @discard.validator
    def validate_discard(self, action: m.NoticeAction) -> None:
        self._check(m.DISCARD, action)

    @workflow.update(name=m.PUBLISH)
    async def publish(self, publication: m.Publication) -> m.NoticeStatus:
        with self._one_at_a_time.acting(m.LABELS[m.PUBLISH]):
            self._addressees = list(publication.addressees)
            self._reminder_at = publication.reminder_at
            published = {
                "notice_id": publication.notice_id,
                "published_at": workflow.now().isoformat(),
                "published_by": publication.actor.name,
                "addressed": "; ".join(a.name for a in self._addressees),
            }
            if publication.notice_date:
                published["notice_date"] = publication.notice_date
            if publication.reissue_of_item_id:
                published["reissue_of_item_id"] = str(publication.reissue_of_item_id)
            self._fields.update(published)
            await self._move(
                m.PUBLISHED,
                publication.actor,
                m.LABELS[m.PUBLISH],
                {"notice_id": publication.notice_id, "addressed": published["addressed"]},
                comment=publication.comment,
                addressees=self._addressees,
                mail_round=m.PUBLICATION,
                mailed_duns=[a.duns for a in self._addressees],
            )
        return self.status()

    @publish.validator
    def validate_publish(self, publication: m.Publication) -> None:
        self._check(m.PUBLISH, publication)
        if not publication.addressees:
            refuse(conflict("the notice's audience names no active company"))

    @workflow.update(name=m.ACKNOWLEDGE)
    async def acknowledge(self, action: m.NoticeAction) -> m.NoticeStatus:
        with self._one_at_a_time.acting(m.LABELS[m.ACKNOWLEDGE]):
            duns = action.actor.duns
            self._acknowledged[duns] = action.actor.name
            company = next(a.name for a in self._addressees if a.duns == duns)
            await self._move(
                self._state,
                action.actor,
                m.LABELS[m.ACKNOWLEDGE],
                {"acknowledged_by": company},
                comment=action.comment,
                acknowledged_duns=duns,
            )
        return self.status()

    @acknowledge.validator
    def validate_acknowledge(self, action: m.NoticeAction) -> None:
        self._check(m.ACKNOWLEDGE, action)

    @workflow.signal(name=m.SUPERSEDE)
    def superseded(self, by: m.Supersession) -> None:
        if self._state == m.PUBLISHED and self._superseded_by is None:
            self._superseded_by = by

    async def _edit(self, action: m.NoticeAction, label: str) -> None:
        before = dict(self._fields)
        self._fields = {**self._fields, **{k: v for k, v in action.fields.items() if k in m.FORM_FIELDS}}
        changes = {
            name: f"{before[name]} -> {self._fields[name]}" if before.get(name) else self._fields[name]
            for name in m.FORM_FIELDS
            if name not in m.TEXT_FIELDS[1:] and before.get(name, "") != self._fields.get(name, "")
        }
        texts = [m.FIELD_LABELS[n] for n in m.TEXT_FIELDS[1:] if before.get(n, "") != self._fields.get(n, "")]
        if texts:
            changes["texts_written"] = ", ".join(texts)
        await self._move(m.DRAFT, action.actor, label, changes, comment=action.comment)

    async def _move(
        self,
        to_state: str,
        actor,
        label: str,
        changes: dict[str, str] | None = None,
        comment: str = "",
        addressees: list[m.Addressee] | None = None,
        acknowledged_duns: str = "",
        mail_round: str = "",
        mailed_duns: list[str] | None = None,
    ) -> None:
        from_state, self._state = self._state, to_state
        self._seq += 1
        self._upsert_search_attributes()
        pending = self._pending() if to_state == m.PUBLISHED else []
        step = ItemTransition(
            workflow_id=notice_workflow_id(self._notice.item_id),
            item_id=self._notice.item_id,
            seq=self._seq,
            item_type=m.ITEM_TYPE,
            title=self._title(),
            company_duns=self._fields.get("author_duns", ""),
            state=to_state,
            responsible_party="Addressed companies" if pending else ("ERCOT" if to_state == m.DRAFT else ""),
            instructions=ACKNOWLEDGE_INSTRUCTIONS if pending else INSTRUCTIONS[to_state],
            fields=dict(self._fields),
            closed=to_state in (m.SUPERSEDED, m.DISCARDED),
            actor=actor,
            action=label,
            from_state=from_state,
            to_state=to_state,
            changes=changes or {},
            comment=comment,
        )
        notice_step = m.NoticeStep(step, addressees or [], acknowledged_duns, mail_round, mailed_duns or [])
        await self._attention.run(m.RECORD_NOTICE_STEP, notice_step, **RECORD_OPTIONS)

    def _title(self) -> str:
        name = self._fields.get("notice_id") or "Draft notice"
        return f"{name} {self._fields.get('notice_type', '')}: {self._fields.get('short_description', '')}"[:300]

    def _upsert_search_attributes(self) -> None:
        attributes = [
            sa.ITEM_ID.value_set(str(self._notice.item_id)),
            sa.ITEM_TYPE.value_set(m.ITEM_TYPE),
            sa.ITEM_STATE.value_set(self._state),
            sa.RESPONSIBLE_PARTY.value_set("Addressed companies" if self._pending() else "ERCOT"),
        ]
        if self._fields.get("flight"):
            attributes.append(sa.FLIGHT.value_set(self._fields["flight"]))
        workflow.upsert_search_attributes(attributes)

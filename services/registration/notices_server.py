"""The market notice RPCs of the registration servicer: translate, authorize, call the workflow."""

from contextlib import suppress
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError

from flightrak import errors, projections, tokens
from flightrak.copying import same_named
from flightrak.grpc_runtime import caller
from flightrak.identity.v1 import identity_pb2 as identity
from flightrak.item_steps import StepWriter
from flightrak.items.v1 import items_pb2
from flightrak.market_time import CENTRAL
from flightrak.registration.v1 import registration_pb2 as pb
from flightrak.temporal import check_with_workflow, forward, start_with_action
from services.registration import models, notices_store, store
from services.registration import notices as rules
from services.registration.directory import Directory
from workflows import notices as notices_flow
from workflows.items import actor_of
from workflows.notices import models as m
from workflows.notices.ids import notice_workflow_id
from workflows.notices.rules import FLOW, Notice
from workflows.notices.workflows import MarketNoticeWorkflow
from workflows.table import Offer

REPORT = "market-notices"
ERCOT_ONLY_CHANGES = frozenset({"addressed", "reminded", "mail_accepted", "mail_not_sent_unsubscribed"})
REPORT_COLUMNS = [
    "Item ID",
    "Notice ID",
    "Notice Date",
    "Notice Type",
    "Short Description",
    "Intended Audience",
    "Day(s) Affected",
    "Action Required",
    "Acknowledged",
    "State",
    "Read",
]


def _kind(company: identity.Company) -> str:
    return identity.CompanyKind.Name(company.kind).removeprefix("COMPANY_KIND_")


def _today() -> date:
    return datetime.now(CENTRAL).date()


def _rfc3339(moment: datetime | None) -> str:
    return moment.astimezone(CENTRAL).isoformat() if moment else ""


class NoticeRpcs:
    """Mixed into the RegistrationServicer, whose sessions, Temporal client and directory it uses."""

    _sessions: async_sessionmaker[AsyncSession]
    _write_notice_steps: StepWriter
    _temporal: Client
    _directory: Directory
    _notice_reminder_hours: float = 48

    async def _market(self) -> dict[str, rules.MarketCompany]:
        return {
            c.duns: rules.MarketCompany(
                c.duns, c.name, _kind(c), c.active, tuple(dl.email for dl in c.distribution_lists)
            )
            for c in await self._directory.market()
        }

    async def _checked_notice(self, raw: dict[str, str]) -> dict[str, str]:
        """Every field checked against the market and the flights; every problem named in one error."""
        market = await self._market()
        async with self._sessions() as session:
            flights = await notices_store.flight_designations(session)
        fields, problems = rules.clean_notice(raw, market, flights, _today())
        if fields.get("reissue_of") and "reissue_of" not in problems:
            original, problem = await self._reissued(fields["reissue_of"])
            if problem:
                problems["reissue_of"] = problem
        if problems:
            raise errors.InvalidFields(problems, errors.problems_message(problems, m.FIELD_LABELS))
        return fields

    async def _reissued(self, notice_id: str) -> tuple[models.Notice | None, str | None]:
        """The FlighTrak notice a reissue replaces (None if it was published before FlighTrak), or why not."""
        async with self._sessions() as session:
            try:
                original = await notices_store.notice(session, notice_id=notice_id)
            except errors.NotFound:
                if await notices_store.stem_known(session, rules.stem_of(notice_id)):
                    return None, f"there is no published notice {notice_id}; reissue the latest of its series"
                return None, None
        if original.state != m.PUBLISHED:
            return original, f"{notice_id} is {original.state}: only the current published notice may be reissued"
        return original, None

    async def CreateNotice(self, request: pb.CreateNoticeRequest, context) -> pb.Notice:
        principal = caller()
        refused = FLOW.not_theirs(m.SAVE, principal, Notice())
        if refused is not None:
            raise errors.refused(refused)
        fields = await self._checked_notice(dict(request.fields))
        item_id = await self._start_notice(fields, principal)
        return await self._notice(item_id, principal)

    async def _start_notice(self, fields: dict[str, str], principal: tokens.Principal) -> int:
        async with self._sessions() as session:
            item_id = await store.next_item_id(session)
        await start_with_action(
            self._temporal,
            MarketNoticeWorkflow.run,
            m.NoticeInput(item_id),
            id=notice_workflow_id(item_id),
            task_queue=notices_flow.TASK_QUEUE,
            action=m.SAVE,
            given=m.NoticeAction(actor_of(principal), fields),
            write_steps=self._write_notice_steps,
        )
        return item_id

    async def ListNotices(self, request: pb.ListNoticesRequest, context) -> pb.ListNoticesResponse:
        principal = caller()
        return pb.ListNoticesResponse(notices=await self._listed(principal, request.flight))

    async def _listed(self, principal: tokens.Principal, flight: str = "") -> list[pb.Notice]:
        async with self._sessions() as session:
            rows = await notices_store.listed(session, principal, flight)
            counts = await notices_store.acknowledgement_counts(session, [n.item_id for n, _, _ in rows])
        return [
            self._summary(notice, read_at, own, counts.get(notice.item_id), principal) for notice, read_at, own in rows
        ]

    def _summary(self, notice: models.Notice, read_at, own, counts, principal: tokens.Principal) -> pb.Notice:
        acknowledged, addressed = counts or (0, 0)
        needs_action = rules.action_required(notice.action_required) and notice.state in notices_store.PUBLIC_STATES
        return pb.Notice(
            **same_named(
                notice, "item_id", "state", "notice_type", "short_description", "audience", "long_description",
                "action_required", "additional_information", "contact", "flight", "reissue_of", "superseded_by",
            ),
            notice_id=notice.notice_id or "",
            notice_date=notice.notice_date.isoformat() if notice.notice_date else "",
            audience_text=rules.audience_text(notice.audience, {}),
            days_affected=[day.isoformat() for day in notice.days_affected],
            reissue_of_item_id=notice.reissue_of_item_id or 0,
            published_at=_rfc3339(notice.published_at),
            unread=read_at is None and notice.state in notices_store.PUBLIC_STATES,
            requires_acknowledgement=needs_action,
            acknowledged=bool(own is not None and own.acknowledged_at is not None),
            acknowledged_count=acknowledged if principal.is_ercot else 0,
            recipient_count=addressed if principal.is_ercot else 0,
        )

    async def GetNotice(self, request: pb.GetNoticeRequest, context) -> pb.Notice:
        principal = caller()
        async with self._sessions.begin() as session:
            notice = await notices_store.notice(session, request.item_id, request.notice_id)
            if not await notices_store.may_read(session, notice.item_id, principal):
                raise errors.NotFound(f"no market notice {request.item_id or request.notice_id}")
            if request.mark_read:
                await notices_store.mark_read(session, notice.item_id, principal.user_id)
        return await self._notice(notice.item_id, principal)

    async def _notice(self, item_id: int, principal: tokens.Principal) -> pb.Notice:
        async with self._sessions() as session:
            notice = await notices_store.notice(session, item_id)
            if not await notices_store.may_read(session, item_id, principal):
                raise errors.NotFound(f"no market notice {item_id}")
            everyone = await notices_store.recipients(session, item_id)
            read = await session.get(models.NoticeRead, (item_id, principal.user_id))
            reissue = await notices_store.reissue_of(session, item_id)
            mail = await notices_store.mail_summary(session, item_id) if principal.is_ercot else {}
        own = next((r for r in everyone if r.company_duns == principal.duns), None)
        counts = (sum(r.acknowledged_at is not None for r in everyone), len(everyone))
        shown = self._summary(notice, read.read_at if read else None, own, counts, principal)
        names = {r.company_duns: r.company_name for r in everyone}
        shown.audience_text = rules.audience_text(notice.audience, names)
        if reissue is not None:
            shown.superseded_by, shown.superseded_by_item_id = reissue.notice_id or "", reissue.item_id
        visible = everyone if principal.is_ercot else [r for r in everyone if r.company_duns == principal.duns]
        shown.recipients.extend(
            pb.NoticeRecipient(
                company_duns=r.company_duns,
                company_name=r.company_name,
                company_kind=r.company_kind,
                acknowledged=r.acknowledged_at is not None,
                acknowledged_by=r.acknowledged_by,
                acknowledged_at=_rfc3339(r.acknowledged_at),
            )
            for r in visible
        )
        shown.actions.extend(items_pb2.ItemAction(**a) for a in self._notice_actions(notice, principal, everyone))
        if principal.is_ercot:
            shown.mail.CopyFrom(
                pb.NoticeMailSummary(
                    queued=int(mail.get("queued", 0)),
                    sent=int(mail.get("sent", 0)),
                    unsubscribed=int(mail.get("unsubscribed", 0)),
                    last_error=str(mail.get("last_error", "")),
                )
            )
        return shown

    def _notice_actions(self, notice: models.Notice, principal: tokens.Principal, everyone) -> list[Offer]:
        facts = Notice(
            frozenset(r.company_duns for r in everyone),
            frozenset(r.company_duns for r in everyone if r.acknowledged_at is not None),
            rules.action_required(notice.action_required),
        )
        return FLOW.offered(notice.state, principal, facts, datetime.now(UTC))

    # Through ActOnItem / GetItem / GetReport (the ItemService every item owner serves)

    async def _notice_item(self, item: models.Item, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            if not await notices_store.may_read(session, item.item_id, principal):
                raise errors.NotFound(f"no item {item.item_id}")
            notice = await notices_store.notice(session, item.item_id)
            everyone = await notices_store.recipients(session, item.item_id)
            history = await projections.history(session, models.ItemHistory, item.item_id)
        if not principal.is_ercot:
            # A participant's history shows no other company's acknowledgement.
            history = [
                h
                for h in history
                if h.action != FLOW.action(m.ACKNOWLEDGE).label
                or h.changes.get("acknowledged_by")
                in {r.company_name for r in everyone if r.company_duns == principal.duns}
            ]
        actions = self._notice_actions(notice, principal, everyone)
        fields = dict(item.fields)
        if principal.is_ercot:
            return projections.item_proto(item, history, actions, fields=fields)
        # Whom else a notice reached, who was reminded and the mail counts are ERCOT's to see.
        fields.pop("addressed", None)
        return projections.item_proto(
            item,
            history,
            actions,
            fields=fields,
            changes_of=lambda entry: {k: v for k, v in entry.changes.items() if k not in ERCOT_ONLY_CHANGES},
        )

    async def _act_on_notice(
        self, item: models.Item, request: items_pb2.ActOnItemRequest, principal: tokens.Principal
    ) -> items_pb2.Item:
        async with self._sessions() as session:
            if not await notices_store.may_read(session, item.item_id, principal):
                raise errors.NotFound(f"no item {item.item_id}")
            notice = await notices_store.notice(session, item.item_id)
        handle = self._temporal.get_workflow_handle(item.workflow_id)
        actor = actor_of(principal)
        target = item.item_id
        if request.action in (m.EDIT, m.PUBLISH, m.REISSUE):
            # A draft is checked, a number reserved or a reissue opened only for an action the workflow takes now.
            await check_with_workflow(handle, request.action, actor, request.comment)
        if request.action == m.EDIT:
            current = {name: str(item.fields.get(name, "")) for name in m.FORM_FIELDS}
            fields = await self._checked_notice({**current, **dict(request.fields)})
            await forward(handle, m.EDIT, m.NoticeAction(actor, fields, request.comment), self._write_notice_steps)
        elif request.action == m.PUBLISH:
            publication = await self._publication(item)
            given = m.NoticeAction(actor, comment=request.comment, publication=publication)
            await forward(handle, m.PUBLISH, given, self._write_notice_steps)
            if publication.reissue_of_item_id:
                await self._supersede(publication.reissue_of_item_id, publication.notice_id, item.item_id)
        elif request.action == m.REISSUE:
            fields = {name: str(item.fields.get(name, "")) for name in m.FORM_FIELDS}
            fields |= {"reissue_of": notice.notice_id or "", "notice_date": ""}
            fields |= {name: value for name, value in request.fields.items() if name in m.FORM_FIELDS}
            target = await self._start_notice(await self._checked_notice(fields), principal)
        else:
            given = m.NoticeAction(actor, comment=request.comment)
            await forward(handle, request.action, given, self._write_notice_steps)
        async with self._sessions() as session:
            return await self._notice_item(await projections.item(session, models.Item, target), principal)

    async def _publication(self, item: models.Item) -> m.Publication:
        """Checks the draft whole again (the market may have changed), settles its audience and its ID."""
        fields = await self._checked_notice({name: str(item.fields.get(name, "")) for name in m.FORM_FIELDS})
        original, problem = (await self._reissued(fields["reissue_of"])) if fields.get("reissue_of") else (None, None)
        if problem:
            raise errors.FailedPrecondition(problem, {"reissue_of": problem})
        market = await self._market()
        addressees = rules.addressed(fields["audience"], market)
        if not addressees:
            raise errors.InvalidFields({"audience": "addresses no active company"})
        notice_date = date.fromisoformat(fields["notice_date"]) if fields.get("notice_date") else _today()
        async with self._sessions() as session:
            notice_id = await notices_store.reserve_number(
                session, item.item_id, notice_date, fields.get("reissue_of", "")
            )
        days, _ = rules.parse_days(fields.get("days_affected", ""))
        reminder = rules.reminder_at(
            days,
            rules.action_required(fields.get("action_required", "")),
            self._notice_reminder_hours,
            datetime.now(UTC),
        )
        return m.Publication(
            notice_id,
            [m.Addressee(c.duns, c.name, c.kind, list(c.lists)) for c in addressees],
            reminder,
            original.item_id if original is not None else 0,
            notice_date.isoformat(),
        )

    async def _supersede(self, original_item_id: int, notice_id: str, item_id: int) -> None:
        handle = self._temporal.get_workflow_handle(notice_workflow_id(original_item_id))
        with suppress(RPCError):  # its workflow has ended: the reissue links to it all the same
            await handle.signal(MarketNoticeWorkflow.superseded, m.Supersession(notice_id, item_id))

    async def _notices_report(self, request: items_pb2.ReportRequest, principal: tokens.Principal) -> items_pb2.Report:
        rows = []
        for notice in await self._listed(principal, request.flight):
            if request.item_id and request.item_id != notice.item_id:
                continue
            needs = notice.requires_acknowledgement
            if principal.is_ercot:
                acknowledged = f"{notice.acknowledged_count} of {notice.recipient_count}" if needs else ""
            else:
                acknowledged = ("Yes" if notice.acknowledged else "No") if needs else ""
            days = [date.fromisoformat(d) for d in notice.days_affected]
            rows.append(
                [
                    notice.item_id,
                    notice.notice_id,
                    date.fromisoformat(notice.notice_date).strftime("%m/%d/%Y") if notice.notice_date else "",
                    notice.notice_type,
                    notice.short_description,
                    notice.audience_text,
                    "; ".join(d.strftime("%m/%d/%Y") for d in days),
                    notice.action_required if needs else "None",
                    acknowledged,
                    notice.state,
                    "Unread" if notice.unread else "Read",
                ]
            )
        return projections.report(REPORT, "Market Notices", REPORT_COLUMNS, rows)

    # Subscriptions

    async def ListNoticeSubscriptions(self, request: pb.ListNoticeSubscriptionsRequest, context):
        principal = caller()
        duns = request.company_duns or principal.duns
        company = await self._company_lists(principal, duns)
        emails = [dl.email for dl in company.distribution_lists]
        async with self._sessions() as session:
            kept = {(s.list_email, s.notice_type): s for s in await notices_store.subscriptions(session, emails)}
        shown = []
        for dl in company.distribution_lists:
            for notice_type in m.NOTICE_TYPES:
                row = kept.get((dl.email, notice_type))
                shown.append(
                    pb.NoticeSubscription(
                        list_email=dl.email,
                        list_name=dl.name,
                        notice_type=notice_type,
                        subscribed=row.subscribed if row else True,
                        changed_by=row.changed_by if row else "",
                        changed_at=_rfc3339(row.changed_at) if row else "",
                    )
                )
        return pb.ListNoticeSubscriptionsResponse(subscriptions=shown, notice_types=list(m.NOTICE_TYPES))

    async def _company_lists(self, principal: tokens.Principal, duns: str) -> identity.Company:
        if not (principal.is_ercot or principal.duns == duns):
            raise errors.PermissionDenied("a company's distribution lists are managed by its users and ERCOT")
        return await self._directory.company(duns)

    async def SetNoticeSubscription(self, request: pb.SetNoticeSubscriptionRequest, context) -> pb.NoticeSubscription:
        principal = caller()
        problems = {}
        if request.notice_type not in m.NOTICE_TYPES:
            problems["notice_type"] = f"must be one of: {', '.join(m.NOTICE_TYPES)}"
        email = request.list_email.strip().lower()
        owner = None
        if principal.is_ercot:
            for company in await self._directory.market():
                if any(dl.email.lower() == email for dl in company.distribution_lists):
                    owner = company
        else:
            company = await self._company_lists(principal, principal.duns)
            if any(dl.email.lower() == email for dl in company.distribution_lists):
                owner = company
        if owner is None:
            problems["list_email"] = "is not a current distribution list of your company"
        if problems or owner is None:
            raise errors.InvalidFields(problems)
        found = next(dl for dl in owner.distribution_lists if dl.email.lower() == email)
        async with self._sessions.begin() as session:
            await notices_store.set_subscription(
                session, found.email, request.notice_type, owner.duns, request.subscribed, principal.name
            )
        return pb.NoticeSubscription(
            list_email=found.email,
            list_name=found.name,
            **same_named(request, "notice_type", "subscribed"),
            changed_by=principal.name,
            changed_at=_rfc3339(datetime.now(UTC)),
        )

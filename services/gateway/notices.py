"""Market notices: the API operations and the pages (read, write, publish, acknowledge, reissue, subscriptions)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from flightrak import boundary, notice_text
from flightrak.identity.v1 import identity_pb2
from flightrak.registration.v1 import registration_pb2 as pb
from services.gateway import api, schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller, Caller, MaybeCaller
from services.gateway.backends import ApiError, call
from workflows.notices import models as m

REPORT = "market-notices"  # the registration service's (reports.REPORT_OWNERS)

views.templates.env.filters["notice_html"] = lambda text: Markup(notice_text.to_html(text or ""))
views.templates.env.globals["notice_labels"] = m.FIELD_LABELS
views.templates.env.globals["notice_types"] = m.NOTICE_TYPES
views.templates.env.globals["audience_kinds"] = m.AUDIENCE_KINDS


class NoticeBody(BaseModel):
    fields: dict[str, str] = Field(
        description="notice_date (YYYY-MM-DD; the day of publication if empty), notice_type, short_description, "
        "audience (QSE, CR, TDSP, SP, NOIE and/or company DUNS, comma-separated), days_affected, long_description, "
        "action_required, additional_information (Markdown; a table may be pasted tab-separated), contact, "
        "flight (optional MMYY), reissue_of (optional notice ID)"
    )


class SubscriptionBody(BaseModel):
    list_email: str
    notice_type: str
    subscribed: bool


def notice_json(notice: pb.Notice) -> dict:
    return as_json(notice)


async def list_notices(app, token: str, flight: str = "") -> list[pb.Notice]:
    reply = await call(app.state.backends.registration.ListNotices, pb.ListNoticesRequest(flight=flight), token)
    return list(reply.notices)


async def get_notice(app, ref: str | int, token: str, mark_read: bool = False) -> pb.Notice:
    ref = str(ref).strip()
    request = (
        pb.GetNoticeRequest(item_id=int(ref), mark_read=mark_read)
        if boundary.is_number(ref) and int(ref) <= boundary.INT64_MAX
        else pb.GetNoticeRequest(notice_id=ref, mark_read=mark_read)
    )
    return await call(app.state.backends.registration.GetNotice, request, token)


def register(app, router: APIRouter) -> None:
    @router.post(
        "/notices",
        summary="ERCOT writes a market notice: a draft, every field checked",
        **schemas.success(schemas.Notice, 201),
    )
    async def create_notice(body: NoticeBody, caller: ApiCaller) -> dict:
        request = pb.CreateNoticeRequest(fields=body.fields)
        return notice_json(await call(app.state.backends.registration.CreateNotice, request, caller.token))

    @router.get(
        "/notices",
        summary="The market notices the caller may read, newest first, unread marked",
        **schemas.success(schemas.Notices),
    )
    async def get_notices(caller: ApiCaller, flight: str = "") -> dict:
        return {"notices": [notice_json(n) for n in await list_notices(app, caller.token, flight)]}

    @router.get(
        "/notices/{ref}",
        summary="One notice by Item ID or notice ID; ERCOT sees every addressed company's acknowledgement",
        **schemas.success(schemas.Notice),
    )
    async def get_one_notice(ref: str, caller: ApiCaller, mark_read: bool = False) -> dict:
        return notice_json(await get_notice(app, ref, caller.token, mark_read))

    @router.get(
        "/notice-subscriptions",
        summary="Which notice types each of a company's lists receives",
        **schemas.success(schemas.NoticeSubscriptions),
    )
    async def get_subscriptions(caller: ApiCaller, company_duns: str = "") -> dict:
        request = pb.ListNoticeSubscriptionsRequest(company_duns=company_duns)
        return as_json(await call(app.state.backends.registration.ListNoticeSubscriptions, request, caller.token))

    @router.put(
        "/notice-subscriptions",
        summary="Unsubscribe (or resubscribe) a distribution list from a type",
        **schemas.success(schemas.NoticeSubscription),
    )
    async def put_subscription(body: SubscriptionBody, caller: ApiCaller) -> dict:
        request = pb.SetNoticeSubscriptionRequest(**body.model_dump())
        return as_json(await call(app.state.backends.registration.SetNoticeSubscription, request, caller.token))

    @app.get("/notices", response_class=HTMLResponse, include_in_schema=False)
    async def notices_page(request: Request, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        shown = await list_notices(app, caller.token)
        return await views.render(app, request, caller, "notices.html", notices=shown)

    @app.get("/notices/new", response_class=HTMLResponse, include_in_schema=False)
    async def new_notice_page(request: Request, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        return await notice_form(request, caller, {"notice_type": "", "audience": ""}, None)

    async def notice_form(
        request: Request, caller: Caller, values: dict, error: ApiError | None, notice: pb.Notice | None = None
    ) -> Response:
        if not caller.principal.is_ercot:
            raise ApiError(403, "only ERCOT writes market notices")
        companies = await call(
            app.state.backends.identity.ListCompanies, identity_pb2.ListCompaniesRequest(), caller.token
        )
        named = [c for c in companies.companies if c.active and api.company_json(c)["kind"] != "ERCOT"]
        return await views.render(
            app, request, caller, "notice_form.html", error.status if error else 200,
            values=values, error=error, notice=notice, companies=named,
        )

    def posted_fields(form: dict) -> dict[str, str]:
        audience = [part for part in form.get("audience", "").split(",") if part]
        audience += [part for part in form.get("audience_companies", "").split(",") if part]
        fields = {name: form.get(name, "") for name in m.FORM_FIELDS}
        fields["audience"] = ", ".join(audience)
        return fields

    @app.post("/notices/new", include_in_schema=False)
    async def create_notice_page(request: Request, caller: views.PageCaller) -> Response:
        form = await views.read_form(app, request, caller)
        fields = posted_fields(form)
        try:
            created = await call(
                app.state.backends.registration.CreateNotice, pb.CreateNoticeRequest(fields=fields), caller.token
            )
        except ApiError as error:
            if error.status in (400, 409):
                return await notice_form(request, caller, fields, error)
            raise
        return RedirectResponse(f"/notices/{created.item_id}", status_code=303)

    @app.get("/notices/subscriptions", response_class=HTMLResponse, include_in_schema=False)
    async def subscriptions_page(
        request: Request, caller: MaybeCaller, list: str = "", type: str = "", company_duns: str = ""
    ) -> Response:
        caller = views.signed_in(caller)
        return await subscriptions_view(request, caller, company_duns, list, type)

    async def subscriptions_view(
        request: Request, caller: Caller, duns: str, chosen_list: str, chosen_type: str,
        error: ApiError | None = None, done: str = "",
    ) -> Response:
        found = await call(
            app.state.backends.registration.ListNoticeSubscriptions,
            pb.ListNoticeSubscriptionsRequest(company_duns=duns),
            caller.token,
        )
        lists = {s.list_email: s.list_name for s in found.subscriptions}
        unsubscribed = [s for s in found.subscriptions if not s.subscribed]
        return await views.render(
            app, request, caller, "notice_subscriptions.html", error.status if error else 200,
            lists=lists, unsubscribed=unsubscribed, types=list(found.notice_types), chosen_list=chosen_list,
            chosen_type=chosen_type, error=error, done=done,
        )

    @app.post("/notices/subscriptions", include_in_schema=False)
    async def set_subscription_page(request: Request, caller: views.PageCaller) -> Response:
        form = await views.read_form(app, request, caller)
        subscribed = form.get("subscribed", "") == "yes"
        asked = pb.SetNoticeSubscriptionRequest(
            list_email=form.get("list_email", ""), notice_type=form.get("notice_type", ""), subscribed=subscribed
        )
        try:
            done = await call(app.state.backends.registration.SetNoticeSubscription, asked, caller.token)
        except ApiError as error:
            if error.status != 400:
                raise
            return await subscriptions_view(request, caller, "", asked.list_email, asked.notice_type, error)
        verb = "receives" if done.subscribed else "no longer receives"
        message = f"{done.list_email} {verb} {done.notice_type} notices."
        return await subscriptions_view(request, caller, "", done.list_email, done.notice_type, done=message)

    @app.get("/notices/{item_id}", response_class=HTMLResponse, include_in_schema=False)
    async def notice_page(request: Request, item_id: int, caller: MaybeCaller, edit: bool = False) -> Response:
        caller = views.signed_in(caller)
        notice = await get_notice(app, item_id, caller.token, mark_read=True)
        if edit:
            values = {name: getattr(notice, name) for name in m.FORM_FIELDS if hasattr(notice, name)}
            values["days_affected"] = ", ".join(notice.days_affected)
            return await notice_form(request, caller, values, None, notice)
        return await notice_view(request, caller, notice)

    async def notice_view(request: Request, caller: Caller, notice: pb.Notice, error: ApiError | None = None):
        item = await api.fetch_item(app, notice.item_id, caller.token)
        return await views.render(
            app, request, caller, "notice.html", error.status if error else 200,
            notice=notice, item=item, error=error,
        )

    @app.post("/notices/{item_id}/actions", include_in_schema=False)
    async def notice_action(request: Request, item_id: int, caller: views.PageCaller) -> Response:
        form = await views.read_form(app, request, caller)
        action, comment = form.get("action", ""), form.get("comment", "")
        fields = posted_fields(form) if action == m.EDIT else {}
        try:
            item = await api.act_on_item(app, item_id, action, fields, comment, caller.token)
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            notice = await get_notice(app, item_id, caller.token)
            if action == m.EDIT:
                return await notice_form(request, caller, fields, error, notice)
            return await notice_view(request, caller, notice, error)
        return RedirectResponse(f"/notices/{item.item_id}", status_code=303)

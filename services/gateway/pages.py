"""Server-rendered pages: sign-in, setting a password from a link, the company's users and distribution lists,
user-admin requests and items."""

import re
import secrets
from datetime import UTC
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flightrak import authz
from flightrak.copying import same_named
from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.identity.v1 import people_pb2, people_pb2_grpc
from flightrak.market_time import central_text, day_text
from flightrak.scripts.v1 import scripts_pb2
from flightrak.testbed.v1 import testbed_pb2
from services.gateway import api, flight_choice, flights, notices, rate_limits, reports, script_packs, test_beds, views
from services.gateway.auth import SESSION_COOKIE, Caller, MaybeCaller, csrf_valid
from services.gateway.backends import ApiError, call
from services.gateway.views import SignInRequired, templates
from workflows.flight import models as flight_models
from workflows.specifications import models as specification_requests
from workflows.user_admin import models as user_requests

SIGNIN_CSRF_COOKIE = "flightrak_signin_csrf"
# A page holding a set-password token (or showing one) is neither cached nor named to another site.
SECRET_PAGE_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
USER_FIELD_LABELS = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "employee_id": "Employee ID",
    "email": "Email Address",
    "phone": "Phone Number",
}
templates.env.globals["field_labels"] = USER_FIELD_LABELS
# What an item page shows under Details, per item type: the field and its label.
DETAILS = {
    "User Admin Request": USER_FIELD_LABELS,
    "Flight": {
        "designation": "Flight Designation",
        "signup_deadline": "Flight Signup Deadline",
        "registration_closes_at": "Registration Closes",
        "day1_of_testing": "Day 1 of Testing",
        "end_date": "End Date",
    },
    "Flight Registration": {
        "flight": "Flight Designation",
        "cr_name": "Competitive Retailer",
        "testing_as": "Tests As",
        "testing_as_reason": "Why",
        "primary_contact_name": "Primary Contact",
        "secondary_contact_name": "Secondary Contact",
        "testing_contact_name": "Testing Contact",
        "business_contact_list": "Business Contact Distribution List",
        "customer_classes": "Customer Classes",
        "tdsp_names": "TDSPs",
        "edi_system": "EDI System",
        "bank_name": "Bank",
        "service_provider_name": "Service Provider",
        "changing_banks": "Changing Banks",
        "system_change": "System Change",
        "testing_specifications_item_id": "Request for Testing Specifications",
    },
    "Request for Testing Specifications": {
        "flight": "Flight Designation",
        "company_name": "Company",
        "registration_item_id": "Flight Registration",
        "test_bed_file": "Test Bed File",
        "test_bed_rows": "Test Bed Rows",
        **{
            name: label
            for name, label in specification_requests.FIELD_LABELS.items()
            if name not in specification_requests.MULTILINE_FIELDS or name == "file_naming_convention"
        },
        **specification_requests.SELF_TEST_LABELS,
    },
    "Script Issue": {
        "flight": "Flight Designation",
        "script_id": "Script ID",
        "script_title": "Script",
        "cr_name": "CR Involved",
        "tdsp_name": "TDSP Involved",
        "step": "Step",
        "expects": "Waiting for Transaction",
        "last_failed_transaction": "Last Failed Transaction",
        "last_transaction": "Last Transaction Received",
        "p2p_item_id": "P2P Sub-flow",
        "escalated_by": "Escalated By",
        "pack_version": "Script Pack Version",
    },
    "P2P Sub-flow": {
        "flight": "Flight Designation",
        "script_id": "Script ID",
        "parent_item_id": "Parent Script Issue",
        "cr_name": "CR Involved",
        "tdsp_name": "TDSP Involved",
        "submitter": "Submitter",
        "receiver": "Receiver",
    },
}
templates.env.globals["spec_labels"] = specification_requests.FIELD_LABELS
templates.env.globals["spec_multiline"] = specification_requests.MULTILINE_FIELDS
LINKED_ITEM_FIELDS = frozenset(
    {"testing_specifications_item_id", "registration_item_id", "p2p_item_id", "parent_item_id"}
)
DATE_FIELDS = frozenset({"signup_deadline", "day1_of_testing", "end_date"})
# Instants kept as ISO-8601 text in an item's fields, shown as every instant is (market_time.central_text).
INSTANT_FIELDS = frozenset({"registration_closes_at", "pgp_key_expires", "certificate_expires", "edm_self_test_at"})


def _stamp(timestamp) -> str:
    """A history entry's instant (a protobuf Timestamp, UTC) as Texans read it."""
    return central_text(timestamp.ToDatetime(tzinfo=UTC))


def _customer_classes(value: str) -> str:
    """residential,small_commercial -> Residential, Small Commercial (also inside "old -> new")."""
    words = re.sub(r"[a-z_]+", lambda m: m.group().replace("_", " ").title(), value)
    return re.sub(r",(?! )", ", ", words)


def _shown_value(name: str, value: str) -> str:
    """One field's value as a page shows it; also each side of a history change "old -> new"."""
    if " -> " in value:
        return " -> ".join(_shown_value(name, part) for part in value.split(" -> "))
    if name in INSTANT_FIELDS:
        return central_text(value)
    if name == "customer_classes":
        return _customer_classes(value)
    return day_text(value) if name in DATE_FIELDS else value


def _changes(changes, labels: dict[str, str]) -> list[tuple[str, str]]:
    """A history entry's changes in the order the Details show them, labelled; fields without a label
    (IDs behind a shown name, such as a contact's user ID) are left out when the item type has labels."""
    names = [n for n in labels if n in changes] if labels else sorted(changes)
    return [(labels.get(n, n), _shown_value(n, changes[n])) for n in names]


def _field_label(name: str, details: dict[str, str] | None = None) -> str:
    """The label a form gives a field, for naming it in an error."""
    for labels in (details or {}, flights.REGISTRATION_FIELD_LABELS, flights.FLIGHT_FIELD_LABELS, USER_FIELD_LABELS):
        if name in labels:
            return labels[name]
    return name.replace("_", " ").capitalize()


def _in_form_order(problems) -> list[tuple[str, str]]:
    """An error's problems in the order the form shows its fields."""
    order = [*flights.FLIGHT_FIELD_LABELS, *flights.REGISTRATION_FIELD_LABELS, *USER_FIELD_LABELS]
    return sorted(problems.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


templates.env.filters["stamp"] = _stamp
templates.env.filters["shown"] = lambda value, name: _shown_value(name, value)
templates.env.filters["day"] = day_text
templates.env.globals["changes_shown"] = _changes
templates.env.globals["field_label"] = _field_label
templates.env.filters["in_form_order"] = _in_form_order


def register(app) -> None:
    # Routers are made per app: their routes close over it, and a second app must not answer with the first.
    router = APIRouter(include_in_schema=False)

    page = partial(views.render, app)
    form_of = partial(views.read_form, app)
    set_session = partial(views.set_session, app)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)

    @router.get("/signin", response_class=HTMLResponse)
    async def signin_form(request: Request, next: str = "/", password_set: bool = False) -> Response:
        notice = "Your password is set. Sign in with it." if password_set else None
        return signin_page(request, next=next, notice=notice)

    def signin_page(request: Request, status: int = 200, **context) -> Response:
        guard = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request, "signin.html", {"caller": None, "guard": guard, **context}, status_code=status
        )
        response.set_cookie(SIGNIN_CSRF_COOKIE, guard, httponly=True, samesite="strict", path="/signin")
        return response

    @router.post("/signin")
    async def signin(request: Request) -> Response:
        form = await request.form()
        email, next_page = str(form.get("email", "")), str(form.get("next", "/"))
        if not next_page.startswith("/") or next_page.startswith("//"):
            next_page = "/"
        guard = request.cookies.get(SIGNIN_CSRF_COOKIE)
        offered = str(form.get("guard", "")).encode("utf-8", "replace")
        if not guard or not secrets.compare_digest(guard.encode("utf-8", "replace"), offered):
            return signin_page(request, 403, email=email, next=next_page, error="The sign-in form expired; try again.")
        try:
            await rate_limits.sign_in(request, email)
            reply = await api.sign_in(app.state.backends, email, str(form.get("password", "")))
        except ApiError as error:
            return signin_page(request, error.status, email=email, next=next_page, error=error.message)
        response = RedirectResponse(next_page, status_code=303)
        set_session(response, reply.token)
        response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/signin")
        return response

    @router.post("/signout")
    async def signout(request: Request, caller: MaybeCaller) -> Response:
        if caller is not None:
            await form_of(request, caller)
            await api.sign_out(app.state.backends, caller.token)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request, caller: MaybeCaller, flight: str = "", search: str = "") -> Response:
        """The General dashboard. Its selector starts at every flight, not the reader's active one: its reports list
        flights, and Available Flights must show every flight open for signup."""
        if caller is None:
            raise SignInRequired()
        me = await call(app.state.backends.identity.WhoAmI, pb.WhoAmIRequest(), caller.token)
        requests = await call(
            app.state.backends.identity.ListUserRequests, pb.ListUserRequestsRequest(), caller.token
        )
        names = list(reports.DASHBOARDS["general"][1])
        if authz.may_review_registrations(caller.principal):
            names.insert(0, "registrations-for-review")
        general = [await reports.fetch_filtered(app, name, caller.token, flight, search=search) for name in names]
        known = await flight_choice.newest_first(app, caller.token)
        market_notices = await notices.list_notices(app, caller.token)
        return await page(
            request, caller, "home.html", me=me, items=requests.items, notices=market_notices,
            reports=[(report, reports.as_rows(report)) for report in general], flight=flight, flights=known,
            search=search,
        )

    @router.get("/set-password", response_class=HTMLResponse)
    async def set_password_form(request: Request, token: str = "") -> Response:
        error = None if token else ApiError(400, "this link is incomplete", {"token": "the link has no token"})
        return set_password_page(request, token, error)

    def set_password_page(request: Request, token: str, error: ApiError | None = None) -> Response:
        return templates.TemplateResponse(
            request,
            "set_password.html",
            {"caller": None, "token": token, "error": error},
            status_code=error.status if error else 200,
            headers=SECRET_PAGE_HEADERS,
        )

    @router.post("/set-password")
    async def set_password(request: Request) -> Response:
        form = await request.form()
        token, password = str(form.get("token", "")), str(form.get("password", ""))
        if password != str(form.get("confirm", "")):
            mismatch = ApiError(400, "the two passwords differ", {"confirm": "does not match the new password"})
            return set_password_page(request, token, mismatch)
        try:
            await rate_limits.set_password(request, token)
            await api.set_password(app.state.backends, token, password)
        except ApiError as error:
            if error.status not in (400, 429):
                raise
            return set_password_page(request, token, error)
        return RedirectResponse("/signin?password_set=true", status_code=303)

    @router.get("/companies/{duns}/users", response_class=HTMLResponse)
    async def company_users(request: Request, duns: str, caller: MaybeCaller) -> Response:
        if caller is None:
            raise SignInRequired()
        return await users_page(request, caller, duns)

    async def users_page(request: Request, caller: Caller, duns: str, status: int = 200, **context) -> Response:
        company = await call(app.state.backends.identity.GetCompany, pb.GetCompanyRequest(duns=duns), caller.token)
        users = await call(app.state.backends.identity.ListUsers, pb.ListUsersRequest(company_duns=duns), caller.token)
        context = {
            "invitation": None, "invitation_error": None, "list_error": None, "list_values": {}, "roles_error": None,
            **context,
        }
        return await page(
            request, caller, "users.html", status, company=company, users=users.users,
            company_kind=pb.CompanyKind.Name(company.kind).removeprefix("COMPANY_KIND_"),
            may_administer=authz.may_administer_users(caller.principal, duns),
            may_manage_lists=authz.may_manage_distribution_lists(caller.principal, duns),
            **context,
        )

    @router.post("/companies/{duns}/users/{user_id}/invitation")
    async def invite_user(request: Request, duns: str, user_id: str, caller: views.PageCaller) -> Response:
        await form_of(request, caller)
        return await show_invitation(request, caller, duns, user_id)

    async def show_invitation(request: Request, caller: Caller, duns: str, user_id: str) -> Response:
        """Issues a set-password link (identity mails it to the user) and shows the admin a copy to hand over."""
        try:
            invitation = await api.issue_invitation(app.state.backends, user_id, caller.token)
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            return await users_page(request, caller, duns, error.status, invitation_error=error)
        shown = {
            "user_id": invitation.user_id,
            "url": str(request.base_url).rstrip("/") + api.set_password_url(invitation.token),
            "expires_at": invitation.expires_at.ToDatetime(),
        }
        response = await users_page(request, caller, duns, invitation=shown)
        response.headers.update(SECRET_PAGE_HEADERS)
        return response

    @router.post("/companies/{duns}/users/{user_id}/roles")
    async def set_user_roles(request: Request, duns: str, user_id: str, caller: views.PageCaller) -> Response:
        """ERCOT's admin assigns roles; the boxes left unticked are removed (User is always held)."""
        form = await form_of(request, caller)
        chosen = [role for role in form.get("roles", "").split(",") if role]
        try:
            await call(
                app.state.backends.identity.SetUserRoles,
                pb.SetUserRolesRequest(user_id=user_id, roles=chosen),
                caller.token,
            )
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            return await users_page(request, caller, duns, error.status, roles_error=error)
        return RedirectResponse(f"/companies/{duns}/users", status_code=303)

    @router.post("/companies/{duns}/distribution-lists")
    async def add_distribution_list(request: Request, duns: str, caller: views.PageCaller) -> Response:
        form = await form_of(request, caller)
        values = {"name": form.get("name", ""), "email": form.get("email", "")}
        try:
            await call(
                app.state.backends.identity.AddDistributionList,
                pb.AddDistributionListRequest(company_duns=duns, **values),
                caller.token,
            )
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            return await users_page(request, caller, duns, error.status, list_error=error, list_values=values)
        return RedirectResponse(f"/companies/{duns}/users#distribution-lists", status_code=303)

    @router.post("/companies/{duns}/distribution-lists/remove")
    async def remove_distribution_list(request: Request, duns: str, caller: views.PageCaller) -> Response:
        form = await form_of(request, caller)
        await call(
            app.state.backends.identity.RemoveDistributionList,
            pb.RemoveDistributionListRequest(company_duns=duns, email=form.get("email", "")),
            caller.token,
        )
        return RedirectResponse(f"/companies/{duns}/users#distribution-lists", status_code=303)

    @router.get("/user-requests/new", response_class=HTMLResponse)
    async def new_user_request(
        request: Request, caller: MaybeCaller, kind: str = "add", company_duns: str = "", target_user_id: str = ""
    ) -> Response:
        if caller is None:
            raise SignInRequired()
        return await user_request_form(request, caller, kind, company_duns or caller.principal.duns, target_user_id)

    async def user_request_form(
        request: Request, caller: Caller, kind: str, duns: str, target_user_id: str,
        values: dict | None = None, error: ApiError | None = None,
    ) -> Response:
        users = await call(app.state.backends.identity.ListUsers, pb.ListUsersRequest(company_duns=duns), caller.token)
        contacts = [u for u in users.users if u.active and u.user_id != caller.principal.user_id]
        if values is None:
            target = next((u for u in contacts if u.user_id == target_user_id), None)
            values = same_named(target, *USER_FIELD_LABELS) if target and kind == "update" else {}
        return await page(
            request, caller, "user_request_form.html", status=error.status if error else 200,
            kind=kind, company_duns=duns, target_user_id=target_user_id, contacts=contacts,
            values=values, error=error,
        )

    @router.post("/user-requests/new")
    async def submit_user_request(request: Request, caller: views.PageCaller) -> Response:
        form = await form_of(request, caller)
        kind, duns = form.pop("kind", "add"), form.pop("company_duns", "") or caller.principal.duns
        target_user_id = form.pop("target_user_id", "")
        fields = {name: form.get(name, "") for name in USER_FIELD_LABELS} if kind != "deactivate" else {}
        try:
            item = await call(
                app.state.backends.identity.StartUserRequest,
                pb.StartUserRequestRequest(kind=kind, company_duns=duns, target_user_id=target_user_id, fields=fields),
                caller.token,
            )
        except ApiError as error:
            if error.status in (400, 409):
                return await user_request_form(request, caller, kind, duns, target_user_id, fields, error)
            raise
        return RedirectResponse(f"/items/{item.item_id}", status_code=303)

    async def actor_companies(item, token: str) -> dict[str, str]:
        """Each history row's person (or system) -> their company, for naming them with it."""
        asked = sorted({row.actor_user_id for row in item.history if row.actor_user_id})[:500]
        if not asked:
            return {}
        people = people_pb2_grpc.PeopleServiceStub(app.state.backends.channels["identity"])
        found = await call(people.GetCompaniesOf, people_pb2.GetCompaniesOfRequest(user_ids=asked), token)
        return dict(found.company_names)

    async def item_view(
        request: Request,
        caller: Caller,
        item,
        values: dict,
        error: ApiError | None = None,
        editing: str = "",
        upload: test_beds.Attached | None = None,
        pack_problems: list[str] | None = None,
        block: str = "",
    ) -> Response:
        """One page for every item type. A flight shows an AR/BAR the Register button (or why not), and ERCOT
        what Open Connectivity Testing still waits for (the deadline, TDSP test beds, the pack); a registration's
        Modify needs the Register form's choices; a TDSP's request shows its test bed (template, upload, what was
        attached) to the TDSP and ERCOT."""
        registration_form = readiness = None
        designation = item.fields.get("designation") or item.fields.get("flight")
        wants_form = item.item_type == "Flight" or (
            item.item_type == "Flight Registration" and any(action.fields for action in item.actions)
        )
        if wants_form and authz.may_register(caller.principal, caller.principal.duns):
            registration_form = await flights.registration_form(app, designation, caller.token)
        waiting = item.state in (flight_models.OPEN, flight_models.CLOSED)
        if item.item_type == "Flight" and caller.principal.is_ercot and waiting:
            readiness = await call(
                app.state.backends.testbed.GetTestBedReadiness,
                testbed_pb2.TestBedReadinessRequest(flight=designation),
                caller.token,
            )
        pack = None
        if item.item_type == "Flight":
            try:
                pack = await call(
                    app.state.backends.scripts.GetPack, scripts_pb2.GetPackRequest(flight=designation), caller.token
                )
            except ApiError as no_pack:
                if no_pack.status != 404:
                    raise
        test_bed = (
            item.item_type == specification_requests.ITEM_TYPE
            and item.fields.get("kind") == specification_requests.TDSP
            and (caller.principal.is_ercot or caller.principal.duns == item.company_duns)
        )
        status = 422 if upload or pack_problems else error.status if error else 200
        flight_notices = await notices.list_notices(app, caller.token, designation) if designation else []
        return await page(
            request, caller, "item.html", status=status, block=block, item=item, values=values,
            error=error, details=DETAILS.get(item.item_type, {}), linked=LINKED_ITEM_FIELDS,
            form=registration_form, editing=editing, readiness=readiness, test_bed=test_bed, upload=upload,
            pack=pack, pack_problems=pack_problems, notices=flight_notices,
            actor_companies=await actor_companies(item, caller.token),
        )

    @router.get("/items/{item_id}", response_class=HTMLResponse)
    async def item_page(request: Request, item_id: int, caller: MaybeCaller, edit: str = "") -> Response:
        caller = views.signed_in(caller)
        item = await api.fetch_item(app, item_id, caller.token)
        if item.item_type == "Market Notice":
            return RedirectResponse(f"/notices/{item_id}", status_code=303)
        return await item_view(request, caller, item, dict(item.fields), editing=edit)

    @router.get("/items/{item_id}/live", response_class=HTMLResponse)
    async def item_region(request: Request, item_id: int, caller: MaybeCaller) -> Response:
        """The item page's region that moves by itself, as the page shows it now (static/live.js)."""
        caller = views.fragment_caller(caller)
        item = await api.fetch_item(app, item_id, caller.token)
        return await item_view(request, caller, item, dict(item.fields), block="item_region")

    @router.post("/items/{item_id}/attachments")
    async def attach_test_bed(request: Request, item_id: int, caller: MaybeCaller) -> Response:
        """Attach and Validate from the item page: a bad file shows every problem, and nothing is kept."""
        caller = views.signed_in(caller)
        await rate_limits.write(request, caller.token, caller.principal)
        try:
            upload = await test_beds.read_upload(request)
            if not csrf_valid(app.state.settings.token_secret, caller.token, upload.form.get("csrf_token")):
                raise ApiError(403, "the form expired or did not come from FlighTrak; reload the page and try again")
            attached = await test_beds.attach(app, item_id, upload, caller.token)
        except ApiError as error:
            if error.status not in (400, 409, 413):
                raise
            item = await api.fetch_item(app, item_id, caller.token)
            return await item_view(request, caller, item, dict(item.fields), error)
        if not attached.ok:
            item = await api.fetch_item(app, item_id, caller.token)
            return await item_view(request, caller, item, dict(item.fields), upload=attached)
        return RedirectResponse(f"/items/{item_id}", status_code=303)

    @router.post("/flights/{designation}/script-pack")
    async def publish_script_pack(request: Request, designation: str, caller: MaybeCaller) -> Response:
        """Publish from the flight's page: a pack with problems lists every one, and nothing is published."""
        caller = views.signed_in(caller)
        await rate_limits.write(request, caller.token, caller.principal)
        upload = await test_beds.read_upload(request)
        if not csrf_valid(app.state.settings.token_secret, caller.token, upload.form.get("csrf_token")):
            raise ApiError(403, "the form expired or did not come from FlighTrak; reload the page and try again")
        flight = await flights.flight_named(app, designation, caller.token)
        try:
            content = upload.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = None
        published = None
        if content is not None:
            published = await script_packs.publish(app, designation, content, "", caller.token)
        if published is None or not published.ok:
            item = await api.fetch_item(app, flight.item_id, caller.token)
            problems = list(published.problems) if published else ["the file is not UTF-8 text"]
            return await item_view(request, caller, item, dict(item.fields), pack_problems=problems)
        return RedirectResponse(f"/items/{flight.item_id}", status_code=303)

    @router.post("/items/{item_id}/actions")
    async def item_action(request: Request, item_id: int, caller: views.PageCaller) -> Response:
        form = await form_of(request, caller)
        action, comment = form.pop("action", ""), form.pop("comment", "")
        form.pop("do", None)
        try:
            result = await api.act_on_item(app, item_id, action, form, comment, caller.token)
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            item = await api.fetch_item(app, item_id, caller.token)
            # What was typed, as typed: a checkbox group left empty is empty, not the stored value.
            acted = next((a for a in item.actions if a.name == action), None)
            blank = {name: "" for name in (acted.fields if acted else [])}
            typed = {**item.fields, **blank, **form, "comment": comment}
            return await item_view(request, caller, item, typed, error, editing=action)
        # A committed Add New User's workflow names the user it added as its target.
        added = result.fields.get("target_user_id") if result.fields.get("request") == user_requests.ADD else None
        if result.item_type == user_requests.ITEM_TYPE and action == user_requests.COMMIT and added:
            # The new user gets a set-password link by mail; the MP Admin sees a copy to hand over.
            return await show_invitation(request, caller, result.company_duns, added)
        return RedirectResponse(f"/items/{item_id}", status_code=303)

    app.include_router(router)

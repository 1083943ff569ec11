"""ERCOT's administration of companies: the Companies page (every company, Create Company with its first MP Admin,
whose set-password link identity mails), and deactivating a company, by the API and from its users page."""

from datetime import UTC

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flightrak import authz
from flightrak.identity.v1 import identity_pb2 as pb
from services.gateway import api, schemas, views
from services.gateway.auth import ApiCaller, MaybeCaller
from services.gateway.backends import ApiError, call

# A page showing a set-password link is neither cached nor named to another site.
SECRET_PAGE_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
KINDS = ("CR", "TDSP", "SP", "QSE", "NOIE")
COMPANY_FIELD_LABELS = {
    "name": "Company Name",
    "duns": "DUNS or DUNS+4",
    "parent_duns": "Parent DUNS",
    "kind": "Kind",
}
ADMIN_FIELD_LABELS = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "employee_id": "Employee ID",
    "email": "Email Address",
    "phone": "Phone Number",
}
LIST_FIELD_LABELS = {"name": "Distribution List Name", "email": "Distribution List Email"}
# Create Company's form: each field's name as posted (and as identity names it in a refusal), and its label.
FORM_LABELS = {
    **COMPANY_FIELD_LABELS,
    **{f"first_admin.{name}": f"MP Admin's {label}" for name, label in ADMIN_FIELD_LABELS.items()},
    **{f"distribution_lists[0].{name}": label for name, label in LIST_FIELD_LABELS.items()},
}


def create_request(form: dict[str, str]) -> pb.CreateCompanyRequest:
    admin = {name: form.get(f"first_admin.{name}", "") for name in ADMIN_FIELD_LABELS}
    lists = []
    listed = {name: form.get(f"distribution_lists[0].{name}", "").strip() for name in LIST_FIELD_LABELS}
    if any(listed.values()):
        lists.append(pb.DistributionList(**listed))
    kind = form.get("kind", "")
    return pb.CreateCompanyRequest(
        name=form.get("name", ""),
        duns=form.get("duns", "").strip(),
        parent_duns=form.get("parent_duns", "").strip(),
        kind=f"COMPANY_KIND_{kind}" if kind in KINDS else "COMPANY_KIND_UNSPECIFIED",
        first_admin=pb.NewUser(**admin),
        distribution_lists=lists,
    )


def register(app, router: APIRouter) -> None:
    pages = APIRouter(include_in_schema=False)

    @router.post(
        "/companies/{duns}/deactivate",
        summary="ERCOT's admin deactivates a company: its users can no longer sign in and their sessions end",
        **schemas.success(schemas.Company),
    )
    async def deactivate_company(duns: str, caller: ApiCaller) -> dict:
        request = pb.DeactivateCompanyRequest(duns=duns)
        return api.company_json(await call(app.state.backends.identity.DeactivateCompany, request, caller.token))

    async def companies_page(request: Request, caller, status: int = 200, **context) -> Response:
        caller = views.signed_in(caller)
        reply = await call(app.state.backends.identity.ListCompanies, pb.ListCompaniesRequest(), caller.token)
        names = {company.duns: company.name for company in reply.companies}
        context = {"created": None, "error": None, "values": {}, **context}
        return await views.render(
            app, request, caller, "companies.html", status,
            companies=[api.company_json(c) for c in reply.companies], names=names, kinds=KINDS,
            labels=FORM_LABELS, may_manage=authz.may_manage_companies(caller.principal), **context,
        )

    @pages.get("/companies", response_class=HTMLResponse)
    async def companies(request: Request, caller: MaybeCaller) -> Response:
        return await companies_page(request, caller)

    @pages.post("/companies", response_class=HTMLResponse)
    async def create_company(request: Request, caller: views.PageCaller) -> Response:
        form = await views.read_form(app, request, caller)
        try:
            company = await call(app.state.backends.identity.CreateCompany, create_request(form), caller.token)
        except ApiError as error:
            if error.status not in (400, 404, 409):
                raise
            if error.status == 404:  # the parent DUNS names no company
                error = ApiError(400, error.message, {"parent_duns": "no company has this DUNS"})
            return await companies_page(request, caller, error.status, error=error, values=form)
        invitation = company.first_admin_invitation
        created = {
            "duns": company.duns,
            "name": company.name,
            "email": form.get("first_admin.email", "").strip().lower(),
            "url": str(request.base_url).rstrip("/") + api.set_password_url(invitation.token),
            "expires_at": invitation.expires_at.ToDatetime(tzinfo=UTC),
        }
        response = await companies_page(request, caller, 201, created=created)
        response.headers.update(SECRET_PAGE_HEADERS)
        return response

    @pages.post("/companies/{duns}/deactivate")
    async def deactivate_from_page(request: Request, duns: str, caller: views.PageCaller) -> Response:
        await views.read_form(app, request, caller)
        await call(app.state.backends.identity.DeactivateCompany, pb.DeactivateCompanyRequest(duns=duns), caller.token)
        return RedirectResponse(f"/companies/{duns}/users", status_code=303)

    app.include_router(pages)

"""The public HTTP API, /api/v1: the same operations the pages use."""

import asyncio
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Request, Response
from google.protobuf.json_format import MessageToDict
from pydantic import BaseModel, Field, create_model

from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.items.v1 import items_pb2
from services.gateway import backends, rate_limits, schemas
from services.gateway.auth import ApiCaller
from services.gateway.backends import call


def api_router(tag: str = "", path: str = "") -> APIRouter:
    """A module's operations under /api/v1, with the error answers they share. Routers are made per app: their routes
    close over it, and a second app must not answer with the first."""
    return APIRouter(prefix=f"/api/v1{path}", tags=[tag] if tag else None, responses=schemas.ERRORS)


def as_json(message) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def company_json(company: pb.Company) -> dict:
    body = as_json(company)
    body["kind"] = pb.CompanyKind.Name(company.kind).removeprefix("COMPANY_KIND_")
    return body


class SessionRequest(BaseModel):
    email: str
    password: str


# A new user's fields are the message's own, every one a string that may be left out.
if TYPE_CHECKING:
    NewUserBody: TypeAlias = BaseModel
else:
    NewUserBody = create_model("NewUserBody", **{field.name: (str, "") for field in pb.NewUser.DESCRIPTOR.fields})


class DistributionListBody(BaseModel):
    name: str
    email: str


class CompanyBody(BaseModel):
    name: str = ""
    duns: str = ""
    kind: Literal["CR", "TDSP", "SP", "NOIE", "QSE", "ERCOT"]
    parent_duns: str = ""
    first_admin: NewUserBody
    distribution_lists: list[DistributionListBody] = []


class UserRequestBody(BaseModel):
    kind: Literal["add", "update", "deactivate"]
    company_duns: str = Field("", description="defaults to the caller's company")
    target_user_id: str = Field("", description="the contact to update or deactivate")
    fields: dict[str, str] = {}


class ActionBody(BaseModel):
    action: str
    fields: dict[str, str] = {}
    comment: str = ""


class RolesBody(BaseModel):
    roles: list[str]


class PasswordBody(BaseModel):
    token: str = Field(description="the token of a set-password link")
    password: str


async def sign_in(backends_: backends.Backends, email: str, password: str) -> pb.SignInResponse:
    return await call(backends_.identity.SignIn, pb.SignInRequest(email=email, password=password))


async def sign_out(backends_: backends.Backends, token: str) -> None:
    """Ends the session: its tokens stop working everywhere within seconds, not when they expire."""
    await call(backends_.identity.SignOut, pb.SignOutRequest(), token)


def set_password_url(token: str) -> str:
    """The page a set-password link opens; the gateway owns the path, identity only the token."""
    return f"/set-password?{urlencode({'token': token})}"


async def issue_invitation(backends_: backends.Backends, user_id: str, token: str) -> pb.Invitation:
    return await call(backends_.identity.IssueInvitation, pb.IssueInvitationRequest(user_id=user_id), token)


async def set_password(backends_: backends.Backends, link_token: str, password: str) -> pb.SetPasswordResponse:
    return await call(backends_.identity.SetPassword, pb.SetPasswordRequest(token=link_token, password=password))


def register(app, router: APIRouter) -> None:
    @router.post("/session", summary="Sign in: returns a bearer token", **schemas.success(schemas.Session))
    async def create_session(body: SessionRequest, request: Request) -> dict:
        await rate_limits.sign_in(request, body.email)
        reply = await sign_in(app.state.backends, body.email, body.password)
        return {"token": reply.token, "expires_at": reply.expires_at.ToJsonString(), "user": as_json(reply.user)}

    @router.delete("/session", status_code=204, summary="Sign out: the token (and its session) stop working")
    async def delete_session(caller: ApiCaller) -> Response:
        await sign_out(app.state.backends, caller.token)
        return Response(status_code=204)

    @router.get("/me", summary="Who am I", **schemas.success(schemas.User))
    async def me(caller: ApiCaller) -> dict:
        return as_json(await call(app.state.backends.identity.WhoAmI, pb.WhoAmIRequest(), caller.token))

    @router.get("/companies", **schemas.success(schemas.Companies))
    async def list_companies(caller: ApiCaller) -> dict:
        reply = await call(app.state.backends.identity.ListCompanies, pb.ListCompaniesRequest(), caller.token)
        return {"companies": [company_json(c) for c in reply.companies]}

    @router.post(
        "/companies",
        summary="ERCOT creates a company and its first MP Admin",
        **schemas.success(schemas.Company, 201),
    )
    async def create_company(body: CompanyBody, caller: ApiCaller) -> dict:
        request = pb.CreateCompanyRequest(
            name=body.name,
            duns=body.duns,
            kind=f"COMPANY_KIND_{body.kind}",
            parent_duns=body.parent_duns,
            first_admin=pb.NewUser(**body.first_admin.model_dump()),
            distribution_lists=[pb.DistributionList(**dl.model_dump()) for dl in body.distribution_lists],
        )
        return company_json(await call(app.state.backends.identity.CreateCompany, request, caller.token))

    @router.get("/companies/{duns}", **schemas.success(schemas.Company))
    async def get_company(duns: str, caller: ApiCaller) -> dict:
        request = pb.GetCompanyRequest(duns=duns)
        return company_json(await call(app.state.backends.identity.GetCompany, request, caller.token))

    @router.get("/companies/{duns}/users", **schemas.success(schemas.Users))
    async def list_users(duns: str, caller: ApiCaller) -> dict:
        reply = await call(app.state.backends.identity.ListUsers, pb.ListUsersRequest(company_duns=duns), caller.token)
        return {"users": [as_json(u) for u in reply.users]}

    @router.put(
        "/users/{user_id}/roles",
        summary="ERCOT assigns roles (AR, BAR, MP Admin, ...)",
        **schemas.success(schemas.User),
    )
    async def set_roles(user_id: str, body: RolesBody, caller: ApiCaller) -> dict:
        request = pb.SetUserRolesRequest(user_id=user_id, roles=body.roles)
        return as_json(await call(app.state.backends.identity.SetUserRoles, request, caller.token))

    @router.post(
        "/users/{user_id}/invitation",
        summary="A one-time set-password link for an active user (MP Admin or ERCOT); earlier links stop working",
        **schemas.success(schemas.SetPasswordLink, 201),
    )
    async def create_invitation(user_id: str, caller: ApiCaller) -> dict:
        invitation = await issue_invitation(app.state.backends, user_id, caller.token)
        return {"url": set_password_url(invitation.token), "expires_at": invitation.expires_at.ToJsonString()}

    @router.post(
        "/password",
        summary="Set a password with a set-password link's token (no sign-in needed)",
        **schemas.success(schemas.PasswordSet),
    )
    async def change_password(body: PasswordBody, request: Request) -> dict:
        await rate_limits.set_password(request, body.token)
        reply = await set_password(app.state.backends, body.token, body.password)
        return {"email": reply.email}

    @router.get("/companies/{duns}/distribution-lists", **schemas.success(schemas.DistributionLists))
    async def list_distribution_lists(duns: str, caller: ApiCaller) -> dict:
        request = pb.ListDistributionListsRequest(company_duns=duns)
        reply = await call(app.state.backends.identity.ListDistributionLists, request, caller.token)
        return {"distribution_lists": [as_json(dl) for dl in reply.distribution_lists]}

    @router.post(
        "/companies/{duns}/distribution-lists",
        summary="Add a distribution list",
        **schemas.success(schemas.DistributionList, 201),
    )
    async def add_distribution_list(duns: str, body: DistributionListBody, caller: ApiCaller) -> dict:
        request = pb.AddDistributionListRequest(company_duns=duns, name=body.name, email=body.email)
        return as_json(await call(app.state.backends.identity.AddDistributionList, request, caller.token))

    @router.delete(
        "/companies/{duns}/distribution-lists/{email}",
        status_code=204,
        summary="Remove a distribution list (its record is kept: who removed it, when)",
    )
    async def remove_distribution_list(duns: str, email: str, caller: ApiCaller) -> Response:
        request = pb.RemoveDistributionListRequest(company_duns=duns, email=email)
        await call(app.state.backends.identity.RemoveDistributionList, request, caller.token)
        return Response(status_code=204)

    @router.post(
        "/user-requests",
        summary="Add, update or deactivate a user (the first OK)",
        **schemas.success(schemas.Item, 201),
    )
    async def start_user_request(body: UserRequestBody, caller: ApiCaller) -> dict:
        request = pb.StartUserRequestRequest(
            kind=body.kind, company_duns=body.company_duns, target_user_id=body.target_user_id, fields=body.fields
        )
        return as_json(await call(app.state.backends.identity.StartUserRequest, request, caller.token))

    @router.get("/user-requests", **schemas.success(schemas.Items))
    async def list_user_requests(caller: ApiCaller, company_duns: str = "", include_closed: bool = False) -> dict:
        request = pb.ListUserRequestsRequest(company_duns=company_duns, include_closed=include_closed)
        reply = await call(app.state.backends.identity.ListUserRequests, request, caller.token)
        return {"items": [as_json(item) for item in reply.items]}

    @router.get(
        "/items/{item_id}",
        summary="An item: state, responsible party, fields, history, actions",
        **schemas.success(schemas.Item),
    )
    async def get_item(item_id: int, caller: ApiCaller) -> dict:
        return as_json(await fetch_item(app, item_id, caller.token))

    @router.post("/items/{item_id}/actions", summary="Take one of the item's actions", **schemas.success(schemas.Item))
    async def act(item_id: int, body: Annotated[ActionBody, Body()], caller: ApiCaller) -> dict:
        return as_json(await act_on_item(app, item_id, body.action, body.fields, body.comment, caller.token))


async def fetch_item(app, item_id: int, token: str) -> items_pb2.Item:
    stub = app.state.backends.items_of(item_id)
    item, attention = await asyncio.gather(
        call(stub.GetItem, items_pb2.GetItemRequest(item_id=item_id), token),
        call(stub.ListNeedingAttention, items_pb2.ListNeedingAttentionRequest(item_id=item_id), token),
    )
    if attention.items:  # a flow that needed ERCOT's operators shows it, and what they did
        item.attention.CopyFrom(attention.items[-1])
    return item


async def act_on_item(app, item_id: int, action: str, fields: dict, comment: str, token: str) -> items_pb2.Item:
    stub = app.state.backends.items_of(item_id)
    request = items_pb2.ActOnItemRequest(item_id=item_id, action=action, fields=fields, comment=comment)
    return await call(stub.ActOnItem, request, token)

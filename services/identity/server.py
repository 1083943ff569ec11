"""The identity gRPC servicer: translate, authorize, call the domain and the store."""

import asyncio
import contextlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client

from flightrak import authz, errors, needs_attention, projections, roles, tokens
from flightrak.copying import same_named
from flightrak.grpc_runtime import caller
from flightrak.identity.v1 import (
    calendar_feeds_pb2_grpc,
    consistency_pb2_grpc,
    dashboards_pb2_grpc,
    identity_pb2_grpc,
    people_pb2_grpc,
)
from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.item_steps import StepWriter
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.mail import SmtpMailer
from flightrak.sessions import SessionCheck
from flightrak.settings import Settings
from flightrak.temporal import check_with_workflow, forward, start_with_action
from services.identity import calendar_feeds, consistency, dashboards, domain, models, people, store
from services.identity.link_mail import LinkMailSender
from workflows.items import actor_of, invalid
from workflows.user_admin import TASK_QUEUE
from workflows.user_admin import models as requests
from workflows.user_admin.ids import user_request_workflow_id
from workflows.user_admin.workflows import UserAdminRequestWorkflow

# The updates ActOnItem sends; the request's workflow decides whether it takes one now.
USER_REQUEST_ACTIONS = frozenset({requests.OK, requests.COMMIT, requests.CANCEL})
# The refusal's code when a user's email or employee ID is another user's already.
ALREADY_USED = "ALREADY_USED"

KIND_TO_PROTO = {kind: f"COMPANY_KIND_{kind}" for kind in domain.COMPANY_KINDS}  # a message takes its enum's names
PROTO_TO_KIND = {pb.CompanyKind.Value(name): kind for kind, name in KIND_TO_PROTO.items()}
INCORRECT_SIGN_IN = "the email address or password is incorrect"
INCORRECT_SYSTEM_SIGN_IN = "the system ID or key is incorrect, or the system is deactivated"

password_hasher = PasswordHasher()
# Verified when there is no account to check against, so an unknown email costs what a known one does.
_NOBODYS_HASH = password_hasher.hash(secrets.token_urlsafe(16))


def _verify_nothing(offered: str) -> None:
    with contextlib.suppress(VerifyMismatchError, InvalidHashError):
        password_hasher.verify(_NOBODYS_HASH, offered)


def session_check(sessions: async_sessionmaker) -> SessionCheck:
    """The identity service answers from its own table; kept one second, so a revocation holds within it here."""
    return SessionCheck(partial(store.session_refusal, sessions), fresh_for=1.0)


def _list_proto(listed: models.DistributionList) -> pb.DistributionList:
    return pb.DistributionList(name=listed.name, email=listed.email)


def _company_proto(
    company: models.Company, lists: Sequence[models.DistributionList] = (), names: dict[int, str] | None = None
) -> pb.Company:
    """`names`: the deactivating admins' names by user ID."""
    return pb.Company(
        duns=company.duns,
        name=company.name,
        kind=KIND_TO_PROTO[company.kind],
        parent_duns=company.parent_duns or "",
        active=company.active,
        distribution_lists=[_list_proto(dl) for dl in lists],
        deactivated_at=projections.timestamp(company.deactivated_at) if company.deactivated_at else None,
        deactivated_by=(names or {}).get(company.deactivated_by or 0, ""),
    )


async def _deactivators(session, found: Sequence[models.Company]) -> dict[int, str]:
    return await store.user_names(session, {c.deactivated_by for c in found if c.deactivated_by is not None})


def _listed_company(principal: tokens.Principal, asked: str, what: str) -> str:
    """The company whose users, lists or requests the caller asks for (its own unless it names one), if it may see
    them."""
    duns = asked or principal.duns
    if not authz.may_see_company_users(principal, duns):
        raise errors.PermissionDenied(f"a company's {what} are visible to that company and ERCOT only")
    return duns


def _user_proto(user: models.User, company_name: str, held: list[str]) -> pb.User:
    return pb.User(
        user_id=str(user.id),
        **same_named(user, "first_name", "last_name", "employee_id", "email", "phone", "active", "company_duns"),
        company_name=company_name,
        roles=held,
    )


def _system_proto(system: models.TransactionSystem, registered_by: str) -> pb.TransactionSystem:
    return pb.TransactionSystem(
        system_id=system.system_id,
        name=system.name,
        active=system.active,
        registered_by=registered_by,
        registered_at=projections.timestamp(system.registered_at),
        last_used_at=projections.timestamp(system.last_used_at) if system.last_used_at else None,
        key_issued_at=projections.timestamp(system.key_issued_at),
    )


def _ercot_admin() -> tokens.Principal:
    principal = caller()
    if not authz.may_manage_transaction_systems(principal):
        raise errors.PermissionDenied("only ERCOT's admins register and manage transaction systems")
    return principal


class IdentityServicer(
    needs_attention.AttendedItems, identity_pb2_grpc.IdentityServiceServicer, items_pb2_grpc.ItemServiceServicer
):
    _attention_model, _item_model = models.NeedsAttention, models.Item

    def __init__(self, settings: Settings, sessions: async_sessionmaker, temporal: Client):
        if not settings.token_secret:
            raise ValueError("the identity service signs the tokens: FLIGHTRAK_TOKEN_SECRET must be set")
        self._settings = settings
        self._token_secret = settings.token_secret
        self._sessions = sessions
        self._write_steps = StepWriter(sessions, store.record_transition)
        self._temporal = temporal
        mailer = SmtpMailer(settings.effective_smtp_url, settings.mail_from, settings.effective_public_url)
        self.link_mail = LinkMailSender(sessions, mailer, settings.token_secret)
        self.link_mail_task: asyncio.Task | None = None

    # Sign-in and tokens

    async def SignIn(self, request: pb.SignInRequest, context) -> pb.SignInResponse:
        """Unknown, deactivated and password-less accounts get the same words as a wrong password, after the same
        work (a hash verified), so neither the message nor the time tells which emails exist."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            user = await store.user_by_email(session, domain.normalize_email(request.email))
            if user is not None and not (await store.company(session, user.company_duns)).active:
                user = None
            if user is None or not user.active or not user.password_hash:
                _verify_nothing(request.password)
                raise errors.Unauthenticated(INCORRECT_SIGN_IN)
            refusal = self._attempt(user, user.password_hash, request.password, now, INCORRECT_SIGN_IN)
            if refusal is None:
                session_id = await store.start_session(session, user_id=user.id)
        if refusal is not None:  # raised after the block, so the failure count is committed
            raise errors.Unauthenticated(refusal)
        return await self._token_for(user.id, session_id)

    def _attempt(self, account, secret_hash: str, given: str, now: datetime, incorrect: str) -> str | None:
        """A user's or a system's attempt with its password or key: None when it matches (the failures forgotten),
        else the refusal to raise once the failure is counted, `incorrect` unless it locked the account. An account
        locked already is refused at once."""
        decision = domain.sign_in_allowed(account.locked_until, now)
        if not decision.allowed:
            raise errors.Unauthenticated(decision.reason)
        try:
            password_hasher.verify(secret_hash, given)
        except (VerifyMismatchError, InvalidHashError):
            account.failed_sign_ins, account.locked_until = domain.after_failed_sign_in(
                account.failed_sign_ins,
                now,
                self._settings.sign_in_max_failures,
                timedelta(seconds=self._settings.sign_in_lockout_seconds),
            )
            locked = domain.sign_in_allowed(account.locked_until, now)
            return incorrect if locked.allowed else locked.reason
        account.failed_sign_ins, account.locked_until = 0, None
        return None

    async def RefreshToken(self, request, context) -> pb.SignInResponse:
        principal = caller()
        if roles.is_transaction_system(principal):
            raise errors.Unauthenticated("a transaction system signs in again with its key")
        return await self._token_for(int(principal.user_id), principal.session_id)

    async def _token_for(self, user_id: int, session_id: str) -> pb.SignInResponse:
        async with self._sessions() as session:
            user = await store.user(session, str(user_id))
            if not user.active:
                raise errors.Unauthenticated("this user is deactivated")
            company = await store.company(session, user.company_duns)
            if not company.active:
                raise errors.Unauthenticated("this user's company is deactivated")
            held = (await store.roles_of(session, [user.id]))[user.id]
        principal = tokens.Principal(
            str(user.id), user.company_duns, frozenset(held), f"{user.first_name} {user.last_name}", company.kind,
            session_id=session_id,
        )
        token, expires = tokens.issue(principal, self._token_secret, self._settings.token_ttl_seconds)
        return pb.SignInResponse(
            token=token,
            expires_at=projections.timestamp(datetime.fromtimestamp(expires, UTC)),
            user=_user_proto(user, company.name, held),
        )

    async def SignOut(self, request, context) -> pb.SignOutResponse:
        principal = caller()
        async with self._sessions.begin() as session:
            await store.revoke_sessions(session, domain.SIGNED_OUT, session_id=principal.session_id)
        return pb.SignOutResponse()

    async def CheckSession(self, request, context) -> pb.CheckSessionResponse:
        """The interceptor has checked the caller's session before this runs: reaching here means it is current."""
        caller()
        return pb.CheckSessionResponse()

    async def SystemSignIn(self, request: pb.SystemSignInRequest, context) -> pb.SystemSignInResponse:
        """Needs no signed token: the system's key is the credential; refusals share one plain message."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            system = await session.get(models.TransactionSystem, request.system_id.strip(), with_for_update=True)
            if system is None or not system.active:
                _verify_nothing(request.key)
                raise errors.Unauthenticated(INCORRECT_SYSTEM_SIGN_IN)
            refusal = self._attempt(system, system.key_hash, request.key, now, INCORRECT_SYSTEM_SIGN_IN)
            if refusal is None:
                system.last_used_at = now
                session_id = await store.start_session(session, system_id=system.system_id)
                principal = domain.system_principal(
                    system.system_id, system.name, await store.ercot_duns(session), session_id
                )
        if refusal is not None:  # raised after the block, so the failure count is committed
            raise errors.Unauthenticated(refusal)
        token, expires = tokens.issue(principal, self._token_secret, self._settings.token_ttl_seconds)
        return pb.SystemSignInResponse(
            token=token, expires_at=projections.timestamp(datetime.fromtimestamp(expires, UTC))
        )

    async def WhoAmI(self, request, context) -> pb.User:
        principal = caller()
        async with self._sessions() as session:
            user = await store.user(session, principal.user_id)
            company = await store.company(session, user.company_duns)
            held = (await store.roles_of(session, [user.id]))[user.id]
        if not user.active:
            raise errors.Unauthenticated("this user is deactivated")
        return _user_proto(user, company.name, held)

    # Transaction-processing systems

    async def RegisterTransactionSystem(
        self, request: pb.RegisterTransactionSystemRequest, context
    ) -> pb.TransactionSystemKey:
        principal = _ercot_admin()
        fields, problems = domain.clean_transaction_system(request.system_id, request.name)
        if problems:
            raise errors.InvalidFields(problems)
        key = domain.new_system_key()
        exists = errors.Conflict(
            f"a transaction system {fields['system_id']} is already registered", {"system_id": "is already registered"}
        )
        try:
            async with self._sessions.begin() as session:
                if await session.get(models.TransactionSystem, fields["system_id"]):
                    raise exists
                system = models.TransactionSystem(
                    **fields, key_hash=password_hasher.hash(key), active=True, registered_by=int(principal.user_id)
                )
                session.add(system)
                await session.flush()
                await session.refresh(system)
        except IntegrityError as error:  # registered by someone else at the same moment
            raise exists from error
        return pb.TransactionSystemKey(system=_system_proto(system, principal.name), key=key)

    async def ListTransactionSystems(self, request, context) -> pb.ListTransactionSystemsResponse:
        _ercot_admin()
        async with self._sessions() as session:
            found = await store.transaction_systems(session)
        return pb.ListTransactionSystemsResponse(systems=[_system_proto(system, by) for system, by in found])

    async def RotateTransactionSystemKey(
        self, request: pb.RotateTransactionSystemKeyRequest, context
    ) -> pb.TransactionSystemKey:
        _ercot_admin()
        key = domain.new_system_key()
        async with self._sessions.begin() as session:
            system = await store.transaction_system(session, request.system_id, for_update=True)
            if not system.active:
                raise errors.FailedPrecondition(
                    f"transaction system {system.system_id} is deactivated", {"system_id": "is deactivated"}
                )
            system.key_hash, system.key_issued_at = password_hasher.hash(key), datetime.now(UTC)
            system.failed_sign_ins, system.locked_until = 0, None
            await store.revoke_sessions(session, domain.KEY_REPLACED, system_id=system.system_id)
        return pb.TransactionSystemKey(system=await self._system(request.system_id), key=key)

    async def DeactivateTransactionSystem(
        self, request: pb.DeactivateTransactionSystemRequest, context
    ) -> pb.TransactionSystem:
        principal = _ercot_admin()
        async with self._sessions.begin() as session:
            system = await store.transaction_system(session, request.system_id, for_update=True)
            if system.active:
                system.active, system.deactivated_at = False, datetime.now(UTC)
                system.deactivated_by = int(principal.user_id)
                await store.revoke_sessions(session, domain.SYSTEM_DEACTIVATED, system_id=system.system_id)
        return await self._system(request.system_id)

    async def _system(self, system_id: str) -> pb.TransactionSystem:
        async with self._sessions() as session:
            system = await store.transaction_system(session, system_id)
            registrar = await store.user(session, str(system.registered_by))
        return _system_proto(system, f"{registrar.first_name} {registrar.last_name}")

    # Companies

    async def CreateCompany(self, request: pb.CreateCompanyRequest, context) -> pb.Company:
        principal = caller()
        if not authz.may_manage_companies(principal):
            raise errors.PermissionDenied("only ERCOT creates companies")
        kind = PROTO_TO_KIND.get(request.kind)
        problems = domain.validate_duns(request.duns, request.parent_duns)
        if not request.name.strip():
            problems["name"] = "is required"
        if kind is None:
            problems["kind"] = f"must be one of {', '.join(domain.COMPANY_KINDS)}"
        admin = {name: getattr(request.first_admin, name) for name in requests.USER_FIELDS}
        admin_fields, admin_problems = domain.clean_user_fields(admin)
        if request.first_admin.password:  # none: a set-password link is mailed to the first MP Admin
            admin_problems |= domain.validate_password(request.first_admin.password)
        problems |= {f"first_admin.{name}": problem for name, problem in admin_problems.items()}
        list_fields, list_problems = domain.clean_distribution_lists(
            [(dl.name, dl.email) for dl in request.distribution_lists], admin_fields.get("email", "")
        )
        problems |= list_problems
        if problems:
            raise errors.InvalidFields(problems)
        try:
            async with self._sessions.begin() as session:
                if await session.get(models.Company, request.duns):
                    raise errors.Conflict(f"a company with DUNS {request.duns} already exists", {"duns": "exists"})
                if request.parent_duns:
                    await store.company(session, request.parent_duns)
                admin_taken = await store.uniqueness_problems(session, admin_fields)
                taken = {f"first_admin.{name}": p for name, p in admin_taken.items()}
                for index, fields in enumerate(list_fields):
                    listed = await store.distribution_list_problems(session, fields["email"])
                    taken |= {f"distribution_lists[{index}].{name}": p for name, p in listed.items()}
                if taken:
                    raise errors.InvalidFields(taken)
                company = models.Company(
                    duns=request.duns, name=request.name.strip(), kind=kind, parent_duns=request.parent_duns or None
                )
                session.add(company)
                await session.flush()
                password = request.first_admin.password
                first_admin = models.User(
                    company_duns=request.duns,
                    password_hash=password_hasher.hash(password) if password else None,
                    **admin_fields,
                )
                session.add(first_admin)
                await session.flush()
                await store.set_roles(session, first_admin.id, [roles.MP_ADMIN, roles.USER])
                invitation = None if password else await self._new_invitation(session, first_admin.id, principal)
                lists = [
                    models.DistributionList(company_duns=request.duns, created_by=int(principal.user_id), **fields)
                    for fields in list_fields
                ]
                session.add_all(lists)
        except IntegrityError as error:
            raise errors.Conflict("a distribution list or user with these details already exists") from error
        reply = _company_proto(company, lists)
        if invitation is not None:
            self.link_mail.tell()
            reply.first_admin_invitation.CopyFrom(invitation)
        return reply

    async def ListCompanies(self, request, context) -> pb.ListCompaniesResponse:
        principal = caller()
        async with self._sessions() as session:
            found = await store.companies(session, include_inactive=principal.is_ercot)
            lists = await store.distribution_lists(session, [c.duns for c in found]) if principal.is_ercot else {}
            names = await _deactivators(session, found)
        return pb.ListCompaniesResponse(companies=[_company_proto(c, lists.get(c.duns, []), names) for c in found])

    async def GetCompany(self, request: pb.GetCompanyRequest, context) -> pb.Company:
        principal = caller()
        async with self._sessions() as session:
            company = await store.company(session, request.duns)
            lists = []
            if authz.may_see_company_users(principal, company.duns):
                lists = (await store.distribution_lists(session, [company.duns])).get(company.duns, [])
            names = await _deactivators(session, [company])
        return _company_proto(company, lists, names)

    async def DeactivateCompany(self, request: pb.DeactivateCompanyRequest, context) -> pb.Company:
        """Its users' sessions end with it; deactivating it again changes nothing (who and when stay the first)."""
        principal = caller()
        if not authz.may_manage_companies(principal):
            raise errors.PermissionDenied("only ERCOT's admins deactivate companies")
        async with self._sessions.begin() as session:
            company = await session.get(models.Company, request.duns, with_for_update=True)
            if company is None:
                raise errors.NotFound(f"no company with DUNS {request.duns}")
            if company.kind == "ERCOT":
                raise errors.FailedPrecondition("ERCOT cannot be deactivated", {"duns": "is ERCOT's"})
            if company.active:
                company.active, company.deactivated_at = False, datetime.now(UTC)
                company.deactivated_by = int(principal.user_id)
                await store.revoke_sessions(session, domain.COMPANY_DEACTIVATED, company_duns=company.duns)
        return await self.GetCompany(pb.GetCompanyRequest(duns=request.duns), context)

    # Users

    async def ListUsers(self, request: pb.ListUsersRequest, context) -> pb.ListUsersResponse:
        principal = caller()
        duns = _listed_company(principal, request.company_duns, "users")
        async with self._sessions() as session:
            company = await store.company(session, duns)
            users = await store.users_of(session, duns)
            held = await store.roles_of(session, [u.id for u in users])
        return pb.ListUsersResponse(users=[_user_proto(u, company.name, held[u.id]) for u in users])

    async def SetUserRoles(self, request: pb.SetUserRolesRequest, context) -> pb.User:
        if not authz.may_manage_companies(caller()):
            raise errors.PermissionDenied("only ERCOT assigns roles")
        async with self._sessions.begin() as session:
            user = await store.user(session, request.user_id)
            company = await store.company(session, user.company_duns)
            requested = sorted(set(request.roles) | {roles.USER})
            problems = domain.validate_roles(requested, company.kind)
            if problems:
                raise errors.InvalidFields(problems)
            if requested != (await store.roles_of(session, [user.id]))[user.id]:
                await store.set_roles(session, user.id, requested)
                await store.revoke_sessions(session, domain.ROLES_CHANGED, user_id=user.id)
        return _user_proto(user, company.name, requested)

    # Set-password links

    async def IssueInvitation(self, request: pb.IssueInvitationRequest, context) -> pb.Invitation:
        principal = caller()
        async with self._sessions.begin() as session:
            user = await store.user(session, request.user_id, for_update=True)
            if not authz.may_administer_users(principal, user.company_duns):
                raise errors.PermissionDenied(
                    "only an MP Admin of the user's company, or ERCOT, may issue a set-password link"
                )
            if not user.active:
                raise errors.FailedPrecondition("this user is deactivated", {"user_id": "is deactivated"})
            if not (await store.company(session, user.company_duns)).active:
                refusal = {"user_id": "the user's company is deactivated"}
                raise errors.FailedPrecondition("this user's company is deactivated", refusal)
            invitation = await self._new_invitation(session, user.id, principal)
        self.link_mail.tell()
        return invitation

    async def _new_invitation(self, session, user_id: int, principal: tokens.Principal) -> pb.Invitation:
        """A new link for the user, mailed to them once the transaction commits (link_mail); returned only here."""
        token, token_hash = domain.new_invitation_token()
        expires_at = datetime.now(UTC) + timedelta(seconds=self._settings.invitation_ttl_seconds)
        sealed = self.link_mail.seal(token)
        await store.add_invitation(session, user_id, token_hash, int(principal.user_id), expires_at, sealed)
        return pb.Invitation(user_id=str(user_id), token=token, expires_at=projections.timestamp(expires_at))

    async def SetPassword(self, request: pb.SetPasswordRequest, context) -> pb.SetPasswordResponse:
        """Needs no signed token: the link's token is the credential."""
        problems = domain.validate_password(request.password)
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            invitation = await store.invitation_by_token_hash(session, domain.invitation_token_hash(request.token))
            user = await store.user(session, str(invitation.user_id), for_update=True) if invitation else None
            active = user is not None and user.active and (await store.company(session, user.company_duns)).active
            problems |= domain.invitation_problems(invitation, active, now)
            if problems or invitation is None or user is None:  # invitation_problems names a missing one
                raise errors.InvalidFields(problems)
            user.password_hash = password_hasher.hash(request.password)
            user.failed_sign_ins, user.locked_until = 0, None
            invitation.used_at = now
        return pb.SetPasswordResponse(email=user.email)

    # Distribution lists

    async def ListDistributionLists(
        self, request: pb.ListDistributionListsRequest, context
    ) -> pb.ListDistributionListsResponse:
        principal = caller()
        duns = _listed_company(principal, request.company_duns, "distribution lists")
        async with self._sessions() as session:
            await store.company(session, duns)
            lists = (await store.distribution_lists(session, [duns])).get(duns, [])
        return pb.ListDistributionListsResponse(distribution_lists=[_list_proto(dl) for dl in lists])

    async def AddDistributionList(self, request: pb.AddDistributionListRequest, context) -> pb.DistributionList:
        principal = caller()
        duns = self._list_keeper_duns(principal, request.company_duns)
        fields, problems = domain.clean_distribution_list(request.name, request.email)
        if problems:
            raise errors.InvalidFields(problems)
        try:
            async with self._sessions.begin() as session:
                await store.company(session, duns)
                taken = await store.distribution_list_problems(session, fields["email"])
                if taken:
                    raise errors.InvalidFields(taken)
                listed = models.DistributionList(company_duns=duns, created_by=int(principal.user_id), **fields)
                session.add(listed)
        except IntegrityError as error:  # added by someone else at the same moment
            raise errors.InvalidFields({"email": f"{fields['email']} is already a distribution list"}) from error
        return _list_proto(listed)

    async def RemoveDistributionList(
        self, request: pb.RemoveDistributionListRequest, context
    ) -> pb.RemoveDistributionListResponse:
        principal = caller()
        duns = self._list_keeper_duns(principal, request.company_duns)
        async with self._sessions.begin() as session:
            listed = await store.distribution_list(session, duns, domain.normalize_email(request.email))
            await store.remove_distribution_list(session, listed, int(principal.user_id))
        return pb.RemoveDistributionListResponse()

    @staticmethod
    def _list_keeper_duns(principal: tokens.Principal, company_duns: str) -> str:
        duns = company_duns or principal.duns
        if not authz.may_manage_distribution_lists(principal, duns):
            raise errors.PermissionDenied(
                "only an MP Admin of this company, or ERCOT, may change its distribution lists"
            )
        return duns

    # User-admin requests

    async def StartUserRequest(self, request: pb.StartUserRequestRequest, context) -> items_pb2.Item:
        principal = caller()
        kind = request.kind
        if kind not in requests.KIND_TITLES:
            raise errors.InvalidFields({"kind": f"must be one of {', '.join(requests.KIND_TITLES)}"})
        duns = request.company_duns or principal.duns
        if not authz.may_administer_users(principal, duns):
            raise errors.PermissionDenied("only an MP Admin of this company, or ERCOT, may administer its users")
        async with self._sessions() as session:
            company = await store.company(session, duns)
            before: dict[str, str] = {}
            if kind != requests.ADD:
                target = await self._target_user(session, request.target_user_id, duns, principal)
                before = same_named(target, *requests.USER_FIELDS)
            fields = await self._checked_fields(session, kind, dict(request.fields), request.target_user_id)
            item_id = await store.next_item_id(session)
        await start_with_action(
            self._temporal,
            UserAdminRequestWorkflow.run,
            requests.UserRequestInput(item_id, kind, duns, company.name, request.target_user_id, before),
            id=user_request_workflow_id(item_id),
            task_queue=TASK_QUEUE,
            action=requests.OK,
            given=requests.ActionInput(actor_of(principal), fields),
            write_steps=self._write_steps,
        )
        return await self._item(item_id, principal)

    async def _target_user(self, session, user_id: str, duns: str, principal: tokens.Principal) -> models.User:
        if not user_id:
            raise errors.InvalidFields({"target_user_id": "choose the contact to change"})
        target = await store.user(session, user_id)
        if target.company_duns != duns:
            raise errors.InvalidFields({"target_user_id": "this contact belongs to another company"})
        if not target.active:
            raise errors.InvalidFields({"target_user_id": "this contact is already deactivated"})
        if str(target.id) == principal.user_id:
            raise errors.InvalidFields({"target_user_id": "you cannot change or deactivate your own account here"})
        return target

    async def _checked_fields(self, session, kind: str, raw: dict[str, str], target_user_id: str) -> dict[str, str]:
        if kind == requests.DEACTIVATE:
            return {}
        fields, problems = domain.clean_user_fields(raw)
        if problems:
            raise errors.InvalidFields(problems)
        except_id = int(target_user_id) if kind == requests.UPDATE else None
        if taken := await store.uniqueness_problems(session, fields, except_user_id=except_id):
            raise errors.InvalidFields(taken, code=ALREADY_USED)
        return fields

    async def ListUserRequests(self, request: pb.ListUserRequestsRequest, context) -> items_pb2.ListItemsResponse:
        principal = caller()
        duns = _listed_company(principal, request.company_duns, "requests")
        async with self._sessions() as session:
            found = await store.items_of(session, principal, duns, request.include_closed)
        return items_pb2.ListItemsResponse(items=[self._item_proto(item, [], principal) for item in found])

    async def GetItem(self, request: items_pb2.GetItemRequest, context) -> items_pb2.Item:
        return await self._item(request.item_id, caller())

    async def ActOnItem(self, request: items_pb2.ActOnItemRequest, context) -> items_pb2.Item:
        principal = caller()
        async with self._sessions() as session:
            item = await store.readable_item(session, principal, request.item_id)
        if request.action not in USER_REQUEST_ACTIONS:
            raise errors.refused(invalid("action", f"'{request.action}' is not an action of a user-admin request"))
        handle = self._temporal.get_workflow_handle(item.workflow_id)
        actor, gone = actor_of(principal), "this request's workflow is no longer running"
        fields: dict[str, str] = {}
        if request.action == requests.OK:
            target_id = item.fields.get("target_user_id", "")
            try:
                async with self._sessions() as session:
                    fields = await self._checked_fields(session, self._kind(item), dict(request.fields), target_id)
            except errors.InvalidFields as refused:
                if refused.code == ALREADY_USED:  # told only to a caller the workflow lets act
                    await check_with_workflow(handle, request.action, actor, gone=gone)
                raise
        given = requests.ActionInput(actor, fields, request.comment)
        await forward(handle, request.action, given, self._write_steps, gone)
        return await self._item(request.item_id, principal)

    @staticmethod
    def _kind(item: models.Item) -> str:
        return item.fields["request"]

    async def _item(self, item_id: int, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            item = await store.readable_item(session, principal, item_id)
            rows = await projections.history(session, models.ItemHistory, item_id)
        return self._item_proto(item, rows, principal)

    def _item_proto(self, item: models.Item, rows: list[models.ItemHistory], principal) -> items_pb2.Item:
        actions = domain.user_request_actions(item.state, self._kind(item), principal, item.company_duns)
        return projections.item_proto(item, rows, actions)



async def register(server, settings: Settings, sessions: async_sessionmaker) -> str:
    from flightrak import temporal

    servicer = IdentityServicer(settings, sessions, await temporal.connect(settings))
    # Mails set-password links for as long as the service runs; the task is kept so it is not collected.
    servicer.link_mail_task = asyncio.get_running_loop().create_task(servicer.link_mail.run())
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(servicer, server)
    items_pb2_grpc.add_ItemServiceServicer_to_server(servicer, server)
    dashboards_pb2_grpc.add_DashboardServiceServicer_to_server(dashboards.DashboardServicer(sessions), server)
    people_pb2_grpc.add_PeopleServiceServicer_to_server(people.PeopleServicer(sessions), server)
    consistency_pb2_grpc.add_ConsistencyServiceServicer_to_server(consistency.ConsistencyServicer(sessions), server)
    calendar_feeds_pb2_grpc.add_CalendarFeedServiceServicer_to_server(
        calendar_feeds.CalendarFeedServicer(sessions, servicer._token_for), server
    )
    return pb.DESCRIPTOR.services_by_name["IdentityService"].full_name

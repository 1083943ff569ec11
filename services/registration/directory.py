"""What the registration service asks identity, on the caller's behalf and with the caller's rights."""

import asyncio
import logging
from dataclasses import dataclass

import grpc

from flightrak import errors, grpc_runtime
from flightrak.identity.v1 import identity_pb2 as identity
from flightrak.identity.v1 import identity_pb2_grpc
from services.registration.domain import RegistrationChoices

log = logging.getLogger(__name__)

TDSP = identity.CompanyKind.Value("COMPANY_KIND_TDSP")
SERVICE_PROVIDER = identity.CompanyKind.Value("COMPANY_KIND_SP")


@dataclass
class CompanyFacts:
    duns: str
    name: str
    parent_duns: str
    parent_name: str


class Directory:
    def __init__(self, channel: grpc.aio.Channel):
        self._identity = identity_pb2_grpc.IdentityServiceStub(channel)

    async def _call(self, method, request):
        try:
            return await method(request, metadata=grpc_runtime.caller_metadata(), timeout=10)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise errors.NotFound(error.details() or "not found") from None
            log.warning("identity did not answer: %s %s", error.code().name, error.details())
            raise errors.Unavailable("the identity service is not answering right now; try again in a minute") from None

    async def cr(self, duns: str) -> tuple[CompanyFacts, RegistrationChoices]:
        """The CR (with its parent's name) and what its form may choose from, in three concurrent calls."""
        company, users, market = await asyncio.gather(
            self._call(self._identity.GetCompany, identity.GetCompanyRequest(duns=duns)),
            self._call(self._identity.ListUsers, identity.ListUsersRequest(company_duns=duns)),
            self._call(self._identity.ListCompanies, identity.ListCompaniesRequest()),
        )
        names = {c.duns: c.name for c in market.companies}
        facts = CompanyFacts(company.duns, company.name, company.parent_duns, names.get(company.parent_duns, ""))
        choices = RegistrationChoices(
            # Two people may share a name; the address tells them apart.
            contacts={u.user_id: f"{u.last_name}, {u.first_name} ({u.email})" for u in users.users if u.active},
            distribution_lists={dl.email: dl.name for dl in company.distribution_lists},
            tdsps={c.duns: c.name for c in market.companies if c.kind == TDSP and c.active},
            service_providers={c.duns: c.name for c in market.companies if c.kind == SERVICE_PROVIDER and c.active},
        )
        return facts, choices

    async def market(self) -> list[identity.Company]:
        """Every company, with its distribution lists when the caller is ERCOT (who publishes notices)."""
        reply = await self._call(self._identity.ListCompanies, identity.ListCompaniesRequest())
        return list(reply.companies)

    async def company(self, duns: str) -> identity.Company:
        """One company; its distribution lists when the caller is one of its users or ERCOT."""
        return await self._call(self._identity.GetCompany, identity.GetCompanyRequest(duns=duns))

"""The company of each person (or transaction system) who acted on an item, for pages that name them with it."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from flightrak import errors
from flightrak.grpc_runtime import caller
from flightrak.identity.v1 import people_pb2 as pb
from flightrak.identity.v1 import people_pb2_grpc
from services.identity import models

MOST_ASKED = 500
SYSTEM_PREFIX = "system:"  # a transaction system's actor ID; ERCOT registers every one of them


class PeopleServicer(people_pb2_grpc.PeopleServiceServicer):
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    async def GetCompaniesOf(self, request: pb.GetCompaniesOfRequest, context) -> pb.GetCompaniesOfResponse:
        caller()
        if len(request.user_ids) > MOST_ASKED:
            raise errors.InvalidFields({"user_ids": f"at most {MOST_ASKED} at a time"})
        people = {int(asked) for asked in request.user_ids if asked.isascii() and asked.isdigit() and len(asked) < 19}
        systems = {asked for asked in request.user_ids if asked.startswith(SYSTEM_PREFIX)}
        names: dict[str, str] = {}
        async with self._sessions() as session:
            if people:
                found = await session.execute(
                    select(models.User.id, models.Company.name)
                    .join(models.Company, models.Company.duns == models.User.company_duns)
                    .where(models.User.id.in_(people))
                )
                names |= {str(user_id): company for user_id, company in found}
            if systems:
                first_ercot = select(models.Company.name).where(models.Company.kind == "ERCOT")
                ercot = await session.scalar(first_ercot.order_by(models.Company.created_at))
                names |= dict.fromkeys(systems, ercot or "")
        return pb.GetCompaniesOfResponse(company_names=names)

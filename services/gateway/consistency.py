"""The last result of `flightrak check` (flightrak.consistency), as the identity service keeps it: on ERCOT's
operations page and at GET /api/v1/operations/consistency. ERCOT's staff only: the service refuses anyone else."""

from fastapi import APIRouter

from flightrak.identity.v1 import consistency_pb2 as pb
from flightrak.identity.v1 import consistency_pb2_grpc
from services.gateway import schemas
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller
from services.gateway.backends import call

ConsistencyCheck = schemas.proto_model(pb.ConsistencyCheck.DESCRIPTOR)


async def last_check(app, token: str) -> dict:
    stub = consistency_pb2_grpc.ConsistencyServiceStub(app.state.backends.channels["identity"])
    return as_json(await call(stub.GetLastCheck, pb.GetLastCheckRequest(), token))


def register(app, router: APIRouter) -> None:
    @router.get(
        "/consistency",
        summary="The last consistency check: open items whose projection differs from their workflow, and "
        "transactions that did not show in the steps they advanced (ERCOT's staff)",
        **schemas.success(ConsistencyCheck),
    )
    async def last_consistency_check(caller: ApiCaller) -> dict:
        return await last_check(app, caller.token)
